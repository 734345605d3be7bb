package core

import (
	"strings"
	"testing"
)

func TestParseChannelOptions(t *testing.T) {
	def := DefaultChannelOptions()
	if def != (ChannelOptions{ID: -1, MaxPacketLifeTime: -1, MaxRetransmits: -1, Ordered: true}) {
		t.Fatalf("defaults %+v", def)
	}
	with := func(f func(*ChannelOptions)) ChannelOptions {
		o := DefaultChannelOptions()
		f(&o)
		return o
	}
	for _, tc := range []struct {
		json string
		want ChannelOptions
	}{
		{``, def},
		{`  `, def},
		{`{}`, def},
		{`{"ordered":true}`, def},
		{`{"ordered":false}`, with(func(o *ChannelOptions) { o.Ordered = false })},
		{`{"protocol":"chat/1"}`, with(func(o *ChannelOptions) { o.Protocol = "chat/1" })},
		{`{"protocol":""}`, def},
		{`{"negotiated":false}`, def},
		{`{"negotiated":true,"id":0}`, with(func(o *ChannelOptions) { o.Negotiated, o.ID = true, 0 })},
		{`{"negotiated":true,"id":65534}`, with(func(o *ChannelOptions) { o.Negotiated, o.ID = true, 65534 })},
		{`{"negotiated":true,"id":3.0}`, with(func(o *ChannelOptions) { o.Negotiated, o.ID = true, 3 })},
		// Both spellings of the lifetime: Godot's docs and Godot's own multiplayer peer.
		{`{"maxPacketLifeTime":500}`, with(func(o *ChannelOptions) { o.MaxPacketLifeTime = 500 })},
		{`{"maxPacketLifetime":500}`, with(func(o *ChannelOptions) { o.MaxPacketLifeTime = 500 })},
		{`{"maxPacketLifeTime":0}`, with(func(o *ChannelOptions) { o.MaxPacketLifeTime = 0 })},
		{`{"maxPacketLifetime":65535}`, with(func(o *ChannelOptions) { o.MaxPacketLifeTime = 65535 })},
		{`{"maxRetransmits":0}`, with(func(o *ChannelOptions) { o.MaxRetransmits = 0 })},
		{`{"maxRetransmits":65535}`, with(func(o *ChannelOptions) { o.MaxRetransmits = 65535 })},
		{`{"maxRetransmits":7.0}`, with(func(o *ChannelOptions) { o.MaxRetransmits = 7 })},
		{`{"unknownOption":1,"ordered":false}`, with(func(o *ChannelOptions) { o.Ordered = false })},
		// What Godot's WebRTCMultiplayerPeer writes for its "unreliable" channel.
		{`{"negotiated":true,"id":3,"maxPacketLifetime":1,"ordered":false}`, with(func(o *ChannelOptions) {
			o.Negotiated, o.ID, o.MaxPacketLifeTime, o.Ordered = true, 3, 1, false
		})},
		{`{"negotiated":true,"id":2,"maxRetransmits":0,"ordered":true,"protocol":"p"}`, with(func(o *ChannelOptions) {
			o.Negotiated, o.ID, o.MaxRetransmits, o.Protocol = true, 2, 0, "p"
		})},
	} {
		got, err := ParseChannelOptions(tc.json)
		if err != nil {
			t.Errorf("%s: %v", tc.json, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.json, got, tc.want)
		}
	}
}

func TestParseChannelOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		json, mention string
	}{
		// Limits: only one of them.
		{`{"maxRetransmits":1,"maxPacketLifeTime":1}`, "not both"},
		{`{"maxRetransmits":0,"maxPacketLifetime":0}`, "not both"},
		{`{"maxPacketLifeTime":1,"maxPacketLifetime":1}`, "only one"},
		// Negotiation and ids.
		{`{"negotiated":true}`, "needs an id"},
		{`{"id":1}`, "negotiated"},
		{`{"negotiated":false,"id":1}`, "negotiated"},
		// Wrong types.
		{`{"negotiated":"true"}`, "negotiated"},
		{`{"negotiated":1}`, "negotiated"},
		{`{"ordered":1}`, "ordered"},
		{`{"ordered":"false"}`, "ordered"},
		{`{"protocol":5}`, "protocol"},
		{`{"protocol":["a"]}`, "protocol"},
		{`{"negotiated":true,"id":"1"}`, "id"},
		{`{"maxRetransmits":true}`, "maxRetransmits"},
		{`{"maxPacketLifeTime":"500"}`, "maxPacketLifeTime"},
		{`{"maxPacketLifetime":{}}`, "maxPacketLifetime"},
		// Ranges.
		{`{"negotiated":true,"id":-1}`, "id"},
		{`{"negotiated":true,"id":65535}`, "id"},
		{`{"negotiated":true,"id":1.5}`, "id"},
		{`{"maxRetransmits":-1}`, "maxRetransmits"},
		{`{"maxRetransmits":65536}`, "maxRetransmits"},
		{`{"maxRetransmits":0.5}`, "maxRetransmits"},
		{`{"maxPacketLifeTime":-1}`, "maxPacketLifeTime"},
		{`{"maxPacketLifeTime":65536}`, "maxPacketLifeTime"},
		{`{"maxPacketLifetime":1e9}`, "maxPacketLifetime"},
		// Not an object.
		{`{`, "JSON object"},
		{`[]`, "JSON object"},
		{`"ordered"`, "JSON object"},
		{`{"ordered":true} x`, "JSON object"},
	} {
		_, err := ParseChannelOptions(tc.json)
		wantCode(t, tc.json, err, CodeInvalidParameter)
		if !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: error %q does not mention %q", tc.json, err, tc.mention)
		}
	}
}

func TestChannelOptionsPionInit(t *testing.T) {
	o, err := ParseChannelOptions(`{"negotiated":true,"id":7,"maxPacketLifetime":1000,"ordered":false,"protocol":"x"}`)
	if err != nil {
		t.Fatal(err)
	}
	init := o.pionInit()
	if init.Negotiated == nil || !*init.Negotiated || init.ID == nil || *init.ID != 7 ||
		init.MaxPacketLifeTime == nil || *init.MaxPacketLifeTime != 1000 || init.MaxRetransmits != nil ||
		init.Ordered == nil || *init.Ordered || init.Protocol == nil || *init.Protocol != "x" {
		t.Fatalf("pion init %+v", init)
	}
	// Negotiated lifetimes below pion's minimum RTO become one transmission.
	o, _ = ParseChannelOptions(`{"negotiated":true,"id":7,"maxPacketLifeTime":999}`)
	if init = o.pionInit(); init.MaxRetransmits == nil || *init.MaxRetransmits != 0 || init.MaxPacketLifeTime != nil {
		t.Fatalf("short negotiated lifetime: pion init %+v", init)
	}
	o, _ = ParseChannelOptions(`{"maxPacketLifeTime":999}`)
	if init = o.pionInit(); init.MaxPacketLifeTime == nil || *init.MaxPacketLifeTime != 999 || init.MaxRetransmits != nil {
		t.Fatalf("in-band lifetime must reach the wire unchanged: pion init %+v", init)
	}
	init = DefaultChannelOptions().pionInit()
	if init.Negotiated != nil || init.ID != nil || init.MaxPacketLifeTime != nil || init.MaxRetransmits != nil ||
		init.Ordered == nil || !*init.Ordered {
		t.Fatalf("default pion init %+v", init)
	}
	o, _ = ParseChannelOptions(`{"maxRetransmits":0}`)
	if init = o.pionInit(); init.MaxRetransmits == nil || *init.MaxRetransmits != 0 || init.MaxPacketLifeTime != nil {
		t.Fatalf("retransmits pion init %+v", init)
	}
}
