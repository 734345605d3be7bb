package core

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
)

// MDNSMode says whether ICE resolves and/or publishes mDNS (.local) candidates.
type MDNSMode int32

// mDNS modes, as in the "mdns" option.
const (
	MDNSQuery    MDNSMode = iota // resolve remote .local candidates (pion's and browsers' default)
	MDNSDisabled                 // neither resolve nor publish
	MDNSGather                   // resolve and publish our own as .local
)

// ICEServer is one entry of the W3C iceServers list.
type ICEServer struct {
	URLs       []string
	Username   string
	Credential string
}

// Config is everything initialize() accepts. The zero value is not valid:
// start from DefaultConfig or ParseConfig.
type Config struct {
	ICEServers []ICEServer
	RelayOnly  bool // iceTransportPolicy "relay"

	Interfaces          []string       // allowed interface names; empty allows all
	Addresses           []netip.Prefix // allowed local addresses; empty allows all
	IncludeLoopback     bool
	MDNS                MDNSMode
	PortMin, PortMax    uint16 // 0, 0: any port
	IPv4, IPv6          bool
	MaxMessageSize      int // bytes; advertised in the SDP, larger sends are refused
	ReceiveQueuePackets int // per channel
	ReceiveQueueBytes   int // per channel; one packet is always accepted into an empty queue
	EventQueueLimit     int // per peer
	SendBufferLimit     int // bytes a channel may have buffered for sending

	// Zero means pion's default for each of these.
	ICEDisconnectedTimeout time.Duration
	ICEFailedTimeout       time.Duration
	ICEKeepalive           time.Duration
	// Negative means pion's default for each of these.
	HostAcceptanceWait  time.Duration
	SrflxAcceptanceWait time.Duration
	PrflxAcceptanceWait time.Duration
	RelayAcceptanceWait time.Duration

	// UDPReceiveBuffer is the receive buffer (SO_RCVBUF) asked for each UDP
	// socket ICE opens, in bytes; 0 keeps the operating system's default.
	UDPReceiveBuffer int

	// SCTP tunes retransmission and congestion control (see SCTPOptions).
	SCTP SCTPOptions

	// Net replaces the operating system's network (pion vnet in tests). Not settable from JSON.
	Net transport.Net
}

// Defaults for the library options.
const (
	DefaultMaxMessageSize      = 256 * 1024
	DefaultReceiveQueuePackets = 4096
	DefaultReceiveQueueBytes   = 4 * 1024 * 1024
	DefaultEventQueueLimit     = 1024
	DefaultSendBufferLimit     = 16 * 1024 * 1024 // where browsers stop accepting sends
	DefaultUDPReceiveBuffer    = 1024 * 1024
	maxUDPReceiveBuffer        = 64 * 1024 * 1024
	maxMessageSizeLimit        = 64 * 1024 * 1024
	// minEventQueueLimit holds the events of one connection's setup (three
	// kinds of state changes, a description, candidates) with room to spare.
	minEventQueueLimit = 16
)

// pion/ice's defaults (agent_config.go), which SetICETimeouts cannot leave
// unset one by one; TestPionICEDefaults checks them against pion's.
const (
	pionICEDisconnectedTimeout = 5 * time.Second
	pionICEFailedTimeout       = 25 * time.Second
	pionICEKeepalive           = 2 * time.Second
)

// DefaultConfig is what initialize() with an empty configuration uses.
func DefaultConfig() Config {
	return Config{
		IPv4: true, IPv6: true,
		MaxMessageSize:      DefaultMaxMessageSize,
		ReceiveQueuePackets: DefaultReceiveQueuePackets,
		ReceiveQueueBytes:   DefaultReceiveQueueBytes,
		EventQueueLimit:     DefaultEventQueueLimit,
		SendBufferLimit:     DefaultSendBufferLimit,
		UDPReceiveBuffer:    DefaultUDPReceiveBuffer,
		SCTP:                DefaultSCTPOptions(),
		HostAcceptanceWait:  -1, SrflxAcceptanceWait: -1, PrflxAcceptanceWait: -1, RelayAcceptanceWait: -1,
	}
}

