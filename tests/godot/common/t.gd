extends RefCounted
## Test bookkeeping shared by the Godot tests: every check prints one line
## ("ok - ..." or "not ok - ..."), finish() prints "RESULT <name> passed=N
## failed=M" and quits with 0 only when nothing failed.

## The loopback-only ICE configuration every test peer is initialized with
## (the network rule: nothing may gather on real interfaces).
const LOOPBACK := {"meshrtc": {"interfaces": ["lo"], "includeLoopback": true, "mdns": "disabled", "ipv6": false}}

var name := ""
var passed := 0
var failed := 0


func _init(test_name: String) -> void:
	name = test_name


func check(cond: bool, what: String) -> bool:
	if cond:
		passed += 1
		print("ok - ", what)
	else:
		failed += 1
		print("not ok - ", what)
	return cond


## Strict equality: same Variant type and same value.
func eq(got: Variant, want: Variant, what: String) -> bool:
	var same: bool = typeof(got) == typeof(want) and got == want
	return check(same, "%s (got %s, want %s)" % [what, _show(got), _show(want)])


func _show(v: Variant) -> String:
	var s := str(v)
	return s if s.length() <= 120 else s.substr(0, 117) + "..."


## The loopback configuration with extra meshrtc options merged in.
static func loopback_with(extra: Dictionary) -> Dictionary:
	var cfg := LOOPBACK.duplicate(true)
	cfg["meshrtc"].merge(extra, true)
	return cfg


## Polls `polled` (objects with poll()) every frame until cond is true or
## timeout_s passes; returns whether cond became true.
static func wait_until(tree: SceneTree, cond: Callable, timeout_s: float, polled: Array = []) -> bool:
	var deadline := Time.get_ticks_msec() + int(timeout_s * 1000.0)
	while Time.get_ticks_msec() < deadline:
		for p in polled:
			if p != null:
				p.poll()
		if cond.call():
			return true
		await tree.process_frame
	return cond.call()


func finish(tree: SceneTree) -> void:
	print("RESULT %s passed=%d failed=%d" % [name, passed, failed])
	tree.quit(0 if failed == 0 and passed > 0 else 1)
