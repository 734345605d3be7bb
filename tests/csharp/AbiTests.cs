// The binding against the header: every function both ways with its
// parameter types, every #define, the structs' layout (measured by a C
// program compiled against the header) and the ABI/version check.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using MeshRtc.Native;

namespace MeshRtc.Tests
{
    public static class AbiTests
    {
        static string Header()
        {
            string text = File.ReadAllText(Path.Combine(T.RepoRoot, "include/meshrtc.h"));
            text = Regex.Replace(text, @"/\*.*?\*/", " ", RegexOptions.Singleline);
            return text;
        }

        sealed class CParam
        {
            public string Canon;   // i32, i64, u8*, ptr*, struct:meshrtc_peer_event*, ...
            public bool ConstPointee;
            public string Name;
        }

        static readonly Dictionary<string, string> cBase = new Dictionary<string, string>
        {
            { "int32_t", "i32" }, { "int64_t", "i64" }, { "meshrtc_peer", "i64" }, { "meshrtc_channel", "i64" },
            { "meshrtc_mesh", "i64" }, { "meshrtc_lobby", "i64" }, { "char", "u8" }, { "uint8_t", "u8" },
            { "meshrtc_peer_event", "struct:meshrtc_peer_event" }, { "meshrtc_peer_stats", "struct:meshrtc_peer_stats" },
            { "meshrtc_channel_stats", "struct:meshrtc_channel_stats" }, { "meshrtc_lobby_event", "struct:meshrtc_lobby_event" },
            { "meshrtc_packet_info", "struct:meshrtc_packet_info" },
        };

        static string CCanon(string baseType, int stars)
        {
            string b;
            if (!cBase.TryGetValue(baseType, out b)) throw new TestFailure("header uses an unmapped type " + baseType);
            if (stars >= 2) return "ptr" + new string('*', stars - 1);
            return b + new string('*', stars);
        }

        static CParam ParseCParam(string p)
        {
            p = p.Trim();
            bool isConst = Regex.IsMatch(p, @"\bconst\b");
            p = Regex.Replace(p, @"\bconst\b", " ");
            int stars = p.Count(c => c == '*');
            var words = p.Replace("*", " ").Split(new[] { ' ', '\t', '\n' }, StringSplitOptions.RemoveEmptyEntries);
            T.Check(words.Length == 2, "cannot parse C parameter '" + p + "'");
            return new CParam { Canon = CCanon(words[0], stars), ConstPointee = isConst && stars == 1, Name = words[1] };
        }

        static Dictionary<string, KeyValuePair<string, List<CParam>>> HeaderFunctions()
        {
            var d = new Dictionary<string, KeyValuePair<string, List<CParam>>>();
            string text = Regex.Replace(Header(), @"^\s*#.*$", " ", RegexOptions.Multiline);
            foreach (Match m in Regex.Matches(text, @"([A-Za-z_][\w \t\*]*?)\b(meshrtc_\w+)\s*\(([^;{}]*?)\)\s*;"))
            {
                string ret = Regex.Replace(m.Groups[1].Value, @"\bMESHRTC_API\b", " ").Trim();
                string name = m.Groups[2].Value;
                string args = m.Groups[3].Value.Trim();
                var ps = new List<CParam>();
                if (args != "void")
                    foreach (string a in args.Split(',')) ps.Add(ParseCParam(a));
                d.Add(name, new KeyValuePair<string, List<CParam>>(ret, ps));
            }
            return d;
        }

        static readonly Dictionary<Type, string> csBase = new Dictionary<Type, string>
        {
            { typeof(int), "i32" }, { typeof(long), "i64" }, { typeof(byte), "u8" }, { typeof(IntPtr), "ptr" },
            { typeof(PeerEventNative), "struct:meshrtc_peer_event" }, { typeof(PeerStatsNative), "struct:meshrtc_peer_stats" },
            { typeof(ChannelStatsNative), "struct:meshrtc_channel_stats" }, { typeof(LobbyEventNative), "struct:meshrtc_lobby_event" },
            { typeof(PacketInfoNative), "struct:meshrtc_packet_info" },
        };

