package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -DMESHRTC_TYPES_ONLY
#include "meshrtc.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/meshrtc/meshrtc/core"
)

// meshObject is a mesh plus the handles of the channels it created, which
// the mesh owns: the host reads them but never destroys them.
type meshObject struct {
	handle int64
	mesh   *core.Mesh
	// mu orders handing out channel handles (get_peer) before dropping the
	// handles of departed members, so none is handed out after its drop.
	mu sync.Mutex
}

// channelHandles returns the handles of chs, registering the channels that
// have none yet as owned by the mesh.
func (mo *meshObject) channelHandles(chs []*core.Channel) []int64 {
	handles := make([]int64, len(chs))
	for i, ch := range chs {
		if ch.Handle() == 0 {
			ch.SetHandle(objects.addOwned(kindChannel, ch, mo.handle).handle)
		}
		handles[i] = ch.Handle()
	}
	return handles
}

// dropDeparted drops the handles of the channels of members that left.
func (mo *meshObject) dropDeparted() {
	for _, ch := range mo.mesh.TakeDeparted() {
		if o, ok := objects.remove(ch.Handle()); ok {
			release(o)
		}
	}
}

// release closes the mesh and drops its channel handles.
func (mo *meshObject) release() {
	mo.mesh.Close()
	mo.mu.Lock()
	defer mo.mu.Unlock()
	mo.dropDeparted()
}

// withMesh is call for mesh exports.
func withMesh(h C.meshrtc_mesh, fn func(*core.Mesh, *object) error) C.int32_t {
	return call(C.int64_t(h), kindMesh, func(o *object) error { return fn(o.value.(*meshObject).mesh, o) })
}

// withMeshChanging is withMesh for the exports that can remove members
// (poll, remove_peer, disconnect_peer, close) and get_peer: the handles of
// departed members' channels are dropped after fn.
func withMeshChanging(h C.meshrtc_mesh, fn func(*core.Mesh, *meshObject) error) C.int32_t {
	return call(C.int64_t(h), kindMesh, func(o *object) error {
		mo := o.value.(*meshObject)
		mo.mu.Lock()
		defer mo.mu.Unlock()
		defer mo.dropDeparted()
		return fn(mo.mesh, mo)
	})
}

// meshGetter is the body of the exports that read one integer.
func meshGetter(h C.meshrtc_mesh, p *C.int32_t, name string, get func(*core.Mesh) int32) C.int32_t {
	return withMesh(h, func(m *core.Mesh, _ *object) error { return out(p, name, C.int32_t(get(m))) })
}

// transferModes reads a channels_config array.
func transferModes(config *C.int32_t, count C.int32_t) ([]core.TransferMode, error) {
	switch {
	case count < 0:
		return nil, invalid("channels_count %d is negative", count)
	case config == nil && count > 0:
		return nil, invalid("channels_config is NULL but channels_count is %d", count)
	}
	modes := make([]core.TransferMode, count)
	for i, v := range unsafe.Slice((*int32)(unsafe.Pointer(config)), int(count)) {
		modes[i] = core.TransferMode(v)
	}
	return modes, nil
}

//export meshrtc_mesh_create
func meshrtc_mesh_create(outMesh *C.meshrtc_mesh) C.int32_t {
	return callNoHandle(func() error {
		if outMesh == nil {
			return invalid("out_mesh is NULL")
		}
		mo := &meshObject{mesh: core.NewMesh()}
		o := objects.add(kindMesh, mo)
		mo.handle = o.handle
		*outMesh = C.meshrtc_mesh(o.handle)
		return nil
	})
}

//export meshrtc_mesh_destroy
func meshrtc_mesh_destroy(mesh C.meshrtc_mesh) C.int32_t {
	return destroy(C.int64_t(mesh), kindMesh)
}

//export meshrtc_mesh_set_options
func meshrtc_mesh_set_options(mesh C.meshrtc_mesh, optionsJSON *C.char) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		text, err := optionalString(optionsJSON, "options_json")
		if err != nil {
			return err
		}
		opts, err := core.ParseMeshOptions(text)
		if err != nil {
			return err
		}
		return m.SetOptions(opts)
	})
}

