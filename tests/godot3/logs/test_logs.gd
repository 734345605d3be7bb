extends SceneTree
# Library log lines reach Godot's output. run.sh starts this with
# MESHRTC_LOG_LEVEL=debug and checks that debug/info lines were print()ed
# ("meshrtc: <subsystem>: ...") while this script connects two peers.

const T = preload("res://common/t.gd")
const Link = preload("res://common/link.gd")

var t
var ca: WebRTCDataChannel
var cb: WebRTCDataChannel


func _initialize() -> void:
	t = T.new("logs", self)
	run()


func both_open() -> bool:
	return ca.get_ready_state() == WebRTCDataChannel.STATE_OPEN and cb.get_ready_state() == WebRTCDataChannel.STATE_OPEN


func run() -> void:
	var a = WebRTCPeerConnection.new()
	var b = WebRTCPeerConnection.new()
	t.eq(a.initialize(T.LOOPBACK), OK, "a.initialize")
	t.eq(b.initialize(T.LOOPBACK), OK, "b.initialize")
	var link = Link.new()
	link.wire(a, b)
	ca = a.create_data_channel("log", {"negotiated": true, "id": 1})
	cb = b.create_data_channel("log", {"negotiated": true, "id": 1})
	t.eq(a.create_offer(), OK, "create_offer")
	var ok = yield(t.wait_until(funcref(self, "both_open"), 20.0, [a, b]), "completed")
	t.check(ok, "connected")
	a.close()
	b.close()
	t.finish()
