package main

import (
	"testing"
	"unsafe"

	"github.com/meshrtc/meshrtc/core"
)

// The exports called in-process (with -race), besides the C tests that drive
// the built library under ASan: every handle and argument check.

const loopbackConfig = `{"iceServers":[],"meshrtc":{"interfaces":["lo"],"includeLoopback":true,"mdns":"disabled","ipv6":false}}`

// cstr is s NUL-terminated, as a C caller passes it.
func cstr(s string) *cChar {
	b := append([]byte(s), 0)
	return (*cChar)(unsafe.Pointer(&b[0]))
}

func lastError(h int64) string {
	var buf [512]byte
	var n cInt32
	meshrtc_last_error(cInt64(h), (*cChar)(unsafe.Pointer(&buf[0])), cInt32(len(buf)), &n)
	return string(buf[:min(int(n), len(buf)-1)])
}

func wantCode(t *testing.T, what string, got cInt32, want core.Code) {
	t.Helper()
	if core.Code(got) != want {
		t.Errorf("%s: code %d, want %d (last error %q)", what, got, want, lastError(0))
	}
}

func must(t *testing.T, what string, rc cInt32) {
	t.Helper()
	if rc != 0 {
		t.Fatalf("%s: code %d: %s", what, rc, lastError(0))
	}
}

// newPeer is a peer on loopback-only ICE, destroyed when the test ends.
func newPeer(t *testing.T) cPeer {
	t.Helper()
	var p cPeer
	must(t, "peer_create", meshrtc_peer_create(&p))
	t.Cleanup(func() { meshrtc_peer_destroy(p) })
	must(t, "peer_initialize", meshrtc_peer_initialize(p, cstr(loopbackConfig)))
	return p
}

func newMesh(t *testing.T) cMesh {
	t.Helper()
	var m cMesh
	must(t, "mesh_create", meshrtc_mesh_create(&m))
	t.Cleanup(func() { meshrtc_mesh_destroy(m) })
	return m
}

// export is one handle-taking export, called with valid arguments but for
// the handle (call) and with one required out-parameter NULL (nilOut).
type export struct {
	name   string
	kind   kind
	call   func(h int64) cInt32
	nilOut func(h int64) cInt32
}

// getter32 and getter64 make the table entry of an export reading one integer.
func getter32[H ~int64](name string, k kind, f func(H, *cInt32) cInt32) export {
	return export{name, k,
		func(h int64) cInt32 { var v cInt32; return f(H(h), &v) },
		func(h int64) cInt32 { return f(H(h), nil) }}
}

func getter64[H ~int64](name string, k kind, f func(H, *cInt64) cInt32) export {
	return export{name, k,
		func(h int64) cInt32 { var v cInt64; return f(H(h), &v) },
		func(h int64) cInt32 { return f(H(h), nil) }}
}

func action[H ~int64](name string, k kind, f func(H) cInt32) export {
	return export{name, k, func(h int64) cInt32 { return f(H(h)) }, nil}
}

func textGetter(name string, f func(cChannel, *cChar, cInt32, *cInt32) cInt32) export {
	return export{name, kindChannel,
		func(h int64) cInt32 { var buf [64]cChar; var n cInt32; return f(cChannel(h), &buf[0], 64, &n) },
		func(h int64) cInt32 { var buf [64]cChar; return f(cChannel(h), &buf[0], 64, nil) }}
}

func batchGet(name string, k kind, f func(int64, *cUint8, cInt32, *cPacketInfo, cInt32, *cInt32) cInt32) export {
	return export{name, k,
		func(h int64) cInt32 {
			var buf [8]cUint8
			var info cPacketInfo
			var n cInt32
			return f(h, &buf[0], 8, &info, 1, &n)
		},
		func(h int64) cInt32 { var buf [8]cUint8; var info cPacketInfo; return f(h, &buf[0], 8, &info, 1, nil) }}
}

