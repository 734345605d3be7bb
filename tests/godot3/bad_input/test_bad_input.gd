extends SceneTree
# Bad input from GDScript - wrong configuration types, bad channel options,
# garbage SDP and candidates on fresh and on connected peers, calls in wrong
# states, the library's scripts misused - returns Godot errors and prints
# the meshrtc message; nothing crashes, and a connected pair keeps working.
# run.sh checks stderr against expected_stderr.txt.

const T = preload("res://common/t.gd")
const Link = preload("res://common/link.gd")

var t
var watched = []
var packet_to: WebRTCDataChannel


func _initialize() -> void:
	Engine.target_fps = 250
	t = T.new("bad_input", self)
	run()


func null_channel(p: WebRTCPeerConnection, options: Dictionary, what: String) -> void:
	t.check(p.create_data_channel("bad", options) == null, "create_data_channel(%s) -> null" % what)


func all_open() -> bool:
	for ch in watched:
		if ch.get_ready_state() != WebRTCDataChannel.STATE_OPEN:
			return false
	return true


func has_packet() -> bool:
	return packet_to.get_available_packet_count() > 0


# Coroutine: a packet from `from` arrives on `to` (polling `peers`).
func still_works(from: WebRTCDataChannel, to: WebRTCDataChannel, peers: Array, what: String):
	t.eq(from.put_packet(what.to_utf8()), OK, "put_packet: %s" % what)
	packet_to = to
	var ok = yield(t.wait_until(funcref(self, "has_packet"), 10.0, peers), "completed")
	t.check(ok and to.get_packet().get_string_from_utf8() == what, "the connection still carries data: %s" % what)


# GDScript 3 keeps call results in a function's stack slots until the
# function returns, so each part that must free its objects is a function
# of its own.
func run() -> void:
	var info = load("res://addons/meshrtc/meshrtc.gdns").new()
	var baseline: int = info.get_live_handles()
	options()
	fresh_peer()
	orphan_channel()
	yield(connected_pair(), "completed")
	misuse(info)
	many()
	yield(self, "idle_frame")
	t.eq(info.get_live_handles(), baseline, "every handle released (live handles back to %d)" % baseline)
	t.finish()


# Configuration dictionaries and channel options.
func options() -> void:
	var p = WebRTCPeerConnection.new()
	var bad_configs = [
		[{"meshrtc": {"interfacez": ["lo"]}}, "unknown meshrtc option"],
		[{"meshrtc": {"includeLoopback": "yes"}}, "meshrtc option of the wrong type"],
		[{"meshrtc": {"portMin": Vector2(1, 2)}}, "a Vector2 where a number belongs"],
		[{"meshrtc": {"ipv4": false, "ipv6": false}}, "no IP family"],
		[{"meshrtc": 5}, "meshrtc is not a Dictionary"],
		[{"iceServers": "stun:127.0.0.1"}, "iceServers is not an Array"],
		[{"iceServers": [{"urls": 42}]}, "urls is a number"],
		[{"iceServers": [{"urls": ["notaurl"]}]}, "urls holds a bad URL"],
		[{"iceServers": [{"username": "u"}]}, "ICE server without urls"],
		[{"iceTransportPolicy": "sometimes"}, "bad iceTransportPolicy"],
		[{"meshrtc": {"maxMessageSize": NAN}}, "NaN (Godot's JSON writes nan)"],
	]
	for c in bad_configs:
		t.eq(p.initialize(c[0]), ERR_INVALID_PARAMETER, "initialize: %s" % c[1])
	t.eq(p.get_connection_state(), WebRTCPeerConnection.STATE_NEW, "a failed initialize leaves the peer usable (STATE_NEW)")
	t.check(p.create_data_channel("still", {"negotiated": true, "id": 1}) != null, "create_data_channel after failed initialize")
	# What webrtc-native accepts keeps working: unknown W3C keys only warn.
	var with_unknown = T.LOOPBACK.duplicate(true)
	with_unknown["bundlePolicy"] = "max-bundle"
	t.eq(p.initialize(with_unknown), OK, "unknown top-level key: OK with a warning")
	var servers = T.LOOPBACK.duplicate(true)
	servers["iceServers"] = [{"urls": ["stun:127.0.0.1:3478"]},
		{"urls": "turn:127.0.0.1:3479", "username": "user", "credential": "secret"}]
	t.eq(p.initialize(servers), OK, "iceServers with urls array and string, username, credential")
	t.eq(p.initialize(T.LOOPBACK), OK, "initialize(loopback)")

	# --- channel options
	null_channel(p, {"negotiated": true, "id": "one"}, "id is a String")
	null_channel(p, {"negotiated": true}, "negotiated without id")
	null_channel(p, {"id": 3}, "id without negotiated")
	null_channel(p, {"negotiated": true, "id": 65535}, "id 65535")
	null_channel(p, {"maxRetransmits": 1, "maxPacketLifeTime": 1}, "maxRetransmits and maxPacketLifeTime")
	null_channel(p, {"maxRetransmits": 1, "maxPacketLifetime": 1}, "maxRetransmits and Godot's maxPacketLifetime")
	null_channel(p, {"maxPacketLifeTime": 1, "maxPacketLifetime": 1}, "both lifetime spellings")
	null_channel(p, {"ordered": "yes"}, "ordered is a String")
	null_channel(p, {"maxRetransmits": -1}, "negative maxRetransmits")
	null_channel(p, {"maxRetransmits": 70000}, "maxRetransmits above 65535")
	null_channel(p, {"maxRetransmits": 1.5}, "fractional maxRetransmits")
	null_channel(p, {"protocol": 5}, "protocol is a number")
	null_channel(p, {"protocol": ["a"]}, "protocol is an Array")
	var odd = p.create_data_channel("odd", {"unknownOption": 1})
	t.check(odd != null, "unknown channel option: created, with a warning")


