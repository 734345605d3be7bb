extends SceneTree
# Two WebRTCPeerConnections in one Godot 3 process, on meshrtc: offer,
# answer and candidates through the signals; negotiated and in-band
# channels; every getter of WebRTCDataChannel on both ends; text and binary
# packets; 200 reliable packets in order each way; an unreliable channel;
# close from either side; initialize() again and a new connection.

const T = preload("res://common/t.gd")
const Link = preload("res://common/link.gd")

var t
var a: WebRTCPeerConnection
var b: WebRTCPeerConnection
var link = Link.new()
var received = {}    # label -> WebRTCDataChannel (data_channel_received on b)
# What the wait conditions look at.
var ach = {}
var bch = {}
var watched = []     # channels for all_open
var packet_to: WebRTCDataChannel
var packet_count = 0
var closing: WebRTCDataChannel

const INBAND_COUNT = 2


func _initialize() -> void:
	Engine.target_fps = 250
	t = T.new("pair", self)
	run()


# Checks every WebRTCDataChannel getter against `want`.
func check_channel(ch: WebRTCDataChannel, label: String, want: Dictionary, who: String) -> void:
	t.eq(ch.get_class(), "WebRTCDataChannelGDNative", "%s is a WebRTCDataChannelGDNative" % who)
	t.eq(ch.get_script().get_class_name(), "MeshRTCDataChannel", "%s runs the MeshRTCDataChannel script" % who)
	t.eq(ch.get_label(), label, "%s get_label" % who)
	t.eq(ch.get_id(), want.get("id", 65535), "%s get_id" % who)
	t.eq(ch.is_ordered(), want.get("ordered", true), "%s is_ordered" % who)
	t.eq(ch.is_negotiated(), want.get("negotiated", false), "%s is_negotiated" % who)
	t.eq(ch.get_protocol(), want.get("protocol", ""), "%s get_protocol" % who)
	t.eq(ch.get_max_retransmits(), want.get("rt", 65535), "%s get_max_retransmits" % who)
	t.eq(ch.get_max_packet_life_time(), want.get("lt", 65535), "%s get_max_packet_life_time" % who)
	t.eq(ch.get_write_mode(), WebRTCDataChannel.WRITE_MODE_BINARY, "%s default write mode is binary" % who)
	t.eq(ch.write_mode, WebRTCDataChannel.WRITE_MODE_BINARY, "%s write_mode property" % who)
	t.eq(ch.get_available_packet_count(), 0, "%s get_available_packet_count" % who)
	# Godot 3.2 has no get_buffered_amount (3.4 added it), and
	# get_max_packet_size is not exposed to scripts: the limit it reports is
	# checked through put_packet below.


func all_open() -> bool:
	for ch in watched:
		if ch.get_ready_state() != WebRTCDataChannel.STATE_OPEN:
			return false
	return true


func everything_up() -> bool:
	return (a.get_connection_state() == WebRTCPeerConnection.STATE_CONNECTED
		and b.get_connection_state() == WebRTCPeerConnection.STATE_CONNECTED
		and received.size() == INBAND_COUNT and all_open())


func has_packets() -> bool:
	return packet_to.get_available_packet_count() >= packet_count


func is_closed() -> bool:
	return closing.get_ready_state() == WebRTCDataChannel.STATE_CLOSED


func a_left_connected() -> bool:
	return a.get_connection_state() != WebRTCPeerConnection.STATE_CONNECTED


func b_left_connected() -> bool:
	return b.get_connection_state() != WebRTCPeerConnection.STATE_CONNECTED and is_closed()


# Coroutine: waits until `to` holds at least `count` packets (polling both peers).
func wait_packets(to: WebRTCDataChannel, count: int, timeout_s: float = 10.0):
	packet_to = to
	packet_count = count
	return yield(t.wait_until(funcref(self, "has_packets"), timeout_s, [a, b]), "completed")