func exports() []export {
	data := []cUint8{1, 2, 3}
	return []export{
		action("peer_poll", kindPeer, meshrtc_peer_poll),
		action("peer_close", kindPeer, meshrtc_peer_close),
		action("peer_create_offer", kindPeer, meshrtc_peer_create_offer),
		{"peer_initialize", kindPeer, func(h int64) cInt32 { return meshrtc_peer_initialize(cPeer(h), cstr(loopbackConfig)) }, nil},
		{"peer_create_data_channel", kindPeer,
			func(h int64) cInt32 {
				var c cChannel
				return meshrtc_peer_create_data_channel(cPeer(h), cstr("x"), nil, &c)
			},
			func(h int64) cInt32 { return meshrtc_peer_create_data_channel(cPeer(h), cstr("x"), nil, nil) }},
		{"peer_set_local_description", kindPeer, func(h int64) cInt32 { return meshrtc_peer_set_local_description(cPeer(h), cstr("offer"), cstr("v=0")) },
			func(h int64) cInt32 { return meshrtc_peer_set_local_description(cPeer(h), nil, cstr("v=0")) }},
		{"peer_set_remote_description", kindPeer, func(h int64) cInt32 { return meshrtc_peer_set_remote_description(cPeer(h), cstr("offer"), cstr("v=0")) },
			func(h int64) cInt32 { return meshrtc_peer_set_remote_description(cPeer(h), cstr("offer"), nil) }},
		{"peer_add_ice_candidate", kindPeer, func(h int64) cInt32 {
			return meshrtc_peer_add_ice_candidate(cPeer(h), cstr("0"), 0, cstr("candidate:1"))
		},
			func(h int64) cInt32 { return meshrtc_peer_add_ice_candidate(cPeer(h), cstr("0"), 0, nil) }},
		{"peer_next_event", kindPeer, func(h int64) cInt32 { var ev cPeerEvent; return meshrtc_peer_next_event(cPeer(h), &ev) },
			func(h int64) cInt32 { return meshrtc_peer_next_event(cPeer(h), nil) }},
		getter32("peer_get_connection_state", kindPeer, meshrtc_peer_get_connection_state),
		getter32("peer_get_gathering_state", kindPeer, meshrtc_peer_get_gathering_state),
		getter32("peer_get_signaling_state", kindPeer, meshrtc_peer_get_signaling_state),
		{"peer_get_stats", kindPeer, func(h int64) cInt32 { var st cPeerStats; return meshrtc_peer_get_stats(cPeer(h), &st) },
			func(h int64) cInt32 { return meshrtc_peer_get_stats(cPeer(h), nil) }},

		action("channel_poll", kindChannel, meshrtc_channel_poll),
		action("channel_close", kindChannel, meshrtc_channel_close),
		{"channel_put_packet", kindChannel, func(h int64) cInt32 { return meshrtc_channel_put_packet(cChannel(h), &data[0], 3) },
			func(h int64) cInt32 { return meshrtc_channel_put_packet(cChannel(h), nil, 3) }},
		{"channel_get_packet", kindChannel, func(h int64) cInt32 {
			var p *cUint8
			var n cInt32
			return meshrtc_channel_get_packet(cChannel(h), &p, &n)
		},
			func(h int64) cInt32 { var n cInt32; return meshrtc_channel_get_packet(cChannel(h), nil, &n) }},
		getter32("channel_get_available_packet_count", kindChannel, meshrtc_channel_get_available_packet_count),
		getter32("channel_get_max_packet_size", kindChannel, meshrtc_channel_get_max_packet_size),
		{"channel_set_write_mode", kindChannel, func(h int64) cInt32 { return meshrtc_channel_set_write_mode(cChannel(h), 1) }, nil},
		getter32("channel_get_write_mode", kindChannel, meshrtc_channel_get_write_mode),
		getter32("channel_was_string_packet", kindChannel, meshrtc_channel_was_string_packet),
		getter32("channel_get_ready_state", kindChannel, meshrtc_channel_get_ready_state),
		textGetter("channel_get_label", meshrtc_channel_get_label),
		textGetter("channel_get_protocol", meshrtc_channel_get_protocol),
		getter32("channel_is_ordered", kindChannel, meshrtc_channel_is_ordered),
		getter32("channel_get_id", kindChannel, meshrtc_channel_get_id),
		getter32("channel_get_max_packet_life_time", kindChannel, meshrtc_channel_get_max_packet_life_time),
		getter32("channel_get_max_retransmits", kindChannel, meshrtc_channel_get_max_retransmits),
		getter32("channel_is_negotiated", kindChannel, meshrtc_channel_is_negotiated),
		getter64("channel_get_buffered_amount", kindChannel, meshrtc_channel_get_buffered_amount),
		getter64("channel_get_dropped_count", kindChannel, meshrtc_channel_get_dropped_count),
		{"channel_get_stats", kindChannel, func(h int64) cInt32 { var st cChannelStats; return meshrtc_channel_get_stats(cChannel(h), &st) },
			func(h int64) cInt32 { return meshrtc_channel_get_stats(cChannel(h), nil) }},

		{"mesh_set_options", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_set_options(cMesh(h), nil) }, nil},
		{"mesh_create_server", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_create_server(cMesh(h), nil, 0) }, nil},
		{"mesh_create_client", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_create_client(cMesh(h), 2, nil, 0) }, nil},
		{"mesh_create_mesh", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_create_mesh(cMesh(h), 1, nil, 0) }, nil},
		{"mesh_initialize", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_initialize(cMesh(h), 1, 0) }, nil},
		{"mesh_remove_peer", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_remove_peer(cMesh(h), 2) }, nil},
		{"mesh_disconnect_peer", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_disconnect_peer(cMesh(h), 2, 0) }, nil},
		{"mesh_has_peer", kindMesh, func(h int64) cInt32 { var v cInt32; return meshrtc_mesh_has_peer(cMesh(h), 2, &v) },
			func(h int64) cInt32 { return meshrtc_mesh_has_peer(cMesh(h), 2, nil) }},
		{"mesh_get_peer", kindMesh, func(h int64) cInt32 {
			var p cPeer
			var chs [8]cChannel
			var n, c cInt32
			return meshrtc_mesh_get_peer(cMesh(h), 2, &p, &chs[0], 8, &n, &c)
		}, func(h int64) cInt32 {
			var chs [8]cChannel
			var n, c cInt32
			return meshrtc_mesh_get_peer(cMesh(h), 2, nil, &chs[0], 8, &n, &c)
		}},
		{"mesh_get_peers", kindMesh, func(h int64) cInt32 { var n cInt32; return meshrtc_mesh_get_peers(cMesh(h), nil, 0, &n) },
			func(h int64) cInt32 { return meshrtc_mesh_get_peers(cMesh(h), nil, 0, nil) }},
		{"mesh_set_target_peer", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_set_target_peer(cMesh(h), 0) }, nil},
		getter32("mesh_get_target_peer", kindMesh, meshrtc_mesh_get_target_peer),
		{"mesh_set_transfer_mode", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_set_transfer_mode(cMesh(h), 2) }, nil},
		getter32("mesh_get_transfer_mode", kindMesh, meshrtc_mesh_get_transfer_mode),
		{"mesh_set_transfer_channel", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_set_transfer_channel(cMesh(h), 0) }, nil},
		getter32("mesh_get_transfer_channel", kindMesh, meshrtc_mesh_get_transfer_channel),
		{"mesh_put_packet", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_put_packet(cMesh(h), &data[0], 3) },
			func(h int64) cInt32 { return meshrtc_mesh_put_packet(cMesh(h), nil, 3) }},
		{"mesh_get_packet", kindMesh, func(h int64) cInt32 { var p *cUint8; var n cInt32; return meshrtc_mesh_get_packet(cMesh(h), &p, &n) },
			func(h int64) cInt32 { var p *cUint8; return meshrtc_mesh_get_packet(cMesh(h), &p, nil) }},
		getter32("mesh_get_available_packet_count", kindMesh, meshrtc_mesh_get_available_packet_count),
		getter32("mesh_get_packet_peer", kindMesh, meshrtc_mesh_get_packet_peer),
		getter32("mesh_get_packet_channel", kindMesh, meshrtc_mesh_get_packet_channel),
		getter32("mesh_get_packet_mode", kindMesh, meshrtc_mesh_get_packet_mode),
		action("mesh_poll", kindMesh, meshrtc_mesh_poll),
		action("mesh_close", kindMesh, meshrtc_mesh_close),
		{"mesh_next_event", kindMesh, func(h int64) cInt32 { var typ, id cInt32; return meshrtc_mesh_next_event(cMesh(h), &typ, &id) },
			func(h int64) cInt32 { var typ cInt32; return meshrtc_mesh_next_event(cMesh(h), &typ, nil) }},
		getter32("mesh_get_unique_id", kindMesh, meshrtc_mesh_get_unique_id),
		getter32("mesh_get_connection_status", kindMesh, meshrtc_mesh_get_connection_status),
		getter32("mesh_is_server_relay_supported", kindMesh, meshrtc_mesh_is_server_relay_supported),
		{"mesh_set_refuse_new_connections", kindMesh, func(h int64) cInt32 { return meshrtc_mesh_set_refuse_new_connections(cMesh(h), 0) }, nil},
		getter32("mesh_is_refusing_new_connections", kindMesh, meshrtc_mesh_is_refusing_new_connections),
		getter32("mesh_get_max_packet_size", kindMesh, meshrtc_mesh_get_max_packet_size),

		{"lobby_join", kindLobby, func(h int64) cInt32 { return meshrtc_lobby_join(cLobby(h), nil, 1) }, nil},
		action("lobby_seal", kindLobby, meshrtc_lobby_seal),
		action("lobby_poll", kindLobby, meshrtc_lobby_poll),
		{"lobby_next_event", kindLobby,
			func(h int64) cInt32 { var ev cLobbyEvent; return meshrtc_lobby_next_event(cLobby(h), &ev) },
			func(h int64) cInt32 { return meshrtc_lobby_next_event(cLobby(h), nil) }},
		{"lobby_get_mesh", kindLobby,
			func(h int64) cInt32 { var m cMesh; return meshrtc_lobby_get_mesh(cLobby(h), &m) },
			func(h int64) cInt32 { return meshrtc_lobby_get_mesh(cLobby(h), nil) }},

		batchGet("channel_get_packets", kindChannel, func(h int64, b *cUint8, bc cInt32, i *cPacketInfo, ic cInt32, n *cInt32) cInt32 {
			return meshrtc_channel_get_packets(cChannel(h), b, bc, i, ic, n)
		}),
		batchGet("mesh_get_packets", kindMesh, func(h int64, b *cUint8, bc cInt32, i *cPacketInfo, ic cInt32, n *cInt32) cInt32 {
			return meshrtc_mesh_get_packets(cMesh(h), b, bc, i, ic, n)
		}),
		{"channel_put_packets", kindChannel, func(h int64) cInt32 {
			sizes := []cInt32{3}
			return meshrtc_channel_put_packets(cChannel(h), &data[0], &sizes[0], 1, nil)
		}, nil},
		{"mesh_put_packets", kindMesh, func(h int64) cInt32 {
			sizes := []cInt32{3}
			return meshrtc_mesh_put_packets(cMesh(h), &data[0], &sizes[0], 1, nil)
		}, nil},
	}
}