        static string CsCanon(Type t)
        {
            if (typeof(Delegate).IsAssignableFrom(t)) throw new TestFailure("delegate parameter " + t);
            if (t.IsByRef || t.IsArray || t.IsPointer) return CsCanon(t.GetElementType()) + "*";
            string b;
            if (!csBase.TryGetValue(t, out b)) throw new TestFailure("NativeMethods uses a non fixed-width type " + t);
            return b;
        }

        public static void Functions()
        {
            var header = HeaderFunctions();
            T.Check(header.Count >= 70, "found only " + header.Count + " functions in the header");
            var externs = typeof(NativeMethods).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0).ToList();
            var seen = new HashSet<string>();
            var problems = new List<string>();
            foreach (var m in externs)
            {
                var dll = (DllImportAttribute)m.GetCustomAttributes(typeof(DllImportAttribute), false).FirstOrDefault();
                if (dll == null) { problems.Add(m.Name + ": no DllImport attribute visible"); continue; }
                string entry = string.IsNullOrEmpty(dll.EntryPoint) ? m.Name : dll.EntryPoint;
                if (dll.Value != "meshrtc") problems.Add(m.Name + ": library " + dll.Value);
                if (dll.CallingConvention != CallingConvention.Cdecl) problems.Add(m.Name + ": " + dll.CallingConvention);
                if (entry != m.Name) problems.Add(m.Name + ": entry point " + entry);
                seen.Add(entry);
                // Binds the entry point now: EntryPointNotFoundException if the loaded library lacks it.
                try { Marshal.Prelink(m); }
                catch (Exception e) { problems.Add(entry + ": does not bind in the loaded library: " + e.Message); }
                KeyValuePair<string, List<CParam>> c;
                if (!header.TryGetValue(entry, out c)) { problems.Add(entry + ": not in meshrtc.h"); continue; }
                if (c.Key != "int32_t" || m.ReturnType != typeof(int)) problems.Add(entry + ": return " + c.Key + " vs " + m.ReturnType);
                var ps = m.GetParameters();
                if (ps.Length != c.Value.Count) { problems.Add(entry + ": " + ps.Length + " parameters vs " + c.Value.Count); continue; }
                for (int i = 0; i < ps.Length; i++)
                {
                    var cp = c.Value[i];
                    var p = ps[i];
                    string cs;
                    try { cs = CsCanon(p.ParameterType); }
                    catch (TestFailure e) { problems.Add(entry + " " + p.Name + ": " + e.Message); continue; }
                    if (cs != cp.Canon) problems.Add(entry + " " + cp.Name + ": C " + cp.Canon + " vs C# " + cs + " (" + p.ParameterType + ")");
                    bool byRef = p.ParameterType.IsByRef;
                    if (cp.ConstPointee && (byRef || (p.ParameterType.IsArray && !p.IsIn)))
                        problems.Add(entry + " " + cp.Name + ": const input must be an [In] array or a pointer");
                    if (!cp.ConstPointee && cp.Canon.EndsWith("*") && byRef && !p.IsOut)
                        problems.Add(entry + " " + cp.Name + ": output must be 'out'");
                    if (cp.Name.StartsWith("out_") && !(byRef || p.ParameterType.IsArray || p.ParameterType.IsPointer))
                        problems.Add(entry + " " + cp.Name + ": output passed by value");
                }
            }
            foreach (var name in header.Keys)
                if (!seen.Contains(name)) problems.Add(name + ": in meshrtc.h but not in NativeMethods");
            if (problems.Count > 0) throw new TestFailure(problems.Count + " ABI mismatches:\n  " + string.Join("\n  ", problems));
            Console.WriteLine("     {0} functions match meshrtc.h both ways", header.Count);
        }

        static string Pascal(string upperSnake)
        {
            return string.Concat(upperSnake.Split('_').Select(w => w.Substring(0, 1) + w.Substring(1).ToLowerInvariant()));
        }

