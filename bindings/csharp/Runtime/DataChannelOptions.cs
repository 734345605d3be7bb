using System;
using System.Globalization;
using System.Text;

namespace MeshRtc
{
    /// <summary>
    /// The options Dictionary of WebRTCPeerConnection.create_data_channel
    /// (keys negotiated, id, ordered, protocol, maxRetransmits,
    /// maxPacketLifeTime), written as the JSON the C ABI takes. Null members
    /// are left out (the library's defaults apply).
    /// </summary>
    public sealed class DataChannelOptions
    {
        public bool? Negotiated;
        public int? Id;
        public bool? Ordered;
        public string Protocol;
        public int? MaxRetransmits;
        public int? MaxPacketLifeTime;

        public string ToJson()
        {
            var sb = new StringBuilder("{");
            if (Negotiated.HasValue) Add(sb, "negotiated", Negotiated.Value ? "true" : "false");
            if (Id.HasValue) Add(sb, "id", Id.Value.ToString(CultureInfo.InvariantCulture));
            if (Ordered.HasValue) Add(sb, "ordered", Ordered.Value ? "true" : "false");
            if (Protocol != null) Add(sb, "protocol", Json.Quote(Protocol));
            if (MaxRetransmits.HasValue) Add(sb, "maxRetransmits", MaxRetransmits.Value.ToString(CultureInfo.InvariantCulture));
            if (MaxPacketLifeTime.HasValue) Add(sb, "maxPacketLifeTime", MaxPacketLifeTime.Value.ToString(CultureInfo.InvariantCulture));
            return sb.Append('}').ToString();
        }

        static void Add(StringBuilder sb, string key, string value)
        {
            if (sb.Length > 1) sb.Append(',');
            sb.Append('"').Append(key).Append("\":").Append(value);
        }

        public override string ToString() { return ToJson(); }
    }

    internal static class Json
    {
        /// <summary>s as a JSON string literal.</summary>
        internal static string Quote(string s)
        {
            var sb = new StringBuilder(s.Length + 2).Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            return sb.Append('"').ToString();
        }
    }
}
