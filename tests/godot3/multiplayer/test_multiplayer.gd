extends SceneTree
# One process of a Godot 3 multiplayer test: Godot's own WebRTCMultiplayer
# and high-level multiplayer (SceneTree.network_peer, rpc keywords) on
# meshrtc peer connections, signaling through tests/godot/signaling.py.
# Godot 3's WebRTCMultiplayer never relays: every peer links to every other.
# User args: --mode=server|client|mesh --id=N --peers=1,2,3 --port=P
#   --leavers=3,1 --leave=exit|kill --ready-file=PATH
#   server/client run initialize(id, true) (server compatibility), mesh
#   initialize(id, false). The leavers go one after the other: the first
#   exits (or, with --leave=kill, writes PATH and waits for run.sh to kill -9
#   it), the later ones exit; the others must see each one go.
# Steps: connect (network_peer_connected for everyone; connection_succeeded
# only on server-compatible clients, after peer 1), a signaling barrier
# (everyone has seen everyone), RPCs of every keyword both ways and client
# to client ending with a reliable "done" barrier, then the leavers.

const T = preload("res://common/t.gd")
const Signaling = preload("res://common/signaling.gd")
const Game = preload("res://game.gd")

var t
var mode = ""
var my_id = 0
var all_ids = []
var port = 0
var leavers = []
var leave = "exit"
var ready_file = ""
var rtc = WebRTCMultiplayer.new()
var sig = Signaling.new()
var pcs = {}           # remote id -> WebRTCPeerConnection
var events = []        # ["connected", id] / ["succeeded"] / ["server_disconnected"], in order
var tree_connected = []
var disconnected = []
var tree_succeeded = 0
var tree_server_disconnected = 0
var game
var handler_errors = []
var waiting_for = 0    # the peer id a condition looks at
var ready_from = []    # peers that saw everyone connected


func _initialize() -> void:
	Engine.target_fps = 200
	for arg in OS.get_cmdline_args():
		var kv = arg.trim_prefix("--").split("=", true, 1)
		if kv.size() != 2:
			continue
		match kv[0]:
			"mode": mode = kv[1]
			"id": my_id = int(kv[1])
			"peers":
				for s in kv[1].split(","):
					all_ids.append(int(s))
			"port": port = int(kv[1])
			"leavers":
				for s in kv[1].split(","):
					leavers.append(int(s))
			"leave": leave = kv[1]
			"ready-file": ready_file = kv[1]
	t = T.new("%s-%d" % [mode, my_id], self)
	run()


func compat() -> bool:
	return mode != "mesh"


func others() -> Array:
	var out = []
	for id in all_ids:
		if id != my_id:
			out.append(id)
	return out


func _on_sdp(type: String, sdp: String, pc: WebRTCPeerConnection, other: int) -> void:
	var err = pc.set_local_description(type, sdp)
	if err != OK:
		handler_errors.append(["set_local_description", other, err])
	sig.send(other, {"k": "sdp", "type": type, "sdp": sdp})


func _on_candidate(media: String, index: int, cand: String, other: int) -> void:
	sig.send(other, {"k": "ice", "media": media, "index": index, "name": cand})


func _on_peer_connected(id: int) -> void:
	events.append(["connected", id])


func _on_succeeded() -> void:
	events.append(["succeeded"])


func _on_server_disconnected() -> void:
	events.append(["server_disconnected"])


func _on_tree_connected(id: int) -> void:
	tree_connected.append(id)


func _on_tree_disconnected(id: int) -> void:
	disconnected.append(id)


func _on_tree_succeeded() -> void:
	tree_succeeded += 1


func _on_tree_server_disconnected() -> void:
	tree_server_disconnected += 1


func _idle(_delta: float) -> bool:
	handle_signaling()
	return false


func handle_signaling() -> void:
	for m in sig.receive():
		var pc = pcs.get(m[0])
		var msg: Dictionary = m[1]
		if msg.k == "ready":
			ready_from.append(m[0])
			continue
		if pc == null:
			handler_errors.append(["message from unknown peer", m[0]])
			continue
		var err = OK
		if msg.k == "sdp":
			err = pc.set_remote_description(msg.type, msg.sdp)
		elif msg.k == "ice":
			err = pc.add_ice_candidate(msg.media, int(msg.index), msg.name)
		if err != OK:
			handler_errors.append([msg.k, m[0], err])


func add_link(other: int) -> void:
	var pc = WebRTCPeerConnection.new()
	t.eq(pc.get_script().get_class_name(), "MeshRTCPeerConnection", "peer for %d runs on meshrtc" % other)
	# WebRTCMultiplayer.add_peer needs STATE_NEW: initialize first.
	t.eq(pc.initialize(T.LOOPBACK), OK, "initialize(loopback) for %d" % other)
	pc.connect("session_description_created", self, "_on_sdp", [pc, other])
	pc.connect("ice_candidate_created", self, "_on_candidate", [other])
	t.eq(rtc.add_peer(pc, other), OK, "add_peer(%d)" % other)
	pcs[other] = pc
	if my_id < other:
		t.eq(pc.create_offer(), OK, "create_offer to %d" % other)


