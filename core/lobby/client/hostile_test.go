package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// TestHostileServer: a server that sends what no lobby server should:
// binary and malformed frames, bad TURN data, signaling of peers nobody
// announced, SDP and candidates that do not parse, unknown types. Each
// bad frame is an EventError (or dropped, as the demo's clients drop
// signaling of unknown peers); the client carries on, makes its offer to
// the peer it was told about, and reports the close.
func TestHostileServer(t *testing.T) {
	guard(t)
	got := make(chan protocol.Message, 64)
	script := func(ws *websocket.Conn) {
		ctx := context.Background()
		send := func(typ websocket.MessageType, frame string) { ws.Write(ctx, typ, []byte(frame)) }
		msg := func(typ protocol.Type, id int32, data string) {
			send(websocket.MessageText, string(protocol.Message{Type: typ, ID: id, Data: data}.Encode()))
		}
		readOne := func() protocol.Message {
			_, frame, err := ws.Read(ctx)
			if err != nil {
				return protocol.Message{Type: -1}
			}
			m, _ := protocol.Decode(frame)
			return m
		}
		got <- readOne() // the JOIN
		msg(protocol.ID, 0, "true")
		msg(protocol.Join, 0, "AAAAAAAAAAAAAAAA")
		msg(protocol.ID, 5, "true")
		send(websocket.MessageBinary, "binary")
		send(websocket.MessageText, `{"type":"x"}`)
		msg(protocol.TURN, 5, `{"urls":[]}`)
		msg(protocol.PeerConnect, 3, "")
		msg(protocol.Offer, 9, "v=0") // nobody announced peer 9
		msg(protocol.Answer, 3, "not sdp")
		msg(protocol.Candidate, 3, "no newlines")
		msg(protocol.Candidate, 3, protocol.ICECandidate{Mid: "0", Index: 0, SDP: "candidate:garbage"}.Data())
		msg(protocol.Type(99), 0, "")
		got <- readOne() // the client's offer to peer 3
		ws.Close(4000, "bye")
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		script(ws)
	}))
	t.Cleanup(hs.Close)

	w := &world{t: t}
	m := w.dial("ws"+strings.TrimPrefix(hs.URL, "http"), "")
	if err := m.c.Join("", false); err != nil {
		t.Fatal(err)
	}
	w.waitFor("the close", func() bool { return m.has(EventClosed, 0) })
	if join := <-got; join.Type != protocol.Join || join.ID != protocol.JoinServer || join.Data != "" {
		t.Errorf("the client sent %+v, want JOIN 1 \"\"", join)
	}
	if offer := <-got; offer.Type != protocol.Offer || offer.ID != 3 || !strings.HasPrefix(offer.Data, "v=0") {
		t.Errorf("the client sent %v %d, want an OFFER to 3 (its id 5 is higher)", offer.Type, offer.ID)
	}
	want := []struct {
		typ  EventType
		code core.Code
		text string
	}{
		{EventError, core.CodeInvalidData, "the id 0"},
		{EventJoined, 0, "AAAAAAAAAAAAAAAA"},
		{EventConnected, 0, ""},
		{EventError, core.CodeInvalidData, "binary frame"},
		{EventError, core.CodeInvalidData, "a frame from the server"},
		{EventError, core.CodeInvalidData, "TURN credentials"},
		{EventPeerJoined, 0, ""},
		{EventError, core.CodeInvalidData, "the answer of peer 3"},
		{EventError, core.CodeInvalidData, "a candidate of peer 3"},
		{EventError, core.CodeInvalidParameter, "a candidate of peer 3"},
		{EventClosed, 4000, "bye"},
	}
	if len(m.events) != len(want) {
		t.Fatalf("events %+v, want %d", m.events, len(want))
	}
	for i, w := range want {
		ev := m.events[i]
		code := ev.Code
		if ev.Type != EventError && ev.Type != EventClosed {
			code = 0
		}
		if ev.Type != w.typ || core.Code(code) != w.code || !strings.Contains(ev.Text, w.text) {
			t.Errorf("event %d: %+v, want type %d code %d text containing %q", i, ev, w.typ, w.code, w.text)
		}
	}
	if ev := m.events[2]; ev.PeerID != 5 || !ev.Mesh {
		t.Errorf("EventConnected %+v, want peer 5, mesh", ev)
	}
	// The lobby connection ended unsealed: the mesh is closed.
	if m.c.Mesh().ConnectionStatus() != core.StatusDisconnected || m.c.Mesh().HasPeer(3) {
		t.Errorf("the mesh is still up after the close")
	}
}
