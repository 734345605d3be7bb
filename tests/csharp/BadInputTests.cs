// Bad input: disposed objects, bad arguments, wrong states, bad SDP and mesh
// misuse raise the right exceptions (ObjectDisposedException, Argument*,
// MeshRtcException with the Godot code and the library's message).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using MeshRtc.Native;
using TM = MeshRtc.WebRtcMultiplayerPeer.TransferModeEnum;

namespace MeshRtc.Tests
{
    public static class BadInputTests
    {
        static void Disposed<TO>(TO o, string what, params Action<TO>[] calls)
        {
            int i = 0;
            foreach (var c in calls)
            {
                T.Throws<ObjectDisposedException>(() => c(o), what + " call " + i);
                i++;
            }
        }

        public static void Disposed()
        {
            int destroyedBefore = MeshRtcHandle.Destroyed;
            var p = new WebRtcPeerConnection();
            p.Initialize(Net.Loopback);
            var ch = p.CreateDataChannel("x");
            var m = new WebRtcMultiplayerPeer();
            ch.Dispose();
            ch.Dispose(); // twice is fine
            p.Dispose();
            p.Dispose();
            m.Dispose();
            m.Dispose();
            T.Equal(3, MeshRtcHandle.Destroyed - destroyedBefore, "three destroys for three objects disposed twice");
            T.Equal(0, MeshRtcHandle.DestroyFailures, "destroy failures");
            T.Check(p.IsDisposed && ch.IsDisposed, "IsDisposed");
            var e = T.Throws<ObjectDisposedException>(() => p.CreateOffer(), "disposed peer");
            T.Check(e.ObjectName == "WebRtcPeerConnection", "ObjectDisposedException names the class: " + e.ObjectName);
            Disposed(p, "peer",
                x => x.Initialize(Net.Loopback), x => x.CreateDataChannel("y"), x => x.CreateOffer(),
                x => x.SetLocalDescription("offer", "v=0"), x => x.SetRemoteDescription("offer", "v=0"),
                x => x.AddIceCandidate("0", 0, ""), x => x.Poll(), x => x.Close(), x => x.GetConnectionState(),
                x => x.GetGatheringState(), x => x.GetSignalingState(), x => x.GetStats());
            byte[] buf = null;
            int n;
            Disposed(ch, "channel",
                x => x.Poll(), x => x.Close(), x => x.PutPacket(new byte[1]), x => x.PutPacket(new byte[2], 1, 1),
                x => x.PutPacket(new ReadOnlySpan<byte>(new byte[1])), x => x.GetPacket(), x => x.TryGetPacket(ref buf, out n),
                x => x.PutPackets(new byte[1], new[] { 1 }), x => x.GetPackets(new byte[1], new PacketInfo[1]),
                x => x.GetAvailablePacketCount(), x => x.GetMaxPacketSize(), x => { var w = x.WriteMode; },
                x => x.WriteMode = WebRtcDataChannel.WriteModeEnum.Text, x => x.WasStringPacket(), x => x.GetReadyState(),
                x => x.GetLabel(), x => x.GetProtocol(), x => x.IsOrdered(), x => x.GetId(), x => x.GetMaxPacketLifeTime(),
                x => x.GetMaxRetransmits(), x => x.IsNegotiated(), x => x.GetBufferedAmount(), x => x.GetDroppedCount(),
                x => x.GetStats());
            Disposed(m, "mesh",
                x => x.CreateServer(), x => x.CreateClient(2), x => x.CreateMesh(1), x => x.Initialize(1), x => x.SetOptions("{}"),
                x => x.RemovePeer(2), x => x.DisconnectPeer(2), x => x.HasPeer(2), x => x.GetPeer(2), x => x.GetPeers(),
                x => x.GetPeerIds(), x => { var t = x.TargetPeer; }, x => x.TargetPeer = 2, x => { var t = x.TransferMode; },
                x => x.TransferChannel = 1, x => { var r = x.RefuseNewConnections; }, x => x.PutPacket(new byte[1]),
                x => x.GetPacket(), x => x.TryGetPacket(ref buf, out n), x => x.PutPackets(new byte[1], new[] { 1 }),
                x => x.GetPackets(new byte[1], new PacketInfo[1]), x => x.GetAvailablePacketCount(), x => x.GetPacketPeer(),
                x => x.GetPacketChannel(), x => x.GetPacketMode(), x => x.Poll(), x => x.Close(), x => x.GetUniqueId(),
                x => x.GetConnectionStatus(), x => x.IsServerRelaySupported(), x => x.GetMaxPacketSize());
            using (var live = new WebRtcMultiplayerPeer())
            {
                live.CreateMesh(1);
                T.Throws<ObjectDisposedException>(() => live.AddPeer(p, 2), "AddPeer with a disposed connection");
            }
        }

