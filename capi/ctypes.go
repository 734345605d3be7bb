package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -DMESHRTC_TYPES_ONLY
#include "meshrtc.h"
*/
import "C"

// Go names for the C types of the exports' signatures: a _test.go file
// cannot import "C", and the in-process tests call the exports directly.
type (
	cChar         = C.char
	cUint8        = C.uint8_t
	cInt32        = C.int32_t
	cInt64        = C.int64_t
	cPeer         = C.meshrtc_peer
	cChannel      = C.meshrtc_channel
	cMesh         = C.meshrtc_mesh
	cLobby        = C.meshrtc_lobby
	cLobbyEvent   = C.meshrtc_lobby_event
	cPeerEvent    = C.meshrtc_peer_event
	cPeerStats    = C.meshrtc_peer_stats
	cChannelStats = C.meshrtc_channel_stats
	cPacketInfo   = C.meshrtc_packet_info
)
