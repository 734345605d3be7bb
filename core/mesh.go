package core

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/logging"
)

// TransferMode is MultiplayerPeer.TransferMode, Godot's numbering.
type TransferMode int32

// Transfer modes (scene/main/multiplayer_peer.h; the same values in Godot 3's
// NetworkedMultiplayerPeer).
const (
	TransferModeUnreliable        TransferMode = 0
	TransferModeUnreliableOrdered TransferMode = 1
	TransferModeReliable          TransferMode = 2
)

// ConnectionStatus is MultiplayerPeer.ConnectionStatus, Godot's numbering.
type ConnectionStatus int32

// Connection statuses.
const (
	StatusDisconnected ConnectionStatus = 0
	StatusConnecting   ConnectionStatus = 1
	StatusConnected    ConnectionStatus = 2
)

// MeshMode says how a mesh was configured.
type MeshMode int32

// Mesh modes. The first four are Godot 4's WebRTCMultiplayerPeer modes;
// MeshModeGodot3 is Godot 3's WebRTCMultiplayer (Initialize).
const (
	MeshModeNone   MeshMode = 0
	MeshModeServer MeshMode = 1
	MeshModeClient MeshMode = 2
	MeshModeMesh   MeshMode = 3
	MeshModeGodot3 MeshMode = 4
)

// Peer ids and limits.
const (
	// TargetPeerBroadcast sends to every peer (MultiplayerPeer.TARGET_PEER_BROADCAST).
	TargetPeerBroadcast int32 = 0
	// TargetPeerServer is the server's id (MultiplayerPeer.TARGET_PEER_SERVER).
	TargetPeerServer int32 = 1
	// MeshMaxPacketSize is what get_max_packet_size returns, Godot's value.
	// Larger packets are sent as long as the channel's maximum message size
	// (Config.MaxMessageSize) allows them.
	MeshMaxPacketSize int32 = 1200
	// MaxMeshChannels is the largest channels_config meshrtc accepts (Godot
	// has no limit; its transfer_channel property ranges 0..255).
	MaxMeshChannels = 255
	// MaxTransferChannel is the largest transfer channel.
	MaxTransferChannel int32 = 255
)

// Index of the three channels every peer has; extra channels follow.
const (
	chReliable       = 0
	chOrdered        = 1
	chUnreliable     = 2
	chReservedMax    = 3
	firstExtraChanID = chReservedMax + 1 // SCTP stream id of channels_config[0]
)

// Mesh is Godot 4's WebRTCMultiplayerPeer with its MultiplayerPeer surface,
// and Godot 3's WebRTCMultiplayer when set up with Initialize. It is wire
// compatible with Godot's: the same negotiated channels on each connection
// and the same receive order.
//
// The host creates each Peer, hands it to AddPeer while it is NEW, and does
// the signaling (offer, answer, candidates) itself; the mesh creates the
// channels and, from Poll, reports peers that connect or go away as events
// the host takes with NextEvent. All methods are safe for concurrent use,
// never wait on the network and never call host code.
//
// Differences from Godot, all without any change on the wire:
//   - the channels get the lifetime Godot asks for (webrtc-native drops it
//     because of the maxPacketLifetime spelling, so its "unreliable"
//     channels are reliable); lifetimes below pion's 1 s minimum
//     retransmission timeout are sent once (see ChannelOptions.pionInit);
//   - a client (or a Godot 3 mesh with server compatibility) whose link to
//     peer 1 goes away before it connected becomes DISCONNECTED and queues
//     connection_failed, instead of staying CONNECTING forever; adding peer
//     1 again makes it CONNECTING;
//   - MeshOptions.DisconnectGrace can keep a peer through a brief ICE
//     "disconnected" (Godot removes it at once, which is the default);
//   - Close queues peer_disconnected for connected peers unless
//     MeshOptions.CloseEmitsPeerDisconnected is false (Godot: silent);
//   - peer_disconnected is queued only for peers whose peer_connected was
//     queued (as Godot's documentation says; Godot 3's code also signals
//     peers that connected while peer_connected was held back), and no peer
//     is announced twice;
//   - RemovePeer, DisconnectPeer and Close close the peer's connection (in
//     Godot dropping the last reference does that);
//   - AddPeer refuses an id or a connection that is already in the mesh
//     (ERR_ALREADY_EXISTS; Godot silently replaces the entry);
//   - a peer whose channels closed while its connection is NEW or
//     CONNECTING (e.g. it was re-initialized) is removed instead of waiting
//     forever;
//   - GetPacket takes the packet that PacketPeer/PacketChannel/PacketMode
//     described, even if a packet arrived meanwhile on a lower channel;
//   - argument checks Godot lacks: transfer mode 0..2, transfer channel
//     0..255, unreliable_lifetime ≤ 65535, Godot 3 ids ≥ 1.
type Mesh struct {
	mu   sync.Mutex
	opts MeshOptions
	log  logging.LeveledLogger

	mode         MeshMode
	serverCompat bool // Godot 3 server compatibility
	uniqueID     int32
	status       ConnectionStatus
	extraModes   []TransferMode // channels_config

	peers map[int32]*member
	// order is the receive and broadcast order: insertion order in Godot 4
	// (its HashMap), ascending ids in Godot 3 (its Map).
	order []int32

	targetPeer      int32
	transferMode    TransferMode
	transferChannel int32
	refusing        bool

	nextPeer    int32 // 0: no packet described
	nextChannel int   // channel index in nextPeer
	// queued counts the packets waiting in the peers' channels, so that an
	// idle poll does not look into every channel of every peer.
	queued atomic.Int64

	events        fifo[MeshEvent]
	droppedEvents uint64

	// departed holds the channels of members that left, until the host
	// layer takes them (TakeDeparted) to drop the handles it gave them.
	departed []*Channel
}

