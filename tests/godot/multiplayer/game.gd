extends Node
## The node every test process has at /root/Game: its RPCs record who sent
## what (multiplayer.get_remote_sender_id()) in `got`.

var got := {}         # kind -> {sender id: count}
var mismatches := []  # [kind, claimed sender, real sender]


func _note(kind: String, claimed: int) -> void:
	var sender := multiplayer.get_remote_sender_id()
	if not got.has(kind):
		got[kind] = {}
	got[kind][sender] = got[kind].get(sender, 0) + 1
	if claimed != sender:
		mismatches.append([kind, claimed, sender])


func count(kind: String, sender: int) -> int:
	return got.get(kind, {}).get(sender, 0)


@rpc("any_peer", "call_remote", "reliable")
func r_reliable(from: int) -> void:
	_note("reliable", from)


@rpc("any_peer", "call_remote", "unreliable")
func r_unreliable(from: int) -> void:
	_note("unreliable", from)


@rpc("any_peer", "call_remote", "unreliable_ordered")
func r_ordered(from: int) -> void:
	_note("unreliable_ordered", from)


# Transfer channel 1: the first extra channel of channels_config (reliable).
@rpc("any_peer", "call_remote", "reliable", 1)
func r_channel1(from: int) -> void:
	_note("channel1", from)


# Transfer channel 2: the second extra channel (unreliable_ordered).
@rpc("any_peer", "call_remote", "unreliable_ordered", 2)
func r_channel2(from: int) -> void:
	_note("channel2", from)


@rpc("any_peer", "call_remote", "reliable")
func r_broadcast(from: int) -> void:
	_note("broadcast", from)


@rpc("any_peer", "call_remote", "reliable")
func r_done(from: int) -> void:
	_note("done", from)


@rpc("any_peer", "call_remote", "reliable")
func r_saw_leave(from: int) -> void:
	_note("saw_leave", from)