        public static void Arguments()
        {
            using (var p = new WebRtcPeerConnection())
            {
                p.Initialize(); // default configuration (null = {})
                p.Initialize(Net.Loopback);
                T.Throws<ArgumentNullException>(() => p.CreateDataChannel(null), "null label");
                T.Throws<ArgumentNullException>(() => p.SetLocalDescription("offer", null), "null sdp");
                T.Throws<ArgumentNullException>(() => p.SetRemoteDescription(null, "v=0"), "null type");
                T.Throws<ArgumentNullException>(() => p.AddIceCandidate(null, 0, "candidate:"), "null media");
                T.Throws<ArgumentException>(() => p.CreateDataChannel("bad \ud800 surrogate"), "lone surrogate");
                var e = T.ThrowsCode(Error.InvalidParameter, () => p.Initialize("{not json"), "malformed config");
                e = T.ThrowsCode(Error.InvalidParameter, () => p.Initialize("{\"meshrtc\":{\"interfacez\":[\"lo\"]}}"), "unknown meshrtc key");
                T.Check(e.NativeMessage.Contains("interfacez"), "message names the key: " + e.NativeMessage);
                T.Equal("meshrtc_peer_initialize", e.Function, "function in the exception");
                T.ThrowsCode(Error.InvalidParameter, () => p.CreateDataChannel("x", "{\"maxRetransmits\":1,\"maxPacketLifeTime\":1}"), "both reliability limits");
                T.ThrowsCode(Error.InvalidParameter, () => p.CreateDataChannel("x", "{\"negotiated\":true}"), "negotiated without id");
                T.ThrowsCode(Error.InvalidParameter, () => p.CreateDataChannel("x", new DataChannelOptions { Id = 70000, Negotiated = true }), "id out of range");
                T.ThrowsCode(Error.InvalidParameter, () => p.SetLocalDescription("bogus", "v=0\r\n"), "unknown sdp type");
                T.ThrowsCode(Error.InvalidParameter, () => p.AddIceCandidate("0", -1, "candidate:1 1 udp 1 127.0.0.1 1 typ host"), "negative index");
                T.ThrowsCode(Error.InvalidParameter, () => p.AddIceCandidate("0", 0, "not a candidate"), "malformed candidate");
                var ch = p.CreateDataChannel("x");
                T.Throws<ArgumentNullException>(() => ch.PutPacket((byte[])null), "null data");
                T.Throws<ArgumentOutOfRangeException>(() => ch.PutPacket(new byte[4], 3, 2), "count past the end");
                T.Throws<ArgumentOutOfRangeException>(() => ch.PutPacket(new byte[4], -1, 1), "negative offset");
                T.ThrowsCode(Error.InvalidParameter, () => ch.WriteMode = (WebRtcDataChannel.WriteModeEnum)5, "bad write mode");
                ch.Dispose();
            }
            using (var m = new WebRtcMultiplayerPeer())
            {
                T.ThrowsCode(Error.InvalidParameter, () => m.CreateMesh(0), "mesh id 0");
                T.ThrowsCode(Error.InvalidParameter, () => m.CreateClient(1), "client id 1");
                T.ThrowsCode(Error.InvalidParameter, () => m.CreateServer((TM)9), "bad channel mode");
                T.ThrowsCode(Error.InvalidParameter, () => m.TransferMode = (TM)7, "bad transfer mode");
                T.ThrowsCode(Error.InvalidParameter, () => m.TransferChannel = 256, "bad transfer channel");
                T.ThrowsCode(Error.InvalidParameter, () => m.SetOptions("{\"nope\":1}"), "unknown mesh option");
                T.Throws<ArgumentNullException>(() => m.AddPeer(null, 2), "null peer");
                T.Throws<ArgumentNullException>(() => m.PutPacket((byte[])null), "null mesh data");
            }
        }

