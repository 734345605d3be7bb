package core

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

func TestStateNumbering(t *testing.T) {
	// Godot's enums (WebRTCPeerConnection, WebRTCDataChannel); part of the C ABI.
	for _, tc := range []struct {
		name      string
		got, want int32
	}{
		{"STATE_NEW", int32(ConnectionNew), 0},
		{"STATE_CONNECTING", int32(ConnectionConnecting), 1},
		{"STATE_CONNECTED", int32(ConnectionConnected), 2},
		{"STATE_DISCONNECTED", int32(ConnectionDisconnected), 3},
		{"STATE_FAILED", int32(ConnectionFailed), 4},
		{"STATE_CLOSED", int32(ConnectionClosed), 5},
		{"GATHERING_STATE_NEW", int32(GatheringNew), 0},
		{"GATHERING_STATE_GATHERING", int32(GatheringGathering), 1},
		{"GATHERING_STATE_COMPLETE", int32(GatheringComplete), 2},
		{"SIGNALING_STATE_STABLE", int32(SignalingStable), 0},
		{"SIGNALING_STATE_HAVE_LOCAL_OFFER", int32(SignalingHaveLocalOffer), 1},
		{"SIGNALING_STATE_HAVE_REMOTE_OFFER", int32(SignalingHaveRemoteOffer), 2},
		{"SIGNALING_STATE_HAVE_LOCAL_PRANSWER", int32(SignalingHaveLocalPranswer), 3},
		{"SIGNALING_STATE_HAVE_REMOTE_PRANSWER", int32(SignalingHaveRemotePranswer), 4},
		{"SIGNALING_STATE_CLOSED", int32(SignalingClosed), 5},
		{"STATE_CONNECTING (channel)", int32(ChannelConnecting), 0},
		{"STATE_OPEN", int32(ChannelOpen), 1},
		{"STATE_CLOSING", int32(ChannelClosing), 2},
		{"STATE_CLOSED (channel)", int32(ChannelClosed), 3},
		{"WRITE_MODE_TEXT", int32(WriteModeText), 0},
		{"WRITE_MODE_BINARY", int32(WriteModeBinary), 1},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

func TestStatesFromPion(t *testing.T) {
	gather := map[webrtc.ICEGatheringState]GatheringState{
		webrtc.ICEGatheringStateUnknown: GatheringNew, webrtc.ICEGatheringStateNew: GatheringNew,
		webrtc.ICEGatheringStateGathering: GatheringGathering, webrtc.ICEGatheringStateComplete: GatheringComplete,
	}
	for in, want := range gather {
		if got := gatheringStateFromPion(in); got != want {
			t.Errorf("gathering %s -> %d, want %d", in, got, want)
		}
	}
	sig := map[webrtc.SignalingState]SignalingState{
		webrtc.SignalingStateUnknown: SignalingStable, webrtc.SignalingStateStable: SignalingStable,
		webrtc.SignalingStateHaveLocalOffer: SignalingHaveLocalOffer, webrtc.SignalingStateHaveRemoteOffer: SignalingHaveRemoteOffer,
		webrtc.SignalingStateHaveLocalPranswer: SignalingHaveLocalPranswer, webrtc.SignalingStateHaveRemotePranswer: SignalingHaveRemotePranswer,
		webrtc.SignalingStateClosed: SignalingClosed,
	}
	for in, want := range sig {
		if got := signalingStateFromPion(in); got != want {
			t.Errorf("signaling %s -> %d, want %d", in, got, want)
		}
	}
}

func TestEventQueue(t *testing.T) {
	var q eventQueue
	q.reset(3)
	for i := range 5 {
		ok := q.push(PeerEvent{Type: EventConnectionStateChanged, State: int32(i)})
		if ok != (i < 3) {
			t.Fatalf("push %d: %v", i, ok)
		}
	}
	if q.len() != 3 || q.dropped != 2 {
		t.Fatalf("len %d dropped %d", q.len(), q.dropped)
	}
	if ev, ok := q.pop(); !ok || ev.State != 0 {
		t.Fatalf("pop %+v %v", ev, ok)
	}
	old := q.reset(10)
	if len(old) != 2 || old[0].State != 1 || old[1].State != 2 || q.len() != 0 {
		t.Fatalf("reset returned %+v, len now %d", old, q.len())
	}
	for i := range 10 {
		if !q.push(PeerEvent{State: int32(i)}) {
			t.Fatalf("push %d refused under the new limit", i)
		}
	}
	if q.push(PeerEvent{}) {
		t.Fatal("push over the new limit accepted")
	}
	if _, ok := (&eventQueue{}).pop(); ok {
		t.Fatal("pop from an empty queue")
	}
}

// assertLoopbackCandidate checks a candidate event against the network rule.
func assertLoopbackCandidate(t *testing.T, ev PeerEvent) {
	t.Helper()
	if !strings.HasPrefix(ev.Name, "candidate:") {
		t.Fatalf("candidate name %q", ev.Name)
	}
	c, err := ice.UnmarshalCandidate(strings.TrimPrefix(ev.Name, "candidate:"))
	if err != nil {
		t.Fatalf("own candidate does not parse: %v", err)
	}
	if ip := net.ParseIP(c.Address()); ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		t.Fatalf("candidate on a non-loopback or IPv6 address: %q", ev.Name)
	}
	if ev.Media != "0" || ev.Index != 0 {
		t.Fatalf("candidate media %q index %d, want the data section 0/0", ev.Media, ev.Index)
	}
}

func TestPeerInitialState(t *testing.T) {
	guard(t)
	p := newTestPeer(t)
	if p.ConnectionState() != ConnectionNew || p.GatheringState() != GatheringNew || p.SignalingState() != SignalingStable {
		t.Fatalf("states %d %d %d", p.ConnectionState(), p.GatheringState(), p.SignalingState())
	}
	if err := p.Poll(); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.NextEvent(); ok || p.PendingEvents() != 0 {
		t.Fatal("events before anything happened")
	}
	if p.pc() == nil {
		t.Fatal("no pion connection")
	}
	wantCode(t, "create_offer without channels", p.CreateOffer(), CodeUnconfigured)
	// A peer is usable without initialize, as with webrtc-native (no network is touched here).
	q := NewPeer()
	defer q.Destroy()
	if q.ConnectionState() != ConnectionNew || q.SignalingState() != SignalingStable {
		t.Fatal("NewPeer is not in STATE_NEW")
	}
	wantCode(t, "create_offer without channels", q.CreateOffer(), CodeUnconfigured)
}

func roleName(aOffers bool) string {
	if aOffers {
		return "a offers"
	}
	return "b offers"
}

func TestPeerSignalingBothRoles(t *testing.T) {
	for _, aOffers := range []bool{true, false} {
		t.Run(roleName(aOffers), func(t *testing.T) {
			guard(t)
			r := newRoles(t, aOffers)
			r.offer()
			r.connect()
			r.checkStateEvents()
			r.checkDescriptionAndCandidateEvents()
			r.checkReceivedChannels()
			r.exchangeOnEveryChannel()
			_, err := r.a.CreateDataChannel("late", DefaultChannelOptions())
			wantCode(t, "create_data_channel while connected", err, CodeUnavailable)
			r.closeOfferer()
		})
	}
}

// roles is one run of TestPeerSignalingBothRoles: peers a and b, one of
// them the offerer, with a negotiated channel and an in-band channel
// created on each side before the offer.
type roles struct {
	t                 *testing.T
	a, b              *Peer
	offerer, answerer *Peer
	negO, negA        *Channel // negotiated, on the offerer and the answerer
	fromO, fromA      *Channel // in-band, created by the offerer and the answerer
	recvA, recvO      *Channel // fromO as the answerer received it, fromA as the offerer did
	s                 *signal
}

func newRoles(t *testing.T, aOffers bool) *roles {
	r := &roles{t: t, a: newTestPeer(t), b: newTestPeer(t)}
	r.offerer, r.answerer = r.a, r.b
	if !aOffers {
		r.offerer, r.answerer = r.b, r.a
	}
	const negOpts = `{"negotiated":true,"id":5,"ordered":false,"maxRetransmits":2}`
	r.negO = mustChannel(t, r.offerer, "neg", negOpts)
	r.negA = mustChannel(t, r.answerer, "neg", negOpts)
	r.fromO = mustChannel(t, r.offerer, "from-offerer", `{"protocol":"p1","ordered":false,"maxPacketLifetime":300}`)
	// The answerer may create in-band channels too before the offer arrives.
	r.fromA = mustChannel(t, r.answerer, "from-answerer", `{"maxRetransmits":4}`)
	if r.fromO.ID() != unsetLimit || r.fromA.ID() != unsetLimit {
		t.Fatalf("in-band ids before the connection: %d %d, want 65535", r.fromO.ID(), r.fromA.ID())
	}
	return r
}

// offer: signaling moves only with set_local_description.
func (r *roles) offer() {
	t, offerer, answerer := r.t, r.offerer, r.answerer
	if err := offerer.CreateOffer(); err != nil {
		t.Fatal(err)
	}
	ev, ok := offerer.NextEvent()
	if !ok || ev.Type != EventSessionDescriptionCreated || ev.SDPType != "offer" || !strings.Contains(ev.SDP, "m=application") {
		t.Fatalf("first offerer event %+v", ev)
	}
	if offerer.SignalingState() != SignalingStable || offerer.GatheringState() != GatheringNew {
		t.Fatal("create_offer alone changed the signaling or gathering state")
	}
	if err := offerer.SetLocalDescription(ev.SDPType, ev.SDP); err != nil {
		t.Fatal(err)
	}
	if offerer.SignalingState() != SignalingHaveLocalOffer {
		t.Fatalf("offerer signaling %d, want HAVE_LOCAL_OFFER", offerer.SignalingState())
	}
	if offerer.GatheringState() == GatheringNew {
		t.Fatal("set_local_description did not start gathering")
	}
	if err := answerer.SetRemoteDescription(ev.SDPType, ev.SDP); err != nil {
		t.Fatal(err)
	}
	if answerer.SignalingState() != SignalingHaveRemoteOffer {
		t.Fatalf("answerer signaling %d, want HAVE_REMOTE_OFFER", answerer.SignalingState())
	}
}

// connect signals until both are connected, every channel is open and the
// last state events are in.
func (r *roles) connect() {
	a, b := r.a, r.b
	s := newSignal(r.t, a, b)
	r.s = s
	s.until("both connected, gathering complete", func() bool {
		return a.ConnectionState() == ConnectionConnected && b.ConnectionState() == ConnectionConnected &&
			a.GatheringState() == GatheringComplete && b.GatheringState() == GatheringComplete
	})
	r.recvA = s.receivedChannel(r.answerer, "from-offerer")
	r.recvO = s.receivedChannel(r.offerer, "from-answerer")
	s.until("all channels open", open(r.negO, r.negA, r.fromO, r.fromA, r.recvA, r.recvO))
	last := func(p *Peer, typ EventType, want int32) bool {
		got := s.states(p, typ)
		return len(got) > 0 && got[len(got)-1] == want
	}
	s.until("final state events", func() bool {
		for _, p := range []*Peer{a, b} {
			if !last(p, EventSignalingStateChanged, int32(SignalingStable)) || !last(p, EventGatheringStateChanged, int32(GatheringComplete)) ||
				!last(p, EventConnectionStateChanged, int32(ConnectionConnected)) {
				return false
			}
		}
		return true
	})
}

func (r *roles) checkStateEvents() {
	t, s := r.t, r.s
	if got := s.states(r.offerer, EventSignalingStateChanged); !slices.Equal(got, []int32{1, 0}) {
		t.Errorf("offerer signaling events %v, want [HAVE_LOCAL_OFFER STABLE]", got)
	}
	if got := s.states(r.answerer, EventSignalingStateChanged); !slices.Equal(got, []int32{2, 0}) {
		t.Errorf("answerer signaling events %v, want [HAVE_REMOTE_OFFER STABLE]", got)
	}
	for _, p := range []*Peer{r.a, r.b} {
		if got := s.states(p, EventGatheringStateChanged); !slices.Equal(got, []int32{1, 2}) {
			t.Errorf("gathering events %v, want [GATHERING COMPLETE]", got)
		}
		if got := s.states(p, EventConnectionStateChanged); !slices.Equal(got, []int32{1, 2}) {
			t.Errorf("connection events %v, want [CONNECTING CONNECTED]", got)
		}
	}
}

// checkDescriptionAndCandidateEvents: loopback candidates on both sides,
// one answer event on the answerer, no offer events (the offer was taken
// before signaling started).
func (r *roles) checkDescriptionAndCandidateEvents() {
	t := r.t
	for _, p := range []*Peer{r.a, r.b} {
		var candidates, answers, offers int
		for _, ev := range r.s.events[p] {
			switch ev.Type {
			case EventICECandidateCreated:
				candidates++
				assertLoopbackCandidate(t, ev)
			case EventSessionDescriptionCreated:
				if ev.SDPType == "answer" {
					answers++
				} else {
					offers++
				}
			}
		}
		if candidates == 0 {
			t.Error("no candidate events")
		}
		wantAnswers := 0
		if p == r.answerer {
			wantAnswers = 1
		}
		if answers != wantAnswers || offers != 0 {
			t.Errorf("description events: %d answers %d offers, want %d answers", answers, offers, wantAnswers)
		}
	}
}

// checkReceivedChannels: only in-band channels are announced, and they
// arrive with the creator's settings.
func (r *roles) checkReceivedChannels() {
	t, s := r.t, r.s
	if len(s.received[r.offerer]) != 1 || len(s.received[r.answerer]) != 1 {
		t.Fatalf("received %d/%d channels, want 1/1 (negotiated channels are not announced)",
			len(s.received[r.offerer]), len(s.received[r.answerer]))
	}
	for _, tc := range []struct {
		created, received *Channel
		protocol          string
		ordered           bool
		lifetime, retx    int32
	}{
		{r.fromO, r.recvA, "p1", false, 300, unsetLimit},
		{r.fromA, r.recvO, "", true, unsetLimit, 4},
	} {
		got := tc.received
		if got.Label() != tc.created.Label() || got.Protocol() != tc.protocol || got.Ordered() != tc.ordered ||
			got.MaxPacketLifeTime() != tc.lifetime || got.MaxRetransmits() != tc.retx || got.Negotiated() ||
			got.Reliable() || got.ID() != tc.created.ID() || got.ID() == unsetLimit {
			t.Errorf("received %q: protocol %q ordered %v lifetime %d retransmits %d negotiated %v reliable %v id %d (creator id %d)",
				got.Label(), got.Protocol(), got.Ordered(), got.MaxPacketLifeTime(), got.MaxRetransmits(), got.Negotiated(),
				got.Reliable(), got.ID(), tc.created.ID())
		}
	}
}

func (r *roles) exchangeOnEveryChannel() {
	for _, pair := range [][2]*Channel{{r.negO, r.negA}, {r.fromO, r.recvA}, {r.fromA, r.recvO}} {
		for i, dir := range [][2]*Channel{{pair[0], pair[1]}, {pair[1], pair[0]}} {
			msg := fmt.Sprintf("%s-%d", pair[0].Label(), i)
			if err := dir[0].PutPacket([]byte(msg)); err != nil {
				r.t.Fatal(err)
			}
			if got := r.s.recvAll(dir[1], 1); string(got[0].Data) != msg {
				r.t.Fatalf("got %q, want %q", got[0].Data, msg)
			}
		}
	}
}

// closeOfferer: CLOSED states, its channels closed at once, the answerer's follow.
func (r *roles) closeOfferer() {
	t, offerer := r.t, r.offerer
	offerer.Close()
	offerer.Close() // idempotent
	if offerer.ConnectionState() != ConnectionClosed || offerer.SignalingState() != SignalingClosed {
		t.Fatalf("after close: connection %d signaling %d", offerer.ConnectionState(), offerer.SignalingState())
	}
	if !closed(r.negO, r.fromO, r.recvO)() {
		t.Fatalf("closer's channels: %d %d %d", r.negO.State(), r.fromO.State(), r.recvO.State())
	}
	r.s.until("answerer's channels closed", closed(r.negA, r.fromA, r.recvA))
	_, err := offerer.CreateDataChannel("after-close", DefaultChannelOptions())
	wantCode(t, "create_data_channel after close", err, CodeUnavailable)
}

// collectUntilGathered takes p's events, without forwarding any, until
// gathering is complete, and returns its candidates.
func collectUntilGathered(t *testing.T, p *Peer) []PeerEvent {
	t.Helper()
	var candidates []PeerEvent
	deadline := time.Now().Add(10 * time.Second)
	for {
		ev, ok := p.NextEvent()
		switch {
		case !ok:
			if time.Now().After(deadline) {
				t.Fatal("timed out waiting for gathering to complete")
			}
			time.Sleep(2 * time.Millisecond)
		case ev.Type == EventICECandidateCreated:
			candidates = append(candidates, ev)
		case ev.Type == EventGatheringStateChanged && ev.State == int32(GatheringComplete):
			return candidates
		}
	}
}

func TestPeerEarlyCandidates(t *testing.T) {
	guard(t)
	a, b := newTestPeer(t), newTestPeer(t)
	ca := mustChannel(t, a, "early", "")
	if err := a.CreateOffer(); err != nil {
		t.Fatal(err)
	}
	offer, _ := a.NextEvent()
	if offer.Type != EventSessionDescriptionCreated {
		t.Fatalf("event %+v", offer)
	}
	if err := a.SetLocalDescription(offer.SDPType, offer.SDP); err != nil {
		t.Fatal(err)
	}
	candA := collectUntilGathered(t, a)
	if len(candA) == 0 {
		t.Fatal("a gathered no candidates")
	}

	// All of a's candidates, and an end-of-candidates, reach b before the offer.
	for _, c := range candA {
		assertLoopbackCandidate(t, c)
		if err := b.AddICECandidate(c.Media, c.Index, c.Name); err != nil {
			t.Fatalf("early candidate refused: %v", err)
		}
	}
	if err := b.AddICECandidate("0", 0, ""); err != nil {
		t.Fatalf("early end-of-candidates refused: %v", err)
	}
	if err := b.SetRemoteDescription(offer.SDPType, offer.SDP); err != nil {
		t.Fatal(err)
	}
	var answer PeerEvent
	for ev, ok := b.NextEvent(); ok; ev, ok = b.NextEvent() {
		if ev.Type == EventSessionDescriptionCreated {
			answer = ev
		}
	}
	if answer.SDPType != "answer" {
		t.Fatalf("no answer event: %+v", answer)
	}
	if err := b.SetLocalDescription(answer.SDPType, answer.SDP); err != nil {
		t.Fatal(err)
	}
	candB := collectUntilGathered(t, b)

	// And all of b's reach a before the answer.
	for _, c := range candB {
		assertLoopbackCandidate(t, c)
		if err := a.AddICECandidate(c.Media, c.Index, c.Name); err != nil {
			t.Fatalf("early candidate refused: %v", err)
		}
	}
	if err := a.SetRemoteDescription(answer.SDPType, answer.SDP); err != nil {
		t.Fatal(err)
	}

	s := newSignal(t, a, b)
	s.until("connected", func() bool {
		return a.ConnectionState() == ConnectionConnected && b.ConnectionState() == ConnectionConnected
	})
	cb := s.receivedChannel(b, "early")
	s.until("open", open(ca, cb))
	if err := ca.PutPacket([]byte("early bird")); err != nil {
		t.Fatal(err)
	}
	if got := s.recvAll(cb, 1); string(got[0].Data) != "early bird" {
		t.Fatalf("got %q", got[0].Data)
	}
	for _, p := range []*Peer{a, b} {
		for _, ev := range s.events[p] {
			if ev.Type == EventICECandidateCreated {
				t.Fatal("a candidate event after gathering completed")
			}
		}
	}
}

func TestPeerPendingCandidateLimit(t *testing.T) {
	guard(t)
	p := newTestPeer(t)
	const cand = "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"
	for i := range maxPendingCandidates {
		if err := p.AddICECandidate("0", 0, cand); err != nil {
			t.Fatalf("candidate %d: %v", i, err)
		}
	}
	wantCode(t, "one candidate too many", p.AddICECandidate("0", 0, cand), CodeOutOfMemory)
}

// offerSDP returns a valid offer from a throw-away loopback peer.
func offerSDP(t *testing.T) string {
	t.Helper()
	p := newTestPeer(t)
	mustChannel(t, p, "x", "")
	if err := p.CreateOffer(); err != nil {
		t.Fatal(err)
	}
	ev, _ := p.NextEvent()
	return ev.SDP
}

func TestPeerSignalingErrors(t *testing.T) {
	guard(t)
	p := newTestPeer(t)
	offer := offerSDP(t)

	type setter func(typ, sdp string) error
	for name, set := range map[string]setter{"local": p.SetLocalDescription, "remote": p.SetRemoteDescription} {
		for _, typ := range []string{"", "bogus", "Offer", "ANSWER", "rollback"} {
			wantCode(t, name+" type "+typ, set(typ, offer), CodeInvalidParameter)
		}
		for _, bad := range []string{"garbage", "v=0\r\nthis is not sdp\r\n", "x=1\r\n", "\x00\x01\x02"} {
			wantCode(t, fmt.Sprintf("%s sdp %q", name, bad), set("offer", bad), CodeInvalidData)
		}
	}
	if p.SignalingState() != SignalingStable {
		t.Fatalf("refused descriptions changed the signaling state to %d", p.SignalingState())
	}
	// Well-formed descriptions that do not fit the state fail in pion: FAILED.
	wantCode(t, "answer while stable", p.SetRemoteDescription("answer", offer), CodeFailed)
	wantCode(t, "pranswer while stable", p.SetRemoteDescription("pranswer", offer), CodeFailed)
	wantCode(t, "someone else's offer as local", p.SetLocalDescription("offer", offer), CodeFailed)

	// Candidates: malformed or out-of-range index before and after the remote description.
	for _, remoteSet := range []bool{false, true} {
		if remoteSet {
			if err := p.SetRemoteDescription("offer", offer); err != nil {
				t.Fatal(err)
			}
		}
		for _, bad := range []string{"candidate:garbage", "not a candidate", "candidate:1 1 udp x 127.0.0.1 5000 typ host",
			"candidate:1 1 udp 2130706431 127.0.0.1 notaport typ host"} {
			wantCode(t, fmt.Sprintf("candidate %q (remote set %v)", bad, remoteSet), p.AddICECandidate("0", 0, bad), CodeInvalidParameter)
		}
		const good = "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"
		for _, index := range []int32{-1, 65536} {
			wantCode(t, fmt.Sprintf("index %d", index), p.AddICECandidate("0", index, good), CodeInvalidParameter)
		}
		if err := p.AddICECandidate("0", 0, good); err != nil {
			t.Fatalf("good candidate (remote set %v): %v", remoteSet, err)
		}
		if err := p.AddICECandidate("0", 0, strings.TrimPrefix(good, "candidate:")); err != nil {
			t.Fatalf("candidate without prefix (remote set %v): %v", remoteSet, err)
		}
	}
	if p.SignalingState() != SignalingHaveRemoteOffer {
		t.Fatalf("signaling %d", p.SignalingState())
	}
	// Invalid options built in Go are refused like parsed ones.
	for _, o := range []ChannelOptions{
		{ID: -1, MaxPacketLifeTime: 1, MaxRetransmits: 1},
		{Negotiated: true, ID: -1, MaxPacketLifeTime: -1, MaxRetransmits: -1},
		{ID: 3, MaxPacketLifeTime: -1, MaxRetransmits: -1},
	} {
		_, err := newTestPeer(t).CreateDataChannel("x", o)
		wantCode(t, fmt.Sprintf("options %+v", o), err, CodeInvalidParameter)
	}
}

func TestPeerReinitialize(t *testing.T) {
	guard(t)
	a, b := newTestPeer(t), newTestPeer(t)
	negA := mustChannel(t, a, "neg", `{"negotiated":true,"id":1}`)
	negB := mustChannel(t, b, "neg", `{"negotiated":true,"id":1}`)
	inA := mustChannel(t, a, "inband", "")
	s := newSignal(t, a, b)
	s.connect(a)
	inB := s.receivedChannel(b, "inband")
	s.until("open", open(negA, negB, inA, inB))
	// An event left in a's queue belongs to the old connection.
	if err := a.CreateOffer(); err != nil {
		t.Fatal(err)
	}

	// Re-initialize a only: its old channels close, it is NEW again, b's channels follow.
	if err := initJSON(a, loopbackConfig); err != nil {
		t.Fatal(err)
	}
	if !closed(negA, inA)() {
		t.Fatalf("old channels of a: %d %d", negA.State(), inA.State())
	}
	if a.ConnectionState() != ConnectionNew || a.SignalingState() != SignalingStable || a.GatheringState() != GatheringNew {
		t.Fatalf("a after initialize: %d %d %d", a.ConnectionState(), a.SignalingState(), a.GatheringState())
	}
	if a.PendingEvents() != 0 {
		t.Fatalf("%d events of the old connection survived initialize", a.PendingEvents())
	}
	wantCode(t, "put on an old channel", negA.PutPacket([]byte("x")), CodeFailed)
	s.until("b's channels closed", closed(negB, inB))
	wantCode(t, "create_offer on the new connection without channels", a.CreateOffer(), CodeUnconfigured)

	// Re-initialize b too, then a new connection works on the same two peers.
	if err := initJSON(b, loopbackConfig); err != nil {
		t.Fatal(err)
	}
	if b.ConnectionState() != ConnectionNew {
		t.Fatalf("b state %d", b.ConnectionState())
	}
	negA2 := mustChannel(t, a, "neg", `{"negotiated":true,"id":1}`)
	negB2 := mustChannel(t, b, "neg", `{"negotiated":true,"id":1}`)
	s2 := newSignal(t, a, b)
	s2.connect(b) // the other role this time
	s2.until("new channels open", open(negA2, negB2))
	if err := negB2.PutPacket([]byte("second life")); err != nil {
		t.Fatal(err)
	}
	if got := s2.recvAll(negA2, 1); string(got[0].Data) != "second life" {
		t.Fatalf("got %q", got[0].Data)
	}
	if !closed(negA, negB, inA, inB)() {
		t.Fatal("an old channel came back to life")
	}
	// State events come from pion goroutines: wait for CONNECTED, then check
	// that no event of the old connection (its CLOSED) leaked into the new one.
	s2.until("a's CONNECTED event", func() bool {
		return slices.Contains(s2.states(a, EventConnectionStateChanged), int32(ConnectionConnected))
	})
	if got := s2.states(a, EventConnectionStateChanged); slices.Contains(got, int32(ConnectionClosed)) {
		t.Fatalf("a's events after initialize: %v (none of the old connection may leak)", got)
	}
}

func TestPeerCloseFromEitherSide(t *testing.T) {
	for _, closeA := range []bool{true, false} {
		name := "a closes"
		if !closeA {
			name = "b closes"
		}
		t.Run(name, func(t *testing.T) {
			guard(t)
			a, b := newTestPeer(t), newTestPeer(t)
			negA := mustChannel(t, a, "neg", `{"negotiated":true,"id":9}`)
			negB := mustChannel(t, b, "neg", `{"negotiated":true,"id":9}`)
			inA := mustChannel(t, a, "inband", `{"ordered":false}`)
			s := newSignal(t, a, b)
			s.connect(a)
			inB := s.receivedChannel(b, "inband")
			s.until("open", open(negA, negB, inA, inB))
			// A packet that arrived before the close stays readable on the other side.
			if err := negA.PutPacket([]byte("last words")); err != nil {
				t.Fatal(err)
			}
			if err := negB.PutPacket([]byte("last words")); err != nil {
				t.Fatal(err)
			}
			s.until("packets queued", func() bool { return negA.AvailablePacketCount() == 1 && negB.AvailablePacketCount() == 1 })

			closer, other := a, b
			mine, theirs := []*Channel{negA, inA}, []*Channel{negB, inB}
			if !closeA {
				closer, other = b, a
				mine, theirs = theirs, mine
			}
			closer.Close()
			if closer.ConnectionState() != ConnectionClosed {
				t.Fatalf("closer state %d", closer.ConnectionState())
			}
			if !closed(mine...)() {
				t.Fatal("closer's channels are not CLOSED")
			}
			s.until("the other side's channels closed", closed(theirs...))
			for _, ch := range append(mine, theirs...) {
				wantCode(t, "put after close", ch.PutPacket([]byte("x")), CodeFailed)
			}
			for _, ch := range []*Channel{negA, negB} {
				if p, err := ch.GetPacket(); err != nil || string(p.Data) != "last words" {
					t.Fatalf("queued packet lost on close: %q %v", p.Data, err)
				}
			}
			_, err := closer.CreateDataChannel("x", DefaultChannelOptions())
			wantCode(t, "create_data_channel after close", err, CodeUnavailable)
			// The other side learns it from DTLS close_notify: its connection
			// reaches CLOSED, with an event the host can see.
			s.until("the other side's connection CLOSED", func() bool {
				c := s.states(other, EventConnectionStateChanged)
				return other.ConnectionState() == ConnectionClosed && len(c) > 0 && c[len(c)-1] == int32(ConnectionClosed)
			})
			other.Close()
			if other.ConnectionState() != ConnectionClosed {
				t.Fatalf("other state %d", other.ConnectionState())
			}
		})
	}
}
