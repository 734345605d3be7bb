extends SceneTree
## One process of the lobby test: a game that meets the others through
## meshrtc-lobby the way Godot's webrtc_signaling demo does (lobby_client.gd
## on Godot's WebSocketPeer; Godot's WebRTCMultiplayerPeer and
## SceneMultiplayer over meshrtc peer connections).
## User args: --url=ws://... --mode=mesh|server --index=N --count=N
##   --lobby-file=PATH (the host, index 0, writes the lobby's name there;
##   the others wait for it) --leaver=INDEX [--turn]: the server sends TURN
##   credentials, which a demo-protocol client ignores.
## Steps: join (the host creates the lobby), connect to everyone the lobby
## announces (as the demo: create_mesh, or create_server/create_client; the
## peer with the higher id makes the offer), reliable RPCs to and from
## everyone (clients of a server go through its relay) ending with a "done"
## barrier, then the leaver closes its lobby connection and exits and the
## others see it go in the lobby and in the game.

const T = preload("res://common/t.gd")
const LobbyClient = preload("res://lobby_client.gd")
const Game = preload("res://game.gd")

var t: T
var url := ""
var mesh := true
var index := 0
var count := 0
var lobby_file := ""
var leaver := -1
var turn := false

var lobby := LobbyClient.new()
var rtc := WebRTCMultiplayerPeer.new()
var api := SceneMultiplayer.new()
var game: Node
var lobby_name := ""
var my_id := 0
var peers := []  # ids the lobby announced, in order
var left := []  # ids the lobby said left
var connected := []  # SceneMultiplayer's peer_connected
var disconnected := []
var close_info := []
var errors := []


func _initialize() -> void:
	Engine.max_fps = 200
	for arg in OS.get_cmdline_user_args():
		var kv: PackedStringArray = arg.trim_prefix("--").split("=", true, 1)
		match kv[0]:
			"url": url = kv[1]
			"mode": mesh = kv[1] == "mesh"
			"index": index = int(kv[1])
			"count": count = int(kv[1])
			"lobby-file": lobby_file = kv[1]
			"leaver": leaver = int(kv[1])
			"turn": turn = true
	t = T.new("lobby-%s-%d" % ["mesh" if mesh else "server", index])
	run()


func _on_connected(id: int, use_mesh: bool) -> void:
	my_id = id
	t.eq(use_mesh, mesh, "ID says mesh=%s" % mesh)
	var err: int
	if use_mesh:
		err = rtc.create_mesh(id)
	elif id == 1:
		err = rtc.create_server()
	else:
		err = rtc.create_client(id)
	t.eq(err, OK, "create the multiplayer peer for id %d" % id)
	api.multiplayer_peer = rtc


func _on_peer_connected(id: int) -> void:
	peers.append(id)
	# A client of a server links only to the server; the lobby still tells
	# it who else is there.
	if not mesh and my_id != 1 and id != 1:
		return
	var pc := WebRTCPeerConnection.new()
	if pc.initialize(T.LOOPBACK) != OK:
		errors.append(["initialize", id])
	pc.session_description_created.connect(_on_description.bind(id))
	pc.ice_candidate_created.connect(func(mid, idx, sdp): lobby.send_candidate(id, mid, idx, sdp))
	if rtc.add_peer(pc, id) != OK:
		errors.append(["add_peer", id])
	if id < my_id and pc.create_offer() != OK:
		errors.append(["create_offer", id])


func _on_description(type: String, sdp: String, id: int) -> void:
	if not rtc.has_peer(id):
		return
	if rtc.get_peer(id).connection.set_local_description(type, sdp) != OK:
		errors.append(["set_local_description", id])
	if type == "offer":
		lobby.send_offer(id, sdp)
	else:
		lobby.send_answer(id, sdp)


func _remote(id: int, what: String, call: Callable) -> void:
	if not rtc.has_peer(id):
		errors.append([what, "from unknown peer", id])
		return
	if call.call(rtc.get_peer(id).connection) != OK:
		errors.append([what, id])


func _on_peer_disconnected(id: int) -> void:
	left.append(id)
	if rtc.has_peer(id):
		rtc.remove_peer(id)


## Waits, polling the lobby connection (SceneMultiplayer polls rtc).
func wait_for(cond: Callable, timeout_s: float) -> bool:
	var deadline := Time.get_ticks_msec() + int(timeout_s * 1000.0)
	while Time.get_ticks_msec() < deadline:
		lobby.poll()
		if cond.call():
			return true
		await process_frame
	return cond.call()


func others() -> Array:
	return peers.filter(func(id): return not left.has(id))