        public static void WrongStates()
        {
            using (var p = new Pair())
            {
                T.ThrowsCode(Error.Unconfigured, () => p.A.CreateOffer(), "offer without a channel");
                var a = p.A.CreateDataChannel("s", new DataChannelOptions { Negotiated = true, Id = 1 });
                var b = p.B.CreateDataChannel("s", new DataChannelOptions { Negotiated = true, Id = 1 });
                T.ThrowsCode(Error.Unavailable, () => a.PutPacket(new byte[] { 1 }), "send while connecting");
                p.A.CreateOffer();
                p.WaitOpen(a, b);
                T.ThrowsCode(Error.Unavailable, () => p.A.CreateDataChannel("late"), "create_data_channel after connecting");
                T.ThrowsCode(Error.InvalidParameter, () => a.PutPacket(new byte[a.GetMaxPacketSize() + 1]), "oversize packet");
                a.PutPacket(new byte[a.GetMaxPacketSize()]);
                a.Close();
                a.Close(); // idempotent
                T.ThrowsCode(Error.Failed, () => a.PutPacket(new byte[] { 1 }), "send on a closed channel");
                p.A.Close();
                p.A.Close();
                T.ThrowsCode(Error.Unavailable, () => p.A.CreateOffer(), "offer on a closed connection");
                a.Dispose();
                b.Dispose();
            }
        }

