using System;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>Messages and payload bytes one channel sent and received.</summary>
    public struct ChannelStats
    {
        public long MessagesSent;
        public long MessagesReceived;
        public long BytesSent;
        public long BytesReceived;
    }

    /// <summary>
    /// Godot's WebRTCDataChannel (a PacketPeer). Channels come from
    /// <see cref="WebRtcPeerConnection.CreateDataChannel(string, string)"/>,
    /// from <see cref="WebRtcPeerConnection.DataChannelReceived"/> (both owned
    /// by you: Dispose them, or the finalizer will) or from
    /// <see cref="WebRtcMultiplayerPeer.GetPeer"/> (owned by the mesh:
    /// Dispose does nothing, and they stop working once the peer leaves the
    /// mesh). Not thread-affine, but the receive buffer of
    /// <see cref="GetPacket()"/> is shared per channel: take packets of one
    /// channel from one thread at a time.
    /// </summary>
    public sealed unsafe class WebRtcDataChannel : IDisposable
    {
        /// <summary>WebRTCDataChannel.ChannelState.</summary>
        public enum ChannelState { Connecting = 0, Open = 1, Closing = 2, Closed = 3 }

        /// <summary>WebRTCDataChannel.WriteMode.</summary>
        public enum WriteModeEnum { Text = 0, Binary = 1 }

        readonly MeshRtcHandle h;
        readonly PacketPeer packets;

        internal WebRtcDataChannel(long handle, bool owned)
        {
            h = new MeshRtcHandle(handle, MeshRtcHandle.Kind.Channel, owned);
            packets = new PacketPeer(h, "WebRtcDataChannel", PacketPeer.Channel);
            IsOwned = owned;
        }

        /// <summary>The native handle (for logs and the raw NativeMethods API).</summary>
        public long Handle { get { return h.RawValue; } }

        /// <summary>True once Dispose was called.</summary>
        public bool IsDisposed { get { return h.IsClosed; } }

        /// <summary>False for channels the mesh owns.</summary>
        public bool IsOwned { get; private set; }

        /// <summary>
        /// Destroys the native channel; later calls throw ObjectDisposedException.
        /// For a mesh-owned channel only this wrapper becomes unusable (the
        /// channel stays in the mesh; GetPeer hands out a new wrapper).
        /// </summary>
        public void Dispose()
        {
            h.Dispose();
        }

        MeshRtcHandle.Scope Use() { return h.Use("WebRtcDataChannel"); }

        static void Check(int rc, string fn) { MeshRtcLibrary.Check(rc, fn); }

        /// <summary>WebRTCDataChannel.poll (optional: the owning peer keeps its channels up to date).</summary>
        public void Poll()
        {
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_poll(s.Value), "meshrtc_channel_poll");
        }

        /// <summary>WebRTCDataChannel.close; received packets stay readable.</summary>
        public void Close()
        {
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_close(s.Value), "meshrtc_channel_close");
        }

        // ------------------------------------------------------ PacketPeer

        /// <summary>PacketPeer.put_packet: sends one message in the current write mode.</summary>
        public void PutPacket(byte[] data) { packets.Put(data); }

        /// <summary>Sends data[offset .. offset+count) as one message.</summary>
        public void PutPacket(byte[] data, int offset, int count) { packets.Put(data, offset, count); }

#if !MESHRTC_NO_SPAN
        /// <summary>Sends data as one message (no copy on the managed side).</summary>
        public void PutPacket(ReadOnlySpan<byte> data) { packets.Put(data); }
