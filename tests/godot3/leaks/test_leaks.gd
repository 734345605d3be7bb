extends SceneTree
# 200 WebRTCPeerConnections and their channels, made in scenes of 10 pairs
# and freed with them: half the scenes once every channel carried data, the
# other half while still connecting. After each scene is freed, the meshrtc
# handles the library holds (MeshRTC.get_live_handles()) are back to the
# baseline; at exit meshrtc_shutdown finds none (run.sh checks).

const T = preload("res://common/t.gd")
const Scene = preload("res://leak_scene.gd")

const ROUNDS = 10

var t
var info
var baseline = 0
var scene


func _initialize() -> void:
	Engine.target_fps = 250
	t = T.new("leaks", self)
	run()


func scene_up() -> bool:
	return scene.up


func back_to_baseline() -> bool:
	return info.get_live_handles() == baseline


func run() -> void:
	info = load("res://addons/meshrtc/meshrtc.gdns").new()
	baseline = info.get_live_handles()
	var made = 0
	for round_index in ROUNDS:
		scene = Scene.new()
		root.add_child(scene)
		made += 2 * scene.pairs
		# 2 peers, 3 channels made, 1 received per pair
		t.eq(info.get_live_handles(), baseline + 5 * scene.pairs, "round %d: peers and made channels counted" % round_index)
		var connected = round_index % 2 == 0
		if connected:
			var ok = yield(t.wait_until(funcref(self, "scene_up"), 60.0), "completed")
			t.check(ok, "round %d: %d pairs connected, data on every channel" % [round_index, scene.pairs])
			t.eq(info.get_live_handles(), baseline + 6 * scene.pairs, "round %d: received channels counted" % round_index)
		else:
			yield(self, "idle_frame")
		scene.queue_free()
		scene = null
		var ok = yield(t.wait_until(funcref(self, "back_to_baseline"), 10.0), "completed")
		t.check(ok, "round %d (%s): freed, live handles back to %d (now %d)"
			% [round_index, "connected" if connected else "connecting", baseline, info.get_live_handles()])
	t.eq(made, 200, "200 connections made and freed")
	t.finish()
