// Batched packets (PacketPeer.GetPackets / PutPackets) through a pair and a
// 3-member mesh, their error paths, and MeshRtcLibrary.Wait.
using System;
using System.Linq;
using System.Text;
using System.Threading;
using TM = MeshRtc.WebRtcMultiplayerPeer.TransferModeEnum;

namespace MeshRtc.Tests
{
    public static class BatchTests
    {
        /// <summary>sizes.Length messages, message i being i-th size bytes of value (first + i).</summary>
        static byte[] Messages(int first, int[] sizes)
        {
            var data = new byte[sizes.Sum()];
            int off = 0;
            for (int i = 0; i < sizes.Length; i++)
                for (int j = 0; j < sizes[i]; j++) data[off++] = (byte)(first + i);
            return data;
        }

        /// <summary>n packets taken into buf, described by infos: message k has sizes[k] bytes of value k.</summary>
        static void CheckTaken(int n, byte[] buf, PacketInfo[] infos, int first, int[] sizes, string what)
        {
            int off = 0;
            for (int i = 0; i < n; i++)
            {
                int k = first + i;
                T.Equal(sizes[k], infos[i].Size, what + ": size of packet " + k);
                T.Equal(false, infos[i].IsString, what + ": packet " + k + " is binary");
                T.Check(infos[i].PeerId == 0 && infos[i].Channel == 0 && infos[i].Mode == 0, what + ": a channel's packet has no peer, channel or mode");
                for (int j = 0; j < infos[i].Size; j++)
                    if (buf[off + j] != (byte)k) throw new TestFailure(what + ": packet " + k + " differs at byte " + j);
                off += infos[i].Size;
            }
        }

