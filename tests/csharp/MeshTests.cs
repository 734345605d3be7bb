// WebRtcMultiplayerPeer: a 4-peer full mesh and a server with clients, all
// signaling through the connections' events, pumped by the meshes' Poll.
using System;
using System.Collections.Generic;
using System.Linq;
using TM = MeshRtc.WebRtcMultiplayerPeer.TransferModeEnum;

namespace MeshRtc.Tests
{
    public struct MeshPacket
    {
        public int Peer, Channel;
        public TM Mode;
        public byte[] Data;
    }

    public sealed class MeshNode
    {
        public readonly WebRtcMultiplayerPeer Mesh = new WebRtcMultiplayerPeer();
        public readonly List<int> Connected = new List<int>();
        public readonly List<int> Disconnected = new List<int>();
        public readonly List<WebRtcPeerConnection> Connections = new List<WebRtcPeerConnection>();
        public int Succeeded, Failed, ServerGone;
        public readonly List<MeshPacket> Packets = new List<MeshPacket>();
        byte[] buf = new byte[64];

        public MeshNode()
        {
            Mesh.PeerConnected += id => Connected.Add(id);
            Mesh.PeerDisconnected += id => Disconnected.Add(id);
            Mesh.ConnectionSucceeded += () => Succeeded++;
            Mesh.ConnectionFailed += () => Failed++;
            Mesh.ServerDisconnected += () => ServerGone++;
        }

        /// <summary>Polls the mesh (and its connections) and takes every packet with its peer, channel and mode.</summary>
        public void Poll()
        {
            Mesh.Poll();
            while (Mesh.GetAvailablePacketCount() > 0)
            {
                var pk = new MeshPacket { Peer = Mesh.GetPacketPeer(), Channel = Mesh.GetPacketChannel(), Mode = Mesh.GetPacketMode() };
                int n;
                T.Check(Mesh.TryGetPacket(ref buf, out n), "a counted packet can be taken");
                pk.Data = new byte[n];
                Buffer.BlockCopy(buf, 0, pk.Data, 0, n);
                Packets.Add(pk);
            }
        }

        public void Dispose()
        {
            Mesh.Dispose();
            foreach (var c in Connections) c.Dispose();
        }
    }

    public static class MeshTests
    {
        /// <summary>Connects a (as idOfB in a's mesh) with b (as idOfA in b's mesh); a offers.</summary>
        public static void Link(MeshNode a, int idOfA, MeshNode b, int idOfB)
        {
            var pa = new WebRtcPeerConnection();
            var pb = new WebRtcPeerConnection();
            pa.Initialize(Net.Loopback);
            pb.Initialize(Net.Loopback);
            a.Connections.Add(pa);
            b.Connections.Add(pb);
            a.Mesh.AddPeer(pa, idOfB);
            b.Mesh.AddPeer(pb, idOfA, 1);
            Wire(pa, pb);
            Wire(pb, pa);
            pa.CreateOffer();
        }

        static void Wire(WebRtcPeerConnection from, WebRtcPeerConnection to)
        {
            from.SessionDescriptionCreated += (type, sdp) =>
            {
                from.SetLocalDescription(type, sdp);
                to.SetRemoteDescription(type, sdp);
            };
            from.IceCandidateCreated += (media, index, name) =>
            {
                T.Check(Net.IsLoopbackCandidate(name), "non-loopback candidate " + name);
                to.AddIceCandidate(media, index, name);
            };
        }

        static void PollAll(MeshNode[] nodes)
        {
            foreach (var n in nodes)
                if (n != null) n.Poll();
        }

        static List<MeshPacket> Take(MeshNode n)
        {
            var l = new List<MeshPacket>(n.Packets);
            n.Packets.Clear();
            return l;
        }

        static bool Is(byte[] data, string text)
        {
            return System.Text.Encoding.UTF8.GetString(data) == text;
        }

        const int N = 4; // FourPeerMesh's meshes

