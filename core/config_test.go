package core

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCodeOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Code
	}{
		{nil, CodeOK},
		{errors.New("plain"), CodeFailed},
		{ErrUnavailable, CodeUnavailable},
		{errorf(ErrInvalidData, "bad %d", 1), CodeInvalidData},
		{fmt.Errorf("outer: %w", errorf(ErrUnconfigured, "inner")), CodeUnconfigured},
		{ErrBug, CodeBug},
	} {
		if got := CodeOf(tc.err); got != tc.want {
			t.Errorf("CodeOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if err := errorf(ErrRange, "x=%d", 7); !errors.Is(err, ErrRange) || !strings.Contains(err.Error(), "x=7") {
		t.Errorf("errorf lost the sentinel or the detail: %v", err)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	for _, text := range []string{"", "   \n", "{}", `{"meshrtc":{}}`, `{"iceServers":[]}`} {
		cfg, err := ParseConfig(text)
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", text, err)
		}
		want := DefaultConfig()
		if text == `{"iceServers":[]}` {
			want.ICEServers = []ICEServer{}
		}
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("ParseConfig(%q) = %+v, want %+v", text, cfg, want)
		}
	}
	d := DefaultConfig()
	if !d.IPv4 || !d.IPv6 || d.IncludeLoopback || d.MDNS != MDNSQuery || d.RelayOnly || len(d.Interfaces) != 0 ||
		d.PortMin != 0 || d.PortMax != 0 || d.MaxMessageSize != DefaultMaxMessageSize ||
		d.ReceiveQueuePackets != DefaultReceiveQueuePackets || d.ReceiveQueueBytes != DefaultReceiveQueueBytes ||
		d.EventQueueLimit != DefaultEventQueueLimit || d.SendBufferLimit != 16*1024*1024 || d.ICEDisconnectedTimeout != 0 || d.ICEFailedTimeout != 0 ||
		d.ICEKeepalive != 0 || d.HostAcceptanceWait >= 0 || d.SrflxAcceptanceWait >= 0 ||
		d.PrflxAcceptanceWait >= 0 || d.RelayAcceptanceWait >= 0 || d.UDPReceiveBuffer != DefaultUDPReceiveBuffer ||
		d.Net != nil {
		t.Errorf("unexpected defaults: %+v", d)
	}
}

func TestParseConfigLoopback(t *testing.T) {
	for _, text := range []string{loopbackConfig, loopbackWith(`"receiveQueuePackets":8`)} {
		cfg, err := ParseConfig(text)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cfg.Interfaces, []string{"lo"}) || !cfg.IncludeLoopback || cfg.MDNS != MDNSDisabled || cfg.IPv6 || !cfg.IPv4 {
			t.Errorf("%s: loopback settings lost: %+v", text, cfg)
		}
	}
}