// newLobby is a lobby client of url (a closed port will do for handle
// checks), destroyed when the test ends.
func newLobby(t *testing.T, url, options string) cLobby {
	t.Helper()
	var l cLobby
	must(t, "lobby_create", meshrtc_lobby_create(cstr(url), cstr(options), &l))
	t.Cleanup(func() { meshrtc_lobby_destroy(l) })
	return l
}

// liveHandles makes one live object of each kind (a channel that never
// opens: its peer never connects) and one destroyed handle of each kind.
func liveHandles(t *testing.T) (live, destroyed map[kind]int64) {
	p := newPeer(t)
	var ch cChannel
	must(t, "create_data_channel", meshrtc_peer_create_data_channel(p, cstr("c"), cstr(`{"negotiated":true,"id":1}`), &ch))
	t.Cleanup(func() { meshrtc_channel_destroy(ch) })
	live = map[kind]int64{kindPeer: int64(p), kindChannel: int64(ch), kindMesh: int64(newMesh(t)), kindLobby: int64(newLobby(t, "ws://127.0.0.1:1", ""))}

	var gp cPeer
	var gm cMesh
	var gc cChannel
	must(t, "peer_create", meshrtc_peer_create(&gp))
	must(t, "create_data_channel", meshrtc_peer_create_data_channel(gp, cstr("c"), nil, &gc))
	must(t, "mesh_create", meshrtc_mesh_create(&gm))
	must(t, "channel_destroy", meshrtc_channel_destroy(gc))
	must(t, "peer_destroy", meshrtc_peer_destroy(gp))
	must(t, "mesh_destroy", meshrtc_mesh_destroy(gm))
	var gl cLobby
	must(t, "lobby_create", meshrtc_lobby_create(cstr("ws://127.0.0.1:1"), nil, &gl))
	must(t, "lobby_destroy", meshrtc_lobby_destroy(gl))
	destroyed = map[kind]int64{kindPeer: int64(gp), kindChannel: int64(gc), kindMesh: int64(gm), kindLobby: int64(gl)}
	return live, destroyed
}

