// Package server is meshrtc's lobby server: the signaling server of Godot's
// webrtc_signaling demo protocol (package protocol), with limits against
// hostile clients, TURN credentials, Prometheus metrics and, with Redis,
// any number of instances sharing the lobbies.
//
// Handler serves WebSocket clients on every path except /metrics and
// /healthz. Close shuts the server down.
package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// Server is a lobby server. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	hub     hub
	metrics *metrics
	joins   *addressLimiter
	ctx     context.Context // canceled by Close when clients are slow to go
	cancel  context.CancelFunc

	mu      sync.Mutex
	clients map[*client]struct{}
	closed  bool
	wg      sync.WaitGroup // one per client
}

// New starts a server (with Redis: connected, subscribed and registered
// as an instance).
func New(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:     cfg,
		log:     log,
		metrics: newMetrics(),
		joins:   newAddressLimiter(cfg.JoinsPerSecond, cfg.JoinBurst),
		clients: make(map[*client]struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if cfg.RedisURL == "" {
		s.hub = newMemoryHub(&s.cfg)
		return s, nil
	}
	h, err := newRedisHub(s)
	if err != nil {
		s.cancel()
		return nil, err
	}
	s.hub = h
	return s, nil
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP serves /metrics, /healthz and WebSocket clients on any other path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/metrics":
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.metrics.write(w, s.hub.lobbies())
	case "/healthz":
		if s.hub.healthy() {
			io.WriteString(w, "ok\n")
		} else {
			http.Error(w, "lobby state unavailable", http.StatusServiceUnavailable)
		}
	default:
		s.serveWebSocket(w, r)
	}
}

func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: len(s.cfg.OriginPatterns) == 0,
		OriginPatterns:     s.cfg.OriginPatterns,
	})
	if err != nil {
		s.log.Debug("not a WebSocket", "addr", r.RemoteAddr, "err", err)
		return
	}
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	s.mu.Lock()
	if s.closed || len(s.clients) >= s.cfg.MaxConnections {
		closed := s.closed
		s.mu.Unlock()
		if closed {
			ws.Close(protocol.CloseGoingAway, protocol.ReasonShutdown)
			return
		}
		s.metrics.reject(refuseConnections)
		ws.Close(protocol.CloseRefused, protocol.ReasonTooManyPeers)
		return
	}
	c := newClient(s, ws, addr)
	s.clients[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.metrics.connections.Add(1)
	defer func() {
		s.metrics.connections.Add(-1)
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
		s.wg.Done()
	}()

	joinTimer := time.AfterFunc(s.cfg.JoinTimeout, func() {
		if !c.joined.Load() {
			c.close(refuseNoLobby)
		}
	})
	written := make(chan struct{})
	go func() {
		defer close(written)
		c.writeLoop()
	}()
	c.readLoop(s.ctx)
	joinTimer.Stop()
	if c.joined.Load() {
		s.hub.leave(c)
		s.metrics.peers.Add(-1)
	}
	<-written
}

// Close closes every connection (1001, "Server shutting down"; with Redis
// their peers on other instances see them leave), waits up to 10 s for them
// to go, and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	shutdown := &refusal{code: protocol.CloseGoingAway, reason: protocol.ReasonShutdown}
	for c := range s.clients {
		c.close(shutdown)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cancel() // stop the readers of clients that never answered the close
		<-done
	}
	s.cancel()
	s.hub.close()
}

// String describes the server for logs.
func (s *Server) String() string {
	if s.cfg.RedisURL != "" {
		return fmt.Sprintf("lobby server (Redis, instance %s)", s.hub.(*redisHub).instance)
	}
	return "lobby server (in memory)"
}
