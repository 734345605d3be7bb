extends Reference
# Client of tests/godot/signaling.py, the tiny line-based relay on
# 127.0.0.1: "HELLO <id>" registers, "<to> <json>" sends, and messages
# arrive as "<from> <json>".

var tcp = StreamPeerTCP.new()
var buffer = PoolByteArray()


# Coroutine: completes with whether the relay accepted us.
func connect_to(tree: SceneTree, port: int, my_id: int):
	yield(tree, "idle_frame")
	if tcp.connect_to_host("127.0.0.1", port) != OK:
		return false
	var deadline = OS.get_ticks_msec() + 10000
	while OS.get_ticks_msec() < deadline:
		if tcp.get_status() == StreamPeerTCP.STATUS_CONNECTED:
			return _line("HELLO %d" % my_id)
		if tcp.get_status() == StreamPeerTCP.STATUS_ERROR:
			return false
		yield(tree, "idle_frame")
	return false


func send(to: int, msg: Dictionary) -> bool:
	return _line("%d %s" % [to, to_json(msg)])


func _line(text: String) -> bool:
	return tcp.put_data((text + "\n").to_utf8()) == OK


# Messages received since the last call: [[from, Dictionary], ...].
func receive() -> Array:
	var out = []
	if tcp.get_status() != StreamPeerTCP.STATUS_CONNECTED:
		return out
	var n = tcp.get_available_bytes()
	if n > 0:
		var got = tcp.get_data(n)
		if got[0] == OK:
			buffer.append_array(got[1])
	while true:
		var nl = -1
		for i in buffer.size():
			if buffer[i] == 10:
				nl = i
				break
		if nl < 0:
			break
		var line = buffer.subarray(0, nl - 1).get_string_from_utf8() if nl > 0 else ""
		buffer = buffer.subarray(nl + 1, buffer.size() - 1) if nl + 1 < buffer.size() else PoolByteArray()
		var space = line.find(" ")
		if space < 0:
			continue
		var msg = parse_json(line.substr(space + 1, line.length()))
		if msg is Dictionary:
			out.append([int(line.substr(0, space)), msg])
	return out