# The channels Godot's WebRTCMultiplayer made through create_data_channel,
# with the options it passed (unreliable_lifetime defaults to 1 ms; Godot
# spells the key maxPacketLifetime).
func check_peer_channels(other: int) -> void:
	var info: Dictionary = rtc.get_peer(other)
	t.eq(info.get("connected"), true, "get_peer(%d).connected" % other)
	t.check(info.get("connection") == pcs[other], "get_peer(%d).connection is our peer" % other)
	var chans: Array = info.get("channels", [])
	t.eq(chans.size(), 3, "peer %d has 3 channels" % other)
	if chans.size() != 3:
		return
	var want = [["reliable", 1, true, 65535], ["ordered", 2, true, 1], ["unreliable", 3, false, 1]]
	for i in 3:
		var ch: WebRTCDataChannel = chans[i]
		var got = [ch.get_label(), ch.get_id(), ch.is_ordered(), ch.get_max_packet_life_time()]
		t.eq(got, want[i], "peer %d channel %d: label, id, ordered, lifetime" % [other, i])
		t.eq([ch.is_negotiated(), ch.get_max_retransmits(), ch.get_ready_state()], [true, 65535, WebRTCDataChannel.STATE_OPEN],
			"peer %d channel %d: negotiated, no retransmit limit, OPEN" % [other, i])


func all_connected() -> bool:
	for id in others():
		if not tree_connected.has(id):
			return false
	return true


func all_ready() -> bool:
	for id in others():
		if not ready_from.has(id):
			return false
	return true


# The kinds of RPC this process must receive from `from`.
func expected_kinds(from: int) -> Array:
	var kinds = ["remote", "broadcast", "unreliable"]
	if my_id == 1:
		kinds.append("master")
	elif from == 1:
		kinds.append("puppet")
	return kinds


func received_everything() -> bool:
	for id in others():
		for kind in expected_kinds(id):
			if game.count(kind, id) < 1:
				return false
	return true


func all_done() -> bool:
	for id in others():
		if game.count("done", id) == 0:
			return false
	return true


func saw_disconnect() -> bool:
	return disconnected.has(waiting_for)


func stayers_saw_leave() -> bool:
	for id in stayers():
		if game.count("saw_leave_%d" % waiting_for, id) == 0:
			return false
	return true


var gone = []  # leavers already gone


func stayers() -> Array:
	var out = []
	for id in others():
		if not gone.has(id):
			out.append(id)
	return out


