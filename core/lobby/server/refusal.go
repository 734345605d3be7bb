package server

import (
	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// refusal is why the server closes a connection: the close code and reason
// the client gets, and the name /metrics counts it under.
type refusal struct {
	code   int
	reason string
	metric string
}

func (r *refusal) Error() string { return r.reason }

var (
	refuseFormat        = &refusal{protocol.CloseRefused, protocol.ReasonInvalidFormat, "malformed"}
	refuseNotText       = &refusal{protocol.CloseRefused, protocol.ReasonNotText, "not_text"}
	refuseNoLobby       = &refusal{protocol.CloseRefused, protocol.ReasonNoLobby, "join_timeout"}
	refuseNeedLobby     = &refusal{protocol.CloseRefused, protocol.ReasonNeedLobby, "not_in_lobby"}
	refuseAlreadyIn     = &refusal{protocol.CloseRefused, protocol.ReasonAlreadyInLobby, "already_in_lobby"}
	refuseNotFound      = &refusal{protocol.CloseRefused, protocol.ReasonLobbyNotFound, "lobby_not_found"}
	refuseSealed        = &refusal{protocol.CloseRefused, protocol.ReasonLobbySealed, "lobby_sealed"}
	refuseFull          = &refusal{protocol.CloseRefused, protocol.ReasonLobbyFull, "lobby_full"}
	refuseLobbies       = &refusal{protocol.CloseRefused, protocol.ReasonTooManyLobbies, "too_many_lobbies"}
	refuseConnections   = &refusal{protocol.CloseRefused, protocol.ReasonTooManyPeers, "too_many_connections"}
	refuseMode          = &refusal{protocol.CloseRefused, protocol.ReasonInvalidMode, "invalid_mode"}
	refuseDest          = &refusal{protocol.CloseRefused, protocol.ReasonInvalidDest, "invalid_destination"}
	refuseCommand       = &refusal{protocol.CloseRefused, protocol.ReasonInvalidCommand, "invalid_command"}
	refuseOnlyHostSeals = &refusal{protocol.CloseRefused, protocol.ReasonOnlyHostCanSeal, "only_host_can_seal"}
	refuseMessageRate   = &refusal{protocol.CloseRefused, protocol.ReasonTooManyMessages, "message_rate"}
	refuseJoinRate      = &refusal{protocol.CloseRefused, protocol.ReasonTooManyJoins, "join_rate"}
	refuseTooSlow       = &refusal{protocol.CloseRefused, protocol.ReasonTooSlow, "too_slow"}
	refuseStateLost     = &refusal{protocol.CloseInternal, protocol.ReasonStateLost, "state_lost"}

	// Not sent as close reasons, only counted: frames over the size limit
	// (the WebSocket library closes those with 1009) and relayed messages to
	// a peer that is not (or no longer) in the lobby, which are dropped: the
	// sender may not have seen PEER_DISCONNECT yet.
	countFrameTooBig = &refusal{metric: "frame_too_big"}
	countUnknownDest = &refusal{metric: "unknown_destination"}
)

// allRefusals are the reasons /metrics lists, in its order.
var allRefusals = []*refusal{
	refuseFormat, refuseNotText, refuseNoLobby, refuseNeedLobby, refuseAlreadyIn, refuseNotFound,
	refuseSealed, refuseFull, refuseLobbies, refuseConnections, refuseMode, refuseDest, refuseCommand,
	refuseOnlyHostSeals, refuseMessageRate, refuseJoinRate, refuseTooSlow, refuseStateLost,
	countFrameTooBig, countUnknownDest,
}
