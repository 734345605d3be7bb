package main

import (
	"bytes"
	"testing"
	"time"
	"unsafe"

	"github.com/meshrtc/meshrtc/core"
)

// pumpEvents plays from's signaling events to to, as a signaling server
// would, and reports whether there was any.
func pumpEvents(t *testing.T, from, to cPeer) bool {
	t.Helper()
	var ev cPeerEvent
	busy := false
	for meshrtc_peer_next_event(from, &ev) == 0 {
		busy = true
		switch core.EventType(ev._type) {
		case core.EventSessionDescriptionCreated:
			must(t, "set_local_description", meshrtc_peer_set_local_description(from, ev.sdp_type, ev.sdp))
			must(t, "set_remote_description", meshrtc_peer_set_remote_description(to, ev.sdp_type, ev.sdp))
		case core.EventICECandidateCreated:
			must(t, "add_ice_candidate", meshrtc_peer_add_ice_candidate(to, ev.media, ev.index, ev.name))
		}
	}
	return busy
}

// openPair connects two peers with a negotiated reliable channel (id 1).
func openPair(t *testing.T) (a, b cChannel) {
	t.Helper()
	pa, pb := newPeer(t), newPeer(t)
	opts := cstr(`{"negotiated":true,"id":1}`)
	must(t, "create_data_channel", meshrtc_peer_create_data_channel(pa, cstr("r"), opts, &a))
	must(t, "create_data_channel", meshrtc_peer_create_data_channel(pb, cstr("r"), opts, &b))
	t.Cleanup(func() { meshrtc_channel_destroy(a); meshrtc_channel_destroy(b) })
	must(t, "create_offer", meshrtc_peer_create_offer(pa))
	until(t, "channels open", func() bool {
		pumpEvents(t, pa, pb)
		pumpEvents(t, pb, pa)
		var sa, sb cInt32
		meshrtc_channel_get_ready_state(a, &sa)
		meshrtc_channel_get_ready_state(b, &sb)
		return core.ChannelState(sa) == core.ChannelOpen && core.ChannelState(sb) == core.ChannelOpen
	})
	return a, b
}

func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBatchedPacketsThroughTheABI(t *testing.T) {
	a, b := openPair(t)
	payload := []cUint8{'a', 'b', 'b', 'c', 'c', 'c'}
	sizes := []cInt32{1, 2, 3}
	var sent cInt32
	must(t, "put_packets", meshrtc_channel_put_packets(a, &payload[0], &sizes[0], 3, &sent))
	if sent != 3 {
		t.Fatalf("sent %d of 3", sent)
	}
	until(t, "3 packets", func() bool {
		var n cInt32
		meshrtc_channel_get_available_packet_count(b, &n)
		return n == 3
	})
	var buf [4]cUint8
	infos := make([]cPacketInfo, 3)
	var count cInt32
	must(t, "get_packets", meshrtc_channel_get_packets(b, &buf[0], 4, &infos[0], 3, &count))
	if count != 2 || infos[0].size != 1 || infos[1].size != 2 || string(unsafe.Slice((*byte)(&buf[0]), 3)) != "abb" {
		t.Fatalf("first batch: %d packets %+v %q", count, infos[:count], buf[:3])
	}
	wantCode(t, "next packet larger than buf", meshrtc_channel_get_packets(b, &buf[0], 2, &infos[0], 3, &count), core.CodeParameterRangeError)
	if count != 0 || infos[0].size != 3 {
		t.Fatalf("too small: count %d, size %d", count, infos[0].size)
	}
	must(t, "get_packets", meshrtc_channel_get_packets(b, &buf[0], 4, &infos[0], 3, &count))
	if count != 1 || !bytes.Equal(unsafe.Slice((*byte)(&buf[0]), 3), []byte("ccc")) {
		t.Fatalf("second batch: %d packets %q", count, buf[:3])
	}
	must(t, "get_packets on an empty queue", meshrtc_channel_get_packets(b, &buf[0], 4, &infos[0], 3, &count))
	if count != 0 {
		t.Fatalf("empty queue gave %d packets", count)
	}
}

func TestBatchArgumentChecks(t *testing.T) {
	a, _ := openPair(t)
	m := newMesh(t)
	var buf [8]cUint8
	var info cPacketInfo
	var count, sent cInt32
	sizes := []cInt32{1, -1}
	huge := []cInt32{1 << 30, 1 << 30, 1 << 30}
	for _, tc := range []struct {
		what string
		rc   cInt32
	}{
		{"get_packets NULL out_count", meshrtc_channel_get_packets(a, &buf[0], 8, &info, 1, nil)},
		{"get_packets NULL out_info", meshrtc_channel_get_packets(a, &buf[0], 8, nil, 1, &count)},
		{"get_packets info_cap 0", meshrtc_channel_get_packets(a, &buf[0], 8, &info, 0, &count)},
		{"get_packets NULL buf with cap", meshrtc_channel_get_packets(a, nil, 8, &info, 1, &count)},
		{"get_packets negative buf_cap", meshrtc_mesh_get_packets(m, &buf[0], -1, &info, 1, &count)},
		{"put_packets negative count", meshrtc_channel_put_packets(a, &buf[0], &sizes[0], -1, &sent)},
		{"put_packets NULL sizes", meshrtc_channel_put_packets(a, &buf[0], nil, 2, &sent)},
		{"put_packets negative size", meshrtc_channel_put_packets(a, &buf[0], &sizes[0], 2, &sent)},
		{"put_packets total above 2^31-1", meshrtc_mesh_put_packets(m, &buf[0], &huge[0], 3, &sent)},
		{"put_packets NULL data", meshrtc_channel_put_packets(a, nil, &sizes[0], 1, &sent)},
		{"wait negative timeout", meshrtc_wait(-1, nil)},
	} {
		wantCode(t, tc.what, tc.rc, core.CodeInvalidParameter)
	}
	var arrived cInt32 = 7
	must(t, "wait 0", meshrtc_wait(0, &arrived))
	if arrived != 0 && arrived != 1 {
		t.Fatalf("wait wrote %d", arrived)
	}
}
