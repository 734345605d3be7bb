package core

import "github.com/pion/webrtc/v4"

// ConnectionState is WebRTCPeerConnection.ConnectionState, Godot's numbering.
type ConnectionState int32

// Connection states.
const (
	ConnectionNew ConnectionState = iota
	ConnectionConnecting
	ConnectionConnected
	ConnectionDisconnected
	ConnectionFailed
	ConnectionClosed
)

// GatheringState is WebRTCPeerConnection.GatheringState, Godot's numbering.
type GatheringState int32

// Gathering states.
const (
	GatheringNew GatheringState = iota
	GatheringGathering
	GatheringComplete
)

// SignalingState is WebRTCPeerConnection.SignalingState, Godot's numbering.
type SignalingState int32

// Signaling states.
const (
	SignalingStable SignalingState = iota
	SignalingHaveLocalOffer
	SignalingHaveRemoteOffer
	SignalingHaveLocalPranswer
	SignalingHaveRemotePranswer
	SignalingClosed
)

// ChannelState is WebRTCDataChannel.ChannelState, Godot's numbering.
type ChannelState int32

// Channel ready states.
const (
	ChannelConnecting ChannelState = iota
	ChannelOpen
	ChannelClosing
	ChannelClosed
)

// WriteMode is WebRTCDataChannel.WriteMode, Godot's numbering.
type WriteMode int32

// Write modes.
const (
	WriteModeText WriteMode = iota
	WriteModeBinary
)

func gatheringStateFromPion(s webrtc.ICEGatheringState) GatheringState {
	switch s {
	case webrtc.ICEGatheringStateGathering:
		return GatheringGathering
	case webrtc.ICEGatheringStateComplete:
		return GatheringComplete
	default:
		return GatheringNew
	}
}

func signalingStateFromPion(s webrtc.SignalingState) SignalingState {
	switch s {
	case webrtc.SignalingStateHaveLocalOffer:
		return SignalingHaveLocalOffer
	case webrtc.SignalingStateHaveRemoteOffer:
		return SignalingHaveRemoteOffer
	case webrtc.SignalingStateHaveLocalPranswer:
		return SignalingHaveLocalPranswer
	case webrtc.SignalingStateHaveRemotePranswer:
		return SignalingHaveRemotePranswer
	case webrtc.SignalingStateClosed:
		return SignalingClosed
	default:
		return SignalingStable
	}
}