func TestExportsCheckHandles(t *testing.T) {
	live, destroyed := liveHandles(t)
	for _, e := range exports() {
		other := kindPeer
		if e.kind == kindPeer {
			other = kindMesh
		}
		wantCode(t, e.name+"(0)", e.call(0), core.CodeInvalidParameter)
		wantCode(t, e.name+"(wrong kind)", e.call(live[other]), core.CodeInvalidParameter)
		wantCode(t, e.name+"(not a handle)", e.call(-5), core.CodeInvalidParameter)
		wantCode(t, e.name+"(destroyed)", e.call(destroyed[e.kind]), core.CodeDoesNotExist)
		wantCode(t, e.name+"(never issued)", e.call(int64(e.kind)<<kindShift|serialMask), core.CodeDoesNotExist)
		if e.nilOut != nil {
			wantCode(t, e.name+"(NULL out-parameter)", e.nilOut(live[e.kind]), core.CodeInvalidParameter)
			if msg := lastError(live[e.kind]); msg == "" {
				t.Errorf("%s: no last_error message on the handle", e.name)
			}
		}
	}
}

func TestExportsCheckArguments(t *testing.T) {
	p := newPeer(t)
	m := newMesh(t)
	var ch cChannel
	var buf [8]cChar
	var n cInt32
	var lobby cLobby
	l := newLobby(t, "ws://127.0.0.1:1", "")
	bad := string([]byte{0xff, 0xfe})
	for _, tc := range []struct {
		what string
		rc   cInt32
		want core.Code
	}{
		{"initialize with invalid UTF-8", meshrtc_peer_initialize(p, cstr(bad)), core.CodeInvalidParameter},
		{"initialize with malformed JSON", meshrtc_peer_initialize(p, cstr("{")), core.CodeInvalidParameter},
		{"initialize with an unknown meshrtc key", meshrtc_peer_initialize(p, cstr(`{"meshrtc":{"nope":1}}`)), core.CodeInvalidParameter},
		{"create_data_channel NULL label", meshrtc_peer_create_data_channel(p, nil, nil, &ch), core.CodeInvalidParameter},
		{"create_data_channel bad options", meshrtc_peer_create_data_channel(p, cstr("x"), cstr(`{"id":"x"}`), &ch), core.CodeInvalidParameter},
		{"create_data_channel lifetime and retransmits", meshrtc_peer_create_data_channel(p, cstr("x"), cstr(`{"maxRetransmits":1,"maxPacketLifeTime":1}`), &ch), core.CodeInvalidParameter},
		{"put_packet negative length", meshrtc_mesh_put_packet(m, nil, -1), core.CodeInvalidParameter},
		{"create_mesh negative channel count", meshrtc_mesh_create_mesh(m, 1, nil, -1), core.CodeInvalidParameter},
		{"create_mesh NULL config with a count", meshrtc_mesh_create_mesh(m, 1, nil, 2), core.CodeInvalidParameter},
		{"set_options malformed", meshrtc_mesh_set_options(m, cstr(`{"x":1}`)), core.CodeInvalidParameter},
		{"get_peers negative cap", meshrtc_mesh_get_peers(m, nil, -1, &n), core.CodeInvalidParameter},
		{"last_error negative cap", meshrtc_last_error(0, &buf[0], -1, &n), core.CodeInvalidParameter},
		{"last_error NULL buffer with a cap", meshrtc_last_error(0, nil, 8, &n), core.CodeInvalidParameter},
		{"last_error NULL out_len", meshrtc_last_error(0, &buf[0], 8, nil), core.CodeInvalidParameter},
		{"log_set_level out of range", meshrtc_log_set_level(99), core.CodeInvalidParameter},
		{"log_next NULL out_level", meshrtc_log_next(nil, &buf[0], 8, &n), core.CodeInvalidParameter},
		{"version NULL", meshrtc_version(nil, nil, nil), core.CodeInvalidParameter},
		{"peer_create NULL", meshrtc_peer_create(nil), core.CodeInvalidParameter},
		{"mesh_create NULL", meshrtc_mesh_create(nil), core.CodeInvalidParameter},
		{"lobby_create NULL url", meshrtc_lobby_create(nil, nil, &lobby), core.CodeInvalidParameter},
		{"lobby_create not a ws URL", meshrtc_lobby_create(cstr("http://127.0.0.1:1"), nil, &lobby), core.CodeInvalidParameter},
		{"lobby_create invalid UTF-8", meshrtc_lobby_create(cstr("ws://"+bad), nil, &lobby), core.CodeInvalidParameter},
		{"lobby_create bad options", meshrtc_lobby_create(cstr("ws://127.0.0.1:1"), cstr(`{"channels":[7]}`), &lobby), core.CodeInvalidParameter},
		{"lobby_create bad peerConfig", meshrtc_lobby_create(cstr("ws://127.0.0.1:1"), cstr(`{"peerConfig":{"meshrtc":{"x":1}}}`), &lobby), core.CodeInvalidParameter},
		{"lobby_create NULL out_lobby", meshrtc_lobby_create(cstr("ws://127.0.0.1:1"), nil, nil), core.CodeInvalidParameter},
		{"lobby_join invalid UTF-8", meshrtc_lobby_join(l, cstr(bad), 1), core.CodeInvalidParameter},
	} {
		wantCode(t, tc.what, tc.rc, tc.want)
	}
}

