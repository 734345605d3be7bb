// Two peers in one scene, connected over loopback: everything a game does
// with meshrtc (signaling through events, polling in Update, sending and
// receiving, disposing). In a real game the two ends are on two machines and
// SessionDescriptionCreated / IceCandidateCreated go through your signaling
// server. Add this component to any GameObject and press Play.
using System.Text;
using MeshRtc;
using UnityEngine;

public class LoopbackExample : MonoBehaviour
{
    // Loopback-only ICE so the example needs no network; a game passes its
    // STUN/TURN servers here: {"iceServers":[{"urls":"stun:stun.example.org:3478"}]}
    const string Config =
        "{\"meshrtc\":{\"interfaces\":[\"lo\",\"lo0\",\"Loopback Pseudo-Interface 1\"],\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false}}";

    WebRtcPeerConnection a, b;
    WebRtcDataChannel chatA, chatB;
    byte[] buffer = new byte[2048]; // reused for every received packet
    float nextPing;

    void Start()
    {
        a = new WebRtcPeerConnection();
        b = new WebRtcPeerConnection();
        a.Initialize(Config);
        b.Initialize(Config);
        Relay(a, b);
        Relay(b, a);
        a.ConnectionStateChanged += s => Debug.Log("A: " + s);
        b.DataChannelReceived += ch => { chatB = ch; Debug.Log("B received channel " + ch.GetLabel()); };
        chatA = a.CreateDataChannel("chat", new DataChannelOptions { Ordered = true });
        a.CreateOffer();
    }

    // Stands in for a signaling server: what one side creates, the other applies.
    static void Relay(WebRtcPeerConnection from, WebRtcPeerConnection to)
    {
        from.SessionDescriptionCreated += (type, sdp) =>
        {
            from.SetLocalDescription(type, sdp);
            to.SetRemoteDescription(type, sdp);
        };
        from.IceCandidateCreated += (media, index, name) => to.AddIceCandidate(media, index, name);
    }

    void Update()
    {
        // Events are raised here, on the main thread, never from the library's threads.
        a.Poll();
        b.Poll();
        if (chatB == null || chatA.GetReadyState() != WebRtcDataChannel.ChannelState.Open) return;

        if (Time.time >= nextPing)
        {
            nextPing = Time.time + 1f;
            chatA.PutPacket(Encoding.UTF8.GetBytes("ping at " + Time.time.ToString("F1")));
        }
        int length;
        while (chatB.TryGetPacket(ref buffer, out length))
            Debug.Log("B got: " + Encoding.UTF8.GetString(buffer, 0, length));
    }

    void OnDestroy()
    {
        // Dispose what you own; MeshRtcUnityLifecycle releases anything left
        // when play mode ends.
        if (chatB != null) chatB.Dispose();
        if (chatA != null) chatA.Dispose();
        if (a != null) a.Dispose();
        if (b != null) b.Dispose();
    }
}
