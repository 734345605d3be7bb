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
    public sealed unsafe class WebRtcMultiplayerPeer : PacketPeer, IDisposable
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

        // The C functions this class calls, made once (see NativeCalls.cs).
        delegate int GetPeerFn(long mesh, int peerId, out long outPeer, long[] outChannels, int channelsCap,
                               out int outChannelCount, out int outConnected);
        delegate int NextEventFn(long mesh, out int outType, out int outPeerId);
        static readonly NativeGetter<long> create = NativeMethods.meshrtc_mesh_create;
        static readonly PutFn putPacket = NativeMethods.meshrtc_mesh_put_packet;
        static readonly GetFn getPacket = NativeMethods.meshrtc_mesh_get_packet;
        static readonly PutManyFn putPackets = NativeMethods.meshrtc_mesh_put_packets;
        static readonly GetManyFn getPackets = NativeMethods.meshrtc_mesh_get_packets;
        static readonly HandleCall poll = NativeMethods.meshrtc_mesh_poll, close = NativeMethods.meshrtc_mesh_close;
        static readonly HandleCall<byte[]> setOptions = NativeMethods.meshrtc_mesh_set_options;
        static readonly HandleCall<int[], int> createServer = NativeMethods.meshrtc_mesh_create_server;
        static readonly HandleCall<int, int[], int> createClient = NativeMethods.meshrtc_mesh_create_client,
            createMesh = NativeMethods.meshrtc_mesh_create_mesh;
        static readonly HandleCall<int, int> initialize = NativeMethods.meshrtc_mesh_initialize,
            disconnectPeer = NativeMethods.meshrtc_mesh_disconnect_peer;
        static readonly HandleCall<long, int, int> addPeer = NativeMethods.meshrtc_mesh_add_peer;
        static readonly HandleCall<int>
            removePeer = NativeMethods.meshrtc_mesh_remove_peer,
            setTargetPeer = NativeMethods.meshrtc_mesh_set_target_peer,
            setTransferMode = NativeMethods.meshrtc_mesh_set_transfer_mode,
            setTransferChannel = NativeMethods.meshrtc_mesh_set_transfer_channel,
            setRefuseNewConnections = NativeMethods.meshrtc_mesh_set_refuse_new_connections;
        static readonly HandleGetter<int, int> hasPeer = NativeMethods.meshrtc_mesh_has_peer;
        static readonly GetPeerFn getPeer = NativeMethods.meshrtc_mesh_get_peer;
        static readonly HandleGetter<int[], int, int> getPeers = NativeMethods.meshrtc_mesh_get_peers;
        static readonly NextEventFn nextEvent = NativeMethods.meshrtc_mesh_next_event;
        static readonly HandleGetter<int>
            getAvailablePacketCount = NativeMethods.meshrtc_mesh_get_available_packet_count,
            getTargetPeer = NativeMethods.meshrtc_mesh_get_target_peer,
            getTransferMode = NativeMethods.meshrtc_mesh_get_transfer_mode,
            getTransferChannel = NativeMethods.meshrtc_mesh_get_transfer_channel,
            isRefusingNewConnections = NativeMethods.meshrtc_mesh_is_refusing_new_connections,
            getPacketPeer = NativeMethods.meshrtc_mesh_get_packet_peer,
            getPacketChannel = NativeMethods.meshrtc_mesh_get_packet_channel,
            getPacketMode = NativeMethods.meshrtc_mesh_get_packet_mode,
            getUniqueId = NativeMethods.meshrtc_mesh_get_unique_id,
            getConnectionStatus = NativeMethods.meshrtc_mesh_get_connection_status,
            isServerRelaySupported = NativeMethods.meshrtc_mesh_is_server_relay_supported,
            getMaxPacketSize = NativeMethods.meshrtc_mesh_get_max_packet_size;

        // Connections added (kept alive while in the mesh) and the mesh-owned
        // channel wrappers last handed out for each peer.
        readonly Dictionary<int, WebRtcPeerConnection> connections = new Dictionary<int, WebRtcPeerConnection>();
        readonly Dictionary<int, WebRtcDataChannel[]> channelCache = new Dictionary<int, WebRtcDataChannel[]>();
        int[] idBuffer = new int[16];
        readonly List<WebRtcPeerConnection> pollList = new List<WebRtcPeerConnection>();

        public WebRtcMultiplayerPeer() : this(MeshRtcHandle.Create(MeshRtcHandle.Kind.Mesh, create))
        {
        }

        /// <summary>The mesh of a lobby (WebRtcLobby.Multiplayer): the lobby owns the handle.</summary>
        internal WebRtcMultiplayerPeer(long lobbyMesh) : this(new MeshRtcHandle(lobbyMesh, MeshRtcHandle.Kind.Mesh, false))
        {
        }

        WebRtcMultiplayerPeer(MeshRtcHandle handle)
            : base(handle, putPacket, getPacket, getAvailablePacketCount, putPackets, getPackets)
        {
        }

        public long Handle { get { return h.RawValue; } }

        /// <summary>
        /// Destroys the mesh: its peers' connections close, its channels go; the
        /// WebRtcPeerConnection objects stay yours. A lobby's mesh is only let go
        /// of here: disposing the WebRtcLobby destroys it.
        /// </summary>
        public void Dispose()
        {
            h.Dispose();
            connections.Clear();
            channelCache.Clear();
        }

        /// <summary>True once disposed.</summary>
        public bool IsDisposed { get { return h.IsClosed; } }

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
            h.Call(createServer, m, m == null ? 0 : m.Length);
        }

        /// <summary>create_client(peer_id, channels_config): peer_id 2..2147483647; only peer 1 may be added.</summary>
        public void CreateClient(int peerId, params TransferModeEnum[] channelsConfig)
        {
            int[] m = Modes(channelsConfig);
            h.Call(createClient, peerId, m, m == null ? 0 : m.Length);
        }

        /// <summary>create_mesh(peer_id, channels_config).</summary>
        public void CreateMesh(int peerId, params TransferModeEnum[] channelsConfig)
        {
            int[] m = Modes(channelsConfig);
            h.Call(createMesh, peerId, m, m == null ? 0 : m.Length);
        }

        /// <summary>Godot 3's WebRTCMultiplayer.initialize(peer_id, server_compatibility).</summary>
        public void Initialize(int peerId, bool serverCompatibility = false)
        {
            h.Call(initialize, peerId, serverCompatibility ? 1 : 0);
        }

        /// <summary>Library options as JSON (disconnectGraceMs, closeEmitsPeerDisconnected, eventQueueLimit).</summary>
        public void SetOptions(string optionsJson)
        {
            h.Call(setOptions, Utf8.Optional(optionsJson));
        }

        /// <summary>add_peer(peer, peer_id, unreliable_lifetime): peer must be New; the mesh creates its channels.</summary>
        public void AddPeer(WebRtcPeerConnection peer, int peerId, int unreliableLifetime = 1)
        {
            if (peer == null) throw new ArgumentNullException("peer");
            using (var p = peer.SafeHandle.Use()) h.Call(addPeer, p.Value, peerId, unreliableLifetime);
            connections[peerId] = peer;
            channelCache.Remove(peerId);
        }

        public void RemovePeer(int peerId)
        {
            h.Call(removePeer, peerId);
            Forget(peerId);
        }

        /// <summary>MultiplayerPeer.disconnect_peer(id, force).</summary>
        public void DisconnectPeer(int peerId, bool force = false)
        {
            h.Call(disconnectPeer, peerId, force ? 1 : 0);
            if (force) Forget(peerId);
        }

        public bool HasPeer(int peerId) { return h.Get(hasPeer, peerId) != 0; }

        /// <summary>get_peer(peer_id); MeshRtcException (DoesNotExist) for an unknown id.</summary>
        public MeshPeerInfo GetPeer(int peerId)
        {
            using (var s = h.Use())
            {
                long conn;
                int count, connected;
                long[] chs = new long[8];
                int rc = getPeer(s.Value, peerId, out conn, chs, chs.Length, out count, out connected);
                if (rc == (int)Error.ParameterRangeError)
                {
                    chs = new long[count];
                    rc = getPeer(s.Value, peerId, out conn, chs, chs.Length, out count, out connected);
                }
                MeshRtcLibrary.Check(rc, getPeer);
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
            using (var s = h.Use())
            {
                int count;
                int rc = getPeers(s.Value, idBuffer, idBuffer.Length, out count);
                if (rc == (int)Error.ParameterRangeError)
                {
                    idBuffer = new int[Math.Max(count, idBuffer.Length * 2)];
                    rc = getPeers(s.Value, idBuffer, idBuffer.Length, out count);
                }
                MeshRtcLibrary.Check(rc, getPeers);
                var ids = new int[count];
                Array.Copy(idBuffer, ids, count);
                return ids;
            }
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
        void Sync()
        {
            if (connections.Count == 0) return;
            int[] ids = GetPeerIds();
            var gone = new List<int>();
            foreach (int id in connections.Keys)
                if (Array.IndexOf(ids, id) < 0) gone.Add(id);
            foreach (int id in gone) Forget(id);
        }

        // --------------------------------------------------- MultiplayerPeer

        /// <summary>MultiplayerPeer.target_peer: 0 all, &gt;0 that peer, &lt;0 all but that peer.</summary>
        public int TargetPeer
        {
            get { return h.Get(getTargetPeer); }
            set { h.Call(setTargetPeer, value); }
        }

        public TransferModeEnum TransferMode
        {
            get { return (TransferModeEnum)h.Get(getTransferMode); }
            set { h.Call(setTransferMode, (int)value); }
        }

        /// <summary>0: the built-in channel of TransferMode; N: extra channel N.</summary>
        public int TransferChannel
        {
            get { return h.Get(getTransferChannel); }
            set { h.Call(setTransferChannel, value); }
        }

        public bool RefuseNewConnections
        {
            get { return h.Get(isRefusingNewConnections) != 0; }
            set { h.Call(setRefuseNewConnections, value ? 1 : 0); }
        }

        // ----------------------------------- PacketPeer (PutPacket ... in the base)

        /// <summary>Sender of the next packet (0 when none).</summary>
        public int GetPacketPeer() { return h.Get(getPacketPeer); }

        /// <summary>Transfer channel of the next packet: 0 for the built-in channels, N for extra channel N.</summary>
        public int GetPacketChannel() { return h.Get(getPacketChannel); }

        public TransferModeEnum GetPacketMode() { return (TransferModeEnum)h.Get(getPacketMode); }

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
            h.Call(poll);
            Sync();
            for (;;)
            {
                int type, id;
                if (h.IsClosed) return;
                using (var s = h.Use())
                {
                    int rc = nextEvent(s.Value, out type, out id);
                    if (rc == (int)Error.Unavailable) return;
                    MeshRtcLibrary.Check(rc, nextEvent);
                }
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
            h.Call(close);
            connections.Clear();
            channelCache.Clear();
        }

        /// <summary>This peer's id; MeshRtcException (Unconfigured) while Disconnected (Godot prints an error and returns 1).</summary>
        public int GetUniqueId() { return h.Get(getUniqueId); }

        public ConnectionStatus GetConnectionStatus() { return (ConnectionStatus)h.Get(getConnectionStatus); }

        public bool IsServerRelaySupported() { return h.Get(isServerRelaySupported) != 0; }

        /// <summary>1200, as Godot's WebRTCMultiplayerPeer.</summary>
        public int GetMaxPacketSize() { return h.Get(getMaxPacketSize); }

        public override string ToString() { return h.ToString(); }
    }
}