func TestLastErrorSizeProtocol(t *testing.T) {
	p := newPeer(t)
	wantCode(t, "bad config", meshrtc_peer_initialize(p, cstr("{")), core.CodeInvalidParameter)
	want := lastError(int64(p))
	var small [4]cChar
	var n cInt32
	wantCode(t, "small buffer", meshrtc_last_error(cInt64(p), &small[0], 4, &n), core.CodeParameterRangeError)
	if int(n) != len(want) || want == "" {
		t.Fatalf("out_len %d for %q", n, want)
	}
	wantCode(t, "length query", meshrtc_last_error(cInt64(p), nil, 0, &n), core.CodeParameterRangeError)
	if lastError(int64(p)) != want {
		t.Fatal("reading the last error changed it")
	}
}

func TestDestroyTwiceAndShutdownCount(t *testing.T) {
	var leaked cInt32
	must(t, "shutdown", meshrtc_shutdown(&leaked)) // start from an empty table
	var p cPeer
	var m cMesh
	must(t, "peer_create", meshrtc_peer_create(&p))
	must(t, "mesh_create", meshrtc_mesh_create(&m))
	must(t, "peer_destroy", meshrtc_peer_destroy(p))
	wantCode(t, "second destroy", meshrtc_peer_destroy(p), core.CodeDoesNotExist)
	must(t, "shutdown", meshrtc_shutdown(&leaked))
	if leaked != 1 {
		t.Fatalf("shutdown reported %d leaked handles, want 1 (the mesh)", leaked)
	}
	wantCode(t, "mesh after shutdown", meshrtc_mesh_poll(m), core.CodeDoesNotExist)
}

