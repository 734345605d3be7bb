extends SceneTree
## One process of a WebRTCMultiplayerPeer test, with Godot's own
## WebRTCMultiplayerPeer and SceneMultiplayer on meshrtc peer connections,
## signaling through tests/godot/signaling.py.
## User args: --mode=mesh|server|client --id=N --peers=1,2,3 --port=P --leaver=ID
##   [--leave=exit|kill --ready-file=PATH]: with kill, the leaver writes
##   PATH and waits for run.sh to kill -9 it instead of exiting.
## Steps: connect (peer_connected for everyone), RPCs of every transfer mode
## and channel to everyone (clients reach each other through the server's
## relay) ending with a reliable "done" barrier, then the leaver exits and
## the others wait for peer_disconnected(leaver).

const T = preload("res://common/t.gd")
const Signaling = preload("res://common/signaling.gd")
const Game = preload("res://game.gd")

const CHANNELS := [MultiplayerPeer.TRANSFER_MODE_RELIABLE, MultiplayerPeer.TRANSFER_MODE_UNRELIABLE_ORDERED]
const KINDS := ["reliable", "unreliable", "unreliable_ordered", "channel1", "channel2", "broadcast"]

var t: T
var mode := ""
var my_id := 0
var all_ids := []
var port := 0
var leaver := 0
var leave := "exit"
var ready_file := ""
var rtc := WebRTCMultiplayerPeer.new()
var api := SceneMultiplayer.new()
var sig := Signaling.new()
var pcs := {}  # remote id -> WebRTCPeerConnection
var connected := []
var disconnected := []
var game: Node
var handler_errors := []


func _initialize() -> void:
	Engine.max_fps = 200
	for arg in OS.get_cmdline_user_args():
		var kv: PackedStringArray = arg.trim_prefix("--").split("=", true, 1)
		match kv[0]:
			"mode": mode = kv[1]
			"id": my_id = int(kv[1])
			"peers": all_ids = Array(kv[1].split(",")).map(func(s): return int(s))
			"port": port = int(kv[1])
			"leaver": leaver = int(kv[1])
			"leave": leave = kv[1]
			"ready-file": ready_file = kv[1]
	t = T.new("%s-%d" % [mode, my_id])
	run()


## The peers this process has a WebRTC connection with.
func links() -> Array:
	if mode == "client":
		return [1]
	return all_ids.filter(func(id): return id != my_id)


## The peers SceneMultiplayer reports (clients learn of each other via the server).
func expected() -> Array:
	return all_ids.filter(func(id): return id != my_id)


func offers_to(other: int) -> bool:
	return mode == "server" or (mode == "mesh" and my_id < other)


func _on_sdp(type: String, sdp: String, pc: WebRTCPeerConnection, other: int) -> void:
	var err := pc.set_local_description(type, sdp)
	if err != OK:
		handler_errors.append(["set_local_description", other, err])
	sig.send(other, {"k": "sdp", "type": type, "sdp": sdp})


func _on_candidate(media: String, index: int, cand: String, other: int) -> void:
	sig.send(other, {"k": "ice", "media": media, "index": index, "name": cand})


func handle_signaling() -> void:
	for m in sig.receive():
		var pc: WebRTCPeerConnection = pcs.get(m[0])
		var msg: Dictionary = m[1]
		if pc == null:
			handler_errors.append(["message from unknown peer", m[0]])
			continue
		var err := OK
		if msg.k == "sdp":
			err = pc.set_remote_description(msg.type, msg.sdp)
		elif msg.k == "ice":
			err = pc.add_ice_candidate(msg.media, int(msg.index), msg.name)
		if err != OK:
			handler_errors.append([msg.k, m[0], err])


## Waits (handling signaling; SceneMultiplayer polls the peer every frame).
func wait_for(cond: Callable, timeout_s: float) -> bool:
	var deadline := Time.get_ticks_msec() + int(timeout_s * 1000.0)
	while Time.get_ticks_msec() < deadline:
		handle_signaling()
		if cond.call():
			return true
		await process_frame
	return cond.call()


func add_link(other: int) -> void:
	var pc := WebRTCPeerConnection.new()
	t.eq(pc.get_class(), "MeshRTCPeerConnection", "peer for %d is a MeshRTCPeerConnection" % other)
	# WebRTCMultiplayerPeer.add_peer needs STATE_NEW: initialize first.
	t.eq(pc.initialize(T.LOOPBACK), OK, "initialize(loopback) for %d" % other)
	pc.session_description_created.connect(_on_sdp.bind(pc, other))
	pc.ice_candidate_created.connect(_on_candidate.bind(other))
	t.eq(rtc.add_peer(pc, other), OK, "add_peer(%d)" % other)
	pcs[other] = pc
	if offers_to(other):
		t.eq(pc.create_offer(), OK, "create_offer to %d" % other)


## The channels Godot's WebRTCMultiplayerPeer made through our
## create_data_channel, with the options it passed.
func check_peer_channels(other: int) -> void:
	var info: Dictionary = rtc.get_peer(other)
	t.eq(info.get("connected"), true, "get_peer(%d).connected" % other)
	t.check(info.get("connection") == pcs[other], "get_peer(%d).connection is our peer" % other)
	var chans: Array = info.get("channels", [])
	t.eq(chans.size(), 5, "peer %d has 3 + %d channels" % [other, CHANNELS.size()])
	if chans.size() != 5:
		return
	# [label, id, ordered, lifetime]: unreliable_lifetime defaults to 1 ms, and
	# Godot spells the key maxPacketLifetime.
	var want := [["reliable", 1, true, 65535], ["ordered", 2, true, 1], ["unreliable", 3, false, 1],
		["4", 4, true, 65535], ["5", 5, true, 1]]
	for i in 5:
		var ch: WebRTCDataChannel = chans[i]
		var got := [ch.get_label(), ch.get_id(), ch.is_ordered(), ch.get_max_packet_life_time()]
		t.eq(got, want[i], "peer %d channel %d: label, id, ordered, lifetime" % [other, i])
		t.eq([ch.is_negotiated(), ch.get_max_retransmits(), ch.get_ready_state()], [true, 65535, WebRTCDataChannel.STATE_OPEN],
			"peer %d channel %d: negotiated, no retransmit limit, OPEN" % [other, i])


