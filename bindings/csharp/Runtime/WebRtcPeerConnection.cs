using System;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>ICE type of one end of the selected candidate pair.</summary>
    public enum CandidateType { None = 0, Host = 1, ServerReflexive = 2, PeerReflexive = 3, Relay = 4 }

    /// <summary>The selected candidate pair of a connection (meshrtc_peer_get_stats).</summary>
    public struct PeerStats
    {
        public CandidateType LocalCandidateType;
        public CandidateType RemoteCandidateType;
        /// <summary>Round-trip time in microseconds, -1 while unknown.</summary>
        public long RttMicroseconds;
        public long BytesSent;
        public long BytesReceived;
        public long PacketsSent;
        public long PacketsReceived;
    }

    /// <summary>
    /// Godot's WebRTCPeerConnection. Signals are C# events raised by
    /// <see cref="Poll"/> on the thread that calls it, in the order they
    /// happened: the native library never calls managed code. Call Poll every
    /// frame (or let <see cref="WebRtcMultiplayerPeer.Poll"/> do it for peers
    /// added to a mesh). Dispose it when done; a forgotten one is destroyed by
    /// the finalizer.
    /// </summary>
    public sealed class WebRtcPeerConnection : IDisposable
    {
        /// <summary>WebRTCPeerConnection.ConnectionState.</summary>
        public enum ConnectionState { New = 0, Connecting = 1, Connected = 2, Disconnected = 3, Failed = 4, Closed = 5 }

        /// <summary>WebRTCPeerConnection.GatheringState.</summary>
        public enum GatheringState { New = 0, Gathering = 1, Complete = 2 }

        /// <summary>WebRTCPeerConnection.SignalingState.</summary>
        public enum SignalingState { Stable = 0, HaveLocalOffer = 1, HaveRemoteOffer = 2, HaveLocalPranswer = 3, HaveRemotePranswer = 4, Closed = 5 }

        /// <summary>session_description_created(type, sdp): pass it to SetLocalDescription and to the remote peer.</summary>
        public event Action<string, string> SessionDescriptionCreated;

        /// <summary>ice_candidate_created(media, index, name): send it to the remote peer.</summary>
        public event Action<string, int, string> IceCandidateCreated;

        /// <summary>
        /// data_channel_received(channel): a channel the remote peer created
        /// in-band. It is yours: keep and Dispose it (unreferenced ones are
        /// destroyed by the finalizer).
        /// </summary>
        public event Action<WebRtcDataChannel> DataChannelReceived;

        public event Action<ConnectionState> ConnectionStateChanged;
        public event Action<GatheringState> GatheringStateChanged;
        public event Action<SignalingState> SignalingStateChanged;

        // The C functions this class calls, made once (see NativeCalls.cs).
        static readonly NativeGetter<long> create = NativeMethods.meshrtc_peer_create;
        static readonly HandleCall createOffer = NativeMethods.meshrtc_peer_create_offer,
            poll = NativeMethods.meshrtc_peer_poll, close = NativeMethods.meshrtc_peer_close;
        static readonly HandleCall<byte[]> initialize = NativeMethods.meshrtc_peer_initialize;
        static readonly HandleCall<byte[], byte[]> setLocalDescription = NativeMethods.meshrtc_peer_set_local_description,
            setRemoteDescription = NativeMethods.meshrtc_peer_set_remote_description;
        static readonly HandleCall<byte[], int, byte[]> addIceCandidate = NativeMethods.meshrtc_peer_add_ice_candidate;
        static readonly HandleGetter<byte[], byte[], long> createDataChannel = NativeMethods.meshrtc_peer_create_data_channel;
        static readonly HandleGetter<PeerEventNative> nextEvent = NativeMethods.meshrtc_peer_next_event;
        static readonly HandleGetter<int>
            getConnectionState = NativeMethods.meshrtc_peer_get_connection_state,
            getGatheringState = NativeMethods.meshrtc_peer_get_gathering_state,
            getSignalingState = NativeMethods.meshrtc_peer_get_signaling_state;
        static readonly HandleGetter<PeerStatsNative> getStats = NativeMethods.meshrtc_peer_get_stats;

        readonly MeshRtcHandle h;

        /// <summary>A new connection with the default configuration (as Godot's); call Initialize to configure it.</summary>
        public WebRtcPeerConnection()
        {
            h = MeshRtcHandle.Create(MeshRtcHandle.Kind.Peer, create);
        }

        /// <summary>The native handle (for logs and the raw NativeMethods API).</summary>
        public long Handle { get { return h.RawValue; } }

        internal MeshRtcHandle SafeHandle { get { return h; } }

        /// <summary>Destroys the native connection (its channels close; their objects stay yours to Dispose).</summary>
        public void Dispose() { h.Dispose(); }

        /// <summary>True once disposed.</summary>
        public bool IsDisposed { get { return h.IsClosed; } }

        /// <summary>
        /// WebRTCPeerConnection.initialize(configuration) with the configuration
        /// as JSON: {"iceServers":[{"urls":[...],"username":..,"credential":..}],
        /// "iceTransportPolicy":"all"|"relay","meshrtc":{library options}}.
        /// Null means {}. Re-initializing closes the previous connection.
        /// </summary>
        public void Initialize(string configurationJson = null)
        {
            h.Call(initialize, Utf8.Optional(configurationJson));
        }

        /// <summary>create_data_channel(label, options) with the options as JSON (null means {}); only in state New.</summary>
        public WebRtcDataChannel CreateDataChannel(string label, string optionsJson = null)
        {
            byte[] l = Utf8.Required(label, "label");
            byte[] o = Utf8.Optional(optionsJson);
            return new WebRtcDataChannel(h.Get(createDataChannel, l, o), true);
        }

        /// <summary>create_data_channel(label, options).</summary>
        public WebRtcDataChannel CreateDataChannel(string label, DataChannelOptions options)
        {
            return CreateDataChannel(label, options == null ? null : options.ToJson());
        }

        /// <summary>Queues an offer; it arrives through SessionDescriptionCreated at the next Poll.</summary>
        public void CreateOffer()
        {
            h.Call(createOffer);
        }

        public void SetLocalDescription(string type, string sdp)
        {
            h.Call(setLocalDescription, Utf8.Required(type, "type"), Utf8.Required(sdp, "sdp"));
        }

        /// <summary>For an offer, the answer arrives through SessionDescriptionCreated.</summary>
        public void SetRemoteDescription(string type, string sdp)
        {
            h.Call(setRemoteDescription, Utf8.Required(type, "type"), Utf8.Required(sdp, "sdp"));
        }

        /// <summary>Candidates that arrive before the remote description are held and applied with it.</summary>
        public void AddIceCandidate(string media, int index, string name)
        {
            h.Call(addIceCandidate, Utf8.Required(media, "media"), index, Utf8.Required(name, "name"));
        }

        /// <summary>
        /// WebRTCPeerConnection.poll: raises this connection's queued signals
        /// on the calling thread. If a handler throws, the exception leaves
        /// Poll and the events not yet raised stay queued for the next Poll.
        /// </summary>
        public void Poll()
        {
            h.Call(poll);
            PeerEventNative ev;
            while (h.TryGet(nextEvent, out ev))
            {
                Raise(ref ev);
                if (h.IsClosed) return; // a handler disposed this connection
            }
        }

        void Raise(ref PeerEventNative ev)
        {
            // Strings are only valid until the next next_event: copy them first.
            switch (ev.Type)
            {
                case NativeConstants.MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
                {
                    string type = Utf8.FromNative(ev.SdpType), sdp = Utf8.FromNative(ev.Sdp);
                    var e = SessionDescriptionCreated;
                    if (e != null) e(type, sdp);
                    break;
                }
                case NativeConstants.MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
                {
                    string media = Utf8.FromNative(ev.Media), name = Utf8.FromNative(ev.Name);
                    var e = IceCandidateCreated;
                    if (e != null) e(media, ev.Index, name);
                    break;
                }
                case NativeConstants.MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
                {
                    // Wrapped before anything else runs: an unhandled channel
                    // is still destroyed (by its finalizer).
                    var ch = new WebRtcDataChannel(ev.Channel, true);
                    var e = DataChannelReceived;
                    if (e != null) e(ch);
                    break;
                }
                case NativeConstants.MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
                {
                    var e = ConnectionStateChanged;
                    if (e != null) e((ConnectionState)ev.State);
                    break;
                }
                case NativeConstants.MESHRTC_EVENT_GATHERING_STATE_CHANGED:
                {
                    var e = GatheringStateChanged;
                    if (e != null) e((GatheringState)ev.State);
                    break;
                }
                case NativeConstants.MESHRTC_EVENT_SIGNALING_STATE_CHANGED:
                {
                    var e = SignalingStateChanged;
                    if (e != null) e((SignalingState)ev.State);
                    break;
                }
            }
        }

        /// <summary>WebRTCPeerConnection.close; Initialize starts a new connection.</summary>
        public void Close()
        {
            h.Call(close);
        }

        public ConnectionState GetConnectionState() { return (ConnectionState)h.Get(getConnectionState); }

        public GatheringState GetGatheringState() { return (GatheringState)h.Get(getGatheringState); }

        public SignalingState GetSignalingState() { return (SignalingState)h.Get(getSignalingState); }

        public PeerStats GetStats()
        {
            PeerStatsNative n = h.Get(getStats);
            return new PeerStats
            {
                LocalCandidateType = (CandidateType)n.LocalCandidateType,
                RemoteCandidateType = (CandidateType)n.RemoteCandidateType,
                RttMicroseconds = n.RttUs,
                BytesSent = n.BytesSent,
                BytesReceived = n.BytesReceived,
                PacketsSent = n.PacketsSent,
                PacketsReceived = n.PacketsReceived,
            };
        }

        public override string ToString() { return h.ToString(); }
    }
}
