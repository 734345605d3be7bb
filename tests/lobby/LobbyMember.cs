// LobbyMember.cs - one player of the meeting test (tests/godot/run.sh,
// lobby_meet_*): the C# program that meets a Godot game and a C program in
// one mesh lobby through WebRtcLobby, and plays as tests/lobby/lobby_member.c
// does (the same messages and steps; read its comment).
// Usage: mono lobby_member.exe URL COUNT NAME_FILE host|guest
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using MeshRtc;

static class LobbyMemberProgram
{
    const string Raw = "\u0003"; // SceneMultiplayer's NETWORK_COMMAND_RAW
    const string Options = "{\"peerConfig\":{\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false}}}";

    static WebRtcLobby lobby;
    static readonly List<int> connected = new List<int>(), disconnected = new List<int>(), joined = new List<int>();
    static readonly List<KeyValuePair<int, string>> packets = new List<KeyValuePair<int, string>>();
    static readonly List<string> errors = new List<string>();
    static string lobbyName;
    static int id;
    static bool? mesh;

    static void Poll()
    {
        lobby.Poll();
        var m = lobby.Multiplayer;
        m.Poll();
        while (m.GetAvailablePacketCount() > 0)
        {
            int from = m.GetPacketPeer();
            packets.Add(new KeyValuePair<int, string>(from, Encoding.UTF8.GetString(m.GetPacket())));
        }
    }

    static void Wait(Func<bool> cond, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!cond())
        {
            if (sw.Elapsed.TotalSeconds > 90) throw new Exception("timed out waiting for " + what);
            Poll();
            Thread.Sleep(2);
        }
    }

    static void Send(int to, string text)
    {
        lobby.Multiplayer.TargetPeer = to;
        lobby.Multiplayer.PutPacket(Encoding.UTF8.GetBytes(Raw + text));
    }

    static int Count(string prefix) { return packets.Count(p => p.Value.StartsWith(Raw + prefix)); }

    static int Main(string[] args)
    {
        if (args.Length != 4 || (args[3] != "host" && args[3] != "guest"))
        {
            Console.Error.WriteLine("usage: lobby_member.exe URL COUNT NAME_FILE host|guest");
            return 2;
        }
        int count = int.Parse(args[1]);
        bool host = args[3] == "host";
        string nameFile = args[2];
        try
        {
            using (lobby = new WebRtcLobby(args[0], Options))
            {
                lobby.Joined += n => lobbyName = n;
                lobby.Connected += (i, m) => { id = i; mesh = m; };
                lobby.PeerJoined += joined.Add;
                lobby.Failed += (e, text) => errors.Add(e + ": " + text);
                lobby.Multiplayer.PeerConnected += connected.Add;
                lobby.Multiplayer.PeerDisconnected += disconnected.Add;
                if (host)
                {
                    lobby.Join(null, true);
                    Wait(() => lobbyName != null, "the lobby's name");
                    File.WriteAllText(nameFile + ".tmp", lobbyName + "\n");
                    File.Move(nameFile + ".tmp", nameFile);
                }
                else
                {
                    var sw = Stopwatch.StartNew();
                    while (!File.Exists(nameFile))
                    {
                        if (sw.Elapsed.TotalSeconds > 90) throw new Exception("no lobby name in " + nameFile);
                        Thread.Sleep(20);
                    }
                    lobby.Join(File.ReadAllText(nameFile).Trim(), true);
                }
                Wait(() => id != 0 && connected.Count == count - 1, "a connection to every other player");
                if (mesh != true || (id == 1) != host) throw new Exception("id " + id + ", mesh " + mesh);
                foreach (int peer in connected) Send(peer, "hello from csharp " + id);
                Wait(() => Count("hello from ") >= count - 1, "a hello from every other player");
                foreach (var p in packets)
                {
                    string[] w = p.Value.Substring(1).Split(' ');
                    if (w.Length != 4 || w[0] != "hello") continue;
                    if (int.Parse(w[3]) != p.Key || !joined.Contains(p.Key))
                        throw new Exception("a hello from " + p.Key + " says " + p.Value.Substring(1));
                    Console.WriteLine("heard {0} {1}", w[2], w[3]);
                }
                if (host)
                {
                    Wait(() => Count("done") >= count - 1, "done from every guest");
                    foreach (int peer in connected) Send(peer, "end");
                    Wait(() => disconnected.Count == count - 1, "every guest gone");
                }
                else
                {
                    Send(1, "done");
                    Wait(() => packets.Contains(new KeyValuePair<int, string>(1, Raw + "end")), "end from the host");
                }
                if (errors.Count > 0) throw new Exception("lobby errors: " + string.Join("; ", errors));
            }
            int leaked = MeshRtcLibrary.Shutdown();
            if (leaked != 0) throw new Exception(leaked + " handles leaked");
            Console.WriteLine("lobby_member csharp {0}: ok", host ? "host" : "guest");
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine("FAIL " + e);
            return 1;
        }
    }
}