        // Four meshes (ids 1..4, two extra channels) linked pairwise; every
        // step below runs on the connected mesh.
        public static void FourPeerMesh()
        {
            var nodes = new MeshNode[N + 1];
            try
            {
                for (int id = 1; id <= N; id++)
                {
                    nodes[id] = new MeshNode();
                    nodes[id].Mesh.CreateMesh(id, TM.Reliable, TM.Unreliable);
                    T.Equal(WebRtcMultiplayerPeer.ConnectionStatus.Connected, nodes[id].Mesh.GetConnectionStatus(), "mesh status");
                    T.Equal(id, nodes[id].Mesh.GetUniqueId(), "unique id");
                    T.Equal(false, nodes[id].Mesh.IsServerRelaySupported(), "no relay in mesh mode");
                    T.Equal(1200, nodes[id].Mesh.GetMaxPacketSize(), "max packet size");
                }
                for (int i = 1; i <= N; i++)
                    for (int j = i + 1; j <= N; j++)
                        Link(nodes[i], i, nodes[j], j);
                T.WaitUntil(() => nodes.Skip(1).All(n => n.Connected.Count == N - 1), () => PollAll(nodes), "every peer connected", 120);

                FourPeerInfo(nodes);
                FourPeerBroadcast(nodes);
                FourPeerTargeted(nodes);
                FourPeerAllButOne(nodes);
                FourPeerExtraUnreliable(nodes);
                FourPeerLeaves(nodes);
            }
            finally
            {
                foreach (var n in nodes)
                    if (n != null) n.Dispose();
            }
        }

        // Every peer sees the other three, with the five channels Godot creates.
        static void FourPeerInfo(MeshNode[] nodes)
        {
            for (int id = 1; id <= N; id++)
            {
                var m = nodes[id].Mesh;
                var others = Enumerable.Range(1, N).Where(x => x != id).ToArray();
                T.Check(nodes[id].Connected.OrderBy(x => x).SequenceEqual(others), "peer_connected ids of " + id);
                T.Check(m.GetPeerIds().OrderBy(x => x).SequenceEqual(others), "get_peers of " + id);
                var all = m.GetPeers();
                T.Equal(N - 1, all.Count, "GetPeers count");
                foreach (int other in others)
                {
                    T.Check(m.HasPeer(other), "has peer");
                    var info = m.GetPeer(other);
                    T.Check(info.Connected, "peer info connected");
                    T.Check(info.Connection != null && nodes[id].Connections.Contains(info.Connection), "peer info connection is ours");
                    T.Equal(5, info.Channels.Count, "3 built-in + 2 extra channels");
                    string[] labels = { "reliable", "ordered", "unreliable", "4", "5" };
                    for (int c = 0; c < 5; c++)
                    {
                        var ch = info.Channels[c];
                        T.Equal(labels[c], ch.GetLabel(), "label of channel " + c);
                        T.Equal(c + 1, ch.GetId(), "id of channel " + c);
                        T.Equal(true, ch.IsNegotiated(), "mesh channels are negotiated");
                        T.Equal(false, ch.IsOwned, "mesh channels belong to the mesh");
                        T.Equal(WebRtcDataChannel.ChannelState.Open, ch.GetReadyState(), "open");
                    }
                    T.Equal(65535, info.Channels[0].GetMaxPacketLifeTime(), "reliable has no lifetime");
                    T.Equal(1, info.Channels[1].GetMaxPacketLifeTime(), "ordered lifetime");
                    T.Equal(true, info.Channels[1].IsOrdered(), "ordered is ordered");
                    T.Equal(false, info.Channels[2].IsOrdered(), "unreliable is unordered");
                    T.Equal(65535, info.Channels[3].GetMaxPacketLifeTime(), "extra reliable");
                    T.Equal(false, info.Channels[4].IsOrdered(), "extra unreliable is unordered");
                    // Cached wrappers: the same objects while the peer stays.
                    T.Check(ReferenceEquals(info.Channels[0], m.GetPeer(other).Channels[0]), "channel wrappers reused");
                    // A mesh-owned channel cannot be destroyed; Dispose only drops the wrapper.
                    long mh = info.Channels[0].Handle;
                    HandleCall destroy = Native.NativeMethods.meshrtc_channel_destroy;
                    var e = T.ThrowsCode(Error.Unauthorized, () => MeshRtcLibrary.Check(destroy(mh), destroy), "destroy a mesh channel");
                    T.Equal("meshrtc_channel_destroy", e.Function, "the failed function, named from its delegate");
                    var dropped = m.GetPeer(other).Channels[1];
                    dropped.Dispose();
                    T.Throws<ObjectDisposedException>(() => dropped.GetLabel(), "disposed wrapper");
                    T.Equal("ordered", m.GetPeer(other).Channels[1].GetLabel(), "a fresh wrapper after Dispose; the channel lives on");
                }
        }
        }

