package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -DMESHRTC_TYPES_ONLY
#include "meshrtc.h"
*/
import "C"

import (
	"fmt"

	"github.com/meshrtc/meshrtc/core"
	"github.com/meshrtc/meshrtc/core/lobby/client"
)

// lobbyObject is a lobby client plus the handle of its mesh, which the
// lobby owns: the host uses it but never destroys it.
type lobbyObject struct {
	client *client.Client
	mesh   *object
}

// release closes the lobby client (its connection, mesh and peers) and
// drops the mesh's handle and those of its channels.
func (lo *lobbyObject) release() {
	lo.client.Close()
	if o, ok := objects.remove(lo.mesh.handle); ok {
		release(o)
	}
}

// withLobby is call for lobby exports.
func withLobby(h C.meshrtc_lobby, fn func(*client.Client, *object) error) C.int32_t {
	return call(C.int64_t(h), kindLobby, func(o *object) error { return fn(o.value.(*lobbyObject).client, o) })
}

//export meshrtc_lobby_create
func meshrtc_lobby_create(url, optionsJSON *C.char, outLobby *C.meshrtc_lobby) C.int32_t {
	return callNoHandle(func() error {
		u, err := goString(url, "url")
		if err != nil {
			return err
		}
		text, err := optionalString(optionsJSON, "options_json")
		if err != nil {
			return err
		}
		if outLobby == nil {
			return invalid("out_lobby is NULL")
		}
		opts, err := client.ParseOptions(text)
		if err != nil {
			return err
		}
		c, err := client.New(u, opts)
		if err != nil {
			return err
		}
		lo := &lobbyObject{client: c}
		o := objects.add(kindLobby, lo)
		mo := &meshObject{mesh: c.Mesh()}
		lo.mesh = objects.addOwned(kindMesh, mo, o.handle)
		mo.handle = lo.mesh.handle
		*outLobby = C.meshrtc_lobby(o.handle)
		return nil
	})
}

//export meshrtc_lobby_destroy
func meshrtc_lobby_destroy(lobby C.meshrtc_lobby) C.int32_t {
	return destroy(C.int64_t(lobby), kindLobby)
}

//export meshrtc_lobby_join
func meshrtc_lobby_join(lobby C.meshrtc_lobby, name *C.char, meshMode C.int32_t) C.int32_t {
	return withLobby(lobby, func(c *client.Client, _ *object) error {
		n, err := optionalString(name, "name")
		if err != nil {
			return err
		}
		return c.Join(n, meshMode != 0)
	})
}

//export meshrtc_lobby_seal
func meshrtc_lobby_seal(lobby C.meshrtc_lobby) C.int32_t {
	return withLobby(lobby, func(c *client.Client, _ *object) error { return c.Seal() })
}

//export meshrtc_lobby_poll
func meshrtc_lobby_poll(lobby C.meshrtc_lobby) C.int32_t {
	return withLobby(lobby, func(c *client.Client, _ *object) error {
		c.Poll()
		return nil
	})
}

//export meshrtc_lobby_next_event
func meshrtc_lobby_next_event(lobby C.meshrtc_lobby, outEvent *C.meshrtc_lobby_event) C.int32_t {
	return withLobby(lobby, func(c *client.Client, o *object) error {
		if outEvent == nil {
			return invalid("out_event is NULL")
		}
		o.mu.Lock() // the event's text lives in o.out until the next call
		defer o.mu.Unlock()
		ev, ok := c.NextEvent()
		if !ok {
			return errNoEvent
		}
		*outEvent = C.meshrtc_lobby_event{_type: C.int32_t(ev.Type), peer_id: C.int32_t(ev.PeerID), code: C.int32_t(ev.Code)}
		switch ev.Type {
		case client.EventConnected:
			outEvent.mesh = boolInt(ev.Mesh)
		case client.EventJoined, client.EventError, client.EventClosed:
			outEvent.text = o.out.text(ev.Text)
		}
		return nil
	})
}

//export meshrtc_lobby_get_mesh
func meshrtc_lobby_get_mesh(lobby C.meshrtc_lobby, outMesh *C.meshrtc_mesh) C.int32_t {
	return call(C.int64_t(lobby), kindLobby, func(o *object) error {
		return out(outMesh, "out_mesh", C.meshrtc_mesh(o.value.(*lobbyObject).mesh.handle))
	})
}

// hostConfigures refuses the exports that configure a mesh or add peers to
// it when a lobby owns the mesh: the lobby does those.
func hostConfigures(o *object) error {
	if o.owner != 0 {
		return fmt.Errorf("%w: mesh %d belongs to lobby %d, which configures it and adds its peers", core.ErrUnauthorized, o.handle, o.owner)
	}
	return nil
}