// withModes is withMesh for the exports that take a channels_config array
// (and configure the mesh).
func withModes(h C.meshrtc_mesh, config *C.int32_t, count C.int32_t, fn func(*core.Mesh, []core.TransferMode) error) C.int32_t {
	return withMesh(h, func(m *core.Mesh, o *object) error {
		if err := hostConfigures(o); err != nil {
			return err
		}
		modes, err := transferModes(config, count)
		if err != nil {
			return err
		}
		return fn(m, modes)
	})
}

//export meshrtc_mesh_create_server
func meshrtc_mesh_create_server(mesh C.meshrtc_mesh, channelsConfig *C.int32_t, channelsCount C.int32_t) C.int32_t {
	return withModes(mesh, channelsConfig, channelsCount, (*core.Mesh).CreateServer)
}

//export meshrtc_mesh_create_client
func meshrtc_mesh_create_client(mesh C.meshrtc_mesh, peerID C.int32_t, channelsConfig *C.int32_t, channelsCount C.int32_t) C.int32_t {
	return withModes(mesh, channelsConfig, channelsCount, func(m *core.Mesh, modes []core.TransferMode) error {
		return m.CreateClient(int32(peerID), modes)
	})
}

//export meshrtc_mesh_create_mesh
func meshrtc_mesh_create_mesh(mesh C.meshrtc_mesh, peerID C.int32_t, channelsConfig *C.int32_t, channelsCount C.int32_t) C.int32_t {
	return withModes(mesh, channelsConfig, channelsCount, func(m *core.Mesh, modes []core.TransferMode) error {
		return m.CreateMesh(int32(peerID), modes)
	})
}

//export meshrtc_mesh_initialize
func meshrtc_mesh_initialize(mesh C.meshrtc_mesh, peerID C.int32_t, serverCompatibility C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, o *object) error {
		if err := hostConfigures(o); err != nil {
			return err
		}
		return m.Initialize(int32(peerID), serverCompatibility != 0)
	})
}

//export meshrtc_mesh_add_peer
func meshrtc_mesh_add_peer(mesh C.meshrtc_mesh, peer C.meshrtc_peer, peerID C.int32_t, unreliableLifetime C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, o *object) error {
		if err := hostConfigures(o); err != nil {
			return err
		}
		po, err := objects.lookup(int64(peer), kindPeer)
		if err != nil {
			return err
		}
		return m.AddPeer(po.value.(*core.Peer), int32(peerID), int32(unreliableLifetime))
	})
}

//export meshrtc_mesh_remove_peer
func meshrtc_mesh_remove_peer(mesh C.meshrtc_mesh, peerID C.int32_t) C.int32_t {
	return withMeshChanging(mesh, func(m *core.Mesh, _ *meshObject) error { return m.RemovePeer(int32(peerID)) })
}

//export meshrtc_mesh_disconnect_peer
func meshrtc_mesh_disconnect_peer(mesh C.meshrtc_mesh, peerID C.int32_t, force C.int32_t) C.int32_t {
	return withMeshChanging(mesh, func(m *core.Mesh, _ *meshObject) error { return m.DisconnectPeer(int32(peerID), force != 0) })
}

//export meshrtc_mesh_has_peer
func meshrtc_mesh_has_peer(mesh C.meshrtc_mesh, peerID C.int32_t, outHas *C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		return out(outHas, "out_has", boolInt(m.HasPeer(int32(peerID))))
	})
}