func received_everything() -> bool:
	for id in expected():
		for kind in KINDS:
			if game.count(kind, id) < 1:
				return false
	return true


func run() -> void:
	game = Game.new()
	game.name = "Game"
	root.add_child(game)
	set_multiplayer(api)
	api.peer_connected.connect(func(id): connected.append(id))
	api.peer_disconnected.connect(func(id): disconnected.append(id))
	match mode:
		"mesh":
			t.eq(rtc.create_mesh(my_id, CHANNELS), OK, "create_mesh(%d)" % my_id)
		"server":
			t.eq(rtc.create_server(CHANNELS), OK, "create_server()")
		"client":
			t.eq(rtc.create_client(my_id, CHANNELS), OK, "create_client(%d)" % my_id)
	api.multiplayer_peer = rtc
	if not t.check(await sig.connect_to(self, port, my_id), "connected to the signaling relay"):
		t.finish(self)
		return
	for other in links():
		add_link(other)

	# 1. Everyone connects.
	var all_connected := func() -> bool:
		for id in expected():
			if not connected.has(id):
				return false
		return true
	var ok: bool = await wait_for(all_connected, 40.0)
	t.check(ok, "peer_connected for %s (got %s)" % [expected(), connected])
	if not ok:
		t.eq(handler_errors, [], "signaling handlers")
		t.finish(self)
		return
	t.eq(api.get_unique_id(), my_id, "get_unique_id")
	t.eq(rtc.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTED, "connection status CONNECTED")
	t.eq(rtc.is_server_relay_supported(), mode != "mesh", "is_server_relay_supported")
	for other in links():
		check_peer_channels(other)
	if mode == "client":
		t.eq(rtc.get_peers().keys(), [1], "a client's WebRTC links: only the server")

	# 2. RPCs of every kind to everyone (client to client goes through the
	# server). Reliable ones go once; unreliable ones (lifetime 1 ms, so some
	# may really be dropped) are repeated every 100 ms until that peer says
	# "done", which it does once it has received every kind from everyone.
	for id in expected():
		game.rpc_id(id, "r_reliable", my_id)
		game.rpc_id(id, "r_channel1", my_id)
	game.rpc("r_broadcast", my_id)
	var sent_done := false
	var next_burst := 0
	var deadline := Time.get_ticks_msec() + 30000
	var all_done := func() -> bool: return expected().all(func(id): return game.count("done", id) > 0)
	while Time.get_ticks_msec() < deadline and not (sent_done and all_done.call()):
		if Time.get_ticks_msec() >= next_burst:
			next_burst = Time.get_ticks_msec() + 100
			for id in expected():
				if game.count("done", id) == 0:
					game.rpc_id(id, "r_unreliable", my_id)
					game.rpc_id(id, "r_ordered", my_id)
					game.rpc_id(id, "r_channel2", my_id)
		if not sent_done and received_everything():
			sent_done = true
			for id in expected():
				game.rpc_id(id, "r_done", my_id)
		handle_signaling()
		await process_frame
	t.check(received_everything(), "RPCs of every kind arrived from every peer: %s" % game.got)
	t.check(all_done.call(), "done from every peer")
	t.eq(game.mismatches, [], "get_remote_sender_id matches the sender")
	if mode == "client":
		for other in expected():
			if other != 1:
				t.check(not rtc.has_peer(other), "RPCs from client %d came through the server relay (no direct link)" % other)

	# 3. The leaver exits; the others see peer_disconnected.
	t.eq(handler_errors, [], "signaling handlers: every set/add call returned OK")
	if my_id == leaver and leave == "kill":
		t.check(true, "waiting to be killed")
		print("RESULT %s passed=%d failed=%d" % [t.name, t.passed, t.failed])
		var f := FileAccess.open(ready_file, FileAccess.WRITE)
		f.store_string("ready")
		f.close()
		while true:
			handle_signaling()
			await process_frame
	if my_id == leaver:
		t.check(true, "leaving")
		await linger()
		t.finish(self)
		return
	var t0 := Time.get_ticks_msec()
	ok = await wait_for(func(): return disconnected.has(leaver), 30.0)
	t.check(ok, "peer_disconnected(%d) after it %s (%d ms)" % [leaver, "was killed" if leave == "kill" else "exited", Time.get_ticks_msec() - t0])
	t.check(not rtc.has_peer(leaver), "peer %d removed from the WebRTCMultiplayerPeer" % leaver)
	# Nobody exits before everyone has seen the leaver go (a client learns it
	# from the server, which must still be there to tell it).
	var stayers := expected().filter(func(id): return id != leaver)
	for id in stayers:
		game.rpc_id(id, "r_saw_leave", my_id)
	ok = await wait_for(func(): return stayers.all(func(id): return game.count("saw_leave", id) > 0), 30.0)
	t.check(ok, "every remaining peer saw %d leave" % leaver)
	t.eq(disconnected, [leaver], "no other peer disconnected")
	await linger()
	t.finish(self)


## Keeps polling for a moment so the last reliable messages leave before
## this process exits (closing a connection does not wait for its queue).
func linger() -> void:
	await wait_for(func(): return false, 0.5)