// meshrtcOptions is the "meshrtc" object of the configuration. Unknown keys are errors.
type meshrtcOptions struct {
	Interfaces               *[]string `json:"interfaces"`
	Addresses                *[]string `json:"addresses"`
	IncludeLoopback          *bool     `json:"includeLoopback"`
	MDNS                     *string   `json:"mdns"`
	PortMin                  *number   `json:"portMin"`
	PortMax                  *number   `json:"portMax"`
	IPv4                     *bool     `json:"ipv4"`
	IPv6                     *bool     `json:"ipv6"`
	MaxMessageSize           *number   `json:"maxMessageSize"`
	ReceiveQueuePackets      *number   `json:"receiveQueuePackets"`
	ReceiveQueueBytes        *number   `json:"receiveQueueBytes"`
	EventQueueLimit          *number   `json:"eventQueueLimit"`
	SendBufferLimit          *number   `json:"sendBufferLimit"`
	ICEDisconnectedTimeoutMs *number   `json:"iceDisconnectedTimeoutMs"`
	ICEFailedTimeoutMs       *number   `json:"iceFailedTimeoutMs"`
	ICEKeepaliveMs           *number   `json:"iceKeepaliveMs"`
	HostAcceptanceWaitMs     *number   `json:"hostAcceptanceWaitMs"`
	SrflxAcceptanceWaitMs    *number   `json:"srflxAcceptanceWaitMs"`
	PrflxAcceptanceWaitMs    *number   `json:"prflxAcceptanceWaitMs"`
	RelayAcceptanceWaitMs    *number   `json:"relayAcceptanceWaitMs"`
	UDPReceiveBuffer         *number   `json:"udpReceiveBuffer"`
	SCTPRTOMaxMs             *number   `json:"sctpRtoMaxMs"`
	SCTPMinCwnd              *number   `json:"sctpMinCwnd"`
	SCTPFastRtxWnd           *number   `json:"sctpFastRtxWnd"`
	SCTPCwndCAStep           *number   `json:"sctpCwndCaStep"`
}

// decodeStrict decodes the JSON object raw into *dst (a struct of pointer
// fields with json tags) one key at a time, so that an error names its key,
// and accepts only the exact tag names (encoding/json alone would match keys
// case-insensitively and silently). what prefixes error messages.
func decodeStrict[T any](raw []byte, dst *T, what string) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return errorf(ErrInvalidParameter, "%s must be a JSON object: %v", what, err)
	}
	t := reflect.TypeFor[T]()
	for key, value := range keys {
		known := false
		for i := range t.NumField() {
			known = known || t.Field(i).Tag.Get("json") == key
		}
		if !known {
			return errorf(ErrInvalidParameter, "%s: unknown option %q", what, key)
		}
		one, _ := json.Marshal(map[string]json.RawMessage{key: value})
		if err := json.Unmarshal(one, dst); err != nil {
			return errorf(ErrInvalidParameter, "%s: %s: %v", what, key, err)
		}
	}
	return nil
}

// number accepts any JSON number; range() checks it is a whole number in range.
// Hosts such as Godot may write whole numbers as 5.0.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("expected a number, got %s", b)
	}
	*n = number(f)
	return nil
}

func (n number) intIn(name string, lo, hi int64) (int64, error) {
	f := float64(n)
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, errorf(ErrInvalidParameter, "%s must be a whole number from %d to %d, got %v", name, lo, hi, f)
	}
	return int64(f), nil
}