        // Broadcast, reliable, built-in channel.
        static void FourPeerBroadcast(MeshNode[] nodes)
        {
            nodes[1].Mesh.PutPacket(System.Text.Encoding.UTF8.GetBytes("hello from 1"));
            T.WaitUntil(() => Enumerable.Range(2, 3).All(i => nodes[i].Packets.Count >= 1), () => PollAll(nodes), "broadcast");
            for (int i = 2; i <= N; i++)
            {
                var l = Take(nodes[i]);
                T.Equal(1, l.Count, "one broadcast packet at " + i);
                T.Equal(1, l[0].Peer, "sender");
                T.Equal(0, l[0].Channel, "built-in channel");
                T.Equal(TM.Reliable, l[0].Mode, "reliable");
                T.Check(Is(l[0].Data, "hello from 1"), "payload");
        }
        }

        // One target, unreliable ordered.
        static void FourPeerTargeted(MeshNode[] nodes)
        {
            nodes[2].Mesh.TargetPeer = 3;
            nodes[2].Mesh.TransferMode = TM.UnreliableOrdered;
            T.Equal(3, nodes[2].Mesh.TargetPeer, "target");
            T.Equal(TM.UnreliableOrdered, nodes[2].Mesh.TransferMode, "mode");
            T.WaitUntil(() => nodes[3].Packets.Count >= 1, () =>
            {
                nodes[2].Mesh.PutPacket(new ReadOnlySpan<byte>(System.Text.Encoding.UTF8.GetBytes("to 3")));
                PollAll(nodes);
            }, "targeted unreliable-ordered packet");
            foreach (var pk in Take(nodes[3]))
            {
                T.Equal(2, pk.Peer, "sender 2");
                T.Equal(TM.UnreliableOrdered, pk.Mode, "mode unreliable ordered");
                T.Equal(0, pk.Channel, "built-in");
                T.Check(Is(pk.Data, "to 3"), "payload to 3");
        }
        }

        // All but one, on extra channel 1 (reliable).
        static void FourPeerAllButOne(MeshNode[] nodes)
        {
            nodes[4].Mesh.TargetPeer = -1;
            nodes[4].Mesh.TransferChannel = 1;
            T.Equal(1, nodes[4].Mesh.TransferChannel, "transfer channel");
            var payload = Net.Pattern(1000, 4);
            nodes[4].Mesh.PutPacket(payload, 0, payload.Length);
            T.WaitUntil(() => nodes[2].Packets.Any(x => x.Peer == 4) && nodes[3].Packets.Any(x => x.Peer == 4), () => PollAll(nodes), "exclusive broadcast");
            foreach (int i in new[] { 2, 3 })
                foreach (var pk in Take(nodes[i]).Where(x => x.Peer == 4))
                {
                    T.Equal(1, pk.Channel, "extra channel 1");
                    T.Equal(TM.Reliable, pk.Mode, "extra channel 1 is reliable");
                    T.Check(pk.Data.SequenceEqual(payload), "payload on channel 1");
                }
        }

        // Extra channel 2 (unreliable) to peer 1: repeat until one arrives.
        static void FourPeerExtraUnreliable(MeshNode[] nodes)
        {
            nodes[3].Mesh.TargetPeer = 1;
            nodes[3].Mesh.TransferChannel = 2;
            T.WaitUntil(() => nodes[1].Packets.Any(x => x.Peer == 3), () =>
            {
                nodes[3].Mesh.PutPacket(new byte[] { 3, 3, 3 });
                PollAll(nodes);
            }, "extra unreliable channel");
            foreach (var pk in Take(nodes[1]).Where(x => x.Peer == 3))
            {
                T.Equal(2, pk.Channel, "extra channel 2");
                T.Equal(TM.Unreliable, pk.Mode, "extra channel 2 is unreliable");
        }
        PollAll(nodes);
        T.Equal(0, nodes[1].Packets.Count(x => x.Peer != 3), "no stray packets at 1");
        T.Equal(0, nodes[4].Packets.Count, "peer 4 excluded itself");
        }

