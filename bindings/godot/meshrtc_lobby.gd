class_name MeshRTCLobby
extends RefCounted
## A lobby client for meshrtc-lobby, or any server of the protocol of Godot's
## webrtc_signaling demo (JSON text frames {"type", "id", "data"} over a
## WebSocket): it joins a lobby and builds [member multiplayer_peer], a
## [WebRTCMultiplayerPeer] for [member MultiplayerAPI.multiplayer_peer],
## doing all the signaling the way the demo's Godot 4 client does (mesh
## lobbies use create_mesh; in server mode the host is create_server and the
## others create_client; of two peers the one with the higher id makes the
## offer). It meets the demo's scripts and meshrtc's native lobby clients
## (C, C++, C#) in one lobby. TURN credentials that meshrtc-lobby sends
## (message type 64, which the demo ignores) go into every connection's
## "iceServers".
##
## Call [method poll] every frame. Assign [member multiplayer_peer] to
## [code]multiplayer.multiplayer_peer[/code] once [signal connected] fires:
## the multiplayer API then polls it, and with it the connections' signaling.

enum Message { JOIN, ID, PEER_CONNECT, PEER_DISCONNECT, OFFER, ANSWER, CANDIDATE, SEAL, TURN = 64 }

## The server put this client into [param lobby] (a new lobby's code).
signal lobby_joined(lobby: String)
## The lobby gave this client its id (1: the lobby's host) and its mode;
## [member multiplayer_peer] is configured now.
signal connected(id: int, use_mesh: bool)
## Peer [param id] is in the lobby.
signal peer_joined(id: int)
## Peer [param id] left the lobby; its connection left [member multiplayer_peer].
signal peer_left(id: int)
## The host sealed the lobby; the server closes it shortly, the game goes on.
signal lobby_sealed()
## The lobby connection ended with the server's close code and reason.
## Unless the lobby was sealed, [member multiplayer_peer] was closed too.
signal closed(code: int, reason: String)

## The configuration of every connection ([method WebRTCPeerConnection.initialize]).
var peer_config: Dictionary = {}
## The channels_config of create_mesh, create_server or create_client.
var channels_config: Array = []
## The multiplayer peer this lobby builds.
var multiplayer_peer := WebRTCMultiplayerPeer.new()
## The lobby's name, once [signal lobby_joined] fired.
var lobby := ""
## This client's id, once [signal connected] fired (0 before).
var unique_id := 0
## Whether the lobby is a mesh (else the host is the server).
var use_mesh := true
var sealed := false

var _ws := WebSocketPeer.new()
var _joining := false  # join() was called
var _join_frame := ""  # the JOIN, until the WebSocket is open to send it
var _running := false
var _turn: Dictionary = {}


## Connects to the server at [param url] and asks for [param lobby_name],
## or, when it is empty, for a new lobby this client hosts (a mesh when
## [param mesh] is true, else with this client as server; joining an
## existing lobby takes its mode). ERR_ALREADY_IN_USE if called before.
func join(url: String, lobby_name := "", mesh := true) -> Error:
	if _joining:
		return ERR_ALREADY_IN_USE
	_joining = true
	_join_frame = JSON.stringify({"type": Message.JOIN, "id": 0 if mesh else 1, "data": lobby_name})
	var err := _ws.connect_to_url(url)
	_running = err == OK
	return err


## The host seals the lobby: nobody else can join.
func seal() -> Error:
	if unique_id == 0:
		return ERR_UNCONFIGURED
	if unique_id != 1:
		return ERR_UNAUTHORIZED
	return _send(Message.SEAL, 0, "")


## Leaves the lobby; [member multiplayer_peer] closes unless it was sealed
## ([signal closed] comes from the next polls).
func leave() -> void:
	_ws.close()


