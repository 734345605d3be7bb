using System;
using System.Collections.Generic;
using System.Threading;

namespace MeshRtc.Tests
{
    public static class Net
    {
        /// <summary>The network rule: loopback-only ICE for every connection in tests.</summary>
        public const string Loopback =
            "{\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false}}";

        /// <summary>"candidate:<foundation> <component> <proto> <prio> <addr> ..." -> addr starts with 127.</summary>
        public static bool IsLoopbackCandidate(string name)
        {
            var w = name.Split(' ');
            return w.Length > 4 && w[4].StartsWith("127.");
        }

        /// <summary>Deterministic test bytes.</summary>
        public static byte[] Pattern(int len, int seed)
        {
            var b = new byte[len];
            uint x = (uint)seed * 2654435761u + 1;
            for (int i = 0; i < len; i++)
            {
                x ^= x << 13; x ^= x >> 17; x ^= x << 5;
                b[i] = (byte)x;
            }
            return b;
        }
    }

    /// <summary>
    /// Two connections in one process whose signaling goes through their
    /// C# events: the host's job in a real game, done here in memory.
    /// </summary>
    public sealed class Pair : IDisposable
    {
        public readonly WebRtcPeerConnection A = new WebRtcPeerConnection();
        public readonly WebRtcPeerConnection B = new WebRtcPeerConnection();
        public readonly List<WebRtcDataChannel> ReceivedA = new List<WebRtcDataChannel>();
        public readonly List<WebRtcDataChannel> ReceivedB = new List<WebRtcDataChannel>();
        public readonly List<string> Log = new List<string>();
        public WebRtcPeerConnection.ConnectionState StateA, StateB;
        public int CandidatesA, CandidatesB, OffersA, AnswersB;
        public readonly List<int> EventThreads = new List<int>();
        public readonly List<WebRtcPeerConnection.GatheringState> GatheringA = new List<WebRtcPeerConnection.GatheringState>();
        public readonly List<WebRtcPeerConnection.SignalingState> SignalingA = new List<WebRtcPeerConnection.SignalingState>();
        public readonly List<WebRtcPeerConnection.SignalingState> SignalingB = new List<WebRtcPeerConnection.SignalingState>();

        public Pair(string config = Net.Loopback)
        {
            A.Initialize(config);
            B.Initialize(config);
            Wire(A, B, "A", ReceivedA);
            Wire(B, A, "B", ReceivedB);
            A.ConnectionStateChanged += s => { Note(); StateA = s; };
            B.ConnectionStateChanged += s => { Note(); StateB = s; };
            A.GatheringStateChanged += s => { Note(); GatheringA.Add(s); };
            A.SignalingStateChanged += s => { Note(); SignalingA.Add(s); };
            B.SignalingStateChanged += s => { Note(); SignalingB.Add(s); };
        }

        void Note() { EventThreads.Add(Thread.CurrentThread.ManagedThreadId); }

        void Wire(WebRtcPeerConnection from, WebRtcPeerConnection to, string name, List<WebRtcDataChannel> received)
        {
            from.SessionDescriptionCreated += (type, sdp) =>
            {
                Note();
                T.Check(sdp.StartsWith("v=0"), name + ": SDP starts with " + sdp.Substring(0, Math.Min(10, sdp.Length)));
                if (name == "A" && type == "offer") OffersA++;
                if (name == "B" && type == "answer") AnswersB++;
                Log.Add(name + " " + type);
                from.SetLocalDescription(type, sdp);
                to.SetRemoteDescription(type, sdp);
            };
            from.IceCandidateCreated += (media, index, cand) =>
            {
                Note();
                T.Check(Net.IsLoopbackCandidate(cand), name + ": non-loopback candidate " + cand);
                if (name == "A") CandidatesA++; else CandidatesB++;
                to.AddIceCandidate(media, index, cand);
            };
            from.DataChannelReceived += ch =>
            {
                Note();
                received.Add(ch);
            };
        }

        public void Pump()
        {
            A.Poll();
            B.Poll();
        }

        /// <summary>The negotiated channel label on both ends (options with Negotiated and Id), offered by A, open.</summary>
        public void OpenNegotiated(string label, DataChannelOptions options, out WebRtcDataChannel onA, out WebRtcDataChannel onB)
        {
            onA = A.CreateDataChannel(label, options);
            onB = B.CreateDataChannel(label, options);
            A.CreateOffer();
            WaitOpen(onA, onB);
        }

        public void WaitOpen(params WebRtcDataChannel[] chs)
        {
            T.WaitUntil(() =>
            {
                foreach (var c in chs)
                    if (c.GetReadyState() != WebRtcDataChannel.ChannelState.Open) return false;
                return true;
            }, Pump, chs.Length + " channels open");
        }

        public void Dispose()
        {
            foreach (var c in ReceivedA) c.Dispose();
            foreach (var c in ReceivedB) c.Dispose();
            A.Dispose();
            B.Dispose();
        }
    }
}
