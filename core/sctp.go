package core

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// SCTPOptions tune pion's SCTP retransmission and congestion control for
// lossy paths. pion follows RFC 9260: the retransmission timeout (RTO) is
// at least 1 s and doubles on every expiry up to 60 s until a fresh
// round-trip sample, each expiry drops the congestion window to one packet,
// and a lost retransmission can only be recovered by that timer (fast
// retransmission and RACK resend a chunk once). Under random loss (a game
// on Wi-Fi or mobile) reliable data then stalls for minutes. Zero keeps
// pion's value for each.
type SCTPOptions struct {
	// RTOMax caps the retransmission timeout and its back-off. pion's
	// minimum RTO is 1 s, so a cap below 1 s is a fixed timeout; it also
	// spaces the 8 retries of the association's INIT.
	RTOMax time.Duration
	// MinCwnd is the floor of the congestion window, in bytes (pion: one
	// packet, after a timeout).
	MinCwnd uint32
	// FastRtxWnd is how many bytes one fast retransmission may resend
	// (pion: one packet).
	FastRtxWnd uint32
	// CwndCAStep is the congestion window's growth per round trip in
	// congestion avoidance, in bytes (pion: one packet).
	CwndCAStep uint32
}

// Defaults of the SCTP options, chosen with the loss benchmark
// (scripts/bench.sh --metrics lossy; the figures are in the README's
// "Loss and jitter"): a 500 ms cap is fast under loss and still lets the
// association's INIT retries span enough time to connect, and exceeds the
// round trip plus delayed acknowledgement of most paths; a 64 KiB window
// floor and fast retransmission window beat both smaller and larger ones
// (a timeout resends the whole window); pion's congestion-avoidance step.
const (
	DefaultSCTPRTOMax     = 500 * time.Millisecond
	DefaultSCTPMinCwnd    = 64 * 1024
	DefaultSCTPFastRtxWnd = 64 * 1024
	DefaultSCTPCwndCAStep = 0
	maxSCTPRTOMaxMs       = 60000 // pion's own default
	maxSCTPWindow         = 64 * 1024 * 1024
)

// DefaultSCTPOptions is what initialize() uses unless the "sctp..." options say otherwise.
func DefaultSCTPOptions() SCTPOptions {
	return SCTPOptions{RTOMax: DefaultSCTPRTOMax, MinCwnd: DefaultSCTPMinCwnd,
		FastRtxWnd: DefaultSCTPFastRtxWnd, CwndCAStep: DefaultSCTPCwndCAStep}
}

// apply sets the options on pion's setting engine, which ignores zeros.
func (o SCTPOptions) apply(se *webrtc.SettingEngine) {
	se.SetSCTPRTOMax(o.RTOMax)
	se.SetSCTPMinCwnd(o.MinCwnd)
	se.SetSCTPFastRtxWnd(o.FastRtxWnd)
	se.SetSCTPCwndCAStep(o.CwndCAStep)
}
