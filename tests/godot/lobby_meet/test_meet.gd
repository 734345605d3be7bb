extends SceneTree
## The Godot player of the meeting test: a game that joins a mesh lobby on
## meshrtc-lobby through the addon's MeshRTCLobby and plays, through Godot's
## own SceneMultiplayer (raw packets: send_bytes / peer_packet), with a C
## program and a C# program that joined through the library's native lobby
## client (tests/lobby/lobby_member.c and LobbyMember.cs: the same messages
## and steps; read lobby_member.c's comment).
## User args: --url=ws://... --count=N --name-file=PATH --role=host|guest

const T = preload("res://common/t.gd")
const MeshRTCLobbyScript = preload("res://addons/meshrtc/meshrtc_lobby.gd")

var t: T
var lobby: MeshRTCLobbyScript
var api := SceneMultiplayer.new()
var connected := []  # SceneMultiplayer's peer_connected
var disconnected := []
var heard := {}  # id -> language of its hello
var done := []
var got_end := false


func _initialize() -> void:
	Engine.max_fps = 200
	var args := {}
	for arg in OS.get_cmdline_user_args():
		var kv: PackedStringArray = arg.trim_prefix("--").split("=", true, 1)
		args[kv[0]] = kv[1] if kv.size() > 1 else ""
	t = T.new("lobby-meet-godot-" + args.get("role", "?"))
	run(args.get("url", ""), int(args.get("count", "0")), args.get("name-file", ""), args.get("role", "") == "host")


func _on_packet(id: int, packet: PackedByteArray) -> void:
	var words := packet.get_string_from_utf8().split(" ")
	if words.size() == 4 and words[0] == "hello":
		t.eq(int(words[3]), id, "the hello from %d names its sender" % id)
		heard[id] = words[2]
	elif words[0] == "done":
		done.append(id)
	elif words[0] == "end" and id == 1:
		got_end = true


func wait_for(cond: Callable, what: String) -> bool:
	return t.check(await T.wait_until(self, cond, 90.0, [lobby]), what)


func run(url: String, count: int, name_file: String, host: bool) -> void:
	set_multiplayer(api)
	api.peer_connected.connect(func(id): connected.append(id))
	api.peer_disconnected.connect(func(id): disconnected.append(id))
	api.peer_packet.connect(_on_packet)
	lobby = MeshRTCLobbyScript.new()
	lobby.peer_config = T.LOOPBACK
	lobby.connected.connect(func(_id, _mesh): api.multiplayer_peer = lobby.multiplayer_peer)
	lobby.closed.connect(func(code, reason): print("lobby closed: %d %s" % [code, reason]))

	var wanted := ""
	if not host:
		var published := func(): return FileAccess.file_exists(name_file)
		if not await wait_for(published, "the host published the lobby's name"):
			t.finish(self)
			return
		wanted = FileAccess.get_file_as_string(name_file).strip_edges()
	t.eq(lobby.join(url, wanted, true), OK, "join")
	t.eq(lobby.join(url, wanted, true), ERR_ALREADY_IN_USE, "a second join is refused")
	if not await wait_for(func(): return lobby.unique_id != 0, "the lobby gave an id"):
		t.finish(self)
		return
	t.check(lobby.use_mesh, "a mesh lobby")
	t.eq(lobby.unique_id == 1, host, "the host is peer 1")
	if host:
		t.eq(lobby.lobby.length(), 16, "a 16-letter lobby code")
		var f := FileAccess.open(name_file + ".tmp", FileAccess.WRITE)
		f.store_string(lobby.lobby)
		f.close()
		DirAccess.rename_absolute(name_file + ".tmp", name_file)
	else:
		t.eq(lobby.lobby, wanted, "joined the host's lobby")
		t.eq(lobby.seal(), ERR_UNAUTHORIZED, "a guest cannot seal")

	if not await wait_for(func(): return connected.size() == count - 1, "connected to every other player"):
		t.finish(self)
		return
	t.eq(api.get_unique_id(), lobby.unique_id, "get_unique_id is the lobby's id")
	for id in connected:
		api.send_bytes(("hello from godot %d" % lobby.unique_id).to_utf8_buffer(), id)
	if not await wait_for(func(): return heard.size() == count - 1, "a hello from every other player"):
		t.finish(self)
		return
	for id in heard:
		print("heard %s %d" % [heard[id], id])
	if host:
		await wait_for(func(): return done.size() == count - 1, "done from every guest")
		for id in connected:
			api.send_bytes("end".to_utf8_buffer(), id)
		await wait_for(func(): return disconnected.size() == count - 1, "every guest gone")
	else:
		api.send_bytes("done".to_utf8_buffer(), 1)
		await wait_for(func(): return got_end, "end from the host")
	lobby.leave()
	t.finish(self)