//export meshrtc_mesh_get_peer
func meshrtc_mesh_get_peer(mesh C.meshrtc_mesh, peerID C.int32_t, outPeer *C.meshrtc_peer, outChannels *C.meshrtc_channel,
	channelsCap C.int32_t, outChannelCount *C.int32_t, outConnected *C.int32_t) C.int32_t {
	return withMeshChanging(mesh, func(m *core.Mesh, mo *meshObject) error {
		switch {
		case outPeer == nil || outChannelCount == nil || outConnected == nil:
			return invalid("out_peer, out_channel_count and out_connected must not be NULL")
		case channelsCap < 0 || (outChannels == nil && channelsCap > 0):
			return invalid("out_channels NULL with channels_cap %d, or channels_cap negative", channelsCap)
		}
		p, err := m.GetPeer(int32(peerID))
		if err != nil {
			return err
		}
		*outChannelCount = C.int32_t(len(p.Channels))
		if int(channelsCap) < len(p.Channels) {
			return fmt.Errorf("%w: channels_cap %d is less than the peer's %d channels", core.ErrRange, channelsCap, len(p.Channels))
		}
		dst := unsafe.Slice((*C.meshrtc_channel)(unsafe.Pointer(outChannels)), int(channelsCap))
		for i, h := range mo.channelHandles(p.Channels) {
			dst[i] = C.meshrtc_channel(h)
		}
		*outPeer = 0 // the host destroyed its handle of the connection
		if _, err := objects.lookup(p.Connection.Handle(), kindPeer); err == nil {
			*outPeer = C.meshrtc_peer(p.Connection.Handle())
		}
		*outConnected = boolInt(p.Connected)
		return nil
	})
}

//export meshrtc_mesh_get_peers
func meshrtc_mesh_get_peers(mesh C.meshrtc_mesh, outIDs *C.int32_t, idsCap C.int32_t, outCount *C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		switch {
		case outCount == nil:
			return invalid("out_count is NULL")
		case idsCap < 0 || (outIDs == nil && idsCap > 0):
			return invalid("out_ids NULL with ids_cap %d, or ids_cap negative", idsCap)
		}
		ids := m.PeerIDs()
		*outCount = C.int32_t(len(ids))
		if int(idsCap) < len(ids) {
			return fmt.Errorf("%w: ids_cap %d is less than the %d peers", core.ErrRange, idsCap, len(ids))
		}
		dst := unsafe.Slice((*C.int32_t)(unsafe.Pointer(outIDs)), int(idsCap))
		for i, id := range ids {
			dst[i] = C.int32_t(id)
		}
		return nil
	})
}

//export meshrtc_mesh_set_target_peer
func meshrtc_mesh_set_target_peer(mesh C.meshrtc_mesh, peerID C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		m.SetTargetPeer(int32(peerID))
		return nil
	})
}

//export meshrtc_mesh_get_target_peer
func meshrtc_mesh_get_target_peer(mesh C.meshrtc_mesh, outPeerID *C.int32_t) C.int32_t {
	return meshGetter(mesh, outPeerID, "out_peer_id", (*core.Mesh).TargetPeer)
}

//export meshrtc_mesh_set_transfer_mode
func meshrtc_mesh_set_transfer_mode(mesh C.meshrtc_mesh, mode C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error { return m.SetTransferMode(core.TransferMode(mode)) })
}

//export meshrtc_mesh_get_transfer_mode
func meshrtc_mesh_get_transfer_mode(mesh C.meshrtc_mesh, outMode *C.int32_t) C.int32_t {
	return meshGetter(mesh, outMode, "out_mode", func(m *core.Mesh) int32 { return int32(m.TransferMode()) })
}

//export meshrtc_mesh_set_transfer_channel
func meshrtc_mesh_set_transfer_channel(mesh C.meshrtc_mesh, channel C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error { return m.SetTransferChannel(int32(channel)) })
}

//export meshrtc_mesh_get_transfer_channel
func meshrtc_mesh_get_transfer_channel(mesh C.meshrtc_mesh, outChannel *C.int32_t) C.int32_t {
	return meshGetter(mesh, outChannel, "out_channel", (*core.Mesh).TransferChannel)
}

//export meshrtc_mesh_put_packet
func meshrtc_mesh_put_packet(mesh C.meshrtc_mesh, data *C.uint8_t, length C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		bytes, err := borrowedBytes(data, length)
		if err != nil {
			return err
		}
		return m.PutPacket(bytes)
	})
}

//export meshrtc_mesh_get_packet
func meshrtc_mesh_get_packet(mesh C.meshrtc_mesh, outData **C.uint8_t, outLen *C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, o *object) error {
		if outData == nil || outLen == nil {
			return invalid("out_data and out_len must not be NULL")
		}
		o.mu.Lock()
		defer o.mu.Unlock()
		data, err := m.GetPacket()
		if err != nil {
			return err
		}
		*outData, *outLen = o.out.packet(data)
		return nil
	})
}

