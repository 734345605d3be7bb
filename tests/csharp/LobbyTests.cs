using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace MeshRtc.Tests
{
    /// <summary>The meshrtc-lobby command on 127.0.0.1 (MESHRTC_LOBBY_BIN, set by run.sh), killed on Dispose.</summary>
    public sealed class LobbyServer : IDisposable
    {
        readonly Process process;
        readonly string dir;
        public readonly string Url;

        public LobbyServer(params string[] args)
        {
            string bin = Environment.GetEnvironmentVariable("MESHRTC_LOBBY_BIN");
            T.Check(!string.IsNullOrEmpty(bin) && File.Exists(bin), "MESHRTC_LOBBY_BIN does not name the meshrtc-lobby command: " + bin);
            dir = Path.Combine(Path.GetTempPath(), "meshrtc-lobby-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string portFile = Path.Combine(dir, "port");
            var psi = new ProcessStartInfo(bin, "--listen 127.0.0.1:0 --join-rate 0 --port-file " + portFile + " " + string.Join(" ", args))
            {
                UseShellExecute = false,
                RedirectStandardError = true,
            };
            process = Process.Start(psi);
            process.ErrorDataReceived += (s, e) => { };
            process.BeginErrorReadLine();
            T.WaitUntil(() => File.Exists(portFile) && File.ReadAllText(portFile).Trim().Length > 0, null, "meshrtc-lobby's port", 20);
            Url = "ws://127.0.0.1:" + File.ReadAllText(portFile).Trim();
        }

        public void Dispose()
        {
            try { if (!process.HasExited) process.Kill(); } catch (InvalidOperationException) { }
            process.WaitForExit();
            process.Dispose();
            Directory.Delete(dir, true);
        }
    }

    /// <summary>A WebRtcLobby and what its events and its mesh reported.</summary>
    public sealed class LobbyMember : IDisposable
    {
        public const string Options = "{\"peerConfig\":" + Net.Loopback + "}";
        public readonly WebRtcLobby Lobby;
        public string LobbyName;
        public int Id;
        public bool? Mesh;
        public readonly List<int> Joined = new List<int>(), Left = new List<int>();
        public readonly List<int> Connected = new List<int>(), Disconnected = new List<int>();
        public readonly List<string> Errors = new List<string>();
        public readonly List<KeyValuePair<int, string>> Packets = new List<KeyValuePair<int, string>>();
        public bool Sealed;
        public int CloseCode = -1;
        public string CloseReason;

        public LobbyMember(string url)
        {
            Lobby = new WebRtcLobby(url, Options);
            Lobby.Joined += n => LobbyName = n;
            Lobby.Connected += (id, mesh) => { Id = id; Mesh = mesh; };
            Lobby.PeerJoined += Joined.Add;
            Lobby.PeerLeft += Left.Add;
            Lobby.Sealed += () => Sealed = true;
            Lobby.Failed += (e, text) => Errors.Add(e + ": " + text);
            Lobby.Closed += (code, reason) => { CloseCode = code; CloseReason = reason; };
            Lobby.Multiplayer.PeerConnected += Connected.Add;
            Lobby.Multiplayer.PeerDisconnected += Disconnected.Add;
        }

        public void Poll()
        {
            Lobby.Poll();
            if (Lobby.Multiplayer.IsDisposed) return;
            Lobby.Multiplayer.Poll();
            while (Lobby.Multiplayer.GetAvailablePacketCount() > 0)
            {
                int from = Lobby.Multiplayer.GetPacketPeer();
                Packets.Add(new KeyValuePair<int, string>(from, Encoding.UTF8.GetString(Lobby.Multiplayer.GetPacket())));
            }
        }

        public void Send(int to, string text)
        {
            Lobby.Multiplayer.TargetPeer = to;
            Lobby.Multiplayer.PutPacket(Encoding.UTF8.GetBytes(text));
        }

        public bool Got(int from, string text) { return Packets.Contains(new KeyValuePair<int, string>(from, text)); }

        public void Dispose() { Lobby.Dispose(); }
    }

    public static class LobbyTests
    {
        static void PollAll(IEnumerable<LobbyMember> ms)
        {
            foreach (var m in ms) m.Poll();
        }

        /// <summary>
        /// Three WebRtcLobby objects meet in a mesh lobby: events, a connected
        /// WebRtcMultiplayerPeer each, packets between all; one leaves; the
        /// lobby's mesh cannot be configured by the host.
        /// </summary>
        public static void Mesh()
        {
            using (var server = new LobbyServer())
            {
                var ms = new List<LobbyMember>();
                try
                {
                    for (int i = 0; i < 3; i++) ms.Add(new LobbyMember(server.Url));
                    var host = ms[0];
                    host.Lobby.Join(null, true);
                    T.WaitUntil(() => host.Id != 0, () => PollAll(ms), "the host's id");
                    T.Equal(1, host.Id, "the host's id");
                    T.Equal(16, host.LobbyName.Length, "lobby code length");
                    T.ThrowsCode(Error.AlreadyExists, () => host.Lobby.Join(null, true), "a second Join");
                    ms[1].Lobby.Join(host.LobbyName, false);
                    ms[2].Lobby.Join(host.LobbyName);
                    T.WaitUntil(() => ms.All(m => m.Connected.Count == 2), () => PollAll(ms), "every link connected");
                    foreach (var m in ms)
                    {
                        T.Equal(true, m.Mesh, "mesh mode");
                        T.Equal(m.Id, m.Lobby.Multiplayer.GetUniqueId(), "the mesh's id");
                        foreach (var o in ms)
                            if (o != m)
                            {
                                T.Check(m.Joined.Contains(o.Id), m.Id + " did not hear of " + o.Id);
                                m.Send(o.Id, m.Id + " to " + o.Id);
                            }
                        T.Equal(null, m.Lobby.Multiplayer.GetPeer(m.Lobby.Multiplayer.GetPeerIds()[0]).Connection, "a lobby connection's wrapper");
                    }
                    T.WaitUntil(() => ms.All(m => ms.All(o => o == m || m.Got(o.Id, o.Id + " to " + m.Id))), () => PollAll(ms),
                        "a packet from every member to every other");
                    T.ThrowsCode(Error.Unauthorized, () => ms[1].Lobby.Seal(), "Seal by a guest");
                    T.ThrowsCode(Error.Unauthorized, () => host.Lobby.Multiplayer.CreateMesh(1), "CreateMesh on a lobby's mesh");

                    int leaver = ms[2].Id;
                    ms[2].Dispose();
                    T.Throws<ObjectDisposedException>(() => ms[2].Lobby.Poll(), "Poll after Dispose");
                    ms.RemoveAt(2);
                    T.WaitUntil(() => ms.All(m => m.Left.Contains(leaver) && m.Disconnected.Contains(leaver)), () => PollAll(ms),
                        "the others see the leaver go");
                    foreach (var m in ms) T.Equal(0, m.Errors.Count, "lobby errors: " + string.Join("; ", m.Errors));
                }
                finally
                {
                    foreach (var m in ms) m.Dispose();
                }
            }
        }

        /// <summary>The lobby connection ends: Closed with the server's code and reason; then the calls fail.</summary>
        public static void Closed()
        {
            T.ThrowsCode(Error.InvalidParameter, () => new WebRtcLobby("http://127.0.0.1:1"), "a URL that is not ws://");
            T.ThrowsCode(Error.InvalidParameter, () => new WebRtcLobby("ws://127.0.0.1:1", "{\"nope\":1}"), "an unknown option");
            T.Throws<ArgumentNullException>(() => new WebRtcLobby(null), "a null URL");
            using (var server = new LobbyServer())
            using (var m = new LobbyMember(server.Url))
            {
                m.Lobby.Join("AAAAAAAAAAAAAAAA");
                T.WaitUntil(() => m.CloseCode != -1, m.Poll, "Closed");
                T.Equal(4000, m.CloseCode, "close code");
                T.Equal("Lobby does not exists", m.CloseReason, "close reason");
                T.ThrowsCode(Error.Unavailable, () => m.Lobby.Seal(), "Seal after Closed");
            }
            using (var m = new LobbyMember("ws://127.0.0.1:1"))
            {
                T.WaitUntil(() => m.CloseCode != -1, m.Poll, "Closed without a server");
                T.Equal(WebRtcLobby.CloseAbnormal, m.CloseCode, "close code without a server");
                T.Check(m.CloseReason.Contains("cannot connect"), "reason: " + m.CloseReason);
            }
        }
    }
}
