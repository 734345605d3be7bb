package core

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// stateTracker derives a session's connection state and reports every state
// change as an event, in the order the states were entered.
//
// pion runs its connection- and signaling-state callbacks on new goroutines,
// so they can arrive out of order (an offerer saw [STABLE, HAVE_LOCAL_OFFER]).
// The ICE transport, the DTLS transport and the ICE gatherer call their
// handlers synchronously and in order, so the connection state is derived
// here from the first two with pion's rules (RTCPeerConnectionState), and
// the signaling state is read after each call that can change it.
//
// Where meshrtc differs from pion, for what a Godot host expects:
//   - FAILED stays until the host closes or re-initializes: a connection
//     that failed does not come back on its own.
//   - A connection that closes before it was ever CONNECTED (a failed DTLS
//     handshake: wrong fingerprint, a fatal alert) is FAILED, not CLOSED.
//   - A connection that is not CONNECTED within the ICE disconnected +
//     failed timeouts of starting to connect is FAILED (pion took about
//     twice as long when the checks or the handshake never succeeded).
type stateTracker struct {
	mu         sync.Mutex
	ice        webrtc.ICEConnectionState
	dtls       webrtc.DTLSTransportState
	pionClosed bool // pion closed the connection by itself
	connected  bool // it was CONNECTED once
	failed     bool // FAILED was reported: it stays
	checkLimit time.Duration
	checkTimer *time.Timer // runs from connecting until the first connection
	checkOver  bool        // checkTimer fired
	onCheckEnd func()      // checkTimer's function
	reported   [stateKinds]int32

	connection atomic.Int32 // ConnectionState, as last reported
}

// The kinds of state a peer reports, indexing stateTracker.reported.
const (
	kindConnection = iota
	kindGathering
	kindSignaling
	stateKinds
)

var stateEventTypes = [stateKinds]EventType{EventConnectionStateChanged, EventGatheringStateChanged, EventSignalingStateChanged}

// derive is the connection state for the transports' states (mu held).
func (t *stateTracker) derive() ConnectionState {
	iceIdle := t.ice == webrtc.ICEConnectionStateNew || t.ice == webrtc.ICEConnectionStateClosed
	switch {
	case t.failed:
		return ConnectionFailed
	case t.pionClosed || t.dtls == webrtc.DTLSTransportStateClosed:
		if t.connected {
			return ConnectionClosed
		}
		return ConnectionFailed
	case t.checkOver, t.ice == webrtc.ICEConnectionStateFailed, t.dtls == webrtc.DTLSTransportStateFailed:
		return ConnectionFailed
	case t.ice == webrtc.ICEConnectionStateDisconnected:
		return ConnectionDisconnected
	case iceIdle && t.dtls == webrtc.DTLSTransportStateNew:
		return ConnectionNew
	case iceIdle || t.ice == webrtc.ICEConnectionStateChecking ||
		t.dtls == webrtc.DTLSTransportStateNew || t.dtls == webrtc.DTLSTransportStateConnecting:
		return ConnectionConnecting
	default:
		return ConnectionConnected
	}
}

// watchStates connects the transports' handlers to s's state tracker.
func (p *Peer) watchStates(s *session, cfg *Config) {
	t := &s.states
	t.ice, t.dtls = webrtc.ICEConnectionStateNew, webrtc.DTLSTransportStateNew
	t.checkLimit = orDefault(cfg.ICEDisconnectedTimeout, pionICEDisconnectedTimeout) +
		orDefault(cfg.ICEFailedTimeout, pionICEFailedTimeout)
	t.onCheckEnd = func() {
		t.mu.Lock()
		t.checkOver = t.checkTimer != nil // not stopped meanwhile
		t.mu.Unlock()
		p.reportStates(s)
	}
	s.pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		t.mu.Lock()
		t.ice = st
		t.mu.Unlock()
		p.reportStates(s)
	})
	s.pc.SCTP().Transport().OnStateChange(func(st webrtc.DTLSTransportState) {
		t.mu.Lock()
		t.dtls = st
		t.mu.Unlock()
		p.reportStates(s)
	})
	s.pc.OnICEGatheringStateChange(func(webrtc.ICEGatheringState) { p.reportStates(s) })
	// Only pion's own close is read from its connection state (its callback
	// order does not matter: CLOSED is final).
	s.pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) {
		if s.pc.ConnectionState() == webrtc.PeerConnectionStateClosed {
			t.mu.Lock()
			t.pionClosed = true
			t.mu.Unlock()
			p.reportStates(s)
		}
	})
}

// reportStates queues an event for each state of s that changed since the
// last report. Events of one session are queued under t.mu, so they come in
// the order the states were seen. Once the connection is FAILED or CLOSED,
// its channels are closed too (nothing can be sent or received any more).
func (p *Peer) reportStates(s *session) {
	t := &s.states
	t.mu.Lock()
	if !s.current.Load() {
		t.mu.Unlock()
		return
	}
	conn := t.derive()
	switch conn {
	case ConnectionConnected:
		t.connected = true
	case ConnectionFailed:
		t.failed = true
	}
	t.timeChecks(conn)
	t.connection.Store(int32(conn))
	now := [stateKinds]int32{
		kindConnection: int32(conn),
		kindGathering:  int32(gatheringStateFromPion(s.pc.ICEGatheringState())),
		kindSignaling:  int32(signalingStateFromPion(s.pc.SignalingState())),
	}
	for kind, state := range now {
		if state != t.reported[kind] {
			t.reported[kind] = state
			p.queue(s, PeerEvent{Type: stateEventTypes[kind], State: state})
		}
	}
	t.mu.Unlock()
	if conn == ConnectionFailed || conn == ConnectionClosed {
		s.loseChannels(conn)
	}
}

// timeChecks starts the check timer when the connection starts connecting
// and stops it once it was CONNECTED or is FAILED or CLOSED (mu held).
func (t *stateTracker) timeChecks(conn ConnectionState) {
	connecting := !t.connected && (conn == ConnectionConnecting || conn == ConnectionDisconnected)
	switch {
	case connecting && t.checkTimer == nil && !t.checkOver:
		t.checkTimer = time.AfterFunc(t.checkLimit, t.onCheckEnd)
	case !connecting && t.checkTimer != nil:
		t.checkTimer.Stop()
		t.checkTimer = nil
	}
}

// stop ends the check timer (the session is closing).
func (t *stateTracker) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.checkTimer != nil {
		t.checkTimer.Stop()
		t.checkTimer = nil
	}
}
