using System;
using System.Collections.Generic;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>What WebRTCMultiplayerPeer.get_peer returns.</summary>
    public sealed class MeshPeerInfo
    {
        /// <summary>The connection given to AddPeer (null if it was disposed).</summary>
        public WebRtcPeerConnection Connection { get; internal set; }
        /// <summary>The peer's channels in index order (reliable, ordered, unreliable, extras); owned by the mesh.</summary>
        public IList<WebRtcDataChannel> Channels { get; internal set; }
        /// <summary>True once the connection is CONNECTED and every channel is open.</summary>
        public bool Connected { get; internal set; }
    }

    /// <summary>
    /// Godot 4's WebRTCMultiplayerPeer (with its MultiplayerPeer surface), and
    /// Godot 3's WebRTCMultiplayer through <see cref="Initialize(int, bool)"/>;
    /// wire compatible with Godot's. You create each WebRtcPeerConnection,
    /// Initialize it, hand it to <see cref="AddPeer"/> while it is New and
    /// relay its signaling. <see cref="Poll"/> (every frame) polls those
    /// connections first, as Godot's poll() does, so their signals fire too,
    /// then raises this object's events, all on the calling thread.
    /// The mesh keeps the connections you add alive until they leave it;
    /// disposing them stays your job.
    /// </summary>
    public sealed unsafe class WebRtcMultiplayerPeer : IDisposable
    {
        /// <summary>MultiplayerPeer.TransferMode.</summary>
        public enum TransferModeEnum { Unreliable = 0, UnreliableOrdered = 1, Reliable = 2 }

        /// <summary>MultiplayerPeer.ConnectionStatus.</summary>
        public enum ConnectionStatus { Disconnected = 0, Connecting = 1, Connected = 2 }

        /// <summary>peer_connected(id).</summary>
        public event Action<int> PeerConnected;
        /// <summary>peer_disconnected(id).</summary>
        public event Action<int> PeerDisconnected;
        /// <summary>Godot 3 connection_succeeded (server compatibility mode).</summary>
        public event Action ConnectionSucceeded;
        /// <summary>The link to peer 1 failed before connecting (meshrtc; Godot waits forever).</summary>
        public event Action ConnectionFailed;
        /// <summary>Godot 3 server_disconnected: peer 1 left.</summary>
        public event Action ServerDisconnected;

        readonly MeshRtcHandle h;
        readonly PacketPeer packets;
        // Connections added (kept alive while in the mesh) and the mesh-owned
        // channel wrappers last handed out for each peer.
        readonly Dictionary<int, WebRtcPeerConnection> connections = new Dictionary<int, WebRtcPeerConnection>();
        readonly Dictionary<int, WebRtcDataChannel[]> channelCache = new Dictionary<int, WebRtcDataChannel[]>();
        int[] idBuffer = new int[16];
        readonly List<WebRtcPeerConnection> pollList = new List<WebRtcPeerConnection>();

        public WebRtcMultiplayerPeer()
        {
            MeshRtcLibrary.EnsureLoaded();
            long v;
            MeshRtcLibrary.Check(NativeMethods.meshrtc_mesh_create(out v), "meshrtc_mesh_create");
            h = new MeshRtcHandle(v, MeshRtcHandle.Kind.Mesh, true);
            packets = new PacketPeer(h, "WebRtcMultiplayerPeer", PacketPeer.Mesh);
        }

        public long Handle { get { return h.RawValue; } }

        /// <summary>Destroys the mesh: its peers' connections close, its channels go; the WebRtcPeerConnection objects stay yours.</summary>
        public void Dispose()
        {
            h.Dispose();
            connections.Clear();
            channelCache.Clear();
        }

        /// <summary>True once disposed.</summary>
        public bool IsDisposed { get { return h.IsClosed; } }

        MeshRtcHandle.Scope Use() { return h.Use("WebRtcMultiplayerPeer"); }

        static void Check(int rc, string fn) { MeshRtcLibrary.Check(rc, fn); }

        static int[] Modes(TransferModeEnum[] config)
        {
            if (config == null || config.Length == 0) return null;
            var m = new int[config.Length];
            for (int i = 0; i < m.Length; i++) m[i] = (int)config[i];
            return m;
        }

        /// <summary>create_server(channels_config): this is peer 1.</summary>
        public void CreateServer(params TransferModeEnum[] channelsConfig)
        {
            int[] m = Modes(channelsConfig);
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_create_server(s.Value, m, m == null ? 0 : m.Length), "meshrtc_mesh_create_server");
        }

        /// <summary>create_client(peer_id, channels_config): peer_id 2..2147483647; only peer 1 may be added.</summary>
        public void CreateClient(int peerId, params TransferModeEnum[] channelsConfig)
        {
            int[] m = Modes(channelsConfig);
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_create_client(s.Value, peerId, m, m == null ? 0 : m.Length), "meshrtc_mesh_create_client");
        }

        /// <summary>create_mesh(peer_id, channels_config).</summary>
        public void CreateMesh(int peerId, params TransferModeEnum[] channelsConfig)
        {
            int[] m = Modes(channelsConfig);
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_create_mesh(s.Value, peerId, m, m == null ? 0 : m.Length), "meshrtc_mesh_create_mesh");
        }

        /// <summary>Godot 3's WebRTCMultiplayer.initialize(peer_id, server_compatibility).</summary>
        public void Initialize(int peerId, bool serverCompatibility = false)
        {
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_initialize(s.Value, peerId, serverCompatibility ? 1 : 0), "meshrtc_mesh_initialize");
        }

        /// <summary>Library options as JSON (disconnectGraceMs, closeEmitsPeerDisconnected, eventQueueLimit).</summary>
        public void SetOptions(string optionsJson)
        {
            byte[] o = Utf8.Optional(optionsJson);
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_set_options(s.Value, o), "meshrtc_mesh_set_options");
        }

        /// <summary>add_peer(peer, peer_id, unreliable_lifetime): peer must be New; the mesh creates its channels.</summary>
        public void AddPeer(WebRtcPeerConnection peer, int peerId, int unreliableLifetime = 1)
        {
            if (peer == null) throw new ArgumentNullException("peer");
            using (var s = Use())
            using (var p = peer.SafeHandle.Use("WebRtcPeerConnection"))
            {
                Check(NativeMethods.meshrtc_mesh_add_peer(s.Value, p.Value, peerId, unreliableLifetime), "meshrtc_mesh_add_peer");
            }
            connections[peerId] = peer;
            channelCache.Remove(peerId);
        }

        public void RemovePeer(int peerId)
        {
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_remove_peer(s.Value, peerId), "meshrtc_mesh_remove_peer");
            Forget(peerId);
        }

        /// <summary>MultiplayerPeer.disconnect_peer(id, force).</summary>
        public void DisconnectPeer(int peerId, bool force = false)
        {
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_disconnect_peer(s.Value, peerId, force ? 1 : 0), "meshrtc_mesh_disconnect_peer");
            if (force) Forget(peerId);
        }

        public bool HasPeer(int peerId)
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_has_peer(s.Value, peerId, out v), "meshrtc_mesh_has_peer");
            return v != 0;
        }

        /// <summary>get_peer(peer_id); MeshRtcException (DoesNotExist) for an unknown id.</summary>
        public MeshPeerInfo GetPeer(int peerId)
        {
            using (var s = Use())
            {
                long conn;
                int count, connected;
                long[] chs = new long[8];
                int rc = NativeMethods.meshrtc_mesh_get_peer(s.Value, peerId, out conn, chs, chs.Length, out count, out connected);
                if (rc == (int)Error.ParameterRangeError)
                {
                    chs = new long[count];
                    rc = NativeMethods.meshrtc_mesh_get_peer(s.Value, peerId, out conn, chs, chs.Length, out count, out connected);
                }
                Check(rc, "meshrtc_mesh_get_peer");
                WebRtcDataChannel[] wrappers;
                if (!channelCache.TryGetValue(peerId, out wrappers) || !SameHandles(wrappers, chs, count))
                {
                    wrappers = new WebRtcDataChannel[count];
                    for (int i = 0; i < count; i++) wrappers[i] = new WebRtcDataChannel(chs[i], false);
                    channelCache[peerId] = wrappers;
                }
                WebRtcPeerConnection pc;
                connections.TryGetValue(peerId, out pc);
                if (pc != null && (conn == 0 || pc.Handle != conn)) pc = null;
                return new MeshPeerInfo
                {
                    Connection = pc,
                    Channels = Array.AsReadOnly(wrappers),
                    Connected = connected != 0,
                };
            }
        }

        static bool SameHandles(WebRtcDataChannel[] w, long[] chs, int count)
        {
            if (w.Length != count) return false;
            for (int i = 0; i < count; i++)
                if (w[i].Handle != chs[i] || w[i].IsDisposed) return false;
            return true;
        }

        /// <summary>The ids of the peers in the mesh, in the order packets are taken.</summary>
        public int[] GetPeerIds()
        {
            using (var s = Use()) return PeerIds(s.Value);
        }

        int[] PeerIds(long mesh)
        {
            int count;
            int rc = NativeMethods.meshrtc_mesh_get_peers(mesh, idBuffer, idBuffer.Length, out count);
            if (rc == (int)Error.ParameterRangeError)
            {
                idBuffer = new int[Math.Max(count, idBuffer.Length * 2)];
                rc = NativeMethods.meshrtc_mesh_get_peers(mesh, idBuffer, idBuffer.Length, out count);
            }
            Check(rc, "meshrtc_mesh_get_peers");
            var ids = new int[count];
            Array.Copy(idBuffer, ids, count);
            return ids;
        }

        /// <summary>get_peers(): id -> info for every peer.</summary>
        public Dictionary<int, MeshPeerInfo> GetPeers()
        {
            var d = new Dictionary<int, MeshPeerInfo>();
            foreach (int id in GetPeerIds()) d[id] = GetPeer(id);
            return d;
        }

        void Forget(int peerId)
        {
            connections.Remove(peerId);
            channelCache.Remove(peerId);
        }

        /// <summary>Drops the connections of peers that left the mesh.</summary>
        void Sync(long mesh)
        {
            if (connections.Count == 0) return;
            int[] ids = PeerIds(mesh);
            var gone = new List<int>();
            foreach (int id in connections.Keys)
                if (Array.IndexOf(ids, id) < 0) gone.Add(id);
            foreach (int id in gone) Forget(id);
        }

        // --------------------------------------------------- MultiplayerPeer

        /// <summary>MultiplayerPeer.target_peer: 0 all, &gt;0 that peer, &lt;0 all but that peer.</summary>
        public int TargetPeer
        {
            get { int v; using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_target_peer(s.Value, out v), "meshrtc_mesh_get_target_peer"); return v; }
            set { using (var s = Use()) Check(NativeMethods.meshrtc_mesh_set_target_peer(s.Value, value), "meshrtc_mesh_set_target_peer"); }
        }

        public TransferModeEnum TransferMode
        {
            get { int v; using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_transfer_mode(s.Value, out v), "meshrtc_mesh_get_transfer_mode"); return (TransferModeEnum)v; }
            set { using (var s = Use()) Check(NativeMethods.meshrtc_mesh_set_transfer_mode(s.Value, (int)value), "meshrtc_mesh_set_transfer_mode"); }
        }

        /// <summary>0: the built-in channel of TransferMode; N: extra channel N.</summary>
        public int TransferChannel
        {
            get { int v; using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_transfer_channel(s.Value, out v), "meshrtc_mesh_get_transfer_channel"); return v; }
            set { using (var s = Use()) Check(NativeMethods.meshrtc_mesh_set_transfer_channel(s.Value, value), "meshrtc_mesh_set_transfer_channel"); }
        }

        public bool RefuseNewConnections
        {
            get { int v; using (var s = Use()) Check(NativeMethods.meshrtc_mesh_is_refusing_new_connections(s.Value, out v), "meshrtc_mesh_is_refusing_new_connections"); return v != 0; }
            set { using (var s = Use()) Check(NativeMethods.meshrtc_mesh_set_refuse_new_connections(s.Value, value ? 1 : 0), "meshrtc_mesh_set_refuse_new_connections"); }
        }

        // ------------------------------------------------------ PacketPeer

        public void PutPacket(byte[] data) { packets.Put(data); }

        public void PutPacket(byte[] data, int offset, int count) { packets.Put(data, offset, count); }