//export meshrtc_mesh_get_available_packet_count
func meshrtc_mesh_get_available_packet_count(mesh C.meshrtc_mesh, outCount *C.int32_t) C.int32_t {
	return meshGetter(mesh, outCount, "out_count", (*core.Mesh).AvailablePacketCount)
}

//export meshrtc_mesh_get_packet_peer
func meshrtc_mesh_get_packet_peer(mesh C.meshrtc_mesh, outPeerID *C.int32_t) C.int32_t {
	return meshGetter(mesh, outPeerID, "out_peer_id", (*core.Mesh).PacketPeer)
}

//export meshrtc_mesh_get_packet_channel
func meshrtc_mesh_get_packet_channel(mesh C.meshrtc_mesh, outChannel *C.int32_t) C.int32_t {
	return meshGetter(mesh, outChannel, "out_channel", (*core.Mesh).PacketChannel)
}

//export meshrtc_mesh_get_packet_mode
func meshrtc_mesh_get_packet_mode(mesh C.meshrtc_mesh, outMode *C.int32_t) C.int32_t {
	return meshGetter(mesh, outMode, "out_mode", func(m *core.Mesh) int32 { return int32(m.PacketMode()) })
}

//export meshrtc_mesh_poll
func meshrtc_mesh_poll(mesh C.meshrtc_mesh) C.int32_t {
	return withMeshChanging(mesh, func(m *core.Mesh, _ *meshObject) error {
		m.Poll()
		return nil
	})
}

//export meshrtc_mesh_close
func meshrtc_mesh_close(mesh C.meshrtc_mesh) C.int32_t {
	return withMeshChanging(mesh, func(m *core.Mesh, _ *meshObject) error {
		m.Close()
		return nil
	})
}

//export meshrtc_mesh_next_event
func meshrtc_mesh_next_event(mesh C.meshrtc_mesh, outType *C.int32_t, outPeerID *C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		if outType == nil || outPeerID == nil {
			return invalid("out_type and out_peer_id must not be NULL")
		}
		ev, ok := m.NextEvent()
		if !ok {
			return errNoEvent
		}
		*outType, *outPeerID = C.int32_t(ev.Type), C.int32_t(ev.PeerID)
		return nil
	})
}

//export meshrtc_mesh_get_unique_id
func meshrtc_mesh_get_unique_id(mesh C.meshrtc_mesh, outID *C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		if outID == nil {
			return invalid("out_id is NULL")
		}
		id, err := m.UniqueID()
		*outID = C.int32_t(id) // 1 while unconfigured, as Godot returns
		return err
	})
}

//export meshrtc_mesh_get_connection_status
func meshrtc_mesh_get_connection_status(mesh C.meshrtc_mesh, outStatus *C.int32_t) C.int32_t {
	return meshGetter(mesh, outStatus, "out_status", func(m *core.Mesh) int32 { return int32(m.ConnectionStatus()) })
}

//export meshrtc_mesh_is_server_relay_supported
func meshrtc_mesh_is_server_relay_supported(mesh C.meshrtc_mesh, outSupported *C.int32_t) C.int32_t {
	return meshGetter(mesh, outSupported, "out_supported", func(m *core.Mesh) int32 { return int32(boolInt(m.IsServerRelaySupported())) })
}

//export meshrtc_mesh_set_refuse_new_connections
func meshrtc_mesh_set_refuse_new_connections(mesh C.meshrtc_mesh, refuse C.int32_t) C.int32_t {
	return withMesh(mesh, func(m *core.Mesh, _ *object) error {
		m.SetRefuseNewConnections(refuse != 0)
		return nil
	})
}

//export meshrtc_mesh_is_refusing_new_connections
func meshrtc_mesh_is_refusing_new_connections(mesh C.meshrtc_mesh, outRefusing *C.int32_t) C.int32_t {
	return meshGetter(mesh, outRefusing, "out_refusing", func(m *core.Mesh) int32 { return int32(boolInt(m.IsRefusingNewConnections())) })
}

//export meshrtc_mesh_get_max_packet_size
func meshrtc_mesh_get_max_packet_size(mesh C.meshrtc_mesh, outSize *C.int32_t) C.int32_t {
	return meshGetter(mesh, outSize, "out_size", (*core.Mesh).MaxPacketSize)
}