func run() -> void:
	game = Game.new()
	game.name = "Game"
	root.add_child(game)
	set_multiplayer(api)
	api.peer_connected.connect(func(id): connected.append(id))
	api.peer_disconnected.connect(func(id): disconnected.append(id))
	lobby.lobby_joined.connect(func(n): lobby_name = n)
	lobby.connected.connect(_on_connected)
	lobby.peer_connected.connect(_on_peer_connected)
	lobby.peer_disconnected.connect(_on_peer_disconnected)
	lobby.offer_received.connect(func(id, sdp): _remote(id, "offer", func(pc): return pc.set_remote_description("offer", sdp)))
	lobby.answer_received.connect(func(id, sdp): _remote(id, "answer", func(pc): return pc.set_remote_description("answer", sdp)))
	lobby.candidate_received.connect(func(id, mid, idx, sdp): _remote(id, "candidate", func(pc): return pc.add_ice_candidate(mid, idx, sdp)))
	lobby.closed.connect(func(code, reason): close_info.append([code, reason]))

	# 1. Join: the host creates the lobby and publishes its name.
	var wanted := ""
	if index > 0:
		var ok_file: bool = await wait_for(func(): return FileAccess.file_exists(lobby_file), 60.0)
		if not t.check(ok_file, "the host published the lobby name"):
			t.finish(self)
			return
		wanted = FileAccess.get_file_as_string(lobby_file).strip_edges()
	t.eq(lobby.start(url), OK, "connect_to_url")
	if not t.check(await wait_for(lobby.is_open, 30.0), "WebSocket open"):
		t.finish(self)
		return
	t.eq(lobby.join(wanted, mesh), OK, "send JOIN")
	var joined: bool = await wait_for(func(): return my_id != 0 and lobby_name != "", 30.0)
	if not t.check(joined, "JOIN and ID from the server"):
		t.finish(self)
		return
	if index == 0:
		t.eq(my_id, 1, "the lobby's creator is peer 1")
		var alnum := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		t.check(lobby_name.length() == 16 and Array(lobby_name.split("")).all(func(c): return alnum.contains(c)),
			"a 16-letter lobby code (%s)" % lobby_name)
		var f := FileAccess.open(lobby_file + ".tmp", FileAccess.WRITE)
		f.store_string(lobby_name)
		f.close()
		DirAccess.rename_absolute(lobby_file + ".tmp", lobby_file)
	else:
		t.eq(lobby_name, wanted, "joined the host's lobby")
		t.check(my_id > 1, "a joiner's id is above 1 (%d)" % my_id)

	# 2. Everyone connects.
	var all_there := func() -> bool:
		if peers.size() < count - 1:
			return false
		for id in peers:
			if not connected.has(id):
				return false
		return true
	var ok: bool = await wait_for(all_there, 60.0)
	t.check(ok, "the lobby announced %d peers (%s) and all connected (%s)" % [count - 1, peers, connected])
	if not ok:
		t.eq(errors, [], "signaling calls")
		t.finish(self)
		return
	t.eq(lobby.ignored, [64] if turn else [], "messages of unknown types ignored (TURN credentials: type 64)")
	t.eq(api.get_unique_id(), my_id, "get_unique_id is the lobby's id")
	t.eq(rtc.get_peers().size(), count - 1 if mesh or my_id == 1 else 1, "WebRTC links")

	# 3. Reliable RPCs to everyone, then a done barrier.
	for id in peers:
		game.rpc_id(id, "r_reliable", my_id)
	game.rpc("r_broadcast", my_id)
	var got_all := func() -> bool:
		return peers.all(func(id): return game.count("reliable", id) > 0 and game.count("broadcast", id) > 0)
	ok = await wait_for(got_all, 30.0)
	t.check(ok, "RPCs from every peer: %s" % game.got)
	for id in peers:
		game.rpc_id(id, "r_done", my_id)
	ok = await wait_for(func(): return peers.all(func(id): return game.count("done", id) > 0), 30.0)
	t.check(ok, "done from every peer")
	t.eq(game.mismatches, [], "get_remote_sender_id matches the sender")

	# 4. The leaver goes; the others see it in the lobby and in the game.
	if index == leaver:
		print("LEAVER %d" % my_id)
		t.eq(errors, [], "signaling calls")
		t.check(true, "leaving")
		await wait_for(func(): return false, 0.5)
		lobby.ws.close()
		await wait_for(func(): return false, 0.3)
		t.finish(self)
		return
	ok = await wait_for(func(): return left.size() == 1 and disconnected.size() == 1, 30.0)
	t.check(ok, "the lobby (%s) and the game (%s) saw one peer leave" % [left, disconnected])
	if ok:
		t.eq(left, disconnected, "the same peer left the lobby and the game")
		t.check(left[0] != 1 and left[0] != my_id, "the leaver is a joiner (%d)" % left[0])
		print("LEFT %d" % left[0])
	var stayers := others()
	for id in stayers:
		game.rpc_id(id, "r_saw_leave", my_id)
	ok = await wait_for(func(): return stayers.all(func(id): return game.count("saw_leave", id) > 0), 30.0)
	t.check(ok, "every remaining peer saw the leave")
	t.eq(errors, [], "signaling calls")
	t.eq(close_info, [], "the lobby connection is still open")
	await wait_for(func(): return false, 0.5)
	t.finish(self)