#if !MESHRTC_NO_SPAN
        public void PutPacket(ReadOnlySpan<byte> data) { packets.Put(data); }
#endif

        public void PutPacket(byte* data, int len) { packets.Put(data, len); }

        /// <summary>Takes the next packet into buffer (grown when too small); false when none.</summary>
        public bool TryGetPacket(ref byte[] buffer, out int length) { return packets.TryGet(ref buffer, out length); }

        /// <summary>The next packet in a new array; MeshRtcException (Unavailable) when none.</summary>
        public byte[] GetPacket() { return packets.Get(); }

        public int GetAvailablePacketCount() { return packets.Count(); }

        /// <summary>Sender of the next packet (0 when none).</summary>
        public int GetPacketPeer()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_packet_peer(s.Value, out v), "meshrtc_mesh_get_packet_peer");
            return v;
        }

        /// <summary>Transfer channel of the next packet: 0 for the built-in channels, N for extra channel N.</summary>
        public int GetPacketChannel()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_packet_channel(s.Value, out v), "meshrtc_mesh_get_packet_channel");
            return v;
        }

        public TransferModeEnum GetPacketMode()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_packet_mode(s.Value, out v), "meshrtc_mesh_get_packet_mode");
            return (TransferModeEnum)v;
        }

        /// <summary>
        /// MultiplayerPeer.poll: polls the added connections (raising their
        /// signaling events), then the mesh, then raises PeerConnected,
        /// PeerDisconnected, ... on the calling thread.
        /// </summary>
        public void Poll()
        {
            pollList.Clear();
            pollList.AddRange(connections.Values);
            foreach (var pc in pollList)
                if (!pc.IsDisposed) pc.Poll();
            using (var s = Use())
            {
                Check(NativeMethods.meshrtc_mesh_poll(s.Value), "meshrtc_mesh_poll");
                Sync(s.Value);
            }
            for (;;)
            {
                int type, id, rc;
                if (h.IsClosed) return;
                using (var s = Use()) rc = NativeMethods.meshrtc_mesh_next_event(s.Value, out type, out id);
                if (rc == (int)Error.Unavailable) return;
                Check(rc, "meshrtc_mesh_next_event");
                Action<int> a = null;
                Action b = null;
                switch (type)
                {
                    case NativeConstants.MESHRTC_MESH_EVENT_PEER_CONNECTED: a = PeerConnected; break;
                    case NativeConstants.MESHRTC_MESH_EVENT_PEER_DISCONNECTED: a = PeerDisconnected; break;
                    case NativeConstants.MESHRTC_MESH_EVENT_CONNECTION_SUCCEEDED: b = ConnectionSucceeded; break;
                    case NativeConstants.MESHRTC_MESH_EVENT_CONNECTION_FAILED: b = ConnectionFailed; break;
                    case NativeConstants.MESHRTC_MESH_EVENT_SERVER_DISCONNECTED: b = ServerDisconnected; break;
                }
                if (a != null) a(id);
                if (b != null) b();
            }
        }

        /// <summary>MultiplayerPeer.close: closes every peer's connection and returns to Disconnected.</summary>
        public void Close()
        {
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_close(s.Value), "meshrtc_mesh_close");
            connections.Clear();
            channelCache.Clear();
        }

        /// <summary>This peer's id; MeshRtcException (Unconfigured) while Disconnected (Godot prints an error and returns 1).</summary>
        public int GetUniqueId()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_unique_id(s.Value, out v), "meshrtc_mesh_get_unique_id");
            return v;
        }

        public ConnectionStatus GetConnectionStatus()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_connection_status(s.Value, out v), "meshrtc_mesh_get_connection_status");
            return (ConnectionStatus)v;
        }

        public bool IsServerRelaySupported()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_is_server_relay_supported(s.Value, out v), "meshrtc_mesh_is_server_relay_supported");
            return v != 0;
        }

        /// <summary>1200, as Godot's WebRTCMultiplayerPeer.</summary>
        public int GetMaxPacketSize()
        {
            int v;
            using (var s = Use()) Check(NativeMethods.meshrtc_mesh_get_max_packet_size(s.Value, out v), "meshrtc_mesh_get_max_packet_size");
            return v;
        }

        public override string ToString()
        {
            return "WebRtcMultiplayerPeer(" + h.RawValue + (h.IsClosed ? ", disposed)" : ")");
        }
    }
}