#endif

        /// <summary>Sends len bytes at data (may be null when len is 0).</summary>
        public void PutPacket(byte* data, int len) { packets.Put(data, len); }

        /// <summary>
        /// Takes the next message into buffer, replacing buffer by a larger
        /// array when it is too small (so one array can be reused for every
        /// packet). False when no message is queued.
        /// </summary>
        public bool TryGetPacket(ref byte[] buffer, out int length) { return packets.TryGet(ref buffer, out length); }

        /// <summary>PacketPeer.get_packet: the next message in a new array; MeshRtcException (Unavailable) when none.</summary>
        public byte[] GetPacket() { return packets.Get(); }

        /// <summary>PacketPeer.get_available_packet_count.</summary>
        public int GetAvailablePacketCount() { return packets.Count(); }

        /// <summary>The largest message PutPacket accepts.</summary>
        public int GetMaxPacketSize()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_max_packet_size(s.Value, out v), "meshrtc_channel_get_max_packet_size");
            return v;
        }

        /// <summary>WebRTCDataChannel.write_mode (Binary by default).</summary>
        public WriteModeEnum WriteMode
        {
            get
            {
                int v;
                using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_write_mode(s.Value, out v), "meshrtc_channel_get_write_mode");
                return (WriteModeEnum)v;
            }
            set
            {
                using (var s = Use()) Check(NativeMethods.meshrtc_channel_set_write_mode(s.Value, (int)value), "meshrtc_channel_set_write_mode");
            }
        }

        /// <summary>True if the last packet taken was sent as text.</summary>
        public bool WasStringPacket()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_was_string_packet(s.Value, out v), "meshrtc_channel_was_string_packet");
            return v != 0;
        }

        public ChannelState GetReadyState()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_ready_state(s.Value, out v), "meshrtc_channel_get_ready_state");
            return (ChannelState)v;
        }

        public string GetLabel()
        {
            using (var s = Use()) return Text(s.Value, false);
        }

        public string GetProtocol()
        {
            using (var s = Use()) return Text(s.Value, true);
        }

        static string Text(long ch, bool protocol)
        {
            string fn = protocol ? "meshrtc_channel_get_protocol" : "meshrtc_channel_get_label";
            byte* small = stackalloc byte[256];
            int len;
            int rc = protocol ? NativeMethods.meshrtc_channel_get_protocol(ch, small, 256, out len)
                              : NativeMethods.meshrtc_channel_get_label(ch, small, 256, out len);
            if (rc == 0) return Utf8.Decode(small, len);
            if (rc != (int)Error.ParameterRangeError) Check(rc, fn);
            byte[] big = new byte[len + 1];
            fixed (byte* p = big)
            {
                rc = protocol ? NativeMethods.meshrtc_channel_get_protocol(ch, p, big.Length, out len)
                              : NativeMethods.meshrtc_channel_get_label(ch, p, big.Length, out len);
            }
            Check(rc, fn);
            return Utf8.Decode(big, len);
        }

        public bool IsOrdered()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_is_ordered(s.Value, out v), "meshrtc_channel_is_ordered");
            return v != 0;
        }

        /// <summary>The SCTP stream id, 65535 while an in-band channel has none yet.</summary>
        public int GetId()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_id(s.Value, out v), "meshrtc_channel_get_id");
            return v;
        }

        /// <summary>Milliseconds, 65535 when not set.</summary>
        public int GetMaxPacketLifeTime()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_max_packet_life_time(s.Value, out v), "meshrtc_channel_get_max_packet_life_time");
            return v;
        }

        /// <summary>65535 when not set.</summary>
        public int GetMaxRetransmits()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_max_retransmits(s.Value, out v), "meshrtc_channel_get_max_retransmits");
            return v;
        }

        public bool IsNegotiated()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_is_negotiated(s.Value, out v), "meshrtc_channel_is_negotiated");
            return v != 0;
        }

        /// <summary>Bytes queued for sending.</summary>
        public long GetBufferedAmount()
        {
            long v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_buffered_amount(s.Value, out v), "meshrtc_channel_get_buffered_amount");
            return v;
        }

        /// <summary>Messages an unreliable channel dropped because its receive queue was full.</summary>
        public long GetDroppedCount()
        {
            long v;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_dropped_count(s.Value, out v), "meshrtc_channel_get_dropped_count");
            return v;
        }

        public ChannelStats GetStats()
        {
            ChannelStatsNative n;
            using (var s = Use()) Check(NativeMethods.meshrtc_channel_get_stats(s.Value, out n), "meshrtc_channel_get_stats");
            return new ChannelStats
            {
                MessagesSent = n.MessagesSent,
                MessagesReceived = n.MessagesReceived,
                BytesSent = n.BytesSent,
                BytesReceived = n.BytesReceived,
            };
        }

        public override string ToString()
        {
            return "WebRtcDataChannel(" + h.RawValue + (h.IsClosed ? ", disposed)" : ")");
        }
    }
}