        public static void PairBatches()
        {
            using (var p = new Pair())
            {
                p.OpenNegotiated("batch", new DataChannelOptions { Negotiated = true, Id = 1 }, out var tx, out var rx);
                int[] sizes = { 1, 2, 3, 0, 4 };
                T.Equal(5, tx.PutPackets(Messages(0, sizes), sizes), "messages accepted");
                tx.WriteMode = WebRtcDataChannel.WriteModeEnum.Text;
                T.Equal(2, tx.PutPackets(Encoding.UTF8.GetBytes("hiyo"), new[] { 2, 2 }), "text messages accepted");
                tx.WriteMode = WebRtcDataChannel.WriteModeEnum.Binary;
                T.Equal(0, tx.PutPackets(new byte[0], new int[0]), "an empty batch");
                T.WaitUntil(() => rx.GetAvailablePacketCount() == 7, p.Pump, "7 packets");

                var infos = new PacketInfo[8];
                var buf = new byte[4];
                // 4 bytes hold packets 0 and 1 (1 + 2); packet 2 needs 3 more.
                int n = rx.GetPackets(buf, infos);
                T.Equal(2, n, "first batch");
                CheckTaken(n, buf, infos, 0, sizes, "first batch");
                // Too small for the next packet: nothing taken, its size given.
                var e = T.ThrowsCode(Error.ParameterRangeError, () => rx.GetPackets(new byte[2], infos), "buffer too small");
                T.Equal("meshrtc_channel_get_packets", e.Function, "the function that failed");
                T.Equal(3, infos[0].Size, "the size of the packet that did not fit");
                T.Equal(5, rx.GetAvailablePacketCount(), "nothing taken");
                // One description only: one packet.
                n = rx.GetPackets(buf, new PacketInfo[1]);
                T.Equal(1, n, "infos of one");
                T.Check(buf[0] == 2 && buf[1] == 2 && buf[2] == 2, "packet 2 in the buffer");
                // The empty packet, packet 4 and the two text packets.
                var big = new byte[64];
                n = rx.GetPackets(big, infos);
                T.Equal(4, n, "the rest");
                T.Check(infos[0].Size == 0 && infos[1].Size == 4 && infos[2].Size == 2 && infos[3].Size == 2, "sizes of the rest");
                T.Check(!infos[0].IsString && !infos[1].IsString && infos[2].IsString && infos[3].IsString, "string flags");
                T.Equal("hiyo", Encoding.UTF8.GetString(big, 4, 4), "text payloads");
                T.Equal(true, rx.WasStringPacket(), "WasStringPacket describes the last packet taken");
                T.Equal(0, rx.GetPackets(big, infos), "an empty queue");
                T.Equal(0, rx.GetPackets(new byte[0], infos), "an empty queue, empty buffer");

                // More descriptions than one native call fills (64): 150
                // 3-byte packets in three gets that stop on the buffer.
                var many = Enumerable.Repeat(3, 150).ToArray();
                T.Equal(150, tx.PutPackets(Messages(0, many), many), "150 messages accepted");
                T.WaitUntil(() => rx.GetAvailablePacketCount() == 150, p.Pump, "150 packets");
                var infos200 = new PacketInfo[200];
                var buf193 = new byte[64 * 3 + 1]; // full after one native call, 1 byte left
                n = rx.GetPackets(buf193, infos200);
                T.Equal(64, n, "a buffer for 64 and a bit");
                CheckTaken(n, buf193, infos200, 0, many, "batch of 64");
                var buf250 = new byte[250]; // 83 packets, ending inside the second native call
                n = rx.GetPackets(buf250, infos200);
                T.Equal(83, n, "a buffer for 83");
                CheckTaken(n, buf250, infos200, 64, many, "batch of 83");
                T.Equal(3, rx.GetPackets(big, infos200), "the last 3");
                CheckTaken(3, big, infos200, 147, many, "the last 3");

                // No allocation per call (rounds after the first, which
                // compiles the methods).
                var sixteen = Enumerable.Range(0, 16).ToArray();
                var payload = Messages(0, sixteen);
                var infos16 = new PacketInfo[16];
                var buf120 = new byte[120];
                long allocated = 0;
                for (int round = 0; round < 4; round++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    n = tx.PutPackets(payload, sixteen);
                    long during = GC.GetAllocatedBytesForCurrentThread() - before;
                    T.Equal(16, n, "16 messages accepted");
                    T.WaitUntil(() => rx.GetAvailablePacketCount() == 16, p.Pump, "16 packets");
                    before = GC.GetAllocatedBytesForCurrentThread();
                    n = rx.GetPackets(buf120, infos16);
                    MeshRtcLibrary.Wait(0);
                    during += GC.GetAllocatedBytesForCurrentThread() - before;
                    T.Equal(16, n, "16 packets taken");
                    CheckTaken(n, buf120, infos16, 0, sixteen, "round " + round);
                    if (round > 0) allocated += during;
                }
                T.Equal(0L, allocated, "bytes allocated by PutPackets, GetPackets and Wait");

                // A batch that fails part way: the first goes, the second is
                // too large; the rest, passed again, throws.
                int max = tx.GetMaxPacketSize();
                var parts = new[] { 1, max + 1, 1 };
                var data = Messages(0, parts);
                T.Equal(1, tx.PutPackets(data, parts), "accepted before the oversize message");
                e = T.ThrowsCode(Error.InvalidParameter, () => tx.PutPackets(data.Skip(1).ToArray(), parts.Skip(1).ToArray()), "the oversize message again");
                T.Equal("meshrtc_channel_put_packets", e.Function, "the function that failed");
                T.WaitUntil(() => rx.GetAvailablePacketCount() == 1, p.Pump, "the accepted message");
                T.Equal(1, rx.GetPackets(big, infos), "the accepted message taken");
                T.Check(infos[0].Size == 1 && big[0] == 0, "the accepted message");

                // Managed argument checks, before the library is called.
                T.Throws<ArgumentNullException>(() => rx.GetPackets(null, infos), "null buffer");
                T.Throws<ArgumentNullException>(() => rx.GetPackets(big, null), "null infos");
                T.Throws<ArgumentException>(() => rx.GetPackets(big, new PacketInfo[0]), "no infos");
                T.Throws<ArgumentNullException>(() => tx.PutPackets(null, new[] { 1 }), "null data");
                T.Throws<ArgumentNullException>(() => tx.PutPackets(new byte[1], null), "null sizes");
                T.Throws<ArgumentOutOfRangeException>(() => tx.PutPackets(new byte[2], new[] { 1, -1 }), "negative size");
                T.Throws<ArgumentOutOfRangeException>(() => tx.PutPackets(new byte[2], new[] { 1, 2 }), "sizes past the data");

                // A closed channel refuses the first message: that throws.
                tx.Close();
                T.ThrowsCode(Error.Failed, () => tx.PutPackets(new byte[2], new[] { 1, 1 }), "put on a closed channel");
                tx.Dispose();
                rx.Dispose();
            }
        }