## Reads what the server sent and applies it. Call every frame.
func poll() -> void:
	if not _running:
		return
	_ws.poll()
	var state := _ws.get_ready_state()
	if state == WebSocketPeer.STATE_OPEN and _join_frame != "":
		_ws.send_text(_join_frame)
		_join_frame = ""
	while _ws.get_available_packet_count() > 0:
		_handle(_ws.get_packet().get_string_from_utf8())
	if state == WebSocketPeer.STATE_CLOSED:
		_running = false
		if not sealed:
			multiplayer_peer.close()
		closed.emit(_ws.get_close_code(), _ws.get_close_reason())


func _handle(text: String) -> void:
	var msg = JSON.parse_string(text)
	# Numbers parse as floats; messages that are not the protocol's are dropped.
	if typeof(msg) != TYPE_DICTIONARY or typeof(msg.get("type")) != TYPE_FLOAT or typeof(msg.get("id")) != TYPE_FLOAT:
		return
	var id := int(msg.id)
	var data: String = msg.data if typeof(msg.get("data")) == TYPE_STRING else ""
	match int(msg.type):
		Message.JOIN:
			lobby = data
			lobby_joined.emit(lobby)
		Message.ID:
			_configure(id, data == "true")
		Message.TURN:
			var server = JSON.parse_string(data)
			if typeof(server) == TYPE_DICTIONARY:
				_turn = server
		Message.PEER_CONNECT:
			peer_joined.emit(id)
			if use_mesh or unique_id == 1 or id == 1:
				_connect_to(id)
		Message.PEER_DISCONNECT:
			peer_left.emit(id)
			if multiplayer_peer.has_peer(id):
				multiplayer_peer.remove_peer(id)
		Message.OFFER, Message.ANSWER:
			if multiplayer_peer.has_peer(id):
				var type := "offer" if int(msg.type) == Message.OFFER else "answer"
				multiplayer_peer.get_peer(id).connection.set_remote_description(type, data)
		Message.CANDIDATE:
			# "\n" mid "\n" index "\n" sdp: split without the empty first field.
			var parts := data.split("\n", false)
			if parts.size() == 3 and parts[1].is_valid_int() and multiplayer_peer.has_peer(id):
				multiplayer_peer.get_peer(id).connection.add_ice_candidate(parts[0], parts[1].to_int(), parts[2])
		Message.SEAL:
			sealed = true
			lobby_sealed.emit()


func _configure(id: int, mesh: bool) -> void:
	unique_id = id
	use_mesh = mesh
	if mesh:
		multiplayer_peer.create_mesh(id, channels_config)
	elif id == 1:
		multiplayer_peer.create_server(channels_config)
	else:
		multiplayer_peer.create_client(id, channels_config)
	connected.emit(id, mesh)


func _connect_to(id: int) -> void:
	if multiplayer_peer.has_peer(id):
		return
	var config := peer_config.duplicate(true)
	if not _turn.is_empty():
		var servers: Array = config.get("iceServers", [])
		servers.append(_turn)
		config["iceServers"] = servers
	var pc := WebRTCPeerConnection.new()
	if pc.initialize(config) != OK:
		push_error("MeshRTCLobby: cannot initialize the connection to peer %d" % id)
		return
	pc.session_description_created.connect(_on_description.bind(id))
	pc.ice_candidate_created.connect(_on_candidate.bind(id))
	if multiplayer_peer.add_peer(pc, id) != OK:
		push_error("MeshRTCLobby: cannot add peer %d" % id)
		return
	if id < unique_id:
		pc.create_offer()


func _on_description(type: String, sdp: String, id: int) -> void:
	if not multiplayer_peer.has_peer(id):
		return
	multiplayer_peer.get_peer(id).connection.set_local_description(type, sdp)
	_send(Message.OFFER if type == "offer" else Message.ANSWER, id, sdp)


func _on_candidate(mid: String, index: int, sdp: String, id: int) -> void:
	_send(Message.CANDIDATE, id, "\n%s\n%d\n%s" % [mid, index, sdp])


func _send(type: int, id: int, data: String) -> Error:
	return _ws.send_text(JSON.stringify({"type": type, "id": id, "data": data}))
