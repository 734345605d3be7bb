extends Reference
# Connects WebRTCPeerConnections of one process through their signals: each
# session description and candidate goes straight to the other peer, and
# every call's result and every received channel is recorded.

var sdps = []        # [tag, type], in order
var candidates = []  # [tag, media, index, name]
var results = []     # [what, Error] of the calls made from the handlers
var received = {}    # tag -> {label: WebRTCDataChannel} (data_channel_received)


# Wires x (tagged xtag) and y (ytag) to each other.
func wire(x: WebRTCPeerConnection, y: WebRTCPeerConnection, xtag: String = "a", ytag: String = "b") -> void:
	_one_way(x, y, xtag)
	_one_way(y, x, ytag)


func _one_way(from: WebRTCPeerConnection, to: WebRTCPeerConnection, tag: String) -> void:
	received[tag] = {}
	from.connect("session_description_created", self, "_on_sdp", [from, to, tag])
	from.connect("ice_candidate_created", self, "_on_candidate", [to, tag])
	from.connect("data_channel_received", self, "_on_channel", [tag])


func _on_sdp(type: String, sdp: String, from: WebRTCPeerConnection, to: WebRTCPeerConnection, tag: String) -> void:
	sdps.append([tag, type])
	results.append(["%s set_local_description(%s)" % [tag, type], from.set_local_description(type, sdp)])
	results.append(["%s set_remote_description(%s)" % [tag, type], to.set_remote_description(type, sdp)])


func _on_candidate(media: String, index: int, cand: String, to: WebRTCPeerConnection, tag: String) -> void:
	candidates.append([tag, media, index, cand])
	results.append(["%s add_ice_candidate" % tag, to.add_ice_candidate(media, index, cand)])


func _on_channel(channel: WebRTCDataChannel, tag: String) -> void:
	received[tag][channel.get_label()] = channel


# The recorded calls that did not return OK.
func failures() -> Array:
	var out = []
	for r in results:
		if r[1] != OK:
			out.append(r)
	return out


func clear() -> void:
	sdps.clear()
	candidates.clear()
	results.clear()
