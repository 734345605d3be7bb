extends Node
## Written the way webrtc-native users write it (the pattern of Godot's
## webrtc_minimal demo), with nothing meshrtc-specific: no initialize() (the
## default configuration), a negotiated channel created at once, the signals
## wired straight to the other peer's methods, and polling in _process.

var p1 := WebRTCPeerConnection.new()
var p2 := WebRTCPeerConnection.new()
var ch1 := p1.create_data_channel("chat", {"id": 1, "negotiated": true})
var ch2 := p2.create_data_channel("chat", {"id": 1, "negotiated": true})
var sent := false
var lines := []
var candidates := []


func _ready() -> void:
	p1.session_description_created.connect(p1.set_local_description)
	p1.session_description_created.connect(p2.set_remote_description)
	p1.ice_candidate_created.connect(p2.add_ice_candidate)
	p2.session_description_created.connect(p2.set_local_description)
	p2.session_description_created.connect(p1.set_remote_description)
	p2.ice_candidate_created.connect(p1.add_ice_candidate)
	p1.ice_candidate_created.connect(func(_m, _i, c): candidates.append(c))
	p1.create_offer()


func _process(_delta: float) -> void:
	p1.poll()
	p2.poll()
	if not sent and ch1.get_ready_state() == ch1.STATE_OPEN and ch2.get_ready_state() == ch2.STATE_OPEN:
		ch1.put_packet("Hi from P1".to_utf8_buffer())
		ch2.put_packet("Hi from P2".to_utf8_buffer())
		sent = true
	if ch1.get_ready_state() == ch1.STATE_OPEN and ch1.get_available_packet_count() > 0:
		lines.append("P1 received: " + ch1.get_packet().get_string_from_utf8())
	if ch2.get_ready_state() == ch2.STATE_OPEN and ch2.get_available_packet_count() > 0:
		lines.append("P2 received: " + ch2.get_packet().get_string_from_utf8())