        static byte[] Bytes(string s) { return Encoding.UTF8.GetBytes(s); }

        /// <summary>
        /// Peers 2 and 3 send to peer 1 with PutPackets on several channels and
        /// modes; peer 1 takes them with GetPackets two at a time, in the order
        /// GetPacket would (round robin over the peers in the order they were
        /// added, one packet per peer per turn, channels by index), each with
        /// its sender, channel and mode.
        /// </summary>
        public static void MeshBatches()
        {
            var nodes = new MeshNode[4];
            try
            {
                for (int id = 1; id <= 3; id++)
                {
                    nodes[id] = new MeshNode();
                    nodes[id].Mesh.CreateMesh(id, TM.Reliable);
                }
                MeshTests.Link(nodes[1], 1, nodes[2], 2);
                MeshTests.Link(nodes[1], 1, nodes[3], 3);
                MeshTests.Link(nodes[2], 2, nodes[3], 3);
                Action pollAll = () => { foreach (var n in nodes.Skip(1)) n.Poll(); };
                T.WaitUntil(() => nodes.Skip(1).All(n => n.Connected.Count == 2), pollAll, "every peer connected", 120);

                var m2 = nodes[2].Mesh;
                var m3 = nodes[3].Mesh;
                m2.TargetPeer = 1;
                T.Equal(2, m2.PutPackets(Bytes("2a2b"), new[] { 2, 2 }), "peer 2, reliable");
                m2.TransferChannel = 1;
                T.Equal(1, m2.PutPackets(Bytes("2x"), new[] { 2 }), "peer 2, extra channel 1");
                m3.TargetPeer = 1;
                m3.TransferMode = TM.UnreliableOrdered;
                T.Equal(1, m3.PutPackets(Bytes("3o"), new[] { 2 }), "peer 3, unreliable ordered");
                m3.TransferMode = TM.Reliable;
                T.Equal(1, m3.PutPackets(Bytes("3a"), new[] { 2 }), "peer 3, reliable");

                // Everything queued on peer 1's channels before its mesh polls,
                // so the order does not depend on arrival times.
                var m1 = nodes[1].Mesh;
                var channels = new[] { 2, 3 }.SelectMany(id => m1.GetPeer(id).Channels).ToList();
                T.WaitUntil(() => channels.Sum(c => c.GetAvailablePacketCount()) == 5, null, "5 packets queued at peer 1");
                m1.Poll();
                T.Equal(5, m1.GetAvailablePacketCount(), "5 packets described");
                var expected = new[]
                {
                    new { Text = "2a", Peer = 2, Channel = 0, Mode = TM.Reliable },
                    new { Text = "3a", Peer = 3, Channel = 0, Mode = TM.Reliable },
                    new { Text = "2b", Peer = 2, Channel = 0, Mode = TM.Reliable },
                    new { Text = "3o", Peer = 3, Channel = 0, Mode = TM.UnreliableOrdered },
                    new { Text = "2x", Peer = 2, Channel = 1, Mode = TM.Reliable },
                };
                var buf = new byte[5]; // two 2-byte packets per call
                var infos = new PacketInfo[4];
                int got = 0;
                while (got < expected.Length)
                {
                    int n = m1.GetPackets(buf, infos);
                    T.Equal(Math.Min(2, expected.Length - got), n, "packets in the batch after " + got);
                    for (int i = 0; i < n; i++, got++)
                    {
                        var want = expected[got];
                        string text = Encoding.UTF8.GetString(buf, 2 * i, infos[i].Size);
                        string what = "packet " + got + " (" + text + ")";
                        T.Equal(want.Text, text, what);
                        T.Equal(want.Peer, infos[i].PeerId, what + " sender");
                        T.Equal(want.Channel, infos[i].Channel, what + " channel");
                        T.Equal(want.Mode, infos[i].Mode, what + " mode");
                        T.Equal(false, infos[i].IsString, what + " binary");
                    }
                }
                T.Equal(0, m1.GetPackets(buf, infos), "the mesh's queue is empty");
                T.Equal(0, m1.GetPacketPeer(), "no packet described");

                // Broadcast to both others; a target not in the mesh fails at
                // the first message.
                m2.TargetPeer = 0;
                m2.TransferChannel = 0;
                T.Equal(2, m2.PutPackets(Bytes("b1b2"), new[] { 2, 2 }), "broadcast batch");
                T.WaitUntil(() => nodes[1].Packets.Count == 2 && nodes[3].Packets.Count == 2, pollAll, "broadcast batch at 1 and 3");
                foreach (int id in new[] { 1, 3 })
                    T.Check(nodes[id].Packets.Select(x => Encoding.UTF8.GetString(x.Data)).SequenceEqual(new[] { "b1", "b2" }), "broadcast order at " + id);
                m2.TargetPeer = 9;
                var e = T.ThrowsCode(Error.InvalidParameter, () => m2.PutPackets(Bytes("zz"), new[] { 2 }), "target not in the mesh");
                T.Equal("meshrtc_mesh_put_packets", e.Function, "the function that failed");
                using (var unconfigured = new WebRtcMultiplayerPeer())
                {
                    T.ThrowsCode(Error.Unconfigured, () => unconfigured.PutPackets(Bytes("z"), new[] { 1 }), "put on an unconfigured mesh");
                    T.Equal(0, unconfigured.GetPackets(buf, infos), "get on an unconfigured mesh");
                }
            }
            finally
            {
                foreach (var n in nodes)
                    if (n != null) n.Dispose();
            }
        }