// ParseConfig reads an initialize() configuration: W3C RTCConfiguration keys
// plus the "meshrtc" options object. An empty string means "{}".
// Unknown top-level keys are logged and ignored (webrtc-native accepts them);
// unknown keys inside "meshrtc" are errors.
func ParseConfig(text string) (Config, error) {
	cfg := DefaultConfig()
	if strings.TrimSpace(text) == "" {
		return cfg, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &top); err != nil {
		return cfg, errorf(ErrInvalidParameter, "configuration is not a JSON object: %v", err)
	}
	log := Logs.NewLogger("config")
	for key, raw := range top {
		var err error
		switch key {
		case "iceServers":
			cfg.ICEServers, err = parseICEServers(raw)
		case "iceTransportPolicy":
			err = parseTransportPolicy(raw, &cfg)
		case "meshrtc":
			err = parseMeshrtcOptions(raw, &cfg)
		default:
			log.Warnf("ignoring unknown configuration key %q", key)
		}
		if err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

func parseTransportPolicy(raw json.RawMessage, cfg *Config) error {
	var policy string
	if err := json.Unmarshal(raw, &policy); err != nil || (policy != "all" && policy != "relay") {
		return errorf(ErrInvalidParameter, `iceTransportPolicy must be "all" or "relay", got %s`, raw)
	}
	cfg.RelayOnly = policy == "relay"
	return nil
}

func parseICEServers(raw json.RawMessage) ([]ICEServer, error) {
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, errorf(ErrInvalidParameter, "iceServers must be an array of objects: %v", err)
	}
	servers := make([]ICEServer, 0, len(entries))
	for i, entry := range entries {
		var server ICEServer
		for key, value := range entry {
			var err error
			switch key {
			case "urls", "url":
				server.URLs, err = stringOrStrings(value)
			case "username":
				err = json.Unmarshal(value, &server.Username)
			case "credential":
				err = json.Unmarshal(value, &server.Credential)
			default:
				Logs.NewLogger("config").Warnf("ignoring unknown key %q in iceServers[%d]", key, i)
			}
			if err != nil {
				return nil, errorf(ErrInvalidParameter, "iceServers[%d].%s: %v", i, key, err)
			}
		}
		if len(server.URLs) == 0 {
			return nil, errorf(ErrInvalidParameter, "iceServers[%d] has no urls", i)
		}
		for _, url := range server.URLs {
			if _, err := parseICEURL(url); err != nil {
				return nil, errorf(ErrInvalidParameter, "iceServers[%d]: bad url %q: %v", i, url, err)
			}
		}
		servers = append(servers, server)
	}
	return servers, nil
}

func stringOrStrings(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("expected a string or an array of strings")
	}
	return many, nil
}

func parseMeshrtcOptions(raw json.RawMessage, cfg *Config) error {
	var opts meshrtcOptions
	if err := decodeStrict(raw, &opts, "meshrtc options"); err != nil {
		return err
	}
	if err := opts.applyNetworks(cfg); err != nil {
		return err
	}
	if err := opts.applyMDNS(cfg); err != nil {
		return err
	}
	if err := opts.applyNumbers(cfg); err != nil {
		return err
	}
	if (cfg.PortMin == 0) != (cfg.PortMax == 0) || cfg.PortMin > cfg.PortMax {
		return errorf(ErrInvalidParameter, "meshrtc options: portMin and portMax must be set together with portMin <= portMax")
	}
	return nil
}

// applyNetworks sets which interfaces, addresses and IP versions gather candidates.
func (opts *meshrtcOptions) applyNetworks(cfg *Config) error {
	if opts.Interfaces != nil {
		cfg.Interfaces = *opts.Interfaces
	}
	if opts.Addresses != nil {
		prefixes, err := parseAddresses(*opts.Addresses)
		if err != nil {
			return err
		}
		cfg.Addresses = prefixes
	}
	setBool(&cfg.IncludeLoopback, opts.IncludeLoopback)
	setBool(&cfg.IPv4, opts.IPv4)
	setBool(&cfg.IPv6, opts.IPv6)
	if !cfg.IPv4 && !cfg.IPv6 {
		return errorf(ErrInvalidParameter, "meshrtc options: ipv4 and ipv6 cannot both be false")
	}
	return nil
}

func (opts *meshrtcOptions) applyMDNS(cfg *Config) error {
	if opts.MDNS == nil {
		return nil
	}
	modes := map[string]MDNSMode{"query": MDNSQuery, "disabled": MDNSDisabled, "gather": MDNSGather}
	mode, ok := modes[*opts.MDNS]
	if !ok {
		return errorf(ErrInvalidParameter, `meshrtc options: mdns must be "disabled", "query" or "gather", got %q`, *opts.MDNS)
	}
	cfg.MDNS = mode
	return nil
}

// numberOption is one whole-number option: its key, its value if given,
// its range and where it goes.
type numberOption struct {
	name   string
	value  *number
	lo, hi int64
	set    func(int64)
}

// applyNumbers range-checks and sets the whole-number options, in the
// order of numberOptions.
func (opts *meshrtcOptions) applyNumbers(cfg *Config) error {
	for _, opt := range opts.numberOptions(cfg) {
		if opt.value == nil {
			continue
		}
		v, err := opt.value.intIn("meshrtc options: "+opt.name, opt.lo, opt.hi)
		if err != nil {
			return err
		}
		opt.set(v)
	}
	return nil
}

