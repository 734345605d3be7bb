extends Node
# The node every multiplayer test process has at /root/Game. Its RPCs, one
# per keyword Godot 3 has, record who sent what
# (get_tree().get_rpc_sender_id()) in `got`. The node's network master is
# peer 1 (Godot's default).

var got = {}         # kind -> {sender id: count}
var mismatches = []  # [kind, claimed sender, real sender]


func _note(kind: String, claimed: int) -> void:
	var sender = get_tree().get_rpc_sender_id()
	if not got.has(kind):
		got[kind] = {}
	got[kind][sender] = got[kind].get(sender, 0) + 1
	if claimed != sender:
		mismatches.append([kind, claimed, sender])


func count(kind: String, sender: int) -> int:
	return got.get(kind, {}).get(sender, 0)


# Any peer may call these (rpc_id / rpc, reliable).
remote func r_remote(from: int) -> void:
	_note("remote", from)


remote func r_broadcast(from: int) -> void:
	_note("broadcast", from)


# Sent with rpc_unreliable_id: may be dropped, so it is repeated.
remote func r_unreliable(from: int) -> void:
	_note("unreliable", from)


# Runs only on the master (peer 1): the others call rpc_id(1, ...).
master func m_to_master(from: int) -> void:
	_note("master", from)


# Runs only on puppets, and only when the master sent it: peer 1 calls rpc().
puppet func p_from_master(from: int) -> void:
	_note("puppet", from)


remote func r_done(from: int) -> void:
	_note("done", from)


remote func r_saw_leave(from: int, leaver: int) -> void:
	_note("saw_leave_%d" % leaver, from)