func TestParseConfigICEServers(t *testing.T) {
	for _, tc := range []struct {
		name string
		json string
		want []ICEServer
	}{
		{"string url", `[{"urls":"stun:127.0.0.1:3478"}]`, []ICEServer{{URLs: []string{"stun:127.0.0.1:3478"}}}},
		{"array urls", `[{"urls":["stun:127.0.0.1:3478","stun:localhost"]}]`,
			[]ICEServer{{URLs: []string{"stun:127.0.0.1:3478", "stun:localhost"}}}},
		{"legacy url key", `[{"url":"stun:127.0.0.1"}]`, []ICEServer{{URLs: []string{"stun:127.0.0.1"}}}},
		{"turn with credentials", `[{"urls":["turn:127.0.0.1:3478?transport=udp","turns:localhost:5349"],"username":"u","credential":"p"}]`,
			[]ICEServer{{URLs: []string{"turn:127.0.0.1:3478?transport=udp", "turns:localhost:5349"}, Username: "u", Credential: "p"}}},
		{"two servers, unknown key ignored", `[{"urls":"stun:127.0.0.1"},{"urls":"turn:127.0.0.1","username":"a","credential":"b","credentialType":"password"}]`,
			[]ICEServer{{URLs: []string{"stun:127.0.0.1"}}, {URLs: []string{"turn:127.0.0.1"}, Username: "a", Credential: "b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig(`{"iceServers":` + tc.json + `}`)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.ICEServers, tc.want) {
				t.Fatalf("got %+v, want %+v", cfg.ICEServers, tc.want)
			}
			// The servers reach pion's configuration unchanged.
			_, conf, err := cfg.newAPI()
			if err != nil {
				t.Fatal(err)
			}
			if len(conf.ICEServers) != len(tc.want) {
				t.Fatalf("pion got %d servers, want %d", len(conf.ICEServers), len(tc.want))
			}
			for i, s := range conf.ICEServers {
				if !reflect.DeepEqual(s.URLs, tc.want[i].URLs) || s.Username != tc.want[i].Username || s.Credential != tc.want[i].Credential {
					t.Errorf("pion server %d = %+v, want %+v", i, s, tc.want[i])
				}
			}
		})
	}
	for _, tc := range []struct {
		name, json, mention string
	}{
		{"bad scheme", `[{"urls":"http://127.0.0.1"}]`, "bad url"},
		{"bad url in array", `[{"urls":["stun:127.0.0.1","nonsense"]}]`, "nonsense"},
		{"missing urls", `[{"username":"u","credential":"p"}]`, "no urls"},
		{"empty urls array", `[{"urls":[]}]`, "no urls"},
		{"empty object", `[{}]`, "no urls"},
		{"urls is a number", `[{"urls":5}]`, "urls"},
		{"urls array of numbers", `[{"urls":[1,2]}]`, "urls"},
		{"username is a number", `[{"urls":"stun:127.0.0.1","username":1}]`, "username"},
		{"credential is an object", `[{"urls":"stun:127.0.0.1","credential":{}}]`, "credential"},
		{"not an array", `{"urls":"stun:127.0.0.1"}`, "array"},
		{"entry not an object", `["stun:127.0.0.1"]`, "array"},
		{"second entry bad", `[{"urls":"stun:127.0.0.1"},{"urls":"ftp:x"}]`, "iceServers[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(`{"iceServers":` + tc.json + `}`)
			wantCode(t, tc.json, err, CodeInvalidParameter)
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestParseConfigTransportPolicy(t *testing.T) {
	for _, tc := range []struct {
		value string
		relay bool
		ok    bool
	}{
		{`"all"`, false, true},
		{`"relay"`, true, true},
		{`"RELAY"`, false, false},
		{`"none"`, false, false},
		{`""`, false, false},
		{`1`, false, false},
		{`null`, false, false},
	} {
		cfg, err := ParseConfig(`{"iceTransportPolicy":` + tc.value + `}`)
		if !tc.ok {
			wantCode(t, tc.value, err, CodeInvalidParameter)
			if !strings.Contains(err.Error(), "iceTransportPolicy") {
				t.Errorf("%s: error %q does not name the key", tc.value, err)
			}
			continue
		}
		if err != nil || cfg.RelayOnly != tc.relay {
			t.Errorf("%s: relay=%v err=%v, want relay=%v", tc.value, cfg.RelayOnly, err, tc.relay)
		}
		_, conf, err := cfg.newAPI()
		if err != nil {
			t.Fatal(err)
		}
		if got := conf.ICETransportPolicy.String(); got != strings.Trim(tc.value, `"`) {
			t.Errorf("%s: pion policy %q", tc.value, got)
		}
	}
}

func TestParseConfigMeshrtcOptions(t *testing.T) {
	for _, tc := range []struct {
		options string
		check   func(Config) bool
	}{
		{`"interfaces":["lo","eth9"]`, func(c Config) bool { return reflect.DeepEqual(c.Interfaces, []string{"lo", "eth9"}) }},
		{`"interfaces":[]`, func(c Config) bool { return len(c.Interfaces) == 0 }},
		{`"addresses":["127.0.0.1","::1","10.0.0.0/8","192.168.1.77/24"]`, func(c Config) bool {
			return reflect.DeepEqual(c.Addresses, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128"),
				netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.0/24")})
		}},
		{`"includeLoopback":true`, func(c Config) bool { return c.IncludeLoopback }},
		{`"includeLoopback":false`, func(c Config) bool { return !c.IncludeLoopback }},
		{`"mdns":"disabled"`, func(c Config) bool { return c.MDNS == MDNSDisabled }},
		{`"mdns":"query"`, func(c Config) bool { return c.MDNS == MDNSQuery }},
		{`"mdns":"gather"`, func(c Config) bool { return c.MDNS == MDNSGather }},
		{`"portMin":40000,"portMax":40100`, func(c Config) bool { return c.PortMin == 40000 && c.PortMax == 40100 }},
		{`"portMin":1,"portMax":65535`, func(c Config) bool { return c.PortMin == 1 && c.PortMax == 65535 }},
		{`"portMin":5000,"portMax":5000`, func(c Config) bool { return c.PortMin == 5000 && c.PortMax == 5000 }},
		{`"ipv4":false`, func(c Config) bool { return !c.IPv4 && c.IPv6 }},
		{`"ipv6":false`, func(c Config) bool { return c.IPv4 && !c.IPv6 }},
		{`"maxMessageSize":1`, func(c Config) bool { return c.MaxMessageSize == 1 }},
		{`"maxMessageSize":67108864`, func(c Config) bool { return c.MaxMessageSize == 64*1024*1024 }},
		{`"receiveQueuePackets":1`, func(c Config) bool { return c.ReceiveQueuePackets == 1 }},
		{`"receiveQueuePackets":2147483647`, func(c Config) bool { return c.ReceiveQueuePackets == 2147483647 }},
		{`"receiveQueueBytes":4096`, func(c Config) bool { return c.ReceiveQueueBytes == 4096 }},
		{`"eventQueueLimit":16`, func(c Config) bool { return c.EventQueueLimit == 16 }},
		{`"sendBufferLimit":1`, func(c Config) bool { return c.SendBufferLimit == 1 }},
		{`"sendBufferLimit":2147483647`, func(c Config) bool { return c.SendBufferLimit == 2147483647 }},
		{`"iceDisconnectedTimeoutMs":1500`, func(c Config) bool { return c.ICEDisconnectedTimeout == 1500*time.Millisecond }},
		{`"iceFailedTimeoutMs":3000`, func(c Config) bool { return c.ICEFailedTimeout == 3*time.Second }},
		{`"iceKeepaliveMs":1`, func(c Config) bool { return c.ICEKeepalive == time.Millisecond }},
		{`"hostAcceptanceWaitMs":0`, func(c Config) bool { return c.HostAcceptanceWait == 0 }},
		{`"srflxAcceptanceWaitMs":250`, func(c Config) bool { return c.SrflxAcceptanceWait == 250*time.Millisecond }},
		{`"prflxAcceptanceWaitMs":0`, func(c Config) bool { return c.PrflxAcceptanceWait == 0 }},
		{`"relayAcceptanceWaitMs":2000`, func(c Config) bool { return c.RelayAcceptanceWait == 2*time.Second }},
		{`"udpReceiveBuffer":0`, func(c Config) bool { return c.UDPReceiveBuffer == 0 }},
		{`"udpReceiveBuffer":4194304`, func(c Config) bool { return c.UDPReceiveBuffer == 4*1024*1024 }},
		// Hosts such as Godot write whole numbers as floats.
		{`"receiveQueuePackets":5.0`, func(c Config) bool { return c.ReceiveQueuePackets == 5 }},
		{`"maxMessageSize":1e3`, func(c Config) bool { return c.MaxMessageSize == 1000 }},
		{`"eventQueueLimit":1.6e1`, func(c Config) bool { return c.EventQueueLimit == 16 }},
	} {
		t.Run(tc.options, func(t *testing.T) {
			cfg, err := ParseConfig(`{"meshrtc":{` + tc.options + `}}`)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(cfg) {
				t.Fatalf("option not applied: %+v", cfg)
			}
			if _, _, err := cfg.newAPI(); err != nil {
				t.Fatalf("newAPI: %v", err)
			}
		})
	}
}

func TestParseConfigMeshrtcRangeErrors(t *testing.T) {
	ranges := []struct {
		name   string
		lo, hi int64
	}{
		{"maxMessageSize", 1, 64 * 1024 * 1024},
		{"receiveQueuePackets", 1, 2147483647},
		{"receiveQueueBytes", 1, 2147483647},
		{"eventQueueLimit", 16, 2147483647},
		{"sendBufferLimit", 1, 2147483647},
		{"iceDisconnectedTimeoutMs", 1, 2147483647},
		{"iceFailedTimeoutMs", 1, 2147483647},
		{"iceKeepaliveMs", 1, 2147483647},
		{"hostAcceptanceWaitMs", 0, 2147483647},
		{"srflxAcceptanceWaitMs", 0, 2147483647},
		{"prflxAcceptanceWaitMs", 0, 2147483647},
		{"relayAcceptanceWaitMs", 0, 2147483647},
		{"udpReceiveBuffer", 0, 64 * 1024 * 1024},
	}
	for _, r := range ranges {
		for _, bad := range []string{fmt.Sprint(r.lo - 1), fmt.Sprint(r.hi + 1), "5.5", "-0.5", "1e300", `"5"`, "true", "[]"} {
			text := fmt.Sprintf(`{"meshrtc":{%q:%s}}`, r.name, bad)
			_, err := ParseConfig(text)
			wantCode(t, text, err, CodeInvalidParameter)
			if !strings.Contains(err.Error(), r.name) && !strings.Contains(err.Error(), "expected a number") {
				t.Errorf("%s: error %q does not name the option", text, err)
			}
		}
		for _, good := range []int64{r.lo, r.hi} {
			text := fmt.Sprintf(`{"meshrtc":{%q:%d}}`, r.name, good)
			if _, err := ParseConfig(text); err != nil {
				t.Errorf("%s: %v", text, err)
			}
		}
	}
	for _, text := range []string{
		`"portMin":0,"portMax":10`,
		`"portMin":10,"portMax":65536`,
		`"portMin":10`,
		`"portMax":10`,
		`"portMin":20,"portMax":10`,
		`"portMin":10.5,"portMax":20`,
		`"ipv4":false,"ipv6":false`,
		`"mdns":"on"`,
		`"mdns":true`,
		`"interfaces":"lo"`,
		`"interfaces":[1]`,
		`"addresses":"127.0.0.1"`,
		`"addresses":["localhost"]`,
		`"addresses":["127.0.0.1/33"]`,
		`"includeLoopback":"yes"`,
		`"ipv6":0`,
	} {
		_, err := ParseConfig(`{"meshrtc":{` + text + `}}`)
		wantCode(t, text, err, CodeInvalidParameter)
		if !strings.Contains(err.Error(), "meshrtc options") {
			t.Errorf("%s: error %q does not say it is about meshrtc options", text, err)
		}
	}
}

func TestParseConfigUnknownKeys(t *testing.T) {
	// Inside "meshrtc": an error naming the key.
	for _, key := range []string{"recieveQueuePackets", "bogus", "iceServers"} {
		_, err := ParseConfig(loopbackWith(fmt.Sprintf("%q:1", key)))
		wantCode(t, key, err, CodeInvalidParameter)
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name the unknown key %q", err, key)
		}
	}

	// At the top level: accepted, with a warning naming the key.
	if err := Logs.SetCaptureLevel(LogWarn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Logs.SetCaptureLevel(LogNone) })
	for Logs.NextIf(func(LogEntry) bool { return true }) {
	}
	cfg, err := ParseConfig(`{"bundlePolicy":"max-bundle","certificates":[],"iceCandidatePoolSize":0,"meshrtc":{"ipv6":false}}`)
	if err != nil {
		t.Fatalf("unknown top-level keys rejected: %v", err)
	}
	if cfg.IPv6 {
		t.Error("known options next to unknown keys were not applied")
	}
	warned := map[string]bool{}
	for Logs.NextIf(func(e LogEntry) bool {
		if e.Level == LogWarn && e.Scope == "config" {
			for _, key := range []string{"bundlePolicy", "certificates", "iceCandidatePoolSize"} {
				if strings.Contains(e.Text, key) {
					warned[key] = true
				}
			}
		}
		return true
	}) {
	}
	if len(warned) != 3 {
		t.Errorf("warnings for unknown keys: %v, want all three", warned)
	}
}

func TestParseConfigMalformed(t *testing.T) {
	for _, text := range []string{
		`{`,
		`{"meshrtc":}`,
		`[]`,
		`"config"`,
		`42`,
		`{} trailing`,
		`{"meshrtc":5}`,
		`{"meshrtc":[]}`,
		`{"meshrtc":"x"}`,
		`{"meshrtc":{"portMin":}}`,
		`{'iceServers':[]}`,
	} {
		_, err := ParseConfig(text)
		wantCode(t, text, err, CodeInvalidParameter)
	}
}

func TestConfigNewAPIPortRange(t *testing.T) {
	cfg, err := ParseConfig(loopbackWith(`"portMin":50000,"portMax":50010`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cfg.newAPI(); err != nil {
		t.Fatal(err)
	}
	// A range pion refuses (possible when a Config is built in Go) is an invalid parameter.
	cfg.PortMin, cfg.PortMax = 60000, 50000
	_, _, err = cfg.newAPI()
	wantCode(t, "inverted port range", err, CodeInvalidParameter)
}

func TestPeerInitializeRejectsBadConfig(t *testing.T) {
	p := NewPeer()
	defer p.Destroy()
	for _, text := range []string{`{`, loopbackWith(`"nope":1`), `{"iceServers":[{"urls":"bad"}]}`} {
		wantCode(t, text, initJSON(p, text), CodeInvalidParameter)
	}
	cfg := DefaultConfig()
	cfg.PortMin, cfg.PortMax = 60000, 50000
	wantCode(t, "inverted port range", p.Initialize(cfg), CodeInvalidParameter)
	if p.ConnectionState() != ConnectionNew {
		t.Fatalf("state %d after a refused initialize", p.ConnectionState())
	}
}

func TestAddressAllowed(t *testing.T) {
	allowed := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		ip   string
		want bool
	}{{"127.0.0.1", true}, {"127.1.2.3", true}, {"::1", true}, {"::ffff:127.0.0.1", true}, {"10.0.0.1", false}, {"fe80::1", false}} {
		if got := addressAllowed(allowed, net.ParseIP(tc.ip)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.ip, got, tc.want)
		}
	}
}

// The "addresses" option alone keeps ICE on loopback, on any OS whatever
// its loopback interface is called.
func TestConnectByAddress(t *testing.T) {
	guard(t)
	const byAddress = `{"iceServers":[],"meshrtc":{"addresses":["127.0.0.1"],"includeLoopback":true,"mdns":"disabled","ipv6":false}}`
	a, b, _, _, s := openReliablePair(t, byAddress)
	for _, p := range []*Peer{a, b} {
		for _, ev := range s.events[p] {
			if ev.Type == EventICECandidateCreated {
				assertLoopbackCandidate(t, ev)
			}
		}
		if addr := p.Stats().LocalAddress.Addr(); addr != netip.MustParseAddr("127.0.0.1") {
			t.Fatalf("selected local address %v", addr)
		}
	}
}
