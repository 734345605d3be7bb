extends SceneTree
## Two WebRTCPeerConnections in one Godot process, on meshrtc: offer, answer
## and candidates through the signals; negotiated and in-band channels; text
## and binary packets; every getter of both classes against the options
## given; close from either side; initialize() again.

const T = preload("res://common/t.gd")

var t: T
# Signal traffic, filled by the handlers below.
var sdps := []        # [tag, type]
var candidates := []  # [tag, media, index, name]
var results := []     # [what, Error] of calls made from handlers
var received := {}    # label -> WebRTCDataChannel (data_channel_received on b)


func _initialize() -> void:
	Engine.max_fps = 250
	t = T.new("pair")
	run()


func _on_sdp(type: String, sdp: String, from: WebRTCPeerConnection, to: WebRTCPeerConnection, tag: String) -> void:
	sdps.append([tag, type])
	results.append(["%s set_local_description(%s)" % [tag, type], from.set_local_description(type, sdp)])
	results.append(["%s set_remote_description(%s)" % [tag, type], to.set_remote_description(type, sdp)])


func _on_candidate(media: String, index: int, cand: String, to: WebRTCPeerConnection, tag: String) -> void:
	candidates.append([tag, media, index, cand])
	results.append(["%s add_ice_candidate" % tag, to.add_ice_candidate(media, index, cand)])


func _on_channel(channel: WebRTCDataChannel) -> void:
	received[channel.get_label()] = channel


func wire(a: WebRTCPeerConnection, b: WebRTCPeerConnection) -> void:
	a.session_description_created.connect(_on_sdp.bind(a, b, "a"))
	b.session_description_created.connect(_on_sdp.bind(b, a, "b"))
	a.ice_candidate_created.connect(_on_candidate.bind(b, "a"))
	b.ice_candidate_created.connect(_on_candidate.bind(a, "b"))
	b.data_channel_received.connect(_on_channel)


## Checks every WebRTCDataChannel getter against `want`.
func check_channel(ch: WebRTCDataChannel, label: String, want: Dictionary, who: String) -> void:
	t.eq(ch.get_class(), "MeshRTCDataChannel", "%s is a MeshRTCDataChannel" % who)
	t.eq(ch.get_label(), label, "%s get_label" % who)
	t.eq(ch.get_id(), want.get("id", 65535), "%s get_id" % who)
	t.eq(ch.is_ordered(), want.get("ordered", true), "%s is_ordered" % who)
	t.eq(ch.is_negotiated(), want.get("negotiated", false), "%s is_negotiated" % who)
	t.eq(ch.get_protocol(), want.get("protocol", ""), "%s get_protocol" % who)
	t.eq(ch.get_max_retransmits(), want.get("rt", 65535), "%s get_max_retransmits" % who)
	t.eq(ch.get_max_packet_life_time(), want.get("lt", 65535), "%s get_max_packet_life_time" % who)
	t.eq(ch.get_write_mode(), WebRTCDataChannel.WRITE_MODE_BINARY, "%s default write mode is binary" % who)
	t.eq(ch.get_available_packet_count(), 0, "%s get_available_packet_count" % who)
	if want.get("fresh", true):
		t.eq(ch.get_buffered_amount(), 0, "%s get_buffered_amount" % who)
	else:
		t.check(ch.get_buffered_amount() >= 0, "%s get_buffered_amount >= 0" % who)
	# PacketPeer.get_max_packet_size() is not exposed to scripts in Godot 4;
	# the limit it reports is checked through put_packet below.


## Sends `data` on `from` and waits for it on `to`; returns what arrived.
func transfer(from: WebRTCDataChannel, to: WebRTCDataChannel, data: PackedByteArray, peers: Array) -> PackedByteArray:
	if from.put_packet(data) != OK:
		t.check(false, "put_packet on %s" % from.get_label())
		return PackedByteArray()
	if not await T.wait_until(self, func(): return to.get_available_packet_count() > 0, 10.0, peers):
		t.check(false, "packet arrives on %s" % to.get_label())
		return PackedByteArray()
	return to.get_packet()