// meshWithPeer is a mesh (create_mesh, id 1) with peer 2 added, and the
// handles get_peer gives for it.
func meshWithPeer(t *testing.T) (m cMesh, p cPeer, chs []cChannel) {
	t.Helper()
	m, p = newMesh(t), newPeer(t)
	must(t, "create_mesh", meshrtc_mesh_create_mesh(m, 1, nil, 0))
	must(t, "add_peer", meshrtc_mesh_add_peer(m, p, 2, 1))
	return m, p, getPeer(t, m, p)
}

func getPeer(t *testing.T, m cMesh, p cPeer) []cChannel {
	t.Helper()
	var got cPeer
	chs := make([]cChannel, 8)
	var n, connected cInt32
	must(t, "get_peer", meshrtc_mesh_get_peer(m, 2, &got, &chs[0], 8, &n, &connected))
	if got != p || n != 3 || connected != 0 {
		t.Fatalf("get_peer: peer %d (want %d), %d channels, connected %d", got, p, n, connected)
	}
	return chs[:n]
}

func wantChannelsGone(t *testing.T, what string, chs []cChannel) {
	t.Helper()
	for i, ch := range chs {
		var state cInt32
		wantCode(t, what+": channel handle "+string(rune('0'+i)), meshrtc_channel_get_ready_state(ch, &state), core.CodeDoesNotExist)
	}
}