func (opts *meshrtcOptions) numberOptions(cfg *Config) []numberOption {
	return []numberOption{
		{"portMin", opts.PortMin, 1, 65535, func(v int64) { cfg.PortMin = uint16(v) }},
		{"portMax", opts.PortMax, 1, 65535, func(v int64) { cfg.PortMax = uint16(v) }},
		{"maxMessageSize", opts.MaxMessageSize, 1, maxMessageSizeLimit, func(v int64) { cfg.MaxMessageSize = int(v) }},
		{"receiveQueuePackets", opts.ReceiveQueuePackets, 1, math.MaxInt32, func(v int64) { cfg.ReceiveQueuePackets = int(v) }},
		{"receiveQueueBytes", opts.ReceiveQueueBytes, 1, math.MaxInt32, func(v int64) { cfg.ReceiveQueueBytes = int(v) }},
		{"eventQueueLimit", opts.EventQueueLimit, minEventQueueLimit, math.MaxInt32, func(v int64) { cfg.EventQueueLimit = int(v) }},
		{"sendBufferLimit", opts.SendBufferLimit, 1, math.MaxInt32, func(v int64) { cfg.SendBufferLimit = int(v) }},
		{"iceDisconnectedTimeoutMs", opts.ICEDisconnectedTimeoutMs, 1, math.MaxInt32, msSetter(&cfg.ICEDisconnectedTimeout)},
		{"iceFailedTimeoutMs", opts.ICEFailedTimeoutMs, 1, math.MaxInt32, msSetter(&cfg.ICEFailedTimeout)},
		{"iceKeepaliveMs", opts.ICEKeepaliveMs, 1, math.MaxInt32, msSetter(&cfg.ICEKeepalive)},
		{"hostAcceptanceWaitMs", opts.HostAcceptanceWaitMs, 0, math.MaxInt32, msSetter(&cfg.HostAcceptanceWait)},
		{"srflxAcceptanceWaitMs", opts.SrflxAcceptanceWaitMs, 0, math.MaxInt32, msSetter(&cfg.SrflxAcceptanceWait)},
		{"prflxAcceptanceWaitMs", opts.PrflxAcceptanceWaitMs, 0, math.MaxInt32, msSetter(&cfg.PrflxAcceptanceWait)},
		{"relayAcceptanceWaitMs", opts.RelayAcceptanceWaitMs, 0, math.MaxInt32, msSetter(&cfg.RelayAcceptanceWait)},
		{"udpReceiveBuffer", opts.UDPReceiveBuffer, 0, maxUDPReceiveBuffer, func(v int64) { cfg.UDPReceiveBuffer = int(v) }},
		{"sctpRtoMaxMs", opts.SCTPRTOMaxMs, 0, maxSCTPRTOMaxMs, msSetter(&cfg.SCTP.RTOMax)},
		{"sctpMinCwnd", opts.SCTPMinCwnd, 0, maxSCTPWindow, func(v int64) { cfg.SCTP.MinCwnd = uint32(v) }},
		{"sctpFastRtxWnd", opts.SCTPFastRtxWnd, 0, maxSCTPWindow, func(v int64) { cfg.SCTP.FastRtxWnd = uint32(v) }},
		{"sctpCwndCaStep", opts.SCTPCwndCAStep, 0, maxSCTPWindow, func(v int64) { cfg.SCTP.CwndCAStep = uint32(v) }},
	}
}

func setBool(dst *bool, src *bool) {
	if src != nil {
		*dst = *src
	}
}

