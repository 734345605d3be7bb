extends Reference
# Test bookkeeping shared by the Godot 3 tests: every check prints one line
# ("ok - ..." or "not ok - ..."), finish() prints "RESULT <name> passed=N
# failed=M" and quits with 0 only when nothing failed.

# The loopback-only ICE configuration every test peer is initialized with
# (the network rule: nothing may gather on real interfaces).
const LOOPBACK = {"meshrtc": {"interfaces": ["lo"], "includeLoopback": true, "mdns": "disabled", "ipv6": false}}

var name = ""
var tree: SceneTree
var passed = 0
var failed = 0


func _init(test_name: String, scene_tree: SceneTree) -> void:
	name = test_name
	tree = scene_tree


func check(cond: bool, what: String) -> bool:
	if cond:
		passed += 1
		print("ok - ", what)
	else:
		failed += 1
		print("not ok - ", what)
	return cond


# Strict equality: same Variant type and same value (Arrays and pool arrays
# compare by content; Dictionaries are compared through their JSON text).
func eq(got, want, what: String) -> bool:
	var same = typeof(got) == typeof(want)
	if same and typeof(got) == TYPE_DICTIONARY:
		same = to_json(got) == to_json(want)
	elif same:
		same = got == want
	return check(same, "%s (got %s, want %s)" % [what, _show(got), _show(want)])


func _show(v) -> String:
	var s = str(v)
	return s if s.length() <= 120 else s.substr(0, 117) + "..."


# The loopback configuration with extra meshrtc options merged in.
static func loopback_with(extra: Dictionary) -> Dictionary:
	var cfg = LOOPBACK.duplicate(true)
	for k in extra:
		cfg["meshrtc"][k] = extra[k]
	return cfg


# A coroutine: polls `polled` (objects with poll()) every frame until
# cond.call_func() is true or timeout_s passes; completes with whether cond
# became true. Use: var ok = yield(t.wait_until(funcref(self, "f"), 10), "completed")
func wait_until(cond: FuncRef, timeout_s: float, polled: Array = []):
	# Always yields once, so callers can always wait for "completed".
	yield(tree, "idle_frame")
	var deadline = OS.get_ticks_msec() + int(timeout_s * 1000.0)
	while OS.get_ticks_msec() < deadline:
		for p in polled:
			if p != null:
				p.poll()
		if cond.call_func():
			return true
		yield(tree, "idle_frame")
	return cond.call_func()


func never() -> bool:
	return false


# A coroutine that keeps polling `polled` for seconds.
func linger(seconds: float, polled: Array = []):
	return yield(wait_until(funcref(self, "never"), seconds, polled), "completed")


func finish() -> void:
	print("RESULT %s passed=%d failed=%d" % [name, passed, failed])
	tree.quit(0 if failed == 0 and passed > 0 else 1)
