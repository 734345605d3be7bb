// Two peers in one process: signaling through events, every channel getter,
// a reliable 1 MiB transfer, unreliable and text packets, event threads.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace MeshRtc.Tests
{
    public static class PairTests
    {
        static readonly WebRtcPeerConnection.ConnectionState Connected = WebRtcPeerConnection.ConnectionState.Connected;

        public static void SignalingThroughEvents()
        {
            using (var p = new Pair())
            {
                T.Equal(WebRtcPeerConnection.ConnectionState.New, p.A.GetConnectionState(), "A before offer");
                T.Equal(WebRtcPeerConnection.GatheringState.New, p.A.GetGatheringState(), "A gathering before offer");
                T.Equal(WebRtcPeerConnection.SignalingState.Stable, p.A.GetSignalingState(), "A signaling before offer");
                var chat = p.A.CreateDataChannel("chat", new DataChannelOptions { Protocol = "chat-v1" });
                p.A.CreateOffer();
                T.WaitUntil(() => p.StateA == Connected && p.StateB == Connected && p.ReceivedB.Count == 1, p.Pump,
                    "both connected (events) and the channel received");
                p.WaitOpen(chat, p.ReceivedB[0]);
                T.Equal(1, p.OffersA, "offers from A");
                T.Equal(1, p.AnswersB, "answers from B");
                T.Check(p.CandidatesA > 0 && p.CandidatesB > 0, "candidates both ways: " + p.CandidatesA + "/" + p.CandidatesB);
                T.Check(p.SignalingA.Contains(WebRtcPeerConnection.SignalingState.HaveLocalOffer), "A was have-local-offer");
                T.Check(p.SignalingB.Contains(WebRtcPeerConnection.SignalingState.HaveRemoteOffer), "B was have-remote-offer");
                T.Equal(WebRtcPeerConnection.SignalingState.Stable, p.A.GetSignalingState(), "A signaling");
                T.Equal(WebRtcPeerConnection.SignalingState.Stable, p.B.GetSignalingState(), "B signaling");
                T.Equal(Connected, p.A.GetConnectionState(), "A state");
                T.Equal(Connected, p.B.GetConnectionState(), "B state");
                T.Check(p.GatheringA.Contains(WebRtcPeerConnection.GatheringState.Gathering), "A gathering event");
                T.WaitUntil(() => p.A.GetGatheringState() == WebRtcPeerConnection.GatheringState.Complete, p.Pump, "gathering complete");
                T.Equal("chat", p.ReceivedB[0].GetLabel(), "received label");
                T.Equal("chat-v1", p.ReceivedB[0].GetProtocol(), "received protocol");

                var st = p.A.GetStats();
                T.Equal(CandidateType.Host, st.LocalCandidateType, "local candidate type");
                T.Equal(CandidateType.Host, st.RemoteCandidateType, "remote candidate type");
                T.Check(st.BytesSent > 0 && st.BytesReceived > 0, "pair counters");

                // A message each way.
                chat.PutPacket(new byte[] { 1, 2, 3 });
                p.ReceivedB[0].PutPacket(new byte[] { 4, 5 });
                T.WaitUntil(() => chat.GetAvailablePacketCount() == 1 && p.ReceivedB[0].GetAvailablePacketCount() == 1, p.Pump, "one message each way");
                T.Check(p.ReceivedB[0].GetPacket().SequenceEqual(new byte[] { 1, 2, 3 }), "A -> B");
                T.Check(chat.GetPacket().SequenceEqual(new byte[] { 4, 5 }), "B -> A");

                // Closing one side closes the channel on the other.
                p.A.Close();
                T.Equal(WebRtcPeerConnection.ConnectionState.Closed, p.A.GetConnectionState(), "A closed");
                T.WaitUntil(() => p.ReceivedB[0].GetReadyState() == WebRtcDataChannel.ChannelState.Closed, p.Pump, "B's channel closed");
                chat.Dispose();
            }
        }

        public static void ChannelGetters()
        {
            using (var p = new Pair())
            {
                var inband = p.A.CreateDataChannel("inband", "{\"ordered\":false,\"maxRetransmits\":3,\"protocol\":\"proto-x\"}");
                var life = p.A.CreateDataChannel("life", new DataChannelOptions { MaxPacketLifeTime = 250 });
                var negA = p.A.CreateDataChannel("neg", new DataChannelOptions { Negotiated = true, Id = 7 });
                var negB = p.B.CreateDataChannel("neg", new DataChannelOptions { Negotiated = true, Id = 7 });
                T.Equal(WebRtcDataChannel.ChannelState.Connecting, inband.GetReadyState(), "in-band before connect");
                T.Equal(65535, inband.GetId(), "in-band id before connect");
                T.Equal(7, negA.GetId(), "negotiated id before connect");
                T.Check(inband.IsOwned && inband.Handle != 0, "owned handle");
                p.A.CreateOffer();
                T.WaitUntil(() => p.ReceivedB.Count == 2, p.Pump, "two in-band channels received");
                var inbandB = p.ReceivedB.Single(c => c.GetLabel() == "inband");
                var lifeB = p.ReceivedB.Single(c => c.GetLabel() == "life");
                p.WaitOpen(inband, life, negA, negB, inbandB, lifeB);

                foreach (var c in new[] { inband, inbandB })
                {
                    T.Equal("inband", c.GetLabel(), "label");
                    T.Equal("proto-x", c.GetProtocol(), "protocol");
                    T.Equal(false, c.IsOrdered(), "ordered");
                    T.Equal(3, c.GetMaxRetransmits(), "max retransmits");
                    T.Equal(65535, c.GetMaxPacketLifeTime(), "lifetime not set");
                    T.Equal(false, c.IsNegotiated(), "negotiated");
                }
                T.Equal(inband.GetId(), inbandB.GetId(), "in-band id both sides");
                T.Check(inband.GetId() != 65535, "in-band id assigned");
                foreach (var c in new[] { life, lifeB })
                {
                    T.Equal(true, c.IsOrdered(), "life ordered");
                    T.Equal(250, c.GetMaxPacketLifeTime(), "lifetime");
                    T.Equal(65535, c.GetMaxRetransmits(), "retransmits not set");
                    T.Equal("", c.GetProtocol(), "empty protocol");
                }
                foreach (var c in new[] { negA, negB })
                {
                    T.Equal("neg", c.GetLabel(), "negotiated label");
                    T.Equal(7, c.GetId(), "negotiated id");
                    T.Equal(true, c.IsNegotiated(), "negotiated");
                    T.Equal(true, c.IsOrdered(), "negotiated ordered");
                    T.Equal(WebRtcDataChannel.ChannelState.Open, c.GetReadyState(), "open");
                    T.Equal(262144, c.GetMaxPacketSize(), "max packet size (default maxMessageSize)");
                    T.Equal(WebRtcDataChannel.WriteModeEnum.Binary, c.WriteMode, "default write mode");
                    T.Equal(0, c.GetAvailablePacketCount(), "nothing queued");
                    T.Equal(0L, c.GetDroppedCount(), "nothing dropped");
                    T.Equal(0L, c.GetStats().MessagesSent, "stats before sending");
                }
                negA.WriteMode = WebRtcDataChannel.WriteModeEnum.Text;
                T.Equal(WebRtcDataChannel.WriteModeEnum.Text, negA.WriteMode, "write mode set");
                negA.PutPacket(new byte[] { 65, 66 });
                T.WaitUntil(() => negB.GetAvailablePacketCount() == 1, p.Pump, "text message");
                T.WaitUntil(() => negA.GetBufferedAmount() == 0, p.Pump, "buffered amount drains");
                var got = negB.GetPacket();
                T.Check(got.SequenceEqual(new byte[] { 65, 66 }), "payload");
                T.Equal(true, negB.WasStringPacket(), "was string");
                var sa = negA.GetStats();
                var sb = negB.GetStats();
                T.Equal(1L, sa.MessagesSent, "messages sent");
                T.Equal(2L, sa.BytesSent, "bytes sent");
                T.Equal(1L, sb.MessagesReceived, "messages received");
                T.Equal(2L, sb.BytesReceived, "bytes received");
                negB.Poll(); // optional for hosts, must work
                negB.Close();
                T.WaitUntil(() => negB.GetReadyState() == WebRtcDataChannel.ChannelState.Closed, p.Pump, "closed channel");
                foreach (var c in new[] { inband, life, negA, negB }) c.Dispose();
            }
        }

        public static void Reliable1MiB()
        {
            const int total = 1 << 20;
            byte[] data = Net.Pattern(total, 42);
            using (var p = new Pair())
            {
                p.OpenNegotiated("bulk", new DataChannelOptions { Negotiated = true, Id = 1 }, out var tx, out var rx);
                int max = tx.GetMaxPacketSize();
                // Message sizes cycle through small, odd and maximum sizes.
                int[] sizes = { 16384, 1, 65536, max, 1200, 0, 7, 100000 };
                var expectedLengths = new List<int>();
                var received = new byte[total];
                int sent = 0, got = 0, messages = 0, k = 0;
                byte[] buf = new byte[16]; // grows as needed: one reusable buffer
                Action drain = () =>
                {
                    int n;
                    p.Pump();
                    while (rx.TryGetPacket(ref buf, out n))
                    {
                        T.Check(messages < expectedLengths.Count, "more messages than sent");
                        T.Equal(expectedLengths[messages], n, "length of message " + messages);
                        Buffer.BlockCopy(buf, 0, received, got, n);
                        got += n;
                        messages++;
                    }
                };
                while (sent < total)
                {
                    int n = Math.Min(sizes[k++ % sizes.Length], total - sent);
                    // Backpressure: keep at most 1 MiB buffered.
                    T.WaitUntil(() => tx.GetBufferedAmount() <= (1 << 20), drain, "buffered amount to drain");
                    switch (k % 3)
                    {
                        case 0: tx.PutPacket(data, sent, n); break;
                        case 1: tx.PutPacket(new ReadOnlySpan<byte>(data, sent, n)); break;
                        default:
                            var copy = new byte[n];
                            Buffer.BlockCopy(data, sent, copy, 0, n);
                            tx.PutPacket(copy);
                            break;
                    }
                    expectedLengths.Add(n);
                    sent += n;
                }
                T.WaitUntil(() => got == total, drain, "1 MiB received", 120);
                T.Equal(expectedLengths.Count, messages, "message count");
                for (int i = 0; i < total; i++)
                    if (received[i] != data[i]) throw new TestFailure("byte " + i + " differs");
                T.Check(buf.Length >= max && buf.Length < 4 * max, "reusable buffer grew to " + buf.Length);
                T.Equal(false, rx.WasStringPacket(), "binary packets");
                Console.WriteLine("     {0} messages, {1} bytes checked", messages, got);
                tx.Dispose();
                rx.Dispose();
            }
        }

        public static void UnreliablePackets()
        {
            using (var p = new Pair())
            {
                var opts = new DataChannelOptions { Negotiated = true, Id = 2, Ordered = false, MaxRetransmits = 0 };
                p.OpenNegotiated("fast", opts, out var tx, out var rx);
                T.Equal(false, rx.IsOrdered(), "unordered");
                T.Equal(0, rx.GetMaxRetransmits(), "no retransmits");
                const int count = 300;
                for (int i = 0; i < count; i++)
                {
                    var msg = Net.Pattern(100, i);
                    msg[0] = (byte)(i & 0xff);
                    msg[1] = (byte)(i >> 8);
                    tx.PutPacket(msg);
                    if (i % 50 == 0) p.Pump();
                }
                var seen = new HashSet<int>();
                byte[] buf = null;
                int quiet = 0;
                // Until all arrived, or nothing new for a while (loss is allowed).
                T.WaitUntil(() => seen.Count == count || quiet > 2000, () =>
                {
                    int n;
                    p.Pump();
                    bool any = false;
                    while (rx.TryGetPacket(ref buf, out n))
                    {
                        any = true;
                        T.Equal(100, n, "unreliable packet length");
                        int seq = buf[0] | (buf[1] << 8);
                        T.Check(seq < count && seen.Add(seq), "sequence " + seq + " once");
                        var expect = Net.Pattern(100, seq);
                        for (int j = 2; j < 100; j++)
                            if (buf[j] != expect[j]) throw new TestFailure("packet " + seq + " corrupted at " + j);
                    }
                    quiet = any ? 0 : quiet + 1;
                }, "unreliable packets", 120);
                T.Check(seen.Count > 0, "no unreliable packet arrived");
                T.Check(seen.Count + rx.GetDroppedCount() <= count, "received + dropped <= sent");
                Console.WriteLine("     {0}/{1} unreliable packets arrived intact, {2} dropped by the queue", seen.Count, count, rx.GetDroppedCount());
                tx.Dispose();
                rx.Dispose();
            }
        }

        public static void TextPackets()
        {
            using (var p = new Pair())
            {
                p.OpenNegotiated("t", new DataChannelOptions { Negotiated = true, Id = 3 }, out var tx, out var rx);
                byte[] text = System.Text.Encoding.UTF8.GetBytes("héllo\0wörld");
                tx.WriteMode = WebRtcDataChannel.WriteModeEnum.Text;
                tx.PutPacket(text);
                tx.PutPacket(new byte[0]);
                tx.WriteMode = WebRtcDataChannel.WriteModeEnum.Binary;
                tx.PutPacket(new byte[] { 0 });
                T.WaitUntil(() => rx.GetAvailablePacketCount() == 3, p.Pump, "three packets");
                T.Check(rx.GetPacket().SequenceEqual(text), "text with NUL kept whole");
                T.Equal(true, rx.WasStringPacket(), "text packet");
                T.Equal(0, rx.GetPacket().Length, "empty text packet");
                T.Equal(true, rx.WasStringPacket(), "empty text packet is text");
                T.Check(rx.GetPacket().SequenceEqual(new byte[] { 0 }), "binary packet");
                T.Equal(false, rx.WasStringPacket(), "binary packet");
                T.ThrowsCode(Error.Unavailable, () => rx.GetPacket(), "GetPacket on an empty queue");
                byte[] b = null;
                int n;
                T.Equal(false, rx.TryGetPacket(ref b, out n), "TryGetPacket on an empty queue");
                T.Check(b == null && n == 0, "nothing written on an empty queue");
                tx.Dispose();
                rx.Dispose();
            }
        }

        /// <summary>The library never calls managed code: handlers run only inside Poll, on the polling thread.</summary>
        public static void EventsOnCallingThread()
        {
            using (var p = new Pair())
            {
                var ch = p.A.CreateDataChannel("x");
                p.A.CreateOffer();
                // Gathering and ICE run on the library's threads while nobody polls.
                Thread.Sleep(300);
                T.Equal(0, p.EventThreads.Count, "events raised without Poll");
                int worker = 0;
                Exception failure = null;
                var t = new Thread(() =>
                {
                    try
                    {
                        worker = Thread.CurrentThread.ManagedThreadId;
                        T.WaitUntil(() => p.ReceivedB.Count == 1, p.Pump, "channel received (worker thread)");
                        p.WaitOpen(ch, p.ReceivedB[0]);
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }
                });
                t.Start();
                T.Check(t.Join(TimeSpan.FromSeconds(120)), "worker thread finished");
                if (failure != null) throw failure;
                T.Check(p.EventThreads.Count > 0, "events were raised");
                T.Check(p.EventThreads.All(id => id == worker), "every event on the polling thread");
                // Now poll from this thread: B notices A's close here.
                int before = p.EventThreads.Count;
                int self = Thread.CurrentThread.ManagedThreadId;
                p.A.Close();
                T.WaitUntil(() => p.StateB != Connected, p.Pump, "B's connection state event after A closed");
                Console.WriteLine("     B went to {0} after A closed", p.StateB);
                T.Check(p.EventThreads.Skip(before).All(id => id == self), "events after the switch on this thread");
                ch.Dispose();
            }
        }
    }
}