func all_open(channels: Array) -> bool:
	for ch in channels:
		if ch.get_ready_state() != WebRTCDataChannel.STATE_OPEN:
			return false
	return true


func run() -> void:
	# --- the class behind WebRTCPeerConnection.new()
	var a := WebRTCPeerConnection.new()
	var b := WebRTCPeerConnection.new()
	t.eq(a.get_class(), "MeshRTCPeerConnection", "WebRTCPeerConnection.new() is a MeshRTCPeerConnection")
	t.check(a is WebRTCPeerConnectionExtension, "MeshRTCPeerConnection extends WebRTCPeerConnectionExtension")
	t.eq(a.get_connection_state(), WebRTCPeerConnection.STATE_NEW, "new: get_connection_state is STATE_NEW")
	t.eq(a.get_gathering_state(), WebRTCPeerConnection.GATHERING_STATE_NEW, "new: get_gathering_state is NEW")
	t.eq(a.get_signaling_state(), WebRTCPeerConnection.SIGNALING_STATE_STABLE, "new: get_signaling_state is STABLE")
	t.eq(a.initialize(T.LOOPBACK), OK, "a.initialize(loopback)")
	t.eq(b.initialize(T.LOOPBACK), OK, "b.initialize(loopback)")
	wire(a, b)

	# --- channels: [label, options, expected getters]; negotiated ones on both sides
	var negotiated := [
		["reliable", {"negotiated": true, "id": 1}, {"id": 1, "negotiated": true}],
		["rexmit", {"negotiated": true, "id": 2, "ordered": false, "maxRetransmits": 3, "protocol": "proto-x"},
			{"id": 2, "negotiated": true, "ordered": false, "rt": 3, "protocol": "proto-x"}],
		# Godot's own spelling (WebRTCMultiplayerPeer writes maxPacketLifetime).
		["godot_lifetime", {"negotiated": true, "id": 3, "maxPacketLifetime": 250}, {"id": 3, "negotiated": true, "lt": 250}],
		# The documented W3C spelling.
		["w3c_lifetime", {"negotiated": true, "id": 4, "maxPacketLifeTime": 500, "ordered": false},
			{"id": 4, "negotiated": true, "lt": 500, "ordered": false}],
		# Whole floats where numbers are expected (JSON.stringify writes 5.0).
		["floats", {"negotiated": true, "id": 5.0, "maxRetransmits": 2.0}, {"id": 5, "negotiated": true, "rt": 2}],
	]
	var inband := [
		["inband", {"ordered": false, "maxRetransmits": 0, "protocol": "chat"}, {"ordered": false, "rt": 0, "protocol": "chat"}],
		["plain", {}, {}],
	]
	var ach := {}
	var bch := {}
	for spec in negotiated:
		ach[spec[0]] = a.create_data_channel(spec[0], spec[1])
		bch[spec[0]] = b.create_data_channel(spec[0], spec[1])
		if not (t.check(ach[spec[0]] != null, "a.create_data_channel(%s)" % spec[0])
				and t.check(bch[spec[0]] != null, "b.create_data_channel(%s)" % spec[0])):
			t.finish(self)
			return
		check_channel(ach[spec[0]], spec[0], spec[2], "a:" + spec[0])
		check_channel(bch[spec[0]], spec[0], spec[2], "b:" + spec[0])
		t.eq(ach[spec[0]].get_ready_state(), WebRTCDataChannel.STATE_CONNECTING, "a:%s starts CONNECTING" % spec[0])
	for spec in inband:
		ach[spec[0]] = a.create_data_channel(spec[0], spec[1])
		if not t.check(ach[spec[0]] != null, "a.create_data_channel(%s) in-band" % spec[0]):
			t.finish(self)
			return
		check_channel(ach[spec[0]], spec[0], spec[2], "a:" + spec[0] + " (id not yet assigned)")

	# --- offer / answer / candidates through the signals
	t.eq(a.create_offer(), OK, "a.create_offer()")
	var everything := func() -> bool:
		return (a.get_connection_state() == WebRTCPeerConnection.STATE_CONNECTED
			and b.get_connection_state() == WebRTCPeerConnection.STATE_CONNECTED
			and all_open(ach.values()) and all_open(bch.values())
			and received.size() == inband.size() and all_open(received.values()))
	var ok: bool = await T.wait_until(self, everything, 20.0, [a, b])
	t.check(ok, "both peers CONNECTED, all channels OPEN, in-band channels received (20 s)")
	if not ok:
		print("states: a=%d b=%d received=%s" % [a.get_connection_state(), b.get_connection_state(), received.keys()])
		t.finish(self)
		return
	t.eq(sdps, [["a", "offer"], ["b", "answer"]], "session_description_created: offer from a, answer from b")
	var bad_results := results.filter(func(r): return r[1] != OK)
	t.eq(bad_results, [], "every set_*_description/add_ice_candidate from the handlers returned OK")
	t.check(candidates.size() >= 2, "ice_candidate_created fired on both sides (%d)" % candidates.size())
	var loopback_only := true
	for c in candidates:
		var fields: PackedStringArray = c[3].split(" ")
		if not c[3].begins_with("candidate:") or fields.size() < 5 or fields[4] != "127.0.0.1" or typeof(c[2]) != TYPE_INT or c[1] == "":
			loopback_only = false
			print("unexpected candidate: ", c)
	t.check(loopback_only, "every candidate is 'candidate:...' on 127.0.0.1 with a media id and an int index")
	t.eq(a.get_signaling_state(), WebRTCPeerConnection.SIGNALING_STATE_STABLE, "a signaling STABLE after answer")
	t.eq(b.get_signaling_state(), WebRTCPeerConnection.SIGNALING_STATE_STABLE, "b signaling STABLE after answer")
	ok = await T.wait_until(self, func(): return a.get_gathering_state() == WebRTCPeerConnection.GATHERING_STATE_COMPLETE and b.get_gathering_state() == WebRTCPeerConnection.GATHERING_STATE_COMPLETE, 10.0, [a, b])
	t.check(ok, "gathering state COMPLETE on both")

	# --- received in-band channels and their getters
	for spec in inband:
		var rc: WebRTCDataChannel = received.get(spec[0])
		var want: Dictionary = spec[2].duplicate()
		want["id"] = ach[spec[0]].get_id()
		want["fresh"] = false  # the DCEP acknowledgement may still be buffered
		t.check(ach[spec[0]].get_id() != 65535, "a:%s id assigned once open (%d)" % [spec[0], ach[spec[0]].get_id()])
		check_channel(rc, spec[0], want, "b:%s (received)" % spec[0])

	# --- packets
	var peers := [a, b]
	var ar: WebRTCDataChannel = ach["reliable"]
	var br: WebRTCDataChannel = bch["reliable"]
	t.eq(ar.get_ready_state(), WebRTCDataChannel.STATE_OPEN, "a:reliable get_ready_state OPEN")
	t.eq(ar.poll(), OK, "channel poll()")
	var got := await transfer(ar, br, PackedByteArray([0, 1, 2, 255]), peers)
	t.eq(got, PackedByteArray([0, 1, 2, 255]), "binary packet a->b")
	t.eq(br.was_string_packet(), false, "was_string_packet false for binary")
	ar.write_mode = WebRTCDataChannel.WRITE_MODE_TEXT
	t.eq(ar.get_write_mode(), WebRTCDataChannel.WRITE_MODE_TEXT, "set_write_mode(TEXT)")
	got = await transfer(ar, br, "héllo wörld".to_utf8_buffer(), peers)
	t.eq(got.get_string_from_utf8(), "héllo wörld", "text packet a->b")
	t.eq(br.was_string_packet(), true, "was_string_packet true for text")
	got = await transfer(ar, br, PackedByteArray([97, 0, 98]), peers)
	t.eq(got, PackedByteArray([97, 0, 98]), "text packet keeps NUL bytes (webrtc-native truncates)")
	ar.set_write_mode(WebRTCDataChannel.WRITE_MODE_BINARY)
	t.eq(ar.put_var({"k": [1, 2.5, "s"]}), OK, "put_var")
	ok = await T.wait_until(self, func(): return br.get_available_packet_count() > 0, 10.0, peers)
	t.eq(br.get_var(), {"k": [1, 2.5, "s"]}, "get_var after put_var")
	# Godot's PacketPeer.put_packet() returns OK for an empty buffer without
	# calling the extension: nothing is sent.
	t.eq(ar.put_packet(PackedByteArray()), OK, "put_packet(empty) is OK (Godot sends nothing)")
	var big := PackedByteArray()
	big.resize(200000)
	for i in range(0, big.size(), 997):
		big[i] = i % 251
	got = await transfer(ar, br, big, peers)
	t.eq(got.size(), big.size(), "200000-byte packet size")
	t.check(got == big, "200000-byte packet content")
	big.resize(262144)
	got = await transfer(ar, br, big, peers)
	t.eq(got.size(), 262144, "a packet of exactly the default maximum (262144) passes")
	big.resize(262145)
	t.eq(ar.put_packet(big), ERR_INVALID_PARAMETER, "put_packet above the default maximum fails")
	# Order on a reliable ordered channel, both directions.
	for i in 100:
		br.put_packet(PackedByteArray([i]))
	ok = await T.wait_until(self, func(): return ar.get_available_packet_count() == 100, 10.0, peers)
	t.check(ok, "100 packets b->a queued (get_available_packet_count == 100)")
	var in_order := true
	for i in 100:
		var p := ar.get_packet()
		if p.size() != 1 or p[0] != i:
			in_order = false
	t.check(in_order, "100 packets arrive in order")
	t.eq(ar.get_available_packet_count(), 0, "queue drained")
	t.check(ar.get_buffered_amount() >= 0, "get_buffered_amount is a count")
	# The other channels carry data too.
	for label in ["rexmit", "godot_lifetime", "w3c_lifetime", "floats"]:
		got = await transfer(ach[label], bch[label], ("on " + label).to_utf8_buffer(), peers)
		t.eq(got.get_string_from_utf8(), "on " + label, "packet on %s" % label)
	got = await transfer(received["inband"], ach["inband"], "back".to_utf8_buffer(), peers)
	t.eq(got.get_string_from_utf8(), "back", "packet b->a on the received in-band channel")
	got = await transfer(ach["plain"], received["plain"], "plain".to_utf8_buffer(), peers)
	t.eq(got.get_string_from_utf8(), "plain", "packet a->b on the default in-band channel")

	# --- close a channel from one side
	ach["plain"].close()
	t.check(ach["plain"].get_ready_state() >= WebRTCDataChannel.STATE_CLOSING, "close(): local channel CLOSING/CLOSED")
	ok = await T.wait_until(self, func(): return received["plain"].get_ready_state() == WebRTCDataChannel.STATE_CLOSED, 10.0, peers)
	t.check(ok, "remote channel CLOSED after close() on the other side")
	t.eq(bch["reliable"].get_ready_state(), WebRTCDataChannel.STATE_OPEN, "other channels stay OPEN")
	received["inband"].close()
	ok = await T.wait_until(self, func(): return ach["inband"].get_ready_state() == WebRTCDataChannel.STATE_CLOSED, 10.0, peers)
	t.check(ok, "channel close() from b's side: a's end CLOSED")

	# --- close the connection from b; a notices
	b.close()
	t.eq(b.get_connection_state(), WebRTCPeerConnection.STATE_CLOSED, "b.close(): STATE_CLOSED")
	t.eq(b.get_signaling_state(), WebRTCPeerConnection.SIGNALING_STATE_CLOSED, "b.close(): signaling CLOSED")
	t.eq(bch["reliable"].get_ready_state(), WebRTCDataChannel.STATE_CLOSED, "b's channels CLOSED with it")
	b.close()
	t.eq(b.poll(), OK, "close() twice, then poll(): OK")
	ok = await T.wait_until(self, func(): return ar.get_ready_state() == WebRTCDataChannel.STATE_CLOSED, 15.0, peers)
	t.check(ok, "a's channels CLOSED after b closed")
	var t0 := Time.get_ticks_msec()
	ok = await T.wait_until(self, func(): return a.get_connection_state() != WebRTCPeerConnection.STATE_CONNECTED, 30.0, peers)
	t.check(ok, "a leaves STATE_CONNECTED after b closed (state %d after %d ms)" % [a.get_connection_state(), Time.get_ticks_msec() - t0])
	a.close()
	t.eq(a.get_connection_state(), WebRTCPeerConnection.STATE_CLOSED, "a.close(): STATE_CLOSED")

	# --- initialize() again: back to STATE_NEW, a new connection works
	t.eq(a.initialize(T.loopback_with({"maxMessageSize": 65536})), OK, "a.initialize() again (maxMessageSize 65536)")
	t.eq(b.initialize(T.LOOPBACK), OK, "b.initialize() again")
	t.eq(a.get_connection_state(), WebRTCPeerConnection.STATE_NEW, "re-initialized: STATE_NEW")
	t.eq(a.get_signaling_state(), WebRTCPeerConnection.SIGNALING_STATE_STABLE, "re-initialized: signaling STABLE")
	t.eq(a.get_gathering_state(), WebRTCPeerConnection.GATHERING_STATE_NEW, "re-initialized: gathering NEW")
	t.eq(ar.get_ready_state(), WebRTCDataChannel.STATE_CLOSED, "the old channel stays CLOSED")
	sdps.clear()
	results.clear()
	var a2 := a.create_data_channel("again", {"negotiated": true, "id": 7})
	var b2 := b.create_data_channel("again", {"negotiated": true, "id": 7})
	t.check(a2 != null and b2 != null, "create_data_channel after re-initialize")
	t.eq(b.create_offer(), OK, "b.create_offer() on the new connection")
	ok = await T.wait_until(self, func(): return all_open([a2, b2]), 20.0, peers)
	t.check(ok, "re-initialized pair connects (b offered this time)")
	t.eq(sdps, [["b", "offer"], ["a", "answer"]], "offer from b, answer from a")
	got = await transfer(a2, b2, "again".to_utf8_buffer(), peers)
	t.eq(got.get_string_from_utf8(), "again", "packet on the re-initialized connection")
	var limit := PackedByteArray()
	limit.resize(65536)
	got = await transfer(a2, b2, limit, peers)
	t.eq(got.size(), 65536, "a packet of exactly maxMessageSize (65536) passes")
	limit.resize(65537)
	t.eq(a2.put_packet(limit), ERR_INVALID_PARAMETER, "put_packet above the re-initialized maxMessageSize fails")
	# This time the offerer closes: b notices.
	a.close()
	ok = await T.wait_until(self, func(): return b2.get_ready_state() == WebRTCDataChannel.STATE_CLOSED and b.get_connection_state() != WebRTCPeerConnection.STATE_CONNECTED, 30.0, peers)
	t.check(ok, "a.close(): b's channel CLOSED and b leaves STATE_CONNECTED (state %d)" % b.get_connection_state())
	b.close()
	t.finish(self)
