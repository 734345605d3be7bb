package core

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Peer is a WebRTCPeerConnection. All methods are safe for concurrent use and
// none waits on the network. pion's callbacks only queue events; the host
// takes them with NextEvent on its own thread.
type Peer struct {
	HostHandle

	mu      sync.Mutex
	cfg     Config
	session atomic.Pointer[session] // the connection of the last initialize; set under mu
	events  eventQueue
	log     logging.LeveledLogger
	cert    *webrtc.Certificate // DTLS certificate, kept across re-initializations
}

// session is one pion connection. Callbacks of a replaced session are ignored.
type session struct {
	pc      *webrtc.PeerConnection
	current atomic.Bool
	// Candidates added before the remote description (guarded by Peer.mu).
	pending []webrtc.ICECandidateInit

	channelsMu sync.Mutex
	channels   []*Channel

	states stateTracker
}

// maxPendingCandidates bounds candidates held back until the remote description.
const maxPendingCandidates = 256

// NewPeer returns a peer initialized with the default configuration, as
// webrtc-native does, so it is usable without Initialize.
func NewPeer() *Peer {
	p := &Peer{log: Logs.NewLogger("peer")}
	if err := p.Initialize(DefaultConfig()); err != nil {
		p.log.Errorf("default initialize failed: %v", err)
	}
	return p
}

// Initialize starts a new connection with cfg (ParseConfig reads one from
// JSON), closing the previous one and its channels. A configuration pion
// refuses leaves the peer as it was.
func (p *Peer) Initialize(cfg Config) error {
	api, conf, err := cfg.newAPI()
	if err != nil {
		return err
	}
	cert, err := p.certificate()
	if err != nil {
		return errorf(ErrFailed, "cannot create the DTLS certificate: %v", err)
	}
	conf.Certificates = []webrtc.Certificate{cert}
	pc, err := api.NewPeerConnection(conf)
	if err != nil {
		return errorf(ErrInvalidParameter, "cannot create the connection: %v", err)
	}
	s := &session{pc: pc}
	s.current.Store(true)

	p.mu.Lock()
	old := p.session.Load()
	p.cfg = cfg
	p.session.Store(s)
	stale := p.events.reset(cfg.EventQueueLimit)
	p.mu.Unlock()

	if old != nil {
		old.close()
	}
	releaseEvents(stale)
	p.watch(s)
	return nil
}

// certificate returns the peer's DTLS certificate, made on first use and
// reused by later initializes until it nears expiry. Without it pion makes
// one per connection (an ECDSA key generation), so NewPeer's default
// connection followed by the host's initialize made two.
func (p *Peer) certificate() (webrtc.Certificate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cert != nil && time.Until(p.cert.Expires()) > time.Hour {
		return *p.cert, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return webrtc.Certificate{}, err
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return webrtc.Certificate{}, err
	}
	p.cert = cert
	return *cert, nil
}

func releaseEvents(events []PeerEvent) {
	for _, ev := range events {
		if ev.Channel != nil {
			ev.Channel.Destroy()
		}
	}
}

// watch connects pion's callbacks for s to the event queue.
func (p *Peer) watch(s *session) {
	pc := s.pc
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return // end of gathering: reported as a gathering state change
		}
		init := c.ToJSON()
		ev := PeerEvent{Type: EventICECandidateCreated, Name: init.Candidate}
		if init.SDPMid != nil {
			ev.Media = *init.SDPMid
		}
		if init.SDPMLineIndex != nil {
			ev.Index = int32(*init.SDPMLineIndex)
		}
		p.queue(s, ev)
	})
	cfg := p.config()
	p.watchStates(s, &cfg)
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		ch := newChannel(dc, false, optionalUint16(dc.MaxPacketLifeTime()), optionalUint16(dc.MaxRetransmits()), &cfg)
		if !s.add(ch) || !p.queue(s, PeerEvent{Type: EventDataChannelReceived, Channel: ch}) {
			ch.Destroy()
		}
	})
}

// queue adds ev unless s was replaced; it reports whether ev was queued.
func (p *Peer) queue(s *session, ev PeerEvent) bool {
	if !s.current.Load() {
		return false
	}
	if !p.events.push(ev) {
		p.log.Errorf("event queue full (%d): dropping event %d; is the host polling?", p.events.limit, ev.Type)
		return false
	}
	return true
}

