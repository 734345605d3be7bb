package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -DMESHRTC_TYPES_ONLY
#include "meshrtc.h"
*/
import "C"

import (
	"unsafe"

	"github.com/meshrtc/meshrtc/core"
)

// withPeer is call for peer exports.
func withPeer(h C.meshrtc_peer, fn func(*core.Peer, *object) error) C.int32_t {
	return call(C.int64_t(h), kindPeer, func(o *object) error { return fn(o.value.(*core.Peer), o) })
}

//export meshrtc_peer_create
func meshrtc_peer_create(outPeer *C.meshrtc_peer) C.int32_t {
	return callNoHandle(func() error {
		if outPeer == nil {
			return invalid("out_peer is NULL")
		}
		p := core.NewPeer()
		o := objects.add(kindPeer, p)
		p.SetHandle(o.handle) // a mesh hands it back in get_peer
		*outPeer = C.meshrtc_peer(o.handle)
		return nil
	})
}

//export meshrtc_peer_destroy
func meshrtc_peer_destroy(peer C.meshrtc_peer) C.int32_t {
	return destroy(C.int64_t(peer), kindPeer)
}

//export meshrtc_peer_initialize
func meshrtc_peer_initialize(peer C.meshrtc_peer, configJSON *C.char) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		text, err := optionalString(configJSON, "config_json")
		if err != nil {
			return err
		}
		cfg, err := core.ParseConfig(text)
		if err != nil {
			return err
		}
		return p.Initialize(cfg)
	})
}

//export meshrtc_peer_create_data_channel
func meshrtc_peer_create_data_channel(peer C.meshrtc_peer, label, optionsJSON *C.char, outChannel *C.meshrtc_channel) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		name, err := goString(label, "label")
		if err != nil {
			return err
		}
		text, err := optionalString(optionsJSON, "options_json")
		if err != nil {
			return err
		}
		if outChannel == nil {
			return invalid("out_channel is NULL")
		}
		opts, err := core.ParseChannelOptions(text)
		if err != nil {
			return err
		}
		ch, err := p.CreateDataChannel(name, opts)
		if err != nil {
			return err
		}
		*outChannel = C.meshrtc_channel(objects.add(kindChannel, ch).handle)
		return nil
	})
}

//export meshrtc_peer_create_offer
func meshrtc_peer_create_offer(peer C.meshrtc_peer) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error { return p.CreateOffer() })
}

// withDescription reads the (type, sdp) pair of the set_*_description exports.
func withDescription(typ, sdp *C.char, apply func(typ, sdp string) error) error {
	t, err := goString(typ, "type")
	if err != nil {
		return err
	}
	s, err := goString(sdp, "sdp")
	if err != nil {
		return err
	}
	return apply(t, s)
}

//export meshrtc_peer_set_local_description
func meshrtc_peer_set_local_description(peer C.meshrtc_peer, typ, sdp *C.char) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		return withDescription(typ, sdp, p.SetLocalDescription)
	})
}

//export meshrtc_peer_set_remote_description
func meshrtc_peer_set_remote_description(peer C.meshrtc_peer, typ, sdp *C.char) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		return withDescription(typ, sdp, p.SetRemoteDescription)
	})
}

//export meshrtc_peer_add_ice_candidate
func meshrtc_peer_add_ice_candidate(peer C.meshrtc_peer, media *C.char, index C.int32_t, name *C.char) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		m, err := goString(media, "media")
		if err != nil {
			return err
		}
		n, err := goString(name, "name")
		if err != nil {
			return err
		}
		return p.AddICECandidate(m, int32(index), n)
	})
}

//export meshrtc_peer_poll
func meshrtc_peer_poll(peer C.meshrtc_peer) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error { return p.Poll() })
}

//export meshrtc_peer_next_event
func meshrtc_peer_next_event(peer C.meshrtc_peer, outEvent *C.meshrtc_peer_event) C.int32_t {
	return withPeer(peer, func(p *core.Peer, o *object) error {
		if outEvent == nil {
			return invalid("out_event is NULL")
		}
		o.mu.Lock() // the event strings live in o.out until the next call
		defer o.mu.Unlock()
		ev, ok := p.NextEvent()
		if !ok {
			return errNoEvent
		}
		*outEvent = C.meshrtc_peer_event{_type: C.int32_t(ev.Type)}
		switch ev.Type {
		case core.EventSessionDescriptionCreated:
			outEvent.sdp_type, outEvent.sdp = o.out.strings(ev.SDPType, ev.SDP)
		case core.EventICECandidateCreated:
			outEvent.media, outEvent.name = o.out.strings(ev.Media, ev.Name)
			outEvent.index = C.int32_t(ev.Index)
		case core.EventDataChannelReceived:
			outEvent.channel = C.meshrtc_channel(objects.add(kindChannel, ev.Channel).handle)
		default:
			outEvent.state = C.int32_t(ev.State)
		}
		return nil
	})
}

// strings stores a and b NUL-terminated, one after the other, and returns
// pointers to both.
func (b *cBuffer) strings(first, second string) (*C.char, *C.char) {
	buf := b.bytes(len(first) + len(second) + 2)
	copy(buf, first)
	buf[len(first)] = 0
	copy(buf[len(first)+1:], second)
	buf[len(buf)-1] = 0
	base := unsafe.Pointer(&buf[0])
	return (*C.char)(base), (*C.char)(unsafe.Add(base, len(first)+1))
}

//export meshrtc_peer_close
func meshrtc_peer_close(peer C.meshrtc_peer) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		p.Close()
		return nil
	})
}

//export meshrtc_peer_get_connection_state
func meshrtc_peer_get_connection_state(peer C.meshrtc_peer, outState *C.int32_t) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		return out(outState, "out_state", C.int32_t(p.ConnectionState()))
	})
}

//export meshrtc_peer_get_gathering_state
func meshrtc_peer_get_gathering_state(peer C.meshrtc_peer, outState *C.int32_t) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		return out(outState, "out_state", C.int32_t(p.GatheringState()))
	})
}

//export meshrtc_peer_get_signaling_state
func meshrtc_peer_get_signaling_state(peer C.meshrtc_peer, outState *C.int32_t) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		return out(outState, "out_state", C.int32_t(p.SignalingState()))
	})
}

//export meshrtc_peer_get_stats
func meshrtc_peer_get_stats(peer C.meshrtc_peer, outStats *C.meshrtc_peer_stats) C.int32_t {
	return withPeer(peer, func(p *core.Peer, _ *object) error {
		st := p.Stats()
		return out(outStats, "out_stats", C.meshrtc_peer_stats{
			local_candidate_type:  C.int32_t(st.LocalCandidate),
			remote_candidate_type: C.int32_t(st.RemoteCandidate),
			rtt_us:                C.int64_t(st.RTTMicroseconds()),
			bytes_sent:            C.int64_t(st.BytesSent),
			bytes_received:        C.int64_t(st.BytesReceived),
			packets_sent:          C.int64_t(st.PacketsSent),
			packets_received:      C.int64_t(st.PacketsReceived),
		})
	})
}
