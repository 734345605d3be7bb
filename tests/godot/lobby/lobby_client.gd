extends RefCounted
## A lobby client written against the protocol of Godot's webrtc_signaling
## demo, with Godot's own WebSocketPeer: JSON text frames
## {"type": int, "id": int, "data": String}. Like the demo's client, it
## ignores messages of types it does not know (it lists them in `ignored`).

enum Msg { JOIN, ID, PEER_CONNECT, PEER_DISCONNECT, OFFER, ANSWER, CANDIDATE, SEAL }

signal lobby_joined(lobby: String)
signal connected(id: int, mesh: bool)
signal peer_connected(id: int)
signal peer_disconnected(id: int)
signal offer_received(id: int, sdp: String)
signal answer_received(id: int, sdp: String)
signal candidate_received(id: int, mid: String, index: int, sdp: String)
signal lobby_sealed()
signal closed(code: int, reason: String)

var ws := WebSocketPeer.new()
var ignored := []  # types of the messages it did not know
var _running := false  # between start() and the connection's end


func start(url: String) -> int:
	_running = true
	return ws.connect_to_url(url)


func is_open() -> bool:
	return ws.get_ready_state() == WebSocketPeer.STATE_OPEN


func poll() -> void:
	if not _running:
		return
	ws.poll()
	var state := ws.get_ready_state()
	while state == WebSocketPeer.STATE_OPEN and ws.get_available_packet_count() > 0:
		_handle(ws.get_packet().get_string_from_utf8())
	if state == WebSocketPeer.STATE_CLOSED:
		_running = false
		closed.emit(ws.get_close_code(), ws.get_close_reason())


func _handle(text: String) -> void:
	var msg = JSON.parse_string(text)
	# JSON numbers parse as floats.
	if typeof(msg) != TYPE_DICTIONARY or typeof(msg.get("data")) != TYPE_STRING \
			or typeof(msg.get("type")) != TYPE_FLOAT or typeof(msg.get("id")) != TYPE_FLOAT:
		ignored.append(-1)
		return
	var id := int(msg.id)
	match int(msg.type):
		Msg.JOIN:
			lobby_joined.emit(msg.data)
		Msg.ID:
			connected.emit(id, msg.data == "true")
		Msg.PEER_CONNECT:
			peer_connected.emit(id)
		Msg.PEER_DISCONNECT:
			peer_disconnected.emit(id)
		Msg.OFFER:
			offer_received.emit(id, msg.data)
		Msg.ANSWER:
			answer_received.emit(id, msg.data)
		Msg.CANDIDATE:
			# "\n" mid "\n" index "\n" sdp: split without empty fields.
			var parts: PackedStringArray = msg.data.split("\n", false)
			if parts.size() == 3 and parts[1].is_valid_int():
				candidate_received.emit(id, parts[0], parts[1].to_int(), parts[2])
			else:
				ignored.append(Msg.CANDIDATE)
		Msg.SEAL:
			lobby_sealed.emit()
		_:
			ignored.append(int(msg.type))


## mesh: a new lobby is a mesh (id 0) or has its host as server (id 1).
func join(lobby: String, mesh: bool) -> int:
	return _send(Msg.JOIN, 0 if mesh else 1, lobby)


func seal() -> int:
	return _send(Msg.SEAL, 0, "")


func send_offer(to: int, sdp: String) -> int:
	return _send(Msg.OFFER, to, sdp)


func send_answer(to: int, sdp: String) -> int:
	return _send(Msg.ANSWER, to, sdp)


func send_candidate(to: int, mid: String, index: int, sdp: String) -> int:
	return _send(Msg.CANDIDATE, to, "\n%s\n%d\n%s" % [mid, index, sdp])


func _send(type: int, id: int, data: String) -> int:
	return ws.send_text(JSON.stringify({"type": type, "id": id, "data": data}))
