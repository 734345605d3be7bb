extends SceneTree
## Bad input from GDScript - wrong option types, bad SDP and candidates,
## calls in wrong states - returns Godot errors and prints the meshrtc
## message; nothing crashes. run.sh checks stderr against
## expected_stderr.txt.

const T = preload("res://common/t.gd")

var t: T


func _initialize() -> void:
	t = T.new("bad_input")
	run()


func null_channel(p: WebRTCPeerConnection, options: Dictionary, what: String) -> void:
	t.check(p.create_data_channel("bad", options) == null, "create_data_channel(%s) -> null" % what)


func run() -> void:
	var p := WebRTCPeerConnection.new()

	# --- configuration dictionaries
	var bad_configs := [
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
	]
	for c in bad_configs:
		t.eq(p.initialize(c[0]), ERR_INVALID_PARAMETER, "initialize: %s" % c[1])
	t.eq(p.get_connection_state(), WebRTCPeerConnection.STATE_NEW, "a failed initialize leaves the peer usable (STATE_NEW)")
	t.check(p.create_data_channel("still", {"negotiated": true, "id": 1}) != null, "create_data_channel after failed initialize")
	# What webrtc-native accepts keeps working: unknown W3C keys only warn.
	t.eq(p.initialize(T.LOOPBACK.merged({"bundlePolicy": "max-bundle"})), OK, "unknown top-level key: OK with a warning")
	var servers := {"iceServers": [{"urls": ["stun:127.0.0.1:3478"]},
		{"urls": "turn:127.0.0.1:3479", "username": "user", "credential": "secret"}]}
	t.eq(p.initialize(T.LOOPBACK.merged(servers)), OK, "iceServers with urls array and string, username, credential")
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
	var odd := p.create_data_channel("odd", {"unknownOption": 1})
	t.check(odd != null, "unknown channel option: created, with a warning")

	# --- descriptions and candidates
	var q := WebRTCPeerConnection.new()
	t.eq(q.initialize(T.LOOPBACK), OK, "q.initialize(loopback)")
	t.eq(q.create_offer(), ERR_UNCONFIGURED, "create_offer without a channel")
	t.eq(q.set_remote_description("offer", "this is not SDP"), ERR_INVALID_DATA, "set_remote_description with garbage SDP")
	t.check(q.set_remote_description("offer", "") != OK, "set_remote_description with empty SDP fails")
	t.eq(q.set_local_description("bogus", "v=0"), ERR_INVALID_PARAMETER, "set_local_description with an unknown type")
	t.check(q.set_remote_description("answer", "v=0\r\n") != OK, "set_remote_description(answer) in the wrong state fails")
	var huge := "x".repeat(4 * 1024 * 1024)
	t.check(q.set_remote_description("offer", huge) != OK, "4 MiB of garbage SDP")
	t.eq(q.add_ice_candidate("0", 0, "candidate:garbage"), ERR_INVALID_PARAMETER, "malformed candidate")
	t.eq(q.add_ice_candidate("0", -1, "candidate:1 1 udp 1 127.0.0.1 9 typ host"), ERR_INVALID_PARAMETER, "negative candidate index")
	t.eq(q.add_ice_candidate("0", 70000, "candidate:1 1 udp 1 127.0.0.1 9 typ host"), ERR_INVALID_PARAMETER, "candidate index above 65535")

	# --- channel calls in the wrong state
	var ch := q.create_data_channel("c", {"negotiated": true, "id": 1})
	t.check(ch != null, "q.create_data_channel")
	t.eq(ch.get_ready_state(), WebRTCDataChannel.STATE_CONNECTING, "channel CONNECTING")
	t.eq(ch.put_packet(PackedByteArray([1])), ERR_UNAVAILABLE, "put_packet while connecting")
	t.eq(ch.get_packet(), PackedByteArray(), "get_packet on an empty channel")
	t.eq(ch.get_packet_error(), ERR_UNAVAILABLE, "get_packet error ERR_UNAVAILABLE")
	ch.call("set_write_mode", 7)
	t.eq(ch.get_write_mode(), WebRTCDataChannel.WRITE_MODE_BINARY, "set_write_mode(7) rejected")
	t.eq(q.create_offer(), OK, "create_offer")
	await process_frame
	q.poll()
	q.close()
	t.eq(q.get_connection_state(), WebRTCPeerConnection.STATE_CLOSED, "closed")
	t.check(q.create_data_channel("late") == null, "create_data_channel after close")
	t.check(q.create_offer() != OK, "create_offer after close fails")
	t.check(q.set_local_description("offer", "v=0\r\n") != OK, "set_local_description after close fails")
	t.eq(ch.get_ready_state(), WebRTCDataChannel.STATE_CLOSED, "channel CLOSED with its peer")
	t.eq(ch.put_packet(PackedByteArray([1])), FAILED, "put_packet on a closed channel")
	ch.close()
	t.eq(ch.poll(), OK, "channel close() and poll() after close")

	# --- a channel outliving its peer
	var r := WebRTCPeerConnection.new()
	r.initialize(T.LOOPBACK)
	var kept := r.create_data_channel("kept", {"negotiated": true, "id": 9, "protocol": "p"})
	r = null
	t.eq(kept.get_ready_state(), WebRTCDataChannel.STATE_CLOSED, "a freed peer's channel is CLOSED")
	t.eq(kept.get_label(), "kept", "... and keeps its label")
	t.eq(kept.get_protocol(), "p", "... and protocol")

	# --- the channel class cannot be made from scripts
	t.check(not ClassDB.can_instantiate("MeshRTCDataChannel"), "MeshRTCDataChannel is not instantiable")
	t.check(ClassDB.instantiate("MeshRTCDataChannel") == null, "ClassDB.instantiate(MeshRTCDataChannel) -> null")
	t.check(ClassDB.is_parent_class("MeshRTCDataChannel", "WebRTCDataChannelExtension"), "MeshRTCDataChannel extends WebRTCDataChannelExtension")

	# --- many objects created and dropped (leaks show at shutdown)
	for i in 50:
		var x := WebRTCPeerConnection.new()
		x.initialize(T.LOOPBACK)
		x.create_data_channel("x%d" % i, {"negotiated": true, "id": i})
		x.create_data_channel("y%d" % i)
	t.check(true, "50 peers with channels created and dropped")
	t.finish(self)
