extends RefCounted
## Client of tests/godot/signaling.py, the tiny line-based relay on
## 127.0.0.1: "HELLO <id>" registers, "<to> <json>" sends, and messages
## arrive as "<from> <json>".

var tcp := StreamPeerTCP.new()
var buffer := PackedByteArray()


func connect_to(tree: SceneTree, port: int, my_id: int) -> bool:
	if tcp.connect_to_host("127.0.0.1", port) != OK:
		return false
	var deadline := Time.get_ticks_msec() + 10000
	while Time.get_ticks_msec() < deadline:
		tcp.poll()
		if tcp.get_status() == StreamPeerTCP.STATUS_CONNECTED:
			return _line("HELLO %d" % my_id)
		if tcp.get_status() == StreamPeerTCP.STATUS_ERROR:
			return false
		await tree.process_frame
	return false


func send(to: int, msg: Dictionary) -> bool:
	return _line("%d %s" % [to, JSON.stringify(msg)])


func _line(text: String) -> bool:
	return tcp.put_data((text + "\n").to_utf8_buffer()) == OK


## Messages received since the last call: [[from, Dictionary], ...].
func receive() -> Array:
	var out := []
	tcp.poll()
	var n := tcp.get_available_bytes()
	if n > 0:
		var got := tcp.get_data(n)
		if got[0] == OK:
			buffer.append_array(got[1])
	while true:
		var nl := buffer.find(10)
		if nl < 0:
			break
		var line := buffer.slice(0, nl).get_string_from_utf8()
		buffer = buffer.slice(nl + 1)
		var space := line.find(" ")
		if space < 0:
			continue
		var msg = JSON.parse_string(line.substr(space + 1))
		if msg is Dictionary:
			out.append([int(line.substr(0, space)), msg])
	return out
