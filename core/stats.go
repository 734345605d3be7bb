package core

import (
	"net/netip"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"
)

// CandidateType is the ICE type of one end of the selected candidate pair.
type CandidateType int32

// Candidate types; CandidateNone while no pair is selected. Part of the C ABI.
const (
	CandidateNone  CandidateType = 0
	CandidateHost  CandidateType = 1
	CandidateSrflx CandidateType = 2
	CandidatePrflx CandidateType = 3
	CandidateRelay CandidateType = 4
)

func candidateTypeFromPion(t webrtc.ICECandidateType) CandidateType {
	switch t {
	case webrtc.ICECandidateTypeHost:
		return CandidateHost
	case webrtc.ICECandidateTypeSrflx:
		return CandidateSrflx
	case webrtc.ICECandidateTypePrflx:
		return CandidatePrflx
	case webrtc.ICECandidateTypeRelay:
		return CandidateRelay
	}
	return CandidateNone
}

// PeerStats describes the connection's selected candidate pair.
type PeerStats struct {
	LocalCandidate, RemoteCandidate CandidateType
	// Addresses of the pair, the zero value while none is selected.
	// LocalRelatedAddress is the address a relayed or server-reflexive
	// local candidate was derived from (W3C's relatedAddress).
	LocalAddress, RemoteAddress, LocalRelatedAddress netip.AddrPort
	RTT                                              time.Duration // -1 while unknown
	BytesSent, BytesReceived                         uint64        // on the selected pair
	PacketsSent, PacketsReceived                     uint64
}

// Stats reads the selected candidate pair's types, round-trip time and counters.
func (p *Peer) Stats() PeerStats {
	stats := PeerStats{RTT: -1}
	s := p.current()
	if !s.current.Load() {
		return stats
	}
	ice := s.pc.SCTP().Transport().ICETransport()
	pair, err := ice.GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return stats
	}
	stats.LocalCandidate = candidateTypeFromPion(pair.Local.Typ)
	stats.RemoteCandidate = candidateTypeFromPion(pair.Remote.Typ)
	stats.LocalAddress = candidateAddress(*pair.Local)
	stats.RemoteAddress = candidateAddress(*pair.Remote)
	stats.LocalRelatedAddress = addrPort(pair.Local.RelatedAddress, pair.Local.RelatedPort)
	if ps, ok := ice.GetSelectedCandidatePairStats(); ok {
		if ps.CurrentRoundTripTime > 0 {
			stats.RTT = time.Duration(ps.CurrentRoundTripTime * float64(time.Second))
		}
		stats.BytesSent, stats.BytesReceived = ps.BytesSent, ps.BytesReceived
		stats.PacketsSent, stats.PacketsReceived = uint64(ps.PacketsSent), uint64(ps.PacketsReceived)
	}
	return stats
}

func candidateAddress(c webrtc.ICECandidate) netip.AddrPort { return addrPort(c.Address, c.Port) }

func addrPort(addr string, port uint16) netip.AddrPort {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ip.Unmap(), port)
}

// RTTMicroseconds is RTT in whole microseconds, -1 while unknown.
func (s PeerStats) RTTMicroseconds() int64 {
	if s.RTT < 0 {
		return -1
	}
	return s.RTT.Microseconds()
}

// ChannelStats counts one channel's messages and payload bytes.
type ChannelStats struct {
	MessagesSent, MessagesReceived uint64
	BytesSent, BytesReceived       uint64
}

// Stats reads the channel's counters (zero until it opened).
func (c *Channel) Stats() ChannelStats {
	c.mu.Lock()
	rw := c.rw
	c.mu.Unlock()
	dc, ok := rw.(*datachannel.DataChannel)
	if !ok {
		return ChannelStats{}
	}
	return ChannelStats{
		MessagesSent: uint64(dc.MessagesSent()), MessagesReceived: uint64(dc.MessagesReceived()),
		BytesSent: dc.BytesSent(), BytesReceived: dc.BytesReceived(),
	}
}
