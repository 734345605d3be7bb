// Package core is meshrtc: Godot's WebRTC API (WebRTCPeerConnection as
// Peer, WebRTCDataChannel as Channel, WebRTCMultiplayerPeer and Godot 3's
// WebRTCMultiplayer as Mesh) on pion, in pure Go. It knows nothing of C: the
// C ABI (package capi) only checks arguments, keeps the handle table and
// converts values, and every rule of behaviour lives here.
//
// pion's callbacks only queue (events, packets; bounded); hosts take what
// is queued on their own thread. Every method is safe for concurrent use and
// none waits on the network. Configuration is typed (Config, ChannelOptions,
// MeshOptions); ParseConfig, ParseChannelOptions and ParseMeshOptions read
// the JSON hosts pass.
package core
