package server

import (
	"bytes"
	"context"
	"testing"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// FuzzClientFrames feeds frames (the input split at 0x1e) from one client
// to an in-memory server whose two lobbies already have members, as the
// read loop would: until one is refused. Nothing may panic, and nothing may
// reach the lobby the client cannot name (its code is random).
func FuzzClientFrames(f *testing.F) {
	for _, seed := range []string{
		`{"type":0,"id":0,"data":""}` + "\x1e" + `{"type":4,"id":1,"data":"x"}`,
		`{"type":0,"id":1,"data":""}` + "\x1e" + `{"type":7,"id":0,"data":""}` + "\x1e" + `{"type":6,"id":2,"data":"\n0\n0\nc"}`,
		`{"type":4,"id":1,"data":"x"}`,
		`{"type":0,"id":0,"data":"AAAAAAAAAAAAAAAA"}`,
		`{"type":0,"id":0,"data":""}` + "\x1e" + `{"type":0,"id":0,"data":""}`,
		`{"type":0,"id":0.0,"data":""}` + "\x1e" + `{"type":5,"id":2147483647,"data":"\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		cfg := DefaultConfig()
		cfg.JoinsPerSecond = 0
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		member := func(name string) *client {
			c := newClient(s, nil, "127.0.0.1")
			join := protocol.Message{Type: protocol.Join, Data: name}.Encode()
			if r := c.handle(ctx, join); r != nil {
				t.Fatalf("setup join: %v", r)
			}
			return c
		}
		hostA := member("")
		memberA := member(hostA.lobby)
		hostB := member("")
		memberB := member(hostB.lobby)
		before := [][][]byte{hostB.queue, memberB.queue}
		fuzzed := newClient(s, nil, "127.0.0.1")
		for _, frame := range bytes.Split(input, []byte{0x1e}) {
			if r := fuzzed.handle(ctx, frame); r != nil {
				break
			}
		}
		if fuzzed.joined.Load() {
			s.hub.leave(fuzzed)
		}
		s.Close()
		if len(hostB.queue) != len(before[0]) || len(memberB.queue) != len(before[1]) {
			t.Fatalf("lobby B received %d and %d new frames", len(hostB.queue)-len(before[0]), len(memberB.queue)-len(before[1]))
		}
		for _, c := range []*client{hostA, memberA, fuzzed} {
			for _, frame := range c.queue {
				if _, err := protocol.Decode(frame); err != nil {
					t.Fatalf("the server queued an invalid frame %q: %v", frame, err)
				}
			}
		}
	})
}