// member is one remote peer of the mesh, its connection and channels
// (Godot's ConnectedPeer).
type member struct {
	id        int32
	conn      *Peer
	channels  []*Channel
	modes     []TransferMode // mode of each channel
	connected bool           // connection CONNECTED and all channels open, once
	announced bool           // peer_connected was queued
	// disconnectedSince is when the connection was first seen ICE
	// "disconnected" during the grace period; zero otherwise.
	disconnectedSince time.Time
}

// NewMesh returns an unconfigured mesh (status DISCONNECTED) with
// DefaultMeshOptions; configure it with CreateServer, CreateClient,
// CreateMesh or Initialize.
func NewMesh() *Mesh {
	return &Mesh{
		opts:         DefaultMeshOptions(),
		log:          Logs.NewLogger("mesh"),
		peers:        map[int32]*member{},
		transferMode: TransferModeReliable,
	}
}

// CreateServer configures the mesh as a server, id 1 (status CONNECTED).
// channelsConfig adds one channel per entry after the three built-in ones.
func (m *Mesh) CreateServer(channelsConfig []TransferMode) error {
	return m.configure(1, MeshModeServer, false, channelsConfig)
}

// CreateClient configures the mesh as a client with the given id
// (2..2147483647; status CONNECTING until peer 1, the only peer it may have,
// connects).
func (m *Mesh) CreateClient(peerID int32, channelsConfig []TransferMode) error {
	if peerID == 1 {
		return errorf(ErrInvalidParameter, "clients cannot have id 1")
	}
	return m.configure(peerID, MeshModeClient, false, channelsConfig)
}

// CreateMesh configures a full mesh member with the given id
// (1..2147483647; status CONNECTED).
func (m *Mesh) CreateMesh(peerID int32, channelsConfig []TransferMode) error {
	return m.configure(peerID, MeshModeMesh, false, channelsConfig)
}

// Initialize is Godot 3's WebRTCMultiplayer.initialize: the mesh has the
// given id (1..2147483647) and the three built-in channels per peer.
// Without serverCompatibility it is CONNECTED at once and every peer that
// connects is announced. With it (and an id other than 1) it is CONNECTING and
// holds peer_connected back until peer 1 connects; it then queues
// peer_connected(1), connection_succeeded, and peer_connected for every peer
// already connected, in ascending id order. When peer 1 goes away afterwards
// it queues peer_disconnected(1) and server_disconnected, and the status
// becomes DISCONNECTED — what Godot 3's code does; its documentation says
// CONNECTED. Godot 3 ignores the transfer channel, and so does this mode.
func (m *Mesh) Initialize(peerID int32, serverCompatibility bool) error {
	return m.configure(peerID, MeshModeGodot3, serverCompatibility, nil)
}