# Coroutine: sends `data` on `from` and completes with what arrives on `to`.
func transfer(from: WebRTCDataChannel, to: WebRTCDataChannel, data: PoolByteArray):
	var err = from.put_packet(data)
	if err != OK:
		t.check(false, "put_packet on %s (error %d)" % [from.get_label(), err])
		yield(self, "idle_frame")
		return PoolByteArray()
	if not yield(wait_packets(to, 1), "completed"):
		t.check(false, "packet arrives on %s" % to.get_label())
		return PoolByteArray()
	return to.get_packet()


# Coroutine: `n` one-packet messages from `from`, which must arrive in order.
func in_order(from: WebRTCDataChannel, to: WebRTCDataChannel, n: int, what: String):
	var sent_ok = true
	for i in n:
		var p = PoolByteArray([i % 256, i / 256])
		sent_ok = sent_ok and from.put_packet(p) == OK
	t.check(sent_ok, "%s: %d put_packet calls OK" % [what, n])
	var ok = yield(wait_packets(to, n), "completed")
	t.check(ok, "%s: %d packets queued (get_available_packet_count == %d)" % [what, n, to.get_available_packet_count()])
	var ordered = true
	for i in n:
		var p = to.get_packet()
		if p.size() != 2 or p[0] != i % 256 or p[1] != i / 256:
			ordered = false
	t.check(ordered, "%s: %d packets arrive in order" % [what, n])
	t.eq(to.get_available_packet_count(), 0, "%s: queue drained" % what)