        // Peer 4 leaves: it reports everyone gone, the others report 4 gone.
        static void FourPeerLeaves(MeshNode[] nodes)
        {
            nodes[4].Mesh.Close();
            T.Equal(WebRtcMultiplayerPeer.ConnectionStatus.Disconnected, nodes[4].Mesh.GetConnectionStatus(), "closed mesh");
            nodes[4].Poll();
            T.Check(nodes[4].Disconnected.OrderBy(x => x).SequenceEqual(new[] { 1, 2, 3 }), "close reports peers gone: " + string.Join(",", nodes[4].Disconnected));
            T.WaitUntil(() => Enumerable.Range(1, 3).All(i => nodes[i].Disconnected.Contains(4)), () => PollAll(nodes), "peer 4 disconnected everywhere", 120);
            for (int i = 1; i <= 3; i++)
            {
                T.Equal(false, nodes[i].Mesh.HasPeer(4), "4 removed at " + i);
                T.ThrowsCode(Error.DoesNotExist, () => nodes[i].Mesh.GetPeer(4), "get_peer of a gone peer");
        }
        }

        public static void ServerClient()
        {
            var server = new MeshNode();
            var c2 = new MeshNode();
            var c3 = new MeshNode();
            var nodes = new[] { server, c2, c3 };
            try
            {
                server.Mesh.CreateServer();
                c2.Mesh.CreateClient(2);
                c3.Mesh.Initialize(3, true); // Godot 3's WebRTCMultiplayer with server compatibility
                T.Equal(true, server.Mesh.IsServerRelaySupported(), "server relays");
                T.Equal(true, c2.Mesh.IsServerRelaySupported(), "client relays");
                T.Equal(WebRtcMultiplayerPeer.ConnectionStatus.Connecting, c2.Mesh.GetConnectionStatus(), "client connecting");
                using (var extra = new WebRtcPeerConnection())
                    T.ThrowsCode(Error.InvalidParameter, () => c2.Mesh.AddPeer(extra, 5), "client adds a peer other than 1");
                Link(server, 1, c2, 2);
                Link(server, 1, c3, 3);
                T.WaitUntil(() => server.Connected.Count == 2 && c2.Connected.Count == 1 && c3.Succeeded == 1, () => PollAll(nodes), "clients connected", 120);
                T.Check(c2.Connected.SequenceEqual(new[] { 1 }), "client sees the server");
                T.Check(c3.Connected.Contains(1), "Godot 3 client sees the server");
                T.Equal(WebRtcMultiplayerPeer.ConnectionStatus.Connected, c2.Mesh.GetConnectionStatus(), "client connected");
                T.Equal(2, c2.Mesh.GetUniqueId(), "client id");

                c2.Mesh.TargetPeer = 1;
                c2.Mesh.PutPacket(new byte[] { 2 });
                T.WaitUntil(() => server.Packets.Count == 1, () => PollAll(nodes), "client -> server");
                T.Equal(2, server.Packets[0].Peer, "from client 2");

                // The server drops client 2: it loses its server.
                server.Mesh.RemovePeer(2);
                T.Equal(false, server.Mesh.HasPeer(2), "removed");
                T.WaitUntil(() => c2.Disconnected.Contains(1), () => PollAll(nodes), "client 2 sees the server go", 120);
                T.Equal(WebRtcMultiplayerPeer.ConnectionStatus.Disconnected, c2.Mesh.GetConnectionStatus(), "client 2 disconnected");
                server.Mesh.DisconnectPeer(3, true);
                T.WaitUntil(() => c3.ServerGone == 1, () => PollAll(nodes), "Godot 3 server_disconnected", 120);
            }
            finally
            {
                foreach (var n in nodes) n.Dispose();
            }
        }
    }
}