func TestMeshChannelHandles(t *testing.T) {
	m, p, chs := meshWithPeer(t)
	if again := getPeer(t, m, p); !slicesEqual(again, chs) {
		t.Fatalf("get_peer gave other handles the second time: %v, then %v", chs, again)
	}
	for _, ch := range chs {
		var state cInt32
		must(t, "ready_state of a mesh channel", meshrtc_channel_get_ready_state(ch, &state))
		wantCode(t, "destroy a mesh channel", meshrtc_channel_destroy(ch), core.CodeUnauthorized)
	}
	must(t, "remove_peer", meshrtc_mesh_remove_peer(m, 2))
	wantChannelsGone(t, "after remove_peer", chs)

	// A peer that leaves on its own (re-initialized: its channels close) is
	// dropped by the next poll, handles included.
	p2 := newPeer(t)
	must(t, "add_peer", meshrtc_mesh_add_peer(m, p2, 2, 1))
	chs = getPeer(t, m, p2)
	must(t, "re-initialize", meshrtc_peer_initialize(p2, cstr(loopbackConfig)))
	must(t, "poll", meshrtc_mesh_poll(m))
	var has cInt32
	must(t, "has_peer", meshrtc_mesh_has_peer(m, 2, &has))
	if has != 0 {
		t.Fatal("the re-initialized peer is still in the mesh")
	}
	wantChannelsGone(t, "after poll", chs)

	// Destroying the mesh releases the handles of the peers still in it.
	m2, _, chs2 := meshWithPeer(t)
	must(t, "mesh_destroy", meshrtc_mesh_destroy(m2))
	wantChannelsGone(t, "after mesh_destroy", chs2)
}

func slicesEqual(a, b []cChannel) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Concurrent get_peer, poll and remove/add on one mesh (run with -race):
// every handle get_peer gives is either usable or already released, and
// none outlives the peers.
func TestMeshChannelHandlesConcurrent(t *testing.T) {
	var leaked cInt32
	must(t, "shutdown", meshrtc_shutdown(&leaked))
	m := newMesh(t)
	must(t, "create_mesh", meshrtc_mesh_create_mesh(m, 1, nil, 0))
	done := make(chan struct{})
	defer close(done)
	readers := make(chan struct{})
	for range 2 {
		go func() {
			defer func() { readers <- struct{}{} }()
			var got cPeer
			var chs [8]cChannel
			var n, c, state cInt32
			for {
				select {
				case <-done:
					return
				default:
				}
				if meshrtc_mesh_get_peer(m, 2, &got, &chs[0], 8, &n, &c) == 0 {
					for _, ch := range chs[:n] {
						if rc := meshrtc_channel_get_ready_state(ch, &state); rc != 0 && core.Code(rc) != core.CodeDoesNotExist {
							t.Errorf("ready_state: %d", rc)
						}
					}
				}
				meshrtc_mesh_poll(m)
			}
		}()
	}
	for range 50 {
		var p cPeer
		must(t, "peer_create", meshrtc_peer_create(&p))
		must(t, "peer_initialize", meshrtc_peer_initialize(p, cstr(loopbackConfig)))
		must(t, "add_peer", meshrtc_mesh_add_peer(m, p, 2, 1))
		must(t, "remove_peer", meshrtc_mesh_remove_peer(m, 2))
		must(t, "peer_destroy", meshrtc_peer_destroy(p))
	}
	done <- struct{}{}
	done <- struct{}{}
	<-readers
	<-readers
	must(t, "mesh_poll", meshrtc_mesh_poll(m))
	objectsLeft := 0
	objects.objects.Range(func(_, _ any) bool { objectsLeft++; return true })
	if objectsLeft != 1 {
		t.Fatalf("%d handles live after the peers left, want 1 (the mesh)", objectsLeft)
	}
}
