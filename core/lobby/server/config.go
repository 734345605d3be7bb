package server

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config is a server's settings. Start from DefaultConfig: every limit must
// be positive (JoinsPerSecond 0 turns the join limit off).
type Config struct {
	// MaxFrameBytes is the largest frame a client may send; a larger one
	// closes the connection (1009, message too big).
	MaxFrameBytes int64
	// MaxConnections is how many WebSocket connections this instance keeps
	// at once; one more is closed with "Too many peers connected".
	MaxConnections int
	// MaxLobbies is how many lobbies may be open (with Redis: in the whole
	// cluster).
	MaxLobbies int
	// MaxPeersPerLobby is how many peers one lobby takes, its host included.
	MaxPeersPerLobby int
	// MessagesPerSecond and MessageBurst bound what one connection sends
	// (a token bucket); more closes it.
	MessagesPerSecond float64
	MessageBurst      int
	// JoinsPerSecond and JoinBurst bound the JOINs one IP address makes to
	// this instance across its connections (a connection joins once, so
	// the address is what an attacker has to spend); 0 turns the limit
	// off, as a server behind a proxy that hides client addresses needs.
	JoinsPerSecond float64
	JoinBurst      int
	// JoinTimeout is how long a new connection has to JOIN.
	JoinTimeout time.Duration
	// SealDelay is how long a sealed lobby stays open.
	SealDelay time.Duration
	// PingInterval is how often the server pings a connection; the pong
	// must come back within the same time, or the connection is dropped.
	PingInterval time.Duration
	// WriteTimeout bounds writing one frame to a client.
	WriteTimeout time.Duration
	// MaxQueuedBytes is how much may wait to be written to one client; a
	// client that lets more pile up is closed ("Not reading fast enough").
	MaxQueuedBytes int
	// OriginPatterns, if set, are the only browser origins allowed
	// (github.com/coder/websocket's host patterns); empty allows any origin:
	// the lobby has no cookies or credentials a foreign page could abuse, and
	// Godot's web exports run on other hosts than the lobby.
	OriginPatterns []string
	// TURN, if Secret is set, gives every client TURN credentials.
	TURN TURNConfig
	// RedisURL (redis://...) shares lobbies between instances; empty keeps
	// them in this process.
	RedisURL string
	// InstanceTimeout is how long an instance may miss its Redis heartbeat
	// before the others take its connections out of their lobbies.
	InstanceTimeout time.Duration
	// Logger receives the server's log; nil logs nothing.
	Logger *slog.Logger
}

// TURNConfig is the TURN server whose credentials clients get: coturn's
// use-auth-secret with static-auth-secret = Secret.
type TURNConfig struct {
	Secret string
	URLs   []string
	// TTL is how long credentials stay valid.
	TTL time.Duration
}

// DefaultConfig is the configuration the server command starts from.
func DefaultConfig() Config {
	return Config{
		MaxFrameBytes:     64 << 10,
		MaxConnections:    8192,
		MaxLobbies:        4096,
		MaxPeersPerLobby:  64,
		MessagesPerSecond: 50,
		MessageBurst:      400,
		JoinsPerSecond:    5,
		JoinBurst:         50,
		JoinTimeout:       5 * time.Second,
		SealDelay:         10 * time.Second,
		PingInterval:      20 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxQueuedBytes:    1 << 20,
		TURN:              TURNConfig{TTL: 24 * time.Hour},
		InstanceTimeout:   5 * time.Second,
	}
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid lobby server configuration")

func (c Config) check() error {
	positive := []struct {
		name string
		ok   bool
	}{
		{"MaxFrameBytes", c.MaxFrameBytes > 0},
		{"MaxConnections", c.MaxConnections > 0},
		{"MaxLobbies", c.MaxLobbies > 0},
		{"MaxPeersPerLobby", c.MaxPeersPerLobby > 0},
		{"MessagesPerSecond", c.MessagesPerSecond > 0},
		{"MessageBurst", c.MessageBurst > 0},
		{"JoinsPerSecond (0 or more)", c.JoinsPerSecond >= 0},
		{"JoinBurst", c.JoinBurst > 0 || c.JoinsPerSecond == 0},
		{"JoinTimeout", c.JoinTimeout > 0},
		{"SealDelay", c.SealDelay > 0},
		{"PingInterval", c.PingInterval > 0},
		{"WriteTimeout", c.WriteTimeout > 0},
		{"MaxQueuedBytes", c.MaxQueuedBytes > 0},
		{"InstanceTimeout", c.InstanceTimeout > 0 || c.RedisURL == ""},
	}
	for _, p := range positive {
		if !p.ok {
			return fmt.Errorf("%w: %s must be positive", ErrConfig, p.name)
		}
	}
	if int64(c.MaxQueuedBytes) < c.MaxFrameBytes {
		return fmt.Errorf("%w: MaxQueuedBytes must hold at least one frame of MaxFrameBytes", ErrConfig)
	}
	if c.TURN.Secret != "" && (len(c.TURN.URLs) == 0 || c.TURN.TTL <= 0) {
		return fmt.Errorf("%w: TURN needs URLs and a positive TTL with its secret", ErrConfig)
	}
	if c.TURN.Secret == "" && len(c.TURN.URLs) > 0 {
		return fmt.Errorf("%w: TURN URLs without a secret", ErrConfig)
	}
	return nil
}
