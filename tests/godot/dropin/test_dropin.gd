extends SceneTree
## webrtc-native's usual scripts, unchanged, on meshrtc. They use the default
## configuration (every interface), so run.sh runs this only inside a new
## network namespace holding nothing but lo and a private veth pair.
## 1. chat_peer.gd: the webrtc_minimal pattern (no initialize()).
## 2. The webrtc_signaling pattern: initialize() with a STUN URL (on
##    127.0.0.1 where nothing answers, instead of the demo's public server),
##    WebRTCMultiplayerPeer.create_mesh + add_peer, SceneMultiplayer RPCs -
##    two multiplayer APIs in this one process (/root/A and /root/B).
## 3. example.gd: the GDScript example of the README, verbatim
##    (run.sh extracts it and checks what it prints).

const T = preload("res://common/t.gd")
const ChatPeer = preload("res://chat_peer.gd")
const Game = preload("res://game.gd")

var t: T


func _initialize() -> void:
	Engine.max_fps = 250
	t = T.new("dropin")
	run()


func side(name: String, id: int, api: SceneMultiplayer, rtc: WebRTCMultiplayerPeer) -> Node:
	var holder := Node.new()
	holder.name = name
	root.add_child(holder)
	var game := Game.new()
	game.name = "Game"
	holder.add_child(game)
	set_multiplayer(api, NodePath("/root/" + name))
	t.eq(rtc.create_mesh(id), OK, "create_mesh(%d)" % id)
	api.multiplayer_peer = rtc
	return game


func run() -> void:
	# 1. webrtc_minimal
	var chat := ChatPeer.new()
	root.add_child(chat)
	t.eq(chat.p1.get_class(), "MeshRTCPeerConnection", "WebRTCPeerConnection.new() runs on meshrtc")
	var ok: bool = await T.wait_until(self, func(): return chat.lines.size() >= 2, 20.0)
	chat.lines.sort()
	t.eq(chat.lines, ["P1 received: Hi from P2", "P2 received: Hi from P1"], "minimal chat: both messages")
	var addresses := chat.candidates.map(func(c): return c.split(" ")[4] if c.split(" ").size() > 4 else "?")
	t.check(not addresses.is_empty() and not addresses.has("127.0.0.1"),
		"default configuration: candidates on the namespace's interfaces, not loopback: %s" % [addresses])

	# 2. webrtc_signaling: mesh of two, public STUN in the configuration
	var cfg := {"iceServers": [{"urls": ["stun:127.0.0.1:3478"]}]}
	var api_a := SceneMultiplayer.new()
	var api_b := SceneMultiplayer.new()
	var rtc_a := WebRTCMultiplayerPeer.new()
	var rtc_b := WebRTCMultiplayerPeer.new()
	var game_a := side("A", 1, api_a, rtc_a)
	var game_b := side("B", 2, api_b, rtc_b)
	var connected := []
	api_a.peer_connected.connect(func(id): connected.append(["A", id]))
	api_b.peer_connected.connect(func(id): connected.append(["B", id]))
	var pa := WebRTCPeerConnection.new()
	var pb := WebRTCPeerConnection.new()
	t.eq(pa.initialize(cfg), OK, "initialize with a STUN server")
	t.eq(pb.initialize(cfg), OK, "initialize with a STUN server (b)")
	pa.session_description_created.connect(pa.set_local_description)
	pa.session_description_created.connect(pb.set_remote_description)
	pb.session_description_created.connect(pb.set_local_description)
	pb.session_description_created.connect(pa.set_remote_description)
	pa.ice_candidate_created.connect(pb.add_ice_candidate)
	pb.ice_candidate_created.connect(pa.add_ice_candidate)
	t.eq(rtc_a.add_peer(pa, 2), OK, "add_peer(2)")
	t.eq(rtc_b.add_peer(pb, 1), OK, "add_peer(1)")
	pa.create_offer()
	ok = await T.wait_until(self, func(): return connected.size() == 2, 30.0)
	t.check(ok, "peer_connected on both sides: %s" % [connected])
	game_a.rpc_id(2, "r_reliable", 1)
	game_b.rpc_id(1, "r_reliable", 2)
	ok = await T.wait_until(self, func(): return game_a.count("reliable", 2) == 1 and game_b.count("reliable", 1) == 1, 10.0)
	t.check(ok, "reliable RPCs both ways")

	# 3. The README example
	if not t.check(ResourceLoader.exists("res://example.gd"), "README example extracted"):
		t.finish(self)
		return
	var example: Node = load("res://example.gd").new()
	root.add_child(example)
	ok = await T.wait_until(self, func(): return example.sent, 20.0)
	t.check(ok, "README example sent its message")
	await T.wait_until(self, func(): return false, 1.0)  # let it print what arrives
	t.finish(self)
