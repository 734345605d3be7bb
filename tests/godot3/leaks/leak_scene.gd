extends Node
# A scene holding `pairs` connected WebRTCPeerConnection pairs, each with a
# negotiated channel on both sides and an in-band channel from the offerer
# (received by the answerer). It polls them every frame; `up` turns true
# once every channel is open and a packet went each way on it.

const T = preload("res://common/t.gd")
const Link = preload("res://common/link.gd")

var pairs = 10
var peers = []
var links = []
var negotiated = []  # [offerer's, answerer's] per pair
var inband = []      # offerer's in-band channel per pair
var up = false
var echoed = 0


func _ready() -> void:
	for i in pairs:
		var a = WebRTCPeerConnection.new()
		var b = WebRTCPeerConnection.new()
		a.initialize(T.LOOPBACK)
		b.initialize(T.LOOPBACK)
		var link = Link.new()
		link.wire(a, b)
		negotiated.append([a.create_data_channel("n", {"negotiated": true, "id": 1}),
			b.create_data_channel("n", {"negotiated": true, "id": 1})])
		inband.append(a.create_data_channel("i"))
		a.create_offer()
		peers.append(a)
		peers.append(b)
		links.append(link)


func _process(_delta: float) -> void:
	for p in peers:
		p.poll()
	if up:
		return
	for i in pairs:
		var received = links[i].received["b"]
		if not received.has("i"):
			return
		for ch in [negotiated[i][0], negotiated[i][1], inband[i], received["i"]]:
			if ch.get_ready_state() != WebRTCDataChannel.STATE_OPEN:
				return
	if echoed == 0:
		for i in pairs:
			negotiated[i][0].put_packet(PoolByteArray([1]))
			links[i].received["b"]["i"].put_packet(PoolByteArray([2]))
		echoed = 1
	var arrived = 0
	for i in pairs:
		arrived += negotiated[i][1].get_available_packet_count() + inband[i].get_available_packet_count()
	up = arrived == 2 * pairs
