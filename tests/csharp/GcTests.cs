// Objects dropped without Dispose are destroyed by their finalizers, exactly
// once; meshrtc_shutdown then reports 0 leaked handles. Shutdown with live
// objects reports them, leaves their wrappers harmless, and the library
// keeps working (Unity domain reloads).
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace MeshRtc.Tests
{
    public static class GcTests
    {
        static void Collect()
        {
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }

        /// <summary>
        /// Runs make on a thread that then exits: Mono scans stacks
        /// conservatively, so objects made there cannot be kept alive by a
        /// stale slot of this thread's stack.
        /// </summary>
        static int OnOwnThread(Func<int> make)
        {
            int made = 0;
            Exception failure = null;
            var t = new Thread(() =>
            {
                try { made = make(); }
                catch (Exception e) { failure = e; }
            });
            t.Start();
            T.Check(t.Join(TimeSpan.FromSeconds(300)), "allocating thread finished");
            if (failure != null) throw new TestFailure("allocating thread: " + failure);
            return made;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        static int Garbage()
        {
            int owned = 0;
            // 200 initialized peers with a channel each, never disposed.
            for (int i = 0; i < 200; i++)
            {
                var p = new WebRtcPeerConnection();
                p.Initialize(Net.Loopback);
                p.CreateDataChannel("lost" + i);
                owned += 2;
            }
            // A mesh with two added peers (the mesh keeps them referenced).
            var m = new WebRtcMultiplayerPeer();
            m.CreateMesh(1);
            for (int id = 2; id <= 3; id++)
            {
                var p = new WebRtcPeerConnection();
                p.Initialize(Net.Loopback);
                m.AddPeer(p, id);
                m.GetPeer(id); // mesh-owned channel wrappers: never destroyed by us
            }
            owned += 3;
            // A connected pair with an in-band channel and a received one,
            // whose handlers close over the objects (cycles).
            var pair = new Pair();
            var ch = pair.A.CreateDataChannel("cycle");
            pair.A.CreateOffer();
            T.WaitUntil(() => pair.ReceivedB.Count == 1, pair.Pump, "received channel");
            pair.WaitOpen(ch, pair.ReceivedB[0]);
            ch.PutPacket(new byte[] { 1, 2, 3 });
            owned += 4;
            // A received channel nobody handled: the event had no listener.
            using (var x = new WebRtcPeerConnection())
            using (var y = new WebRtcPeerConnection())
            {
                x.Initialize(Net.Loopback);
                y.Initialize(Net.Loopback);
                x.SessionDescriptionCreated += (t, s) => { x.SetLocalDescription(t, s); y.SetRemoteDescription(t, s); };
                y.SessionDescriptionCreated += (t, s) => { y.SetLocalDescription(t, s); x.SetRemoteDescription(t, s); };
                x.IceCandidateCreated += (md, ix, nm) => y.AddIceCandidate(md, ix, nm);
                y.IceCandidateCreated += (md, ix, nm) => x.AddIceCandidate(md, ix, nm);
                bool received = false;
                var dc = x.CreateDataChannel("unhandled");
                // The handler does not keep the channel: it is garbage at once.
                y.DataChannelReceived += c => received = true;
                x.CreateOffer();
                T.WaitUntil(() => received && dc.GetReadyState() == WebRtcDataChannel.ChannelState.Open, () => { x.Poll(); y.Poll(); }, "unhandled channel pair");
                owned += 2; // dc and y's received channel
            }
            return owned;
        }

        public static void Finalizers()
        {
            Collect();
            T.Equal(0, MeshRtcHandle.DestroyFailures, "destroy failures before");
            int before = MeshRtcHandle.Destroyed;
            int owned = OnOwnThread(Garbage);
            // x and y above were disposed: 2 destroys that are not garbage.
            int expected = owned + 2;
            for (int i = 0; i < 20 && MeshRtcHandle.Destroyed - before < expected; i++)
            {
                Collect();
                Thread.Sleep(50);
            }
            T.Equal(expected, MeshRtcHandle.Destroyed - before, "destroys (each handle exactly once)");
            T.Equal(0, MeshRtcHandle.DestroyFailures, "destroy failures");
            int leaked = MeshRtcLibrary.Shutdown();
            T.Equal(0, leaked, "handles leaked at meshrtc_shutdown");
            Console.WriteLine("     {0} handles destroyed by finalizers, 0 leaked", owned);
        }

        /// <summary>
        /// A connection keeps working while another thread forces collections
        /// and finalizers run next to live calls (SafeHandle references keep
        /// a handle alive for the length of each call).
        /// </summary>
        public static void PressureWhileRunning()
        {
            using (var pair = new Pair())
            {
                pair.OpenNegotiated("gc", new DataChannelOptions { Negotiated = true, Id = 1 }, out var a, out var b);
                bool stop = false;
                int collections = 0;
                var collector = new Thread(() =>
                {
                    while (!Volatile.Read(ref stop))
                    {
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                        collections++;
                        Thread.Sleep(1);
                    }
                });
                collector.Start();
                try
                {
                    int got = 0;
                    byte[] buf = null;
                    Action drain = () =>
                    {
                        int n;
                        while (b.TryGetPacket(ref buf, out n))
                        {
                            var expect = Net.Pattern(1000, got);
                            T.Equal(1000, n, "length");
                            for (int j = 0; j < n; j++)
                                if (buf[j] != expect[j]) throw new TestFailure("packet " + got + " differs at " + j);
                            got++;
                        }
                    };
                    for (int i = 0; i < 300; i++)
                    {
                        // Garbage with native handles, finalized concurrently.
                        var lost = new WebRtcPeerConnection();
                        lost.CreateDataChannel("lost");
                        a.PutPacket(Net.Pattern(1000, i));
                        pair.Pump();
                        drain();
                    }
                    T.WaitUntil(() => got == 300, () => { pair.Pump(); drain(); }, "300 packets under GC pressure");
                }
                finally
                {
                    Volatile.Write(ref stop, true);
                    collector.Join();
                }
                T.Check(collections > 0, "collections ran");
                T.Equal(0, MeshRtcHandle.DestroyFailures, "destroy failures");
                Console.WriteLine("     300 packets intact across {0} forced collections", collections);
                a.Dispose();
                b.Dispose();
            }
        }

        public static void ShutdownAndReuse()
        {
            var p = new WebRtcPeerConnection();
            var c = p.CreateDataChannel("alive");
            var m = new WebRtcMultiplayerPeer();
            T.Equal(3, MeshRtcLibrary.Shutdown(), "shutdown reports the live objects");
            T.ThrowsCode(Error.DoesNotExist, () => p.CreateOffer(), "peer after shutdown");
            T.ThrowsCode(Error.DoesNotExist, () => c.GetLabel(), "channel after shutdown");
            T.ThrowsCode(Error.DoesNotExist, () => m.Poll(), "mesh after shutdown");
            p.Dispose();
            c.Dispose();
            m.Dispose();
            T.Equal(0, MeshRtcHandle.DestroyFailures, "disposing after shutdown is harmless");
            // The library works again at once, as after a Unity domain reload.
            using (var pair = new Pair())
            {
                pair.OpenNegotiated("again", new DataChannelOptions { Negotiated = true, Id = 1 }, out var a, out var b);
                a.PutPacket(new byte[] { 9 });
                T.WaitUntil(() => b.GetAvailablePacketCount() == 1, pair.Pump, "a message after shutdown");
                a.Dispose();
                b.Dispose();
            }
            T.Equal(0, MeshRtcLibrary.Shutdown(), "nothing leaked at the end");
        }
    }
}