// parseAddresses reads the "addresses" option: IP addresses (one host) or
// CIDR prefixes such as "127.0.0.0/8".
func parseAddresses(texts []string) ([]netip.Prefix, error) {
	prefixes := make([]netip.Prefix, 0, len(texts))
	for _, text := range texts {
		prefix, err := netip.ParsePrefix(text)
		if err != nil {
			addr, addrErr := netip.ParseAddr(text)
			if addrErr != nil {
				return nil, errorf(ErrInvalidParameter, "meshrtc options: addresses: %q is neither an IP address nor a CIDR prefix", text)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		prefixes = append(prefixes, prefix.Masked())
	}
	return prefixes, nil
}

// addressAllowed reports whether a local address may gather candidates.
func addressAllowed(allowed []netip.Prefix, ip net.IP) bool {
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	addr = addr.Unmap()
	for _, p := range allowed {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func msSetter(dst *time.Duration) func(int64) {
	return func(v int64) { *dst = time.Duration(v) * time.Millisecond }
}

// newAPI builds the data-only pion API for this configuration: no media
// engine codecs and no interceptors (they cost CPU and goroutines per peer).
func (c *Config) newAPI() (*webrtc.API, webrtc.Configuration, error) {
	var se webrtc.SettingEngine
	se.LoggerFactory = Logs
	se.DetachDataChannels()
	c.applyCandidateFilters(&se)
	if err := c.applySockets(&se); err != nil {
		return nil, webrtc.Configuration{}, err
	}
	c.applyICETimers(&se)
	se.SetSCTPMaxMessageSize(uint32(c.MaxMessageSize))
	c.SCTP.apply(&se)
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(&webrtc.MediaEngine{}),
		webrtc.WithInterceptorRegistry(&interceptor.Registry{}))
	return api, c.pionConfiguration(), nil
}

// applyCandidateFilters sets which interfaces and addresses gather
// candidates, and whether as mDNS names.
func (c *Config) applyCandidateFilters(se *webrtc.SettingEngine) {
	if len(c.Interfaces) > 0 {
		allowed := slices.Clone(c.Interfaces)
		se.SetInterfaceFilter(func(name string) bool { return slices.Contains(allowed, name) })
	}
	if len(c.Addresses) > 0 {
		allowed := slices.Clone(c.Addresses)
		se.SetIPFilter(func(ip net.IP) bool { return addressAllowed(allowed, ip) })
	}
	se.SetIncludeLoopbackCandidate(c.IncludeLoopback)
	se.SetICEMulticastDNSMode(map[MDNSMode]ice.MulticastDNSMode{
		MDNSQuery: ice.MulticastDNSModeQueryOnly, MDNSDisabled: ice.MulticastDNSModeDisabled, MDNSGather: ice.MulticastDNSModeQueryAndGather,
	}[c.MDNS])
}

// applySockets sets the UDP ports, the IP versions and the network ICE's
// sockets come from.
func (c *Config) applySockets(se *webrtc.SettingEngine) error {
	if c.PortMin != 0 {
		if err := se.SetEphemeralUDPPortRange(c.PortMin, c.PortMax); err != nil {
			return errorf(ErrInvalidParameter, "port range: %v", err)
		}
	}
	var networks []webrtc.NetworkType
	if c.IPv4 {
		networks = append(networks, webrtc.NetworkTypeUDP4)
	}
	if c.IPv6 {
		networks = append(networks, webrtc.NetworkTypeUDP6)
	}
	se.SetNetworkTypes(networks)
	if c.Net != nil {
		se.SetNet(c.Net)
	} else {
		// Always: its sockets drop forged datagrams (core/udpfilter.go).
		se.SetNet(newBufferedNet(c.UDPReceiveBuffer))
	}
	return nil
}

// applyICETimers sets the ICE timeouts and candidate acceptance waits that
// are not left to pion's defaults.
func (c *Config) applyICETimers(se *webrtc.SettingEngine) {
	if c.ICEDisconnectedTimeout != 0 || c.ICEFailedTimeout != 0 || c.ICEKeepalive != 0 {
		se.SetICETimeouts(orDefault(c.ICEDisconnectedTimeout, pionICEDisconnectedTimeout),
			orDefault(c.ICEFailedTimeout, pionICEFailedTimeout), orDefault(c.ICEKeepalive, pionICEKeepalive))
	}
	for _, wait := range []struct {
		value time.Duration
		set   func(time.Duration)
	}{
		{c.HostAcceptanceWait, se.SetHostAcceptanceMinWait},
		{c.SrflxAcceptanceWait, se.SetSrflxAcceptanceMinWait},
		{c.PrflxAcceptanceWait, se.SetPrflxAcceptanceMinWait},
		{c.RelayAcceptanceWait, se.SetRelayAcceptanceMinWait},
	} {
		if wait.value >= 0 {
			wait.set(wait.value)
		}
	}
}

// pionConfiguration is the RTCConfiguration of every peer: its ICE servers
// and transport policy.
func (c *Config) pionConfiguration() webrtc.Configuration {
	conf := webrtc.Configuration{ICETransportPolicy: webrtc.ICETransportPolicyAll}
	if c.RelayOnly {
		conf.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	for _, s := range c.ICEServers {
		conf.ICEServers = append(conf.ICEServers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return conf
}

func orDefault(d, fallback time.Duration) time.Duration {
	if d == 0 {
		return fallback
	}
	return d
}