func run() -> void:
	var info = load("res://addons/meshrtc/meshrtc.gdns").new()
	var version: String = info.get_version()
	t.check(version.split(".").size() == 3 and version.split(".")[0].is_valid_integer(), "MeshRTC.get_version() is x.y.z (%s)" % version)

	# --- the class behind WebRTCPeerConnection.new()
	a = WebRTCPeerConnection.new()
	b = WebRTCPeerConnection.new()
	t.eq(a.get_class(), "WebRTCPeerConnectionGDNative", "WebRTCPeerConnection.new() is the GDNative implementation")
	t.eq(a.get_script().get_class_name(), "MeshRTCPeerConnection", "... running the MeshRTCPeerConnection script")
	t.eq(a.get_connection_state(), WebRTCPeerConnection.STATE_NEW, "new: get_connection_state is STATE_NEW")
	t.eq(a.initialize(T.LOOPBACK), OK, "a.initialize(loopback)")
	t.eq(b.initialize(T.LOOPBACK), OK, "b.initialize(loopback)")
	link.wire(a, b)
	received = link.received["b"]

	# --- channels: [label, options, expected getters]; negotiated ones on both sides
	var negotiated = [
		["reliable", {"negotiated": true, "id": 1}, {"id": 1, "negotiated": true}],
		["rexmit", {"negotiated": true, "id": 2, "ordered": false, "maxRetransmits": 3, "protocol": "proto-x"},
			{"id": 2, "negotiated": true, "ordered": false, "rt": 3, "protocol": "proto-x"}],
		# Godot's own spelling (WebRTCMultiplayer writes maxPacketLifetime).
		["godot_lifetime", {"negotiated": true, "id": 3, "maxPacketLifetime": 250}, {"id": 3, "negotiated": true, "lt": 250}],
		# The documented W3C spelling.
		["w3c_lifetime", {"negotiated": true, "id": 4, "maxPacketLifeTime": 500, "ordered": false},
			{"id": 4, "negotiated": true, "lt": 500, "ordered": false}],
		# Floats where integers belong (Godot 3's JSON writes 5.0 as 5).
		["floats", {"negotiated": true, "id": 5.0, "maxRetransmits": 2.0}, {"id": 5, "negotiated": true, "rt": 2}],
	]
	var inband = [
		["inband", {"ordered": false, "maxRetransmits": 0, "protocol": "chat"}, {"ordered": false, "rt": 0, "protocol": "chat"}],
		["plain", {}, {}],
	]
	for spec in negotiated:
		ach[spec[0]] = a.create_data_channel(spec[0], spec[1])
		bch[spec[0]] = b.create_data_channel(spec[0], spec[1])
		if not (t.check(ach[spec[0]] != null, "a.create_data_channel(%s)" % spec[0])
				and t.check(bch[spec[0]] != null, "b.create_data_channel(%s)" % spec[0])):
			t.finish()
			return
		check_channel(ach[spec[0]], spec[0], spec[2], "a:" + spec[0])
		check_channel(bch[spec[0]], spec[0], spec[2], "b:" + spec[0])
		t.eq(ach[spec[0]].get_ready_state(), WebRTCDataChannel.STATE_CONNECTING, "a:%s starts CONNECTING" % spec[0])
	for spec in inband:
		ach[spec[0]] = a.create_data_channel(spec[0], spec[1])
		if not t.check(ach[spec[0]] != null, "a.create_data_channel(%s) in-band" % spec[0]):
			t.finish()
			return
		check_channel(ach[spec[0]], spec[0], spec[2], "a:" + spec[0] + " (id not yet assigned)")

	# Godot 3 builds get_label's String from the C string byte by byte: 3.2.3
	# turns each byte of a non-ASCII character into an invalid character,
	# which to_utf8() then drops (the README states this limit).
	var accented = a.create_data_channel("héllo", {"negotiated": true, "id": 20, "protocol": "wörld"})
	t.check(accented.get_label() != "héllo" and accented.get_label().to_utf8().get_string_from_utf8() == "hllo",
		"a non-ASCII label does not survive Godot 3's C string conversion ('héllo' -> 'hllo')")
	t.eq(accented.get_protocol().to_utf8().get_string_from_utf8(), "wrld", "... nor a non-ASCII protocol")

	# --- offer / answer / candidates through the signals
	t.eq(a.create_offer(), OK, "a.create_offer()")
	watched = ach.values() + bch.values()
	var ok = yield(t.wait_until(funcref(self, "everything_up"), 20.0, [a, b]), "completed")
	t.check(ok, "both peers CONNECTED, all channels OPEN, in-band channels received (20 s)")
	if not ok:
		print("states: a=%d b=%d received=%s" % [a.get_connection_state(), b.get_connection_state(), received.keys()])
		t.finish()
		return
	watched = received.values()
	ok = yield(t.wait_until(funcref(self, "all_open"), 10.0, [a, b]), "completed")
	t.check(ok, "received channels OPEN")
	t.eq(link.sdps, [["a", "offer"], ["b", "answer"]], "session_description_created: offer from a, answer from b")
	t.eq(link.failures(), [], "every set_*_description/add_ice_candidate from the handlers returned OK")
	t.check(link.candidates.size() >= 2, "ice_candidate_created fired (%d)" % link.candidates.size())
	t.eq(link.received["a"], {}, "no data_channel_received on the offerer")
	var loopback_only = true
	for c in link.candidates:
		var fields = c[3].split(" ")
		if not c[3].begins_with("candidate:") or fields.size() < 5 or fields[4] != "127.0.0.1" or typeof(c[2]) != TYPE_INT or c[1] == "":
			loopback_only = false
			print("unexpected candidate: ", c)
	t.check(loopback_only, "every candidate is 'candidate:...' on 127.0.0.1 with a media id and an int index")

	# --- received in-band channels and their getters
	for spec in inband:
		var rc: WebRTCDataChannel = received.get(spec[0])
		var want: Dictionary = spec[2].duplicate()
		want["id"] = ach[spec[0]].get_id()
		t.check(ach[spec[0]].get_id() != 65535, "a:%s id assigned once open (%d)" % [spec[0], ach[spec[0]].get_id()])
		check_channel(rc, spec[0], want, "b:%s (received)" % spec[0])

	# --- packets
	var ar: WebRTCDataChannel = ach["reliable"]
	var br: WebRTCDataChannel = bch["reliable"]
	t.eq(ar.get_ready_state(), WebRTCDataChannel.STATE_OPEN, "a:reliable get_ready_state OPEN")
	t.eq(ar.poll(), OK, "channel poll()")
	var got = yield(transfer(ar, br, PoolByteArray([0, 1, 2, 255])), "completed")
	t.eq(got, PoolByteArray([0, 1, 2, 255]), "binary packet a->b")
	t.eq(br.was_string_packet(), false, "was_string_packet false for binary")
	ar.write_mode = WebRTCDataChannel.WRITE_MODE_TEXT
	t.eq(ar.get_write_mode(), WebRTCDataChannel.WRITE_MODE_TEXT, "write_mode = TEXT")
	got = yield(transfer(ar, br, "héllo wörld".to_utf8()), "completed")
	t.eq(got.get_string_from_utf8(), "héllo wörld", "text packet a->b")
	t.eq(br.was_string_packet(), true, "was_string_packet true for text")
	got = yield(transfer(ar, br, PoolByteArray([97, 0, 98])), "completed")
	t.eq(got, PoolByteArray([97, 0, 98]), "text packet keeps NUL bytes (webrtc-native truncates)")
	ar.set_write_mode(WebRTCDataChannel.WRITE_MODE_BINARY)
	t.eq(ar.get_write_mode(), WebRTCDataChannel.WRITE_MODE_BINARY, "set_write_mode(BINARY)")
	t.eq(ar.put_var({"k": [1, 2.5, "s"]}), OK, "put_var")
	ok = yield(wait_packets(br, 1), "completed")
	t.eq(br.get_var(), {"k": [1, 2.5, "s"]}, "get_var after put_var")
	# Godot's PacketPeer.put_packet() returns OK for an empty buffer without
	# calling the library: nothing is sent.
	t.eq(ar.put_packet(PoolByteArray()), OK, "put_packet(empty) is OK (Godot sends nothing)")
	var big = PoolByteArray()
	big.resize(200000)
	for i in range(0, big.size(), 997):
		big[i] = i % 251
	got = yield(transfer(ar, br, big), "completed")
	t.eq(got.size(), big.size(), "200000-byte packet size")
	t.check(got == big, "200000-byte packet content")
	big.resize(262144)
	got = yield(transfer(ar, br, big), "completed")
	t.eq(got.size(), 262144, "a packet of exactly the default maximum (262144) passes")
	big.resize(262145)
	t.eq(ar.put_packet(big), ERR_INVALID_PARAMETER, "put_packet above the default maximum fails")
	# 200 reliable packets in order, each way.
	yield(in_order(ar, br, 200, "reliable a->b"), "completed")
	yield(in_order(br, ar, 200, "reliable b->a"), "completed")
	# The other channels carry data too.
	for label in ["rexmit", "godot_lifetime", "w3c_lifetime", "floats"]:
		got = yield(transfer(ach[label], bch[label], ("on " + label).to_utf8()), "completed")
		t.eq(got.get_string_from_utf8(), "on " + label, "packet on %s" % label)
	# The unreliable channel (unordered, no retransmissions): loopback loses
	# nothing, but order is not promised, so only the set is checked.
	var un_a: WebRTCDataChannel = ach["inband"]
	var un_b: WebRTCDataChannel = received["inband"]
	for i in 50:
		un_a.put_packet(PoolByteArray([i]))
	ok = yield(wait_packets(un_b, 50), "completed")
	var seen = {}
	while un_b.get_available_packet_count() > 0:
		var p = un_b.get_packet()
		seen[p[0]] = true
	t.check(ok and seen.size() == 50, "unreliable channel: 50 distinct packets arrived (%d)" % seen.size())
	got = yield(transfer(un_b, un_a, "back".to_utf8()), "completed")
	t.eq(got.get_string_from_utf8(), "back", "packet b->a on the received in-band channel")
	got = yield(transfer(ach["plain"], received["plain"], "plain".to_utf8()), "completed")
	t.eq(got.get_string_from_utf8(), "plain", "packet a->b on the default in-band channel")

	# --- close a channel from one side
	ach["plain"].close()
	t.check(ach["plain"].get_ready_state() >= WebRTCDataChannel.STATE_CLOSING, "close(): local channel CLOSING/CLOSED")
	closing = received["plain"]
	ok = yield(t.wait_until(funcref(self, "is_closed"), 10.0, [a, b]), "completed")
	t.check(ok, "remote channel CLOSED after close() on the other side")
	t.eq(br.get_ready_state(), WebRTCDataChannel.STATE_OPEN, "other channels stay OPEN")
	received["inband"].close()
	closing = un_a
	ok = yield(t.wait_until(funcref(self, "is_closed"), 10.0, [a, b]), "completed")
	t.check(ok, "channel close() from b's side: a's end CLOSED")

	# --- close the connection from b; a notices
	b.close()
	t.eq(b.get_connection_state(), WebRTCPeerConnection.STATE_CLOSED, "b.close(): STATE_CLOSED")
	t.eq(br.get_ready_state(), WebRTCDataChannel.STATE_CLOSED, "b's channels CLOSED with it")
	b.close()
	t.eq(b.poll(), OK, "close() twice, then poll(): OK")
	closing = ar
	ok = yield(t.wait_until(funcref(self, "is_closed"), 15.0, [a, b]), "completed")
	t.check(ok, "a's channels CLOSED after b closed")
	ok = yield(t.wait_until(funcref(self, "a_left_connected"), 30.0, [a, b]), "completed")
	t.check(ok, "a leaves STATE_CONNECTED after b closed (state %d)" % a.get_connection_state())
	a.close()
	t.eq(a.get_connection_state(), WebRTCPeerConnection.STATE_CLOSED, "a.close(): STATE_CLOSED")

	# --- initialize() again: back to STATE_NEW, a new connection works
	t.eq(a.initialize(T.loopback_with({"maxMessageSize": 65536})), OK, "a.initialize() again (maxMessageSize 65536)")
	t.eq(b.initialize(T.LOOPBACK), OK, "b.initialize() again")
	t.eq(a.get_connection_state(), WebRTCPeerConnection.STATE_NEW, "re-initialized: STATE_NEW")
	t.eq(ar.get_ready_state(), WebRTCDataChannel.STATE_CLOSED, "the old channel stays CLOSED")
	link.clear()
	var a2 = a.create_data_channel("again", {"negotiated": true, "id": 7})
	var b2 = b.create_data_channel("again", {"negotiated": true, "id": 7})
	t.check(a2 != null and b2 != null, "create_data_channel after re-initialize")
	t.eq(b.create_offer(), OK, "b.create_offer() on the new connection")
	watched = [a2, b2]
	ok = yield(t.wait_until(funcref(self, "all_open"), 20.0, [a, b]), "completed")
	t.check(ok, "re-initialized pair connects (b offered this time)")
	t.eq(link.sdps, [["b", "offer"], ["a", "answer"]], "offer from b, answer from a")
	t.eq(link.failures(), [], "handler calls on the new connection returned OK")
	got = yield(transfer(a2, b2, "again".to_utf8()), "completed")
	t.eq(got.get_string_from_utf8(), "again", "packet on the re-initialized connection")
	var limit = PoolByteArray()
	limit.resize(65536)
	got = yield(transfer(a2, b2, limit), "completed")
	t.eq(got.size(), 65536, "a packet of exactly maxMessageSize (65536) passes")
	limit.resize(65537)
	t.eq(a2.put_packet(limit), ERR_INVALID_PARAMETER, "put_packet above the re-initialized maxMessageSize fails")
	# This time the offerer closes: b notices.
	a.close()
	closing = b2
	ok = yield(t.wait_until(funcref(self, "b_left_connected"), 30.0, [a, b]), "completed")
	t.check(ok, "a.close(): b's channel CLOSED and b leaves STATE_CONNECTED (state %d)" % b.get_connection_state())
	b.close()
	t.finish()
