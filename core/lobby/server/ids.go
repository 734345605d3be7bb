package server

import (
	"crypto/rand"
	"encoding/binary"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// LobbyCodeLength is the length of the codes of lobbies created with an
// empty name.
const LobbyCodeLength = 16

const codeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newLobbyCode is a random lobby code: 16 of 62 letters and digits (95
// bits) from crypto/rand, uniformly (bytes of 248 and up are redrawn).
func newLobbyCode() string {
	code := make([]byte, 0, LobbyCodeLength)
	var buf [32]byte
	for len(code) < LobbyCodeLength {
		rand.Read(buf[:])
		for _, b := range buf {
			if b < 248 && len(code) < LobbyCodeLength {
				code = append(code, codeAlphabet[b%62])
			}
		}
	}
	return string(code)
}

// newPeerID is a random peer id for a lobby member other than the host:
// 2..2147483647 from crypto/rand.
func newPeerID() int32 {
	var buf [4]byte
	for {
		rand.Read(buf[:])
		if id := int32(binary.LittleEndian.Uint32(buf[:]) & uint32(protocol.MaxPeerID)); id > protocol.HostID {
			return id
		}
	}
}

// validLobbyName is what a JOIN may name: a code as newLobbyCode makes
// them. Any other name cannot exist, so it needs no lookup.
func validLobbyName(name string) bool {
	if len(name) != LobbyCodeLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
