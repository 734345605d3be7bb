package core

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The option parsers read JSON a host passes through the C ABI. Each target
// checks that a rejection is ERR_INVALID_PARAMETER and that what is accepted
// is valid, reads the same once re-encoded and is taken by the object it
// configures.

func FuzzParseConfig(f *testing.F) {
	fuzzGuard(f)
	for _, seed := range []string{"", "{}", "null", "[]", loopbackConfig, loopbackWith(`"portMin":1000,"portMax":1000`),
		`{"iceServers":[{"urls":["stun:127.0.0.1:3478","turn:127.0.0.1?transport=tcp"],"username":"u","credential":"c"}],"iceTransportPolicy":"relay"}`,
		`{"iceServers":[{"url":"turns:[::1]:5349"}]}`,
		loopbackWith(`"iceFailedTimeoutMs":4000.0,"hostAcceptanceWaitMs":0,"udpReceiveBuffer":0,"maxMessageSize":67108864,"sendBufferLimit":1`),
		`{"meshrtc":{"ipv4":false,"ipv6":false}}`, `{"meshrtc":{"portMin":2,"portMax":1}}`, `{"meshrtc":{"eventQueueLimit":1e400}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		hangGuard(t)
		cfg, err := ParseConfig(text)
		if err != nil {
			wantCoded(t, "parse", err, CodeInvalidParameter)
			return
		}
		checkConfig(t, cfg)
		if again, ok := reencoded(text); ok {
			if cfg2, err := ParseConfig(again); err != nil || !reflect.DeepEqual(cfg2, cfg) {
				t.Fatalf("%s read back as %+v (%v), want %+v", again, cfg2, err, cfg)
			}
		}
	})
}

// checkConfig fails t if cfg breaks a rule ParseConfig promises.
func checkConfig(t *testing.T, cfg Config) {
	t.Helper()
	switch {
	case !cfg.IPv4 && !cfg.IPv6:
		t.Fatal("accepted a configuration with neither IPv4 nor IPv6")
	case (cfg.PortMin == 0) != (cfg.PortMax == 0) || cfg.PortMin > cfg.PortMax:
		t.Fatalf("accepted ports %d..%d", cfg.PortMin, cfg.PortMax)
	case cfg.MaxMessageSize < 1 || cfg.MaxMessageSize > maxMessageSizeLimit,
		cfg.ReceiveQueuePackets < 1, cfg.ReceiveQueueBytes < 1, cfg.EventQueueLimit < 16, cfg.SendBufferLimit < 1,
		cfg.UDPReceiveBuffer < 0 || cfg.UDPReceiveBuffer > maxUDPReceiveBuffer:
		t.Fatalf("accepted out-of-range sizes: %+v", cfg)
	case cfg.MDNS < MDNSQuery || cfg.MDNS > MDNSGather:
		t.Fatalf("accepted mdns mode %d", cfg.MDNS)
	}
	for i, s := range cfg.ICEServers {
		if len(s.URLs) == 0 {
			t.Fatalf("accepted iceServers[%d] without urls", i)
		}
	}
}

// reencoded is text decoded and encoded again (keys sorted, numbers and
// escapes rewritten), so that a parser must read it as it read text. It is
// false if text is not JSON.
func reencoded(text string) (string, bool) {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return "", false
	}
	return mustJSON(v), true
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func FuzzChannelOptions(f *testing.F) {
	fuzzGuard(f)
	for _, seed := range []struct{ label, text string }{
		{"", ""}, {"chat", "{}"}, {"x", "null"}, {"game", `{"negotiated":true,"id":3,"ordered":false,"maxRetransmits":0}`},
		{"godot", `{"maxPacketLifetime":500,"protocol":"p"}`}, {"", `{"maxPacketLifeTime":65535.0,"ordered":null}`},
		{"both", `{"maxPacketLifeTime":1,"maxPacketLifetime":1}`}, {"id", `{"id":1}`}, {"neg", `{"negotiated":true}`},
		{"range", `{"negotiated":true,"id":65535}`}, {"type", `{"ordered":"yes"}`}, {"\xff", `{"protocol":"\ud800"}`},
	} {
		f.Add(seed.label, seed.text)
	}
	// pion refuses labels and protocols longer than 65535 bytes.
	f.Add(strings.Repeat("l", 65536), "")
	f.Add("", `{"protocol":"`+strings.Repeat("p", 65536)+`"}`)
	p := newFuzzPeer(f)
	created := 0
	f.Fuzz(func(t *testing.T, label, text string) {
		hangGuard(t)
		opts, err := ParseChannelOptions(text)
		if err != nil {
			wantCoded(t, "parse", err, CodeInvalidParameter)
			return
		}
		if err := opts.validate(); err != nil || opts.ID < -1 || opts.ID > 65534 || opts.MaxRetransmits < -1 || opts.MaxRetransmits > 65535 ||
			opts.MaxPacketLifeTime < -1 || opts.MaxPacketLifeTime > 65535 {
			t.Fatalf("accepted invalid options %+v (%v)", opts, err)
		}
		if again, err := ParseChannelOptions(channelOptionsJSON(opts)); err != nil || again != opts {
			t.Fatalf("round trip of %s: got %+v (%v), want %+v", channelOptionsJSON(opts), again, err, opts)
		}
		// Channels stay in the connection until it closes: start a new one
		// now and then. Negotiated ids may collide within one connection.
		if created++; created%256 == 0 {
			p.reset(t)
		}
		ch, err := p.CreateDataChannel(label, opts)
		if err != nil {
			wantCoded(t, "create", err, CodeInvalidParameter)
			return
		}
		defer ch.Destroy()
		id := opts.ID
		if !opts.Negotiated {
			id = unsetLimit
		}
		if ch.Label() != label || ch.Protocol() != opts.Protocol || ch.Ordered() != opts.Ordered || ch.Negotiated() != opts.Negotiated ||
			ch.ID() != id || ch.MaxRetransmits() != orUnset(opts.MaxRetransmits) || ch.MaxPacketLifeTime() != orUnset(opts.MaxPacketLifeTime) ||
			ch.State() != ChannelConnecting {
			t.Fatalf("channel %q id %d protocol %q ordered %v negotiated %v retransmits %d lifetime %d state %d from %+v",
				ch.Label(), ch.ID(), ch.Protocol(), ch.Ordered(), ch.Negotiated(), ch.MaxRetransmits(), ch.MaxPacketLifeTime(), ch.State(), opts)
		}
	})
}

// channelOptionsJSON writes opts as create_data_channel's options object.
func channelOptionsJSON(o ChannelOptions) string {
	m := map[string]any{"negotiated": o.Negotiated, "ordered": o.Ordered, "protocol": o.Protocol}
	for name, v := range map[string]int32{"id": o.ID, "maxRetransmits": o.MaxRetransmits, "maxPacketLifeTime": o.MaxPacketLifeTime} {
		if v >= 0 {
			m[name] = v
		}
	}
	return mustJSON(m)
}

func FuzzMeshOptions(f *testing.F) {
	fuzzGuard(f)
	for _, seed := range []string{"", "{}", "null", `{"disconnectGraceMs":2000,"closeEmitsPeerDisconnected":false,"eventQueueLimit":16}`,
		`{"disconnectGraceMs":2147483647.0}`, `{"eventQueueLimit":15}`, `{"DisconnectGraceMs":1}`, `{"closeEmitsPeerDisconnected":null}`,
		`{"disconnectGraceMs":-1}`, `{"eventQueueLimit":"16"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		hangGuard(t)
		opts, err := ParseMeshOptions(text)
		if err != nil {
			wantCoded(t, "parse", err, CodeInvalidParameter)
			return
		}
		if text, ok := reencoded(text); ok {
			if again, err := ParseMeshOptions(text); err != nil || again != opts {
				t.Fatalf("%s read back as %+v (%v), want %+v", text, again, err, opts)
			}
		}
		m := NewMesh()
		if err := m.SetOptions(opts); err != nil || m.Options() != opts {
			t.Fatalf("set options %+v: %v, got %+v", opts, err, m.Options())
		}
	})
}