# Descriptions, candidates and channel calls in wrong states.
func fresh_peer():
	var q = WebRTCPeerConnection.new()
	t.eq(q.initialize(T.LOOPBACK), OK, "q.initialize(loopback)")
	t.eq(q.create_offer(), ERR_UNCONFIGURED, "create_offer without a channel")
	t.eq(q.set_remote_description("offer", "this is not SDP"), ERR_INVALID_DATA, "set_remote_description with garbage SDP")
	t.check(q.set_remote_description("offer", "") != OK, "set_remote_description with empty SDP fails")
	t.eq(q.set_local_description("bogus", "v=0"), ERR_INVALID_PARAMETER, "set_local_description with an unknown type")
	t.check(q.set_remote_description("answer", "v=0\r\n") != OK, "set_remote_description(answer) in the wrong state fails")
	var huge = "x".repeat(4 * 1024 * 1024)
	t.check(q.set_remote_description("offer", huge) != OK, "4 MiB of garbage SDP")
	t.eq(q.add_ice_candidate("0", 0, "candidate:garbage"), ERR_INVALID_PARAMETER, "malformed candidate")
	t.eq(q.add_ice_candidate("0", -1, "candidate:1 1 udp 1 127.0.0.1 9 typ host"), ERR_INVALID_PARAMETER, "negative candidate index")
	t.eq(q.add_ice_candidate("0", 70000, "candidate:1 1 udp 1 127.0.0.1 9 typ host"), ERR_INVALID_PARAMETER, "candidate index above 65535")

	# --- channel calls in the wrong state
	var ch = q.create_data_channel("c", {"negotiated": true, "id": 1})
	t.check(ch != null, "q.create_data_channel")
	t.eq(ch.get_ready_state(), WebRTCDataChannel.STATE_CONNECTING, "channel CONNECTING")
	t.eq(ch.put_packet(PoolByteArray([1])), ERR_UNAVAILABLE, "put_packet while connecting")
	t.eq(ch.get_packet(), PoolByteArray(), "get_packet on an empty channel")
	t.eq(ch.get_packet_error(), ERR_UNAVAILABLE, "get_packet error ERR_UNAVAILABLE")
	ch.set_write_mode(7)
	t.eq(ch.get_write_mode(), WebRTCDataChannel.WRITE_MODE_BINARY, "set_write_mode(7) rejected")
	t.eq(q.create_offer(), OK, "create_offer")
	q.poll()
	q.close()
	t.eq(q.get_connection_state(), WebRTCPeerConnection.STATE_CLOSED, "closed")
	t.check(q.create_data_channel("late") == null, "create_data_channel after close")
	t.check(q.create_offer() != OK, "create_offer after close fails")
	t.check(q.set_local_description("offer", "v=0\r\n") != OK, "set_local_description after close fails")
	t.eq(ch.get_ready_state(), WebRTCDataChannel.STATE_CLOSED, "channel CLOSED with its peer")
	t.eq(ch.put_packet(PoolByteArray([1])), FAILED, "put_packet on a closed channel")
	ch.close()
	t.eq(ch.poll(), OK, "channel close() and poll() after close")


