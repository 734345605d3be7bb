extends SceneTree
## Library log lines reach Godot's output. run.sh starts this with
## MESHRTC_LOG_LEVEL=debug and checks that debug/info lines were print()ed
## ("meshrtc: <subsystem>: ...") while this script connects two peers.

const T = preload("res://common/t.gd")

var t: T


func _initialize() -> void:
	t = T.new("logs")
	run()


func run() -> void:
	var a := WebRTCPeerConnection.new()
	var b := WebRTCPeerConnection.new()
	t.eq(a.initialize(T.LOOPBACK), OK, "a.initialize")
	t.eq(b.initialize(T.LOOPBACK), OK, "b.initialize")
	var ca := a.create_data_channel("log", {"negotiated": true, "id": 1})
	var cb := b.create_data_channel("log", {"negotiated": true, "id": 1})
	a.session_description_created.connect(a.set_local_description)
	a.session_description_created.connect(b.set_remote_description)
	b.session_description_created.connect(b.set_local_description)
	b.session_description_created.connect(a.set_remote_description)
	a.ice_candidate_created.connect(b.add_ice_candidate)
	b.ice_candidate_created.connect(a.add_ice_candidate)
	t.eq(a.create_offer(), OK, "create_offer")
	var ok: bool = await T.wait_until(self, func(): return ca.get_ready_state() == WebRTCDataChannel.STATE_OPEN and cb.get_ready_state() == WebRTCDataChannel.STATE_OPEN, 20.0, [a, b])
	t.check(ok, "connected")
	a.close()
	b.close()
	t.finish(self)
