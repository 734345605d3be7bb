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
// on Wi-Fi or mobile) reliable data then stalls for minutes: at 20 % loss
// and 50 ± 25 ms, 2 of 2,000 messages arrived in 150 s. Zero keeps pion's
// value for each.
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

// Defaults of the SCTP options, from the loss bench (scripts/bench.sh
// --metrics lossy: 12 B-64 KiB messages, 20 % loss, 50 ± 25 ms):
//   - RTO cap 500 ms: 2,000 messages in 219 s. 1 s: 453 of 600 in 100 s.
//     300 ms: about 146 s, but one connection in 15 failed its SCTP set-up
//     (the 8 INIT retries, spaced by the cap, spanned 2.7 s; at 500 ms and
//     1 s, 15 of 15 connected). 500 ms exceeds the round trip plus the
//     200 ms delayed acknowledgement of paths up to about 300 ms, so those
//     see no spurious retransmission.
//   - Window floor and fast retransmission window 64 KiB: 300 messages in
//     25 s instead of 32 of them in 60 s (one packet each); 16 or 32 KiB
//     was slower, and so were 128 and 256 KiB (a timeout resends the whole
//     window, and resent chunks can only be recovered by the next timeout).
//   - Congestion-avoidance step: pion's (16 KiB made no measurable difference).
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
