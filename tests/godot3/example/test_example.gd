extends SceneTree
# Runs the README's Godot 3 example (example.gd, extracted verbatim by
# run.sh) as a node of this tree; run.sh checks what it prints.

const T = preload("res://common/t.gd")

var t
var example


func _initialize() -> void:
	Engine.target_fps = 200
	t = T.new("example", self)
	run()


func example_sent() -> bool:
	return example.sent


func run() -> void:
	if not t.check(ResourceLoader.exists("res://example.gd"), "README example extracted"):
		t.finish()
		return
	example = load("res://example.gd").new()
	root.add_child(example)
	var ok = yield(t.wait_until(funcref(self, "example_sent"), 20.0), "completed")
	t.check(ok, "README example sent its message")
	yield(t.linger(1.0), "completed")  # let it print what arrives
	t.finish()