// configure is Godot's _initialize. Like Godot it keeps peers already added;
// each keeps the channels it was created with.
func (m *Mesh) configure(id int32, mode MeshMode, compat bool, channelsConfig []TransferMode) error {
	if id < 1 {
		return errorf(ErrInvalidParameter, "peer id %d is out of range 1..2147483647", id)
	}
	if len(channelsConfig) > MaxMeshChannels {
		return errorf(ErrInvalidParameter, "channels_config has %d entries, at most %d are supported", len(channelsConfig), MaxMeshChannels)
	}
	for i, mode := range channelsConfig {
		if !validTransferMode(mode) {
			return errorf(ErrInvalidParameter, "channels_config[%d] is %d, not a TransferMode (0 unreliable, 1 unreliable ordered, 2 reliable)", i, mode)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.extraModes = append([]TransferMode(nil), channelsConfig...)
	m.uniqueID = id
	m.mode = mode
	m.serverCompat = compat
	switch {
	case mode == MeshModeClient, mode == MeshModeGodot3 && compat && id != 1:
		m.status = StatusConnecting
	default:
		m.status = StatusConnected
	}
	if mode == MeshModeGodot3 {
		m.sortOrder()
	}
	return nil
}

func validTransferMode(mode TransferMode) bool {
	return mode >= TransferModeUnreliable && mode <= TransferModeReliable
}

// ConnectionStatus is get_connection_status.
func (m *Mesh) ConnectionStatus() ConnectionStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

// UniqueID is get_unique_id. While DISCONNECTED it returns 1 and
// ErrUnconfigured, as Godot does (its ERR_FAIL_COND_V returns 1).
func (m *Mesh) UniqueID() (int32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.status == StatusDisconnected {
		return 1, errorf(ErrUnconfigured, "the mesh is disconnected")
	}
	return m.uniqueID, nil
}

// IsServerRelaySupported is true in server and client modes, as in Godot.
func (m *Mesh) IsServerRelaySupported() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mode == MeshModeServer || m.mode == MeshModeClient
}

// MaxPacketSize is get_max_packet_size: 1200, Godot's value.
func (m *Mesh) MaxPacketSize() int32 { return MeshMaxPacketSize }

// SetTargetPeer selects where PutPacket sends: 0 every peer, > 0 that peer,
// < 0 every peer but -id.
func (m *Mesh) SetTargetPeer(id int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.targetPeer = id
}

// TargetPeer returns the target peer (Godot has no getter).
func (m *Mesh) TargetPeer() int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.targetPeer
}

// SetTransferMode selects the mode PutPacket uses on transfer channel 0.
// Modes other than 0..2 are ERR_INVALID_PARAMETER (Godot stores anything).
func (m *Mesh) SetTransferMode(mode TransferMode) error {
	if !validTransferMode(mode) {
		return errorf(ErrInvalidParameter, "transfer mode %d is not 0 (unreliable), 1 (unreliable ordered) or 2 (reliable)", mode)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.transferMode = mode
	return nil
}

// TransferMode returns the transfer mode (reliable by default).
func (m *Mesh) TransferMode() TransferMode {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.transferMode
}

// SetTransferChannel selects the channel PutPacket uses: 0 picks one of the
// three built-in channels by transfer mode, N ≥ 1 the N-th channels_config
// channel (whatever the transfer mode). Outside 0..255 it is
// ERR_INVALID_PARAMETER (Godot stores anything). Godot 3 mode ignores it.
func (m *Mesh) SetTransferChannel(channel int32) error {
	if channel < 0 || channel > MaxTransferChannel {
		return errorf(ErrInvalidParameter, "transfer channel %d is out of range 0..%d", channel, MaxTransferChannel)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.transferChannel = channel
	return nil
}

// TransferChannel returns the transfer channel (0 by default).
func (m *Mesh) TransferChannel() int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.transferChannel
}

// SetRefuseNewConnections makes AddPeer fail with ERR_UNAUTHORIZED while set.
func (m *Mesh) SetRefuseNewConnections(refuse bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refusing = refuse
}

// IsRefusingNewConnections reports SetRefuseNewConnections.
func (m *Mesh) IsRefusingNewConnections() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.refusing
}

// Close closes every peer connection and returns the mesh to unconfigured
// (status DISCONNECTED, id 0, target peer 0). Transfer mode, transfer channel
// and refuse-new-connections are kept, as in Godot. Unless
// MeshOptions.CloseEmitsPeerDisconnected is false, it queues peer_disconnected
// for each peer that had peer_connected; events still queued stay queued.
// Idempotent.
func (m *Mesh) Close() {
	m.mu.Lock()
	conns := make([]*Peer, 0, len(m.order))
	for _, id := range m.order {
		e := m.peers[id]
		if e.announced && m.opts.CloseEmitsPeerDisconnected {
			m.push(MeshEventPeerDisconnected, id)
		}
		e.uncount()
		m.departed = append(m.departed, e.channels...)
		conns = append(conns, e.conn)
	}
	m.peers = map[int32]*member{}
	m.order = nil
	m.extraModes = nil
	m.uniqueID = 0
	m.nextPeer, m.nextChannel = 0, 0
	m.targetPeer = 0
	m.mode = MeshModeNone
	m.serverCompat = false
	m.status = StatusDisconnected
	m.mu.Unlock()
	closePeers(conns)
}

// closePeers closes connections the mesh let go of, in parallel (each close
// waits for its own goroutines, not for the network). Called without m.mu.
func closePeers(conns []*Peer) {
	if len(conns) == 1 {
		conns[0].Close()
		return
	}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Close()
		}()
	}
	wg.Wait()
}
