package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -DMESHRTC_TYPES_ONLY
#include "meshrtc.h"
*/
import "C"

import (
	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/client"
)

// The ABI's numbers are core's constants, passed through unconverted. Each
// entry below indexes a one-element array with core's value minus the
// header's, which compiles only when the two are equal: a header and a core
// that disagree cannot build.
var same [1]struct{}

var _ = [...]struct{}{
	// Errors (Godot's Error numbering)
	same[core.CodeOK-C.MESHRTC_OK],
	same[core.CodeFailed-C.MESHRTC_FAILED],
	same[core.CodeUnavailable-C.MESHRTC_ERR_UNAVAILABLE],
	same[core.CodeUnconfigured-C.MESHRTC_ERR_UNCONFIGURED],
	same[core.CodeUnauthorized-C.MESHRTC_ERR_UNAUTHORIZED],
	same[core.CodeParameterRangeError-C.MESHRTC_ERR_PARAMETER_RANGE_ERROR],
	same[core.CodeOutOfMemory-C.MESHRTC_ERR_OUT_OF_MEMORY],
	same[core.CodeTimeout-C.MESHRTC_ERR_TIMEOUT],
	same[core.CodeConnectionError-C.MESHRTC_ERR_CONNECTION_ERROR],
	same[core.CodeInvalidData-C.MESHRTC_ERR_INVALID_DATA],
	same[core.CodeInvalidParameter-C.MESHRTC_ERR_INVALID_PARAMETER],
	same[core.CodeAlreadyExists-C.MESHRTC_ERR_ALREADY_EXISTS],
	same[core.CodeDoesNotExist-C.MESHRTC_ERR_DOES_NOT_EXIST],
	same[core.CodeBusy-C.MESHRTC_ERR_BUSY],
	same[core.CodeBug-C.MESHRTC_ERR_BUG],

	// Connection, gathering, signaling and channel states
	same[core.ConnectionNew-C.MESHRTC_STATE_NEW],
	same[core.ConnectionConnecting-C.MESHRTC_STATE_CONNECTING],
	same[core.ConnectionConnected-C.MESHRTC_STATE_CONNECTED],
	same[core.ConnectionDisconnected-C.MESHRTC_STATE_DISCONNECTED],
	same[core.ConnectionFailed-C.MESHRTC_STATE_FAILED],
	same[core.ConnectionClosed-C.MESHRTC_STATE_CLOSED],
	same[core.GatheringNew-C.MESHRTC_GATHERING_STATE_NEW],
	same[core.GatheringGathering-C.MESHRTC_GATHERING_STATE_GATHERING],
	same[core.GatheringComplete-C.MESHRTC_GATHERING_STATE_COMPLETE],
	same[core.SignalingStable-C.MESHRTC_SIGNALING_STATE_STABLE],
	same[core.SignalingHaveLocalOffer-C.MESHRTC_SIGNALING_STATE_HAVE_LOCAL_OFFER],
	same[core.SignalingHaveRemoteOffer-C.MESHRTC_SIGNALING_STATE_HAVE_REMOTE_OFFER],
	same[core.SignalingHaveLocalPranswer-C.MESHRTC_SIGNALING_STATE_HAVE_LOCAL_PRANSWER],
	same[core.SignalingHaveRemotePranswer-C.MESHRTC_SIGNALING_STATE_HAVE_REMOTE_PRANSWER],
	same[core.SignalingClosed-C.MESHRTC_SIGNALING_STATE_CLOSED],
	same[core.ChannelConnecting-C.MESHRTC_CHANNEL_STATE_CONNECTING],
	same[core.ChannelOpen-C.MESHRTC_CHANNEL_STATE_OPEN],
	same[core.ChannelClosing-C.MESHRTC_CHANNEL_STATE_CLOSING],
	same[core.ChannelClosed-C.MESHRTC_CHANNEL_STATE_CLOSED],
	same[core.WriteModeText-C.MESHRTC_WRITE_MODE_TEXT],
	same[core.WriteModeBinary-C.MESHRTC_WRITE_MODE_BINARY],

	// Log levels
	same[core.LogNone-C.MESHRTC_LOG_NONE],
	same[core.LogError-C.MESHRTC_LOG_ERROR],
	same[core.LogWarn-C.MESHRTC_LOG_WARN],
	same[core.LogInfo-C.MESHRTC_LOG_INFO],
	same[core.LogDebug-C.MESHRTC_LOG_DEBUG],
	same[core.LogTrace-C.MESHRTC_LOG_TRACE],

	// Peer events
	same[core.EventSessionDescriptionCreated-C.MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED],
	same[core.EventICECandidateCreated-C.MESHRTC_EVENT_ICE_CANDIDATE_CREATED],
	same[core.EventDataChannelReceived-C.MESHRTC_EVENT_DATA_CHANNEL_RECEIVED],
	same[core.EventConnectionStateChanged-C.MESHRTC_EVENT_CONNECTION_STATE_CHANGED],
	same[core.EventGatheringStateChanged-C.MESHRTC_EVENT_GATHERING_STATE_CHANGED],
	same[core.EventSignalingStateChanged-C.MESHRTC_EVENT_SIGNALING_STATE_CHANGED],

	// Selected candidate pair types
	same[core.CandidateNone-C.MESHRTC_CANDIDATE_NONE],
	same[core.CandidateHost-C.MESHRTC_CANDIDATE_HOST],
	same[core.CandidateSrflx-C.MESHRTC_CANDIDATE_SRFLX],
	same[core.CandidatePrflx-C.MESHRTC_CANDIDATE_PRFLX],
	same[core.CandidateRelay-C.MESHRTC_CANDIDATE_RELAY],

	// Mesh: transfer modes, connection status, events
	same[core.TransferModeUnreliable-C.MESHRTC_TRANSFER_MODE_UNRELIABLE],
	same[core.TransferModeUnreliableOrdered-C.MESHRTC_TRANSFER_MODE_UNRELIABLE_ORDERED],
	same[core.TransferModeReliable-C.MESHRTC_TRANSFER_MODE_RELIABLE],
	same[core.StatusDisconnected-C.MESHRTC_CONNECTION_DISCONNECTED],
	same[core.StatusConnecting-C.MESHRTC_CONNECTION_CONNECTING],
	same[core.StatusConnected-C.MESHRTC_CONNECTION_CONNECTED],
	same[core.MeshEventPeerConnected-C.MESHRTC_MESH_EVENT_PEER_CONNECTED],
	same[core.MeshEventPeerDisconnected-C.MESHRTC_MESH_EVENT_PEER_DISCONNECTED],
	same[core.MeshEventConnectionSucceeded-C.MESHRTC_MESH_EVENT_CONNECTION_SUCCEEDED],
	same[core.MeshEventConnectionFailed-C.MESHRTC_MESH_EVENT_CONNECTION_FAILED],
	same[core.MeshEventServerDisconnected-C.MESHRTC_MESH_EVENT_SERVER_DISCONNECTED],

	// Lobby events and close code
	same[client.EventJoined-C.MESHRTC_LOBBY_EVENT_JOINED],
	same[client.EventConnected-C.MESHRTC_LOBBY_EVENT_CONNECTED],
	same[client.EventPeerJoined-C.MESHRTC_LOBBY_EVENT_PEER_JOINED],
	same[client.EventPeerLeft-C.MESHRTC_LOBBY_EVENT_PEER_LEFT],
	same[client.EventSealed-C.MESHRTC_LOBBY_EVENT_SEALED],
	same[client.EventError-C.MESHRTC_LOBBY_EVENT_ERROR],
	same[client.EventClosed-C.MESHRTC_LOBBY_EVENT_CLOSED],
	same[client.CloseAbnormal-C.MESHRTC_LOBBY_CLOSE_ABNORMAL],
}