func run() -> void:
	game = Game.new()
	game.name = "Game"
	root.add_child(game)
	t.eq(rtc.initialize(my_id, compat()), OK, "initialize(%d, %s)" % [my_id, compat()])
	rtc.connect("peer_connected", self, "_on_peer_connected")
	rtc.connect("connection_succeeded", self, "_on_succeeded")
	rtc.connect("server_disconnected", self, "_on_server_disconnected")
	connect("network_peer_connected", self, "_on_tree_connected")
	connect("network_peer_disconnected", self, "_on_tree_disconnected")
	connect("connected_to_server", self, "_on_tree_succeeded")
	connect("server_disconnected", self, "_on_tree_server_disconnected")
	var client = compat() and my_id != 1
	t.eq(rtc.get_connection_status(), NetworkedMultiplayerPeer.CONNECTION_CONNECTING if client
		else NetworkedMultiplayerPeer.CONNECTION_CONNECTED, "status before any peer connects")
	network_peer = rtc
	if not t.check(yield(sig.connect_to(self, port, my_id), "completed"), "connected to the signaling relay"):
		t.finish()
		return
	for other in others():
		add_link(other)

	# 1. Everyone connects.
	var ok = yield(t.wait_until(funcref(self, "all_connected"), 40.0), "completed")
	t.check(ok, "network_peer_connected for %s (got %s)" % [others(), tree_connected])
	if not ok:
		t.eq(handler_errors, [], "signaling handlers")
		t.finish()
		return
	t.eq(get_network_unique_id(), my_id, "get_network_unique_id")
	t.eq(is_network_server(), my_id == 1, "is_network_server")
	t.eq(rtc.get_connection_status(), NetworkedMultiplayerPeer.CONNECTION_CONNECTED, "connection status CONNECTED")
	for other in others():
		check_peer_channels(other)
	if client:
		# connection_succeeded comes with peer 1, before peer_connected of the
		# peers that were already there.
		var succeeded_at = events.find(["succeeded"])
		t.check(succeeded_at >= 0, "connection_succeeded emitted (%s)" % [events])
		t.eq(tree_succeeded, 1, "SceneTree connected_to_server once")
		var early = []
		for i in succeeded_at:
			if events[i] != ["connected", 1]:
				early.append(events[i])
		t.eq(early, [], "no peer_connected but peer 1's before connection_succeeded")
	else:
		t.check(events.find(["succeeded"]) < 0, "no connection_succeeded in %s mode" % mode)
		t.eq(tree_succeeded, 0, "no connected_to_server")

	# 2. RPCs start once every peer has seen everyone connected: Godot 3's
	# MultiplayerAPI resets its node-path cache for a peer when it registers
	# that peer (_add_peer), so what a peer sends before it is registered on
	# the other side - a server-compatible client registers others only once
	# the server is connected - can be lost.
	for id in others():
		sig.send(id, {"k": "ready"})
	ok = yield(t.wait_until(funcref(self, "all_ready"), 30.0), "completed")
	t.check(ok, "every peer saw everyone connected (signaling barrier)")

	# 3. RPCs of every keyword, both ways and client to client. Reliable ones
	# go once; unreliable ones (lifetime 1 ms, so some may really be dropped)
	# are repeated every 100 ms until that peer says "done", which it does
	# once it has received everything it expects from everyone.
	for id in others():
		game.rpc_id(id, "r_remote", my_id)
	game.rpc("r_broadcast", my_id)
	if my_id == 1:
		game.rpc("p_from_master", my_id)
	else:
		game.rpc_id(1, "m_to_master", my_id)
	var sent_done = false
	var next_burst = 0
	var deadline = OS.get_ticks_msec() + 30000
	while OS.get_ticks_msec() < deadline and not (sent_done and all_done()):
		if OS.get_ticks_msec() >= next_burst:
			next_burst = OS.get_ticks_msec() + 100
			for id in others():
				if game.count("done", id) == 0:
					game.rpc_unreliable_id(id, "r_unreliable", my_id)
		if not sent_done and received_everything():
			sent_done = true
			for id in others():
				game.rpc_id(id, "r_done", my_id)
		yield(self, "idle_frame")
	t.check(received_everything(), "RPCs of every kind arrived from every peer: %s" % [game.got])
	t.check(all_done(), "done from every peer")
	t.eq(game.mismatches, [], "get_rpc_sender_id matches the sender")
	t.eq(handler_errors, [], "signaling handlers: every set/add call returned OK")

	# 4. The leavers go, one after the other.
	for leaver in leavers:
		if leaver == my_id:
			yield(go(), "completed")
			return
		waiting_for = leaver
		ok = yield(t.wait_until(funcref(self, "saw_disconnect"), 30.0), "completed")
		var how = "was killed" if leave == "kill" and leaver == leavers[0] else "exited"
		t.check(ok, "network_peer_disconnected(%d) after it %s" % [leaver, how])
		t.check(not rtc.has_peer(leaver), "peer %d removed from the WebRTCMultiplayer" % leaver)
		gone.append(leaver)
		if leaver == 1:
			if client:
				t.eq(events.count(["server_disconnected"]), 1, "server_disconnected once when peer 1 left")
				t.eq(tree_server_disconnected, 1, "SceneTree server_disconnected once")
				t.eq(rtc.get_connection_status(), NetworkedMultiplayerPeer.CONNECTION_DISCONNECTED,
					"status DISCONNECTED without the server")
			else:
				t.eq(events.count(["server_disconnected"]), 0, "no server_disconnected in mesh mode")
				t.eq(tree_server_disconnected, 0, "no SceneTree server_disconnected in mesh mode")
		# Nobody goes on before everyone still here has seen the leaver go.
		for id in stayers():
			game.rpc_id(id, "r_saw_leave", my_id, leaver)
		ok = yield(t.wait_until(funcref(self, "stayers_saw_leave"), 30.0), "completed")
		t.check(ok, "every remaining peer saw %d leave" % leaver)
	t.eq(disconnected, leavers, "network_peer_disconnected for the leavers only, in order")
	yield(t.linger(0.5), "completed")
	t.finish()


# This process leaves: exits after a moment (closing a connection does not
# wait for its send queue), or waits to be killed.
func go():
	if leave == "kill" and my_id == leavers[0]:
		t.check(true, "waiting to be killed")
		print("RESULT %s passed=%d failed=%d" % [t.name, t.passed, t.failed])
		var f = File.new()
		f.open(ready_file, File.WRITE)
		f.store_string("ready")
		f.close()
		while true:
			yield(self, "idle_frame")
	t.check(true, "leaving")
	yield(t.linger(0.5), "completed")
	t.finish()
