package core

import (
	"strings"
	"testing"

	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"
)

// The signaling entry points take text from the remote peer, relayed by
// the host. One loopback-only peer serves every input and starts a new
// connection (reset) once an input changed its state. No input ever gets a
// peer holding both a local and a remote description, so ICE never starts
// checks towards addresses an input names.

// fuzzOffer makes an offer as a real peer writes it (offerSDP for fuzz targets).
func fuzzOffer(f *testing.F) string {
	f.Helper()
	p := newFuzzPeer(f)
	if _, err := p.CreateDataChannel("data", DefaultChannelOptions()); err != nil {
		f.Fatal(err)
	}
	if err := p.CreateOffer(); err != nil {
		f.Fatal(err)
	}
	for _, ev := range p.drain() {
		if ev.Type == EventSessionDescriptionCreated {
			return ev.SDP
		}
	}
	f.Fatal("no offer")
	return ""
}

func FuzzSessionDescription(f *testing.F) {
	fuzzGuard(f)
	offer := fuzzOffer(f)
	f.Add("offer", offer, false)
	f.Add("offer", offer, true)
	f.Add("answer", strings.Replace(offer, "a=setup:actpass", "a=setup:active", 1), false)
	f.Add("pranswer", offer, false)
	f.Add("rollback", offer, false)
	f.Add("offer", strings.Replace(offer, "a=ice-ufrag:", "a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\na=ice-ufrag:", 1), false)
	f.Add("offer", "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", false)
	f.Add("offer", "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", true)
	p := newFuzzPeer(f)
	ceiling := goroutineCeiling(200)
	f.Fuzz(func(t *testing.T, typ, text string, local bool) {
		hangGuard(t)
		var err error
		if local {
			err = p.SetLocalDescription(typ, text)
		} else {
			err = p.SetRemoteDescription(typ, text)
		}
		var parsed sdp.SessionDescription
		switch {
		case typ != "offer" && typ != "answer" && typ != "pranswer":
			wantCode(t, "description type "+typ, err, CodeInvalidParameter)
		case parsed.UnmarshalString(text) != nil || len(parsed.MediaDescriptions) == 0:
			wantCode(t, "malformed SDP", err, CodeInvalidData)
		default:
			wantCoded(t, "description", err, CodeFailed)
		}
		events := p.drain()
		if err == nil && !local && typ == "offer" && !answered(events) {
			t.Fatalf("remote offer accepted without an answer; events %+v", events)
		}
		if err == nil || p.SignalingState() != SignalingStable || p.pc().LocalDescription() != nil || p.pc().RemoteDescription() != nil {
			p.reset(t)
			ceiling(t)
		}
	})
}

// answered reports whether events hold an answer that parses.
func answered(events []PeerEvent) bool {
	for _, ev := range events {
		var parsed sdp.SessionDescription
		if ev.Type == EventSessionDescriptionCreated && ev.SDPType == "answer" && parsed.UnmarshalString(ev.SDP) == nil {
			return true
		}
	}
	return false
}

func FuzzICECandidate(f *testing.F) {
	fuzzGuard(f)
	for _, seed := range []struct {
		media       string
		index       int32
		name        string
		afterRemote bool
	}{
		{"0", 0, "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", false},
		{"0", 0, "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", true},
		{"0", 0, "candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active", true},
		{"0", 0, "candidate:3 1 udp 1694498815 127.0.0.1 50001 typ srflx raddr 127.0.0.1 rport 50000 generation 0", true},
		{"0", 0, "candidate:4 1 udp 16777215 127.0.0.1 50002 typ relay raddr 0.0.0.0 rport 0", false},
		{"0", 0, "candidate:5 1 udp 2130706431 d9f4a5c6-1b2c.local 50000 typ host", true},
		{"1", 65535, "candidate:6 1 udp 2130706431 ::1 50000 typ host", true},
		{"0", 0, "", true}, {"", 0, "candidate:", false}, {"0", -1, "", false}, {"0", 65536, "", true},
		{"0", 0, "candidate:1 1 udp 2130706431 127.0.0.1 99999 typ host", true}, {"0", 0, "garbage", false},
	} {
		f.Add(seed.media, seed.index, seed.name, seed.afterRemote)
	}
	offer := fuzzOffer(f)
	p := newFuzzPeer(f)
	ceiling := goroutineCeiling(200)
	held := 0 // candidates held back for the remote description
	f.Fuzz(func(t *testing.T, media string, index int32, name string, afterRemote bool) {
		hangGuard(t)
		if remote := p.pc().RemoteDescription() != nil; remote != afterRemote || held == maxPendingCandidates {
			p.reset(t)
			ceiling(t)
			held = 0
			if afterRemote {
				if err := p.SetRemoteDescription("offer", offer); err != nil {
					t.Fatalf("remote offer: %v", err)
				}
			}
			p.drain()
		}
		err := p.AddICECandidate(media, index, name)
		value := strings.TrimPrefix(name, "candidate:")
		_, parseErr := ice.UnmarshalCandidate(value)
		switch {
		case index < 0 || index > 65535:
			wantCode(t, "index", err, CodeInvalidParameter)
		case value != "" && parseErr != nil:
			wantCode(t, "malformed candidate", err, CodeInvalidParameter)
		case afterRemote:
			wantCoded(t, "candidate", err, CodeFailed)
		default:
			wantCode(t, "early candidate", err, CodeOK)
			held++
		}
		p.drain()
	})
}