func (p *Peer) config() Config {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// add records ch as a channel of s; false if s is already closed.
func (s *session) add(ch *Channel) bool {
	s.channelsMu.Lock()
	defer s.channelsMu.Unlock()
	if !s.current.Load() {
		return false
	}
	s.channels = append(s.channels, ch)
	return true
}

// close ends the connection and every channel of it; what the channels
// still had queued for sending is dropped.
func (s *session) close() {
	s.current.Store(false)
	s.states.stop()
	s.channelsMu.Lock()
	channels := s.channels
	s.channels = nil
	s.channelsMu.Unlock()
	for _, ch := range channels {
		ch.Destroy()
	}
	// Closing the connection ends every reader; wait so none outlives it.
	_ = s.pc.Close()
	for _, ch := range channels {
		ch.wait()
	}
}

// loseChannels closes every channel of s for good: its connection is state
// (FAILED or CLOSED), so nothing queued can be sent any more.
func (s *session) loseChannels(state ConnectionState) {
	s.channelsMu.Lock()
	defer s.channelsMu.Unlock()
	for _, ch := range s.channels {
		ch.lose(state)
	}
}

// current is the connection of the last initialize. A load, not a lock:
// hosts ask for states every frame for every connection.
func (p *Peer) current() *session { return p.session.Load() }

// CreateDataChannel creates a channel; only allowed while the connection is NEW.
func (p *Peer) CreateDataChannel(label string, opts ChannelOptions) (*Channel, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	s, cfg := p.session.Load(), p.cfg
	p.mu.Unlock()
	if st := p.ConnectionState(); st != ConnectionNew {
		return nil, errorf(ErrUnavailable, "create_data_channel is only allowed in STATE_NEW (state is %d)", st)
	}
	dc, err := s.pc.CreateDataChannel(label, opts.pionInit())
	if err != nil {
		return nil, errorf(ErrInvalidParameter, "cannot create channel %q: %v", label, err)
	}
	ch := newChannel(dc, opts.Negotiated, orUnset(opts.MaxPacketLifeTime), orUnset(opts.MaxRetransmits), &cfg)
	if !s.add(ch) {
		ch.Destroy()
		return nil, errorf(ErrUnavailable, "the connection was closed")
	}
	return ch, nil
}

// CreateOffer queues a session_description_created event with an offer.
func (p *Peer) CreateOffer() error {
	s := p.current()
	if !s.current.Load() {
		return errorf(ErrUnavailable, "the connection is closed; initialize starts a new one")
	}
	s.channelsMu.Lock()
	n := len(s.channels)
	s.channelsMu.Unlock()
	if n == 0 {
		return errorf(ErrUnconfigured, "create a data channel before create_offer")
	}
	// pion makes an offer in any state, which set_local_description then
	// refuses: a host relaying every description would break its connection.
	if st := s.pc.SignalingState(); st != webrtc.SignalingStateStable && st != webrtc.SignalingStateHaveLocalOffer {
		return errorf(ErrFailed, "create_offer is not allowed in signaling state %s (%d)", st, signalingStateFromPion(st))
	}
	offer, err := s.pc.CreateOffer(nil)
	if err != nil {
		return errorf(ErrFailed, "create_offer: %v", err)
	}
	p.queue(s, PeerEvent{Type: EventSessionDescriptionCreated, SDPType: offer.Type.String(), SDP: offer.SDP})
	return nil
}

func parseDescription(typ, text string) (webrtc.SessionDescription, error) {
	var desc webrtc.SessionDescription
	sdpType := webrtc.NewSDPType(typ)
	if sdpType == webrtc.SDPTypeUnknown || sdpType == webrtc.SDPTypeRollback {
		return desc, errorf(ErrInvalidParameter, `description type must be "offer", "answer" or "pranswer", got %q`, typ)
	}
	var parsed sdp.SessionDescription
	if err := parsed.UnmarshalString(text); err != nil {
		return desc, errorf(ErrInvalidData, "malformed SDP: %v", err)
	}
	if len(parsed.MediaDescriptions) == 0 {
		return desc, errorf(ErrInvalidData, "malformed SDP: no media section")
	}
	return webrtc.SessionDescription{Type: sdpType, SDP: text}, nil
}

// SetLocalDescription applies a description the host got from a
// session_description_created event; gathering starts.
func (p *Peer) SetLocalDescription(typ, text string) error {
	desc, err := parseDescription(typ, text)
	if err != nil {
		return err
	}
	s := p.current()
	err = s.pc.SetLocalDescription(desc)
	p.reportStates(s)
	if err != nil {
		return errorf(ErrFailed, "set_local_description: %v", err)
	}
	return nil
}

// SetRemoteDescription applies the remote description, then the candidates
// that arrived before it; for an offer it queues the answer as a
// session_description_created event.
func (p *Peer) SetRemoteDescription(typ, text string) error {
	desc, err := parseDescription(typ, text)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.session.Load()
	err = s.pc.SetRemoteDescription(desc)
	p.reportStates(s)
	if err != nil {
		return errorf(ErrFailed, "set_remote_description: %v", err)
	}
	for _, c := range s.pending {
		if err := s.pc.AddICECandidate(c); err != nil {
			p.log.Warnf("early ICE candidate rejected: %v", err)
		}
	}
	s.pending = nil
	if desc.Type != webrtc.SDPTypeOffer {
		return nil
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return errorf(ErrFailed, "create answer: %v", err)
	}
	p.queue(s, PeerEvent{Type: EventSessionDescriptionCreated, SDPType: answer.Type.String(), SDP: answer.SDP})
	return nil
}

// AddICECandidate adds a remote candidate (name is the "candidate:..." line).
// Candidates that arrive before the remote description are held and applied
// with it. An empty name means end of candidates.
func (p *Peer) AddICECandidate(media string, index int32, name string) error {
	if index < 0 || index > 65535 {
		return errorf(ErrInvalidParameter, "candidate m-line index %d is out of range", index)
	}
	if value := strings.TrimPrefix(name, "candidate:"); value != "" {
		if _, err := ice.UnmarshalCandidate(value); err != nil {
			return errorf(ErrInvalidParameter, "malformed ICE candidate %q: %v", name, err)
		}
	}
	line := uint16(index)
	init := webrtc.ICECandidateInit{Candidate: name, SDPMid: &media, SDPMLineIndex: &line}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.session.Load()
	if s.pc.RemoteDescription() == nil {
		if len(s.pending) >= maxPendingCandidates {
			return errorf(ErrOutOfMemory, "more than %d candidates before the remote description", maxPendingCandidates)
		}
		s.pending = append(s.pending, init)
		return nil
	}
	if err := s.pc.AddICECandidate(init); err != nil {
		return errorf(ErrFailed, "add_ice_candidate: %v", err)
	}
	return nil
}

// Poll exists for Godot's API: states, channels and queues are kept up to
// date as events arrive, so a poll has nothing left to do.
func (p *Peer) Poll() error { return nil }

// NextEvent takes the oldest queued event.
func (p *Peer) NextEvent() (PeerEvent, bool) { return p.events.pop() }

// Close closes the connection and its channels. Initialize starts a new one.
func (p *Peer) Close() {
	p.current().close()
}

// Destroy (meshrtc_peer_destroy) closes the peer for good, including
// channels still waiting in events, which nobody can take any more. Close
// instead leaves a peer that Initialize can start again.
func (p *Peer) Destroy() {
	p.Close()
	p.mu.Lock()
	stale := p.events.reset(p.cfg.EventQueueLimit)
	p.mu.Unlock()
	releaseEvents(stale)
}

// ConnectionState is the connection's state, as last reported by an event
// (see stateTracker). After Close it is CLOSED at once.
func (p *Peer) ConnectionState() ConnectionState {
	s := p.current()
	if !s.current.Load() {
		return ConnectionClosed
	}
	return ConnectionState(s.states.connection.Load())
}

// GatheringState is the ICE gathering state.
func (p *Peer) GatheringState() GatheringState {
	return gatheringStateFromPion(p.current().pc.ICEGatheringState())
}

// SignalingState is the signaling state (CLOSED at once after Close, as ConnectionState).
func (p *Peer) SignalingState() SignalingState {
	s := p.current()
	if !s.current.Load() {
		return SignalingClosed
	}
	return signalingStateFromPion(s.pc.SignalingState())
}
