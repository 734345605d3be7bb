using System;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>
    /// A lobby client (meshrtc_lobby_*): joins a lobby on a server that speaks
    /// the protocol of Godot's webrtc_signaling demo (meshrtc-lobby is one) and
    /// builds <see cref="Multiplayer"/>, a connected WebRtcMultiplayerPeer,
    /// doing all the signaling itself, as the demo's Godot 4 clients do; Godot
    /// games using those scripts meet it in the same lobby.
    /// Call <see cref="Poll"/> every frame (it raises this object's events on
    /// the calling thread) and <c>Multiplayer.Poll()</c> as for any mesh.
    /// Disposing the lobby leaves it and destroys its mesh.
    /// </summary>
    public sealed class WebRtcLobby : IDisposable
    {
        /// <summary>The lobby event types (MESHRTC_LOBBY_EVENT_*).</summary>
        public enum EventType { Joined = 201, Connected = 202, PeerJoined = 203, PeerLeft = 204, Sealed = 205, Error = 206, Closed = 207 }

        /// <summary>The server put this client into a lobby: its name (the code the others join with).</summary>
        public event Action<string> Joined;
        /// <summary>The server gave this client its peer id (1: the lobby's host) and the lobby's mode (true: mesh).</summary>
        public event Action<int, bool> Connected;
        /// <summary>A peer is in the lobby.</summary>
        public event Action<int> PeerJoined;
        /// <summary>A peer left the lobby (its connection leaves the mesh).</summary>
        public event Action<int> PeerLeft;
        /// <summary>The host sealed the lobby; the server closes it shortly, the mesh stays.</summary>
        public event Action Sealed;
        /// <summary>Something failed that does not end the lobby connection: the error and what failed.</summary>
        public event Action<Error, string> Failed;
        /// <summary>
        /// The lobby connection ended (the last event): the WebSocket close code
        /// (1006 when none came) and the reason. Unless the lobby was sealed,
        /// the mesh is closed too.
        /// </summary>
        public event Action<int, string> Closed;

        /// <summary>MESHRTC_LOBBY_CLOSE_ABNORMAL: Closed's code when no close frame came.</summary>
        public const int CloseAbnormal = NativeConstants.MESHRTC_LOBBY_CLOSE_ABNORMAL;

        delegate int CreateFn(byte[] url, byte[] optionsJson, out long outLobby);
        static readonly CreateFn create = NativeMethods.meshrtc_lobby_create;
        static readonly HandleCall<byte[], int> join = NativeMethods.meshrtc_lobby_join;
        static readonly HandleCall seal = NativeMethods.meshrtc_lobby_seal, poll = NativeMethods.meshrtc_lobby_poll;
        static readonly HandleGetter<LobbyEventNative> nextEvent = NativeMethods.meshrtc_lobby_next_event;
        static readonly HandleGetter<long> getMesh = NativeMethods.meshrtc_lobby_get_mesh;

        readonly MeshRtcHandle h;

        /// <summary>
        /// Starts connecting to the server at url (ws:// or wss://) without
        /// waiting. optionsJson (null for the defaults) is meshrtc_lobby_create's:
        /// "peerConfig" (every connection's configuration), "channels",
        /// "unreliableLifetime", "meshOptions", "connectTimeoutMs", "eventQueueLimit".
        /// </summary>
        public WebRtcLobby(string url, string optionsJson = null)
        {
            byte[] u = Utf8.Required(url, "url");
            byte[] o = Utf8.Optional(optionsJson);
            MeshRtcLibrary.EnsureLoaded();
            long lobby;
            MeshRtcLibrary.Check(create(u, o, out lobby), create);
            h = new MeshRtcHandle(lobby, MeshRtcHandle.Kind.Lobby, true);
            Multiplayer = new WebRtcMultiplayerPeer(h.Get(getMesh));
        }

        /// <summary>The lobby's mesh: poll it, send and receive on it; the lobby configures it and adds its peers.</summary>
        public WebRtcMultiplayerPeer Multiplayer { get; private set; }

        public long Handle { get { return h.RawValue; } }

        /// <summary>
        /// Asks for the lobby called name, or (name null or "") for a new lobby
        /// this client hosts: a mesh when mesh is true, else with this client as
        /// server. Joining an existing lobby takes its mode.
        /// </summary>
        public void Join(string name = null, bool mesh = true)
        {
            h.Call(join, Utf8.Optional(name), mesh ? 1 : 0);
        }

        /// <summary>The host seals the lobby (MeshRtcException Unauthorized for the others).</summary>
        public void Seal() { h.Call(seal); }

        /// <summary>Applies what the server sent, sends what the connections made, then raises the events.</summary>
        public void Poll()
        {
            h.Call(poll);
            LobbyEventNative ev;
            while (!h.IsClosed && h.TryGet(nextEvent, out ev))
            {
                string text = Utf8.FromNative(ev.Text);
                switch ((EventType)ev.Type)
                {
                    case EventType.Joined: if (Joined != null) Joined(text); break;
                    case EventType.Connected: if (Connected != null) Connected(ev.PeerId, ev.Mesh != 0); break;
                    case EventType.PeerJoined: if (PeerJoined != null) PeerJoined(ev.PeerId); break;
                    case EventType.PeerLeft: if (PeerLeft != null) PeerLeft(ev.PeerId); break;
                    case EventType.Sealed: if (Sealed != null) Sealed(); break;
                    case EventType.Error: if (Failed != null) Failed((Error)ev.Code, text); break;
                    case EventType.Closed: if (Closed != null) Closed(ev.Code, text); break;
                }
            }
        }

        /// <summary>Leaves the lobby and destroys its mesh and connections.</summary>
        public void Dispose()
        {
            Multiplayer.Dispose();
            h.Dispose();
        }

        public bool IsDisposed { get { return h.IsClosed; } }

        public override string ToString() { return h.ToString(); }
    }
}