        public static void Constants()
        {
            var defines = new Dictionary<string, int>();
            foreach (Match m in Regex.Matches(Header(), @"^#define\s+(MESHRTC_[A-Z0-9_]+)\s+(-?\d+)\b", RegexOptions.Multiline))
                defines[m.Groups[1].Value] = int.Parse(m.Groups[2].Value);
            T.Check(defines.Count >= 60, "found only " + defines.Count + " #defines");

            // prefix -> enum mirroring it (longest prefixes first)
            var enums = new List<KeyValuePair<string, Type>>
            {
                new KeyValuePair<string, Type>("MESHRTC_GATHERING_STATE_", typeof(WebRtcPeerConnection.GatheringState)),
                new KeyValuePair<string, Type>("MESHRTC_SIGNALING_STATE_", typeof(WebRtcPeerConnection.SignalingState)),
                new KeyValuePair<string, Type>("MESHRTC_CHANNEL_STATE_", typeof(WebRtcDataChannel.ChannelState)),
                new KeyValuePair<string, Type>("MESHRTC_STATE_", typeof(WebRtcPeerConnection.ConnectionState)),
                new KeyValuePair<string, Type>("MESHRTC_WRITE_MODE_", typeof(WebRtcDataChannel.WriteModeEnum)),
                new KeyValuePair<string, Type>("MESHRTC_LOG_", typeof(LogLevel)),
                new KeyValuePair<string, Type>("MESHRTC_CANDIDATE_", typeof(CandidateType)),
                new KeyValuePair<string, Type>("MESHRTC_TRANSFER_MODE_", typeof(WebRtcMultiplayerPeer.TransferModeEnum)),
                new KeyValuePair<string, Type>("MESHRTC_CONNECTION_", typeof(WebRtcMultiplayerPeer.ConnectionStatus)),
                new KeyValuePair<string, Type>("MESHRTC_ERR_", typeof(Error)),
                new KeyValuePair<string, Type>("MESHRTC_LOBBY_EVENT_", typeof(WebRtcLobby.EventType)),
            };
            var rename = new Dictionary<string, string> { { "Srflx", "ServerReflexive" }, { "Prflx", "PeerReflexive" } };
            var consts = typeof(NativeConstants).GetFields(BindingFlags.Public | BindingFlags.Static)
                .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue());
            var problems = new List<string>();
            var covered = new HashSet<string>(); // "Type.Member"
            foreach (var kv in defines)
            {
                string name = kv.Key;
                int value = kv.Value;
                int c;
                if (consts.TryGetValue(name, out c))
                {
                    if (c != value) problems.Add(name + " = " + value + " but NativeConstants has " + c);
                    continue;
                }
                Type en = null;
                string member = null;
                if (name == "MESHRTC_OK" || name == "MESHRTC_FAILED") { en = typeof(Error); member = Pascal(name.Substring(8)); }
                else
                    foreach (var e in enums)
                        if (name.StartsWith(e.Key)) { en = e.Value; member = Pascal(name.Substring(e.Key.Length)); break; }
                if (en == null) { problems.Add(name + ": no C# mirror"); continue; }
                string renamed;
                if (rename.TryGetValue(member, out renamed)) member = renamed;
                if (!Enum.IsDefined(en, member)) { problems.Add(name + ": " + en.Name + "." + member + " missing"); continue; }
                int ev = Convert.ToInt32(Enum.Parse(en, member));
                if (ev != value) problems.Add(name + " = " + value + " but " + en.Name + "." + member + " = " + ev);
                covered.Add(en.FullName + "." + member);
            }
            // The other direction: no enum member or constant the header lacks.
            foreach (var e in enums.Select(x => x.Value).Distinct())
                foreach (string member in Enum.GetNames(e))
                    if (!covered.Contains(e.FullName + "." + member)) problems.Add(e.Name + "." + member + ": not in meshrtc.h");
            foreach (var name in consts.Keys)
                if (!defines.ContainsKey(name)) problems.Add("NativeConstants." + name + ": not in meshrtc.h");
            if (problems.Count > 0) throw new TestFailure(string.Join("\n  ", problems));
            Console.WriteLine("     {0} #defines mirrored both ways", defines.Count);
        }

        public static void Structs()
        {
            // layout.txt: "size <struct> <bytes>" and "offset <struct> <field> <bytes>" from layout.c.
            var types = new Dictionary<string, Type>
            {
                { "meshrtc_peer_event", typeof(PeerEventNative) },
                { "meshrtc_peer_stats", typeof(PeerStatsNative) },
                { "meshrtc_channel_stats", typeof(ChannelStatsNative) },
                { "meshrtc_lobby_event", typeof(LobbyEventNative) },
                { "meshrtc_packet_info", typeof(PacketInfoNative) },
            };
            int lines = 0;
            var fieldsSeen = new HashSet<string>();
            foreach (string line in File.ReadAllLines(T.LayoutFile))
            {
                var w = line.Split(' ');
                if (w.Length < 3) continue;
                Type t;
                T.Check(types.TryGetValue(w[1], out t), "layout.txt names an unknown struct " + w[1]);
                if (w[0] == "size")
                {
                    T.Equal(int.Parse(w[2]), Marshal.SizeOf(t), "sizeof " + w[1]);
                }
                else
                {
                    string field = Pascal(w[2].ToUpperInvariant());
                    T.Check(t.GetField(field) != null, t.Name + " lacks field " + field);
                    T.Equal(int.Parse(w[3]), (int)Marshal.OffsetOf(t, field), "offsetof " + w[1] + "." + w[2]);
                    fieldsSeen.Add(t.Name + "." + field);
                }
                lines++;
            }
            foreach (var t in types.Values)
                foreach (var f in t.GetFields())
                    T.Check(fieldsSeen.Contains(t.Name + "." + f.Name), t.Name + "." + f.Name + " is not in the C struct");
            T.Check(lines >= 20, "layout.txt has only " + lines + " lines");
        }

        public static void Version()
        {
            T.Equal(NativeMethods.AbiVersion, MeshRtcLibrary.AbiVersion, "ABI version");
            var v = MeshRtcLibrary.Version;
            T.Equal(new System.Version(NativeConstants.MESHRTC_VERSION_MAJOR, NativeConstants.MESHRTC_VERSION_MINOR,
                NativeConstants.MESHRTC_VERSION_PATCH), v, "library version");
            // The mismatch path, as the binding would meet it at first use.
            var e = T.Throws<MeshRtcAbiMismatchException>(() => MeshRtcLibrary.CheckAbi(NativeMethods.AbiVersion + 1, NativeMethods.AbiVersion), "ABI mismatch");
            T.Equal(Error.Unavailable, e.Code, "mismatch code");
            T.Equal(NativeMethods.AbiVersion + 1, e.LoadedAbiVersion, "loaded version");
            T.Check(e.Message.Contains("ABI version " + (NativeMethods.AbiVersion + 1)) && e.Message.Contains("built for ABI version " + NativeMethods.AbiVersion),
                "mismatch message names both versions: " + e.Message);
            MeshRtcLibrary.CheckAbi(1, 1);
        }

        /// <summary>
        /// Run without the library on the search path (tests/csharp/run.sh
        /// does): the first object throws DllNotFoundException saying where
        /// the library belongs, not an error from a type initializer.
        /// </summary>
        public static void LibraryMissing()
        {
            var e = T.Throws<DllNotFoundException>(() => new WebRtcPeerConnection(), "first object without the library");
            T.Check(e.Message.Contains("LD_LIBRARY_PATH") && e.Message.Contains("Runtime/Plugins/"),
                "the message says where the library belongs: " + e.Message);
        }

        public static void GcSettings()
        {
            var before = MeshRtcLibrary.SetGc();
            var now = MeshRtcLibrary.SetGc(150, 128L << 20);
            T.Equal(150, now.GcPercent, "gc percent");
            T.Equal(128L << 20, now.MemoryLimit, "memory limit");
            var e = T.Throws<MeshRtcException>(() => MeshRtcLibrary.SetGc(5), "gc percent 5");
            T.Equal(Error.InvalidParameter, e.Code, "code");
            T.Check(e.NativeMessage.Contains("gc_percent 5"), "message: " + e.NativeMessage);
            T.Equal("meshrtc_set_gc", e.Function, "function in the exception");
            T.Equal(150, MeshRtcLibrary.SetGc().GcPercent, "unchanged after the failure");
            now = MeshRtcLibrary.SetGc(-1, 0);
            T.Equal(0L, now.MemoryLimit, "no limit");
            MeshRtcLibrary.SetGc(before.GcPercent > 0 ? before.GcPercent : 100, before.MemoryLimit);
        }
    }
}