func channel_of_a_freed_peer() -> WebRTCDataChannel:
	var r = WebRTCPeerConnection.new()
	r.initialize(T.LOOPBACK)
	return r.create_data_channel("kept", {"negotiated": true, "id": 9, "protocol": "p"})


# A channel outliving its peer.
func orphan_channel() -> void:
	var kept = channel_of_a_freed_peer()
	t.eq(kept.get_ready_state(), WebRTCDataChannel.STATE_CLOSED, "a freed peer's channel is CLOSED")
	t.eq(kept.get_label(), "kept", "... and keeps its label")
	t.eq(kept.get_protocol(), "p", "... and protocol")


# Garbage on connected peers: errors, and the connection keeps working.
func connected_pair():
	var a = WebRTCPeerConnection.new()
	var b = WebRTCPeerConnection.new()
	a.initialize(T.LOOPBACK)
	b.initialize(T.LOOPBACK)
	var link = Link.new()
	link.wire(a, b)
	var ca = a.create_data_channel("data", {"negotiated": true, "id": 1})
	var cb = b.create_data_channel("data", {"negotiated": true, "id": 1})
	t.eq(a.create_offer(), OK, "pair: create_offer")
	watched = [ca, cb]
	var ok = yield(t.wait_until(funcref(self, "all_open"), 20.0, [a, b]), "completed")
	t.check(ok, "pair connected")
	t.eq(b.set_remote_description("offer", "this is not SDP"), ERR_INVALID_DATA, "connected: garbage remote SDP")
	t.check(b.set_remote_description("answer", "v=0\r\n") != OK, "connected: answer in the wrong state fails")
	t.check(a.set_local_description("answer", "v=0\r\ngarbage") != OK, "connected: garbage local SDP fails")
	t.eq(a.add_ice_candidate("0", 0, "candidate:garbage"), ERR_INVALID_PARAMETER, "connected: malformed candidate")
	t.eq(a.add_ice_candidate("0", 99999, "candidate:1 1 udp 1 127.0.0.1 9 typ host"), ERR_INVALID_PARAMETER,
		"connected: candidate index above 65535")
	t.eq(ca.put_packet(PoolByteArray()), OK, "connected: empty packet is OK")
	yield(still_works(ca, cb, [a, b], "after garbage, a to b"), "completed")
	yield(still_works(cb, ca, [a, b], "after garbage, b to a"), "completed")
	t.eq(a.get_connection_state(), WebRTCPeerConnection.STATE_CONNECTED, "connected: still STATE_CONNECTED")
	a.close()
	b.close()
	watched = []
	packet_to = null


# The library's scripts misused.
func misuse(info) -> void:
	var ns = NativeScript.new()
	ns.set_library(load("res://addons/meshrtc/meshrtc.gdnlib"))
	ns.set_class_name("MeshRTCPeerConnection")
	var wrong = Reference.new()
	var live: int = info.get_live_handles()
	wrong.set_script(ns)
	t.eq(info.get_live_handles(), live, "MeshRTCPeerConnection on a plain Reference: refused (no peer made)")
	var unscripted = WebRTCPeerConnection.new()
	var before: int = info.get_live_handles()
	unscripted.set_script(null)
	t.eq(info.get_live_handles(), before - 1, "set_script(null) releases the peer's handle")
	t.eq(unscripted.initialize(T.LOOPBACK), ERR_UNCONFIGURED, "without its script the peer reports ERR_UNCONFIGURED")


# Many objects created and dropped.
func many() -> void:
	for i in 50:
		var x = WebRTCPeerConnection.new()
		x.initialize(T.LOOPBACK)
		x.create_data_channel("x%d" % i, {"negotiated": true, "id": i})
		x.create_data_channel("y%d" % i)
	t.check(true, "50 peers with channels created and dropped")