        public static void BadSdp()
        {
            using (var p = new WebRtcPeerConnection())
            using (var q = new WebRtcPeerConnection())
            {
                p.Initialize(Net.Loopback);
                q.Initialize(Net.Loopback);
                T.ThrowsCode(Error.InvalidData, () => p.SetRemoteDescription("offer", "garbage"), "garbage SDP");
                T.ThrowsCode(Error.InvalidData, () => p.SetRemoteDescription("offer", "v=0\r\n"), "SDP without media");
                T.ThrowsCode(Error.InvalidData, () => p.SetLocalDescription("answer", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"), "truncated SDP");
                // A real offer applied as an answer while stable is refused.
                var ch = q.CreateDataChannel("x");
                string offer = null;
                q.SessionDescriptionCreated += (type, sdp) => offer = sdp;
                q.CreateOffer();
                T.WaitUntil(() => offer != null, q.Poll, "an offer");
                var e = Throwsome(() => p.SetRemoteDescription("answer", offer));
                T.Check(e.Code == Error.Failed || e.Code == Error.InvalidData, "answer while stable: " + e.Message);
                T.Equal(WebRtcPeerConnection.SignalingState.Stable, p.GetSignalingState(), "still stable");
                p.SetRemoteDescription("offer", offer); // and the peer still works
                T.Equal(WebRtcPeerConnection.SignalingState.HaveRemoteOffer, p.GetSignalingState(), "have remote offer");
                ch.Dispose();
            }
        }

        static MeshRtcException Throwsome(Action a)
        {
            var e = T.Throws<MeshRtcException>(a, "expected a MeshRtcException");
            T.Check(!string.IsNullOrEmpty(e.NativeMessage), "with a native message");
            return e;
        }

        public static void Mesh()
        {
            using (var m = new WebRtcMultiplayerPeer())
            using (var p = new WebRtcPeerConnection())
            using (var q = new WebRtcPeerConnection())
            {
                p.Initialize(Net.Loopback);
                q.Initialize(Net.Loopback);
                T.Equal(WebRtcMultiplayerPeer.ConnectionStatus.Disconnected, m.GetConnectionStatus(), "new mesh");
                T.ThrowsCode(Error.Unconfigured, () => m.AddPeer(p, 2), "add_peer unconfigured");
                T.ThrowsCode(Error.Unconfigured, () => m.GetUniqueId(), "unique id unconfigured");
                T.ThrowsCode(Error.Unconfigured, () => m.PutPacket(new byte[] { 1 }), "put unconfigured");
                T.ThrowsCode(Error.Unavailable, () => m.GetPacket(), "no packet");
                m.CreateServer(TM.Reliable);
                T.ThrowsCode(Error.InvalidParameter, () => m.AddPeer(p, 1), "server adds 1");
                T.ThrowsCode(Error.InvalidParameter, () => m.AddPeer(p, 2, -1), "negative lifetime");
                m.RefuseNewConnections = true;
                T.Equal(true, m.RefuseNewConnections, "refusing");
                T.ThrowsCode(Error.Unauthorized, () => m.AddPeer(p, 2), "refusing new connections");
                m.RefuseNewConnections = false;
                m.AddPeer(p, 2);
                T.ThrowsCode(Error.AlreadyExists, () => m.AddPeer(q, 2), "id twice");
                T.ThrowsCode(Error.AlreadyExists, () => m.AddPeer(p, 3), "connection twice");
                q.CreateDataChannel("x").Dispose(); // not NEW after... still NEW: channels do not change state
                q.Close();
                T.ThrowsCode(Error.InvalidParameter, () => m.AddPeer(q, 4), "connection not NEW");
                T.Check(m.HasPeer(2) && !m.HasPeer(3), "has peer");
                T.Equal(4, m.GetPeer(2).Channels.Count, "3 + 1 channels");
                T.Check(ReferenceEquals(p, m.GetPeer(2).Connection), "connection object");
                T.ThrowsCode(Error.DoesNotExist, () => m.RemovePeer(9), "remove unknown");
                T.ThrowsCode(Error.DoesNotExist, () => m.DisconnectPeer(9), "disconnect unknown");
                T.ThrowsCode(Error.DoesNotExist, () => m.GetPeer(9), "get unknown");
                m.TargetPeer = 9;
                T.ThrowsCode(Error.InvalidParameter, () => m.PutPacket(new byte[] { 1 }), "target not in mesh");
                m.TargetPeer = 0;
                m.PutPacket(new byte[] { 1 }); // broadcast skips the peer that cannot take it
                T.Equal(0, m.GetAvailablePacketCount(), "nothing received");
                T.Equal(0, m.GetPacketPeer(), "no packet described");
                byte[] buf = null;
                int n;
                T.Equal(false, m.TryGetPacket(ref buf, out n), "TryGetPacket on an empty mesh");
                m.RemovePeer(2);
                T.Equal(false, m.HasPeer(2), "removed");
                T.Equal(WebRtcPeerConnection.ConnectionState.Closed, p.GetConnectionState(), "remove_peer closes the connection");
                m.Close();
                m.Close();
                T.Equal(WebRtcMultiplayerPeer.ConnectionStatus.Disconnected, m.GetConnectionStatus(), "closed");
            }
        }

        /// <summary>
        /// Every wrapper call that fails in the library names its C function:
        /// the native objects are destroyed behind the wrappers, so each call
        /// fails with DoesNotExist, and every function of a peer, channel or
        /// mesh must be in the list.
        /// </summary>
        public static void FunctionNames()
        {
            var p = new WebRtcPeerConnection();
            var live = new WebRtcPeerConnection();
            var c = p.CreateDataChannel("x");
            var m = new WebRtcMultiplayerPeer();
            T.Equal(0, NativeMethods.meshrtc_channel_destroy(c.Handle), "destroy the channel natively");
            T.Equal(0, NativeMethods.meshrtc_peer_destroy(p.Handle), "destroy the peer natively");
            T.Equal(0, NativeMethods.meshrtc_mesh_destroy(m.Handle), "destroy the mesh natively");
            byte[] buf = null;
            int n;
            var calls = new Dictionary<string, Action>
            {
                { "meshrtc_peer_initialize", () => p.Initialize() },
                { "meshrtc_peer_create_data_channel", () => p.CreateDataChannel("y") },
                { "meshrtc_peer_create_offer", () => p.CreateOffer() },
                { "meshrtc_peer_set_local_description", () => p.SetLocalDescription("offer", "v=0") },
                { "meshrtc_peer_set_remote_description", () => p.SetRemoteDescription("offer", "v=0") },
                { "meshrtc_peer_add_ice_candidate", () => p.AddIceCandidate("0", 0, "") },
                { "meshrtc_peer_poll", () => p.Poll() },
                { "meshrtc_peer_close", () => p.Close() },
                { "meshrtc_peer_get_connection_state", () => p.GetConnectionState() },
                { "meshrtc_peer_get_gathering_state", () => p.GetGatheringState() },
                { "meshrtc_peer_get_signaling_state", () => p.GetSignalingState() },
                { "meshrtc_peer_get_stats", () => p.GetStats() },
                { "meshrtc_channel_poll", () => c.Poll() },
                { "meshrtc_channel_close", () => c.Close() },
                { "meshrtc_channel_put_packet", () => c.PutPacket(new byte[1]) },
                { "meshrtc_channel_get_packet", () => c.TryGetPacket(ref buf, out n) },
                { "meshrtc_channel_put_packets", () => c.PutPackets(new byte[1], new[] { 1 }) },
                { "meshrtc_channel_get_packets", () => c.GetPackets(new byte[1], new PacketInfo[1]) },
                { "meshrtc_channel_get_available_packet_count", () => c.GetAvailablePacketCount() },
                { "meshrtc_channel_get_max_packet_size", () => c.GetMaxPacketSize() },
                { "meshrtc_channel_set_write_mode", () => c.WriteMode = WebRtcDataChannel.WriteModeEnum.Text },
                { "meshrtc_channel_get_write_mode", () => { var w = c.WriteMode; } },
                { "meshrtc_channel_was_string_packet", () => c.WasStringPacket() },
                { "meshrtc_channel_get_ready_state", () => c.GetReadyState() },
                { "meshrtc_channel_get_label", () => c.GetLabel() },
                { "meshrtc_channel_get_protocol", () => c.GetProtocol() },
                { "meshrtc_channel_is_ordered", () => c.IsOrdered() },
                { "meshrtc_channel_get_id", () => c.GetId() },
                { "meshrtc_channel_get_max_packet_life_time", () => c.GetMaxPacketLifeTime() },
                { "meshrtc_channel_get_max_retransmits", () => c.GetMaxRetransmits() },
                { "meshrtc_channel_is_negotiated", () => c.IsNegotiated() },
                { "meshrtc_channel_get_buffered_amount", () => c.GetBufferedAmount() },
                { "meshrtc_channel_get_dropped_count", () => c.GetDroppedCount() },
                { "meshrtc_channel_get_stats", () => c.GetStats() },
                { "meshrtc_mesh_set_options", () => m.SetOptions("{}") },
                { "meshrtc_mesh_create_server", () => m.CreateServer() },
                { "meshrtc_mesh_create_client", () => m.CreateClient(2) },
                { "meshrtc_mesh_create_mesh", () => m.CreateMesh(1) },
                { "meshrtc_mesh_initialize", () => m.Initialize(1) },
                { "meshrtc_mesh_add_peer", () => m.AddPeer(live, 2) },
                { "meshrtc_mesh_remove_peer", () => m.RemovePeer(2) },
                { "meshrtc_mesh_disconnect_peer", () => m.DisconnectPeer(2) },
                { "meshrtc_mesh_has_peer", () => m.HasPeer(2) },
                { "meshrtc_mesh_get_peer", () => m.GetPeer(2) },
                { "meshrtc_mesh_get_peers", () => m.GetPeerIds() },
                { "meshrtc_mesh_set_target_peer", () => m.TargetPeer = 2 },
                { "meshrtc_mesh_get_target_peer", () => { var t = m.TargetPeer; } },
                { "meshrtc_mesh_set_transfer_mode", () => m.TransferMode = TM.Reliable },
                { "meshrtc_mesh_get_transfer_mode", () => { var t = m.TransferMode; } },
                { "meshrtc_mesh_set_transfer_channel", () => m.TransferChannel = 1 },
                { "meshrtc_mesh_get_transfer_channel", () => { var t = m.TransferChannel; } },
                { "meshrtc_mesh_set_refuse_new_connections", () => m.RefuseNewConnections = true },
                { "meshrtc_mesh_is_refusing_new_connections", () => { var r = m.RefuseNewConnections; } },
                { "meshrtc_mesh_put_packet", () => m.PutPacket(new byte[1]) },
                { "meshrtc_mesh_get_packet", () => m.GetPacket() },
                { "meshrtc_mesh_put_packets", () => m.PutPackets(new byte[1], new[] { 1 }) },
                { "meshrtc_mesh_get_packets", () => m.GetPackets(new byte[1], new PacketInfo[1]) },
                { "meshrtc_mesh_get_available_packet_count", () => m.GetAvailablePacketCount() },
                { "meshrtc_mesh_get_packet_peer", () => m.GetPacketPeer() },
                { "meshrtc_mesh_get_packet_channel", () => m.GetPacketChannel() },
                { "meshrtc_mesh_get_packet_mode", () => m.GetPacketMode() },
                { "meshrtc_mesh_poll", () => m.Poll() },
                { "meshrtc_mesh_close", () => m.Close() },
                { "meshrtc_mesh_get_unique_id", () => m.GetUniqueId() },
                { "meshrtc_mesh_get_connection_status", () => m.GetConnectionStatus() },
                { "meshrtc_mesh_is_server_relay_supported", () => m.IsServerRelaySupported() },
                { "meshrtc_mesh_get_max_packet_size", () => m.GetMaxPacketSize() },
            };
            foreach (var call in calls)
            {
                var e = T.ThrowsCode(Error.DoesNotExist, call.Value, call.Key);
                T.Equal(call.Key, e.Function, "function in the exception");
                T.Check(e.Message.StartsWith(call.Key + " failed"), "the message starts with it: " + e.Message);
            }
            // Everything but create and destroy (not reached through a live
            // wrapper) and next_event (reached only after a poll succeeded).
            var untested = typeof(NativeMethods).GetMethods()
                .Select(f => f.Name)
                .Where(f => Regex.IsMatch(f, "^meshrtc_(peer|channel|mesh)_") && !Regex.IsMatch(f, "_(create|destroy|next_event)$"))
                .Where(f => !calls.ContainsKey(f))
                .ToList();
            T.Check(untested.Count == 0, "functions missing from the list: " + string.Join(", ", untested));
            c.Dispose();
            p.Dispose();
            m.Dispose();
            live.Dispose();
        }

        public static void Logs()
        {
            MeshRtcLibrary.SetLogLevel(LogLevel.Warn);
            try
            {
                LogLevel level;
                string line;
                while (MeshRtcLibrary.TryGetLogLine(out level, out line)) { }
                using (var p = new WebRtcPeerConnection())
                    p.Initialize("{\"someUnknownW3cKey\":1,\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false}}");
                bool found = false;
                while (MeshRtcLibrary.TryGetLogLine(out level, out line))
                    if (line.Contains("someUnknownW3cKey")) { found = true; T.Equal(LogLevel.Warn, level, "warning level"); }
                T.Check(found, "warning about the unknown key captured");
                var e = T.ThrowsCode(Error.InvalidParameter, () => MeshRtcLibrary.SetLogLevel((LogLevel)9), "bad log level");
                T.Equal("meshrtc_log_set_level", e.Function, "function in the exception");
            }
            finally
            {
                MeshRtcLibrary.SetLogLevel(LogLevel.None);
            }
        }
    }
}