        /// <summary>
        /// Wait returns false on an idle library, wakes when another thread's
        /// packet arrives (the packet is queued by then), remembers an arrival
        /// that came while nobody waited once, and refuses negative timeouts.
        /// </summary>
        public static void Wait()
        {
            using (var p = new Pair())
            {
                p.OpenNegotiated("wait", new DataChannelOptions { Negotiated = true, Id = 1 }, out var tx, out var rx);
                T.WaitUntil(() => p.A.GetGatheringState() == WebRtcPeerConnection.GatheringState.Complete &&
                                  p.B.GetGatheringState() == WebRtcPeerConnection.GatheringState.Complete, p.Pump, "gathering complete");
                p.Pump();
                for (int i = 0; i < 1000 && MeshRtcLibrary.Wait(0); i++) { } // what connecting left
                T.Equal(false, MeshRtcLibrary.Wait(0), "nothing arrived on an idle library");
                T.Equal(false, MeshRtcLibrary.Wait(TimeSpan.FromMilliseconds(10)), "a timeout on an idle library");

                Exception failure = null;
                var sender = new Thread(() =>
                {
                    try { tx.PutPacket(new byte[] { 7 }); }
                    catch (Exception ex) { failure = ex; }
                });
                sender.Start();
                bool arrived = MeshRtcLibrary.Wait(TimeSpan.FromMinutes(1));
                sender.Join();
                if (failure != null) throw failure;
                T.Equal(true, arrived, "a packet from another thread ends the wait");
                T.Equal(1, rx.GetAvailablePacketCount(), "the packet is queued when Wait returns");

                tx.PutPacket(new byte[] { 8 });
                T.WaitUntil(() => rx.GetAvailablePacketCount() == 2, null, "a packet while nobody waits");
                T.Equal(true, MeshRtcLibrary.Wait(60000000), "the arrival before Wait is remembered");
                T.Equal(false, MeshRtcLibrary.Wait(0), "and wakes one Wait only");

                var e = T.ThrowsCode(Error.InvalidParameter, () => MeshRtcLibrary.Wait(-1), "a negative timeout");
                T.Equal("meshrtc_wait", e.Function, "the function that failed");
                T.ThrowsCode(Error.InvalidParameter, () => MeshRtcLibrary.Wait(TimeSpan.FromMilliseconds(-1)), "a negative TimeSpan");
                tx.Dispose();
                rx.Dispose();
            }
        }
    }
}
