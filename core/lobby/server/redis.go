package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// redisHub keeps the lobbies in Redis (see redis_scripts.go) so that any
// number of instances share them: membership in Redis, every delivery by
// pub/sub to the instance that holds the connection. Each instance sends a
// heartbeat every InstanceTimeout/5 and, in the same script, drops the
// members of instances whose heartbeat is older than InstanceTimeout, so
// the lobbies of a dead instance lose only its connections.
type redisHub struct {
	srv      *Server
	rdb      *redis.Client
	sub      *redis.PubSub
	instance string
	hostLeft string // the close of hostLeft as the scripts send it
	alive    atomic.Bool
	stop     context.CancelFunc
	loops    sync.WaitGroup

	mu     sync.Mutex
	routes map[route]*client
	hosted map[string]*time.Timer // lobbies whose host is here -> seal timer (nil until sealed)
}

type route struct {
	lobby string
	id    int32
}

// redisOpTimeout bounds one Redis call.
const redisOpTimeout = 5 * time.Second

func newRedisHub(s *Server) (*redisHub, error) {
	opts, err := redis.ParseURL(s.cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("%w: Redis URL: %v", ErrConfig, err)
	}
	var id [8]byte
	rand.Read(id[:])
	h := &redisHub{
		srv:      s,
		rdb:      redis.NewClient(opts),
		instance: hex.EncodeToString(id[:]),
		hostLeft: closePayload(hostLeft),
		routes:   make(map[route]*client),
		hosted:   make(map[string]*time.Timer),
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	// Subscribed before registering: nothing published to us is missed.
	h.sub = h.rdb.Subscribe(ctx, "meshrtc:i:"+h.instance)
	if _, err := h.sub.Receive(ctx); err != nil {
		h.sub.Close()
		h.rdb.Close()
		return nil, fmt.Errorf("redis %s: %w", opts.Addr, err)
	}
	if err := luaRegister.Run(ctx, h.rdb, nil, h.instance).Err(); err != nil {
		h.sub.Close()
		h.rdb.Close()
		return nil, fmt.Errorf("redis %s: %w", opts.Addr, err)
	}
	h.alive.Store(true)
	loopCtx, stop := context.WithCancel(context.Background())
	h.stop = stop
	h.loops.Add(2)
	go h.receiveLoop(loopCtx)
	go h.heartbeatLoop(loopCtx)
	s.log.Info("lobby state in Redis", "addr", opts.Addr, "instance", h.instance)
	return h, nil
}

func closePayload(r *refusal) string { return strconv.Itoa(r.code) + " " + r.reason }

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (h *redisHub) join(ctx context.Context, c *client, name string, mesh bool) (joinResult, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	create := name == ""
	for {
		id := newPeerID()
		if create {
			name, id = newLobbyCode(), protocol.HostID
		}
		r := route{name, id}
		// Routed before the script runs: members may send to c as soon as
		// it is in (c is held until its replies are queued).
		h.mu.Lock()
		h.routes[r] = c
		h.mu.Unlock()
		res, err := luaJoin.Run(ctx, h.rdb, nil, h.instance, name, id, boolArg(mesh), boolArg(create),
			h.srv.cfg.MaxPeersPerLobby, h.srv.cfg.MaxLobbies).StringSlice()
		if err != nil || res[0] != "ok" {
			h.mu.Lock()
			delete(h.routes, r)
			h.mu.Unlock()
		}
		if err != nil {
			h.srv.log.Error("redis join", "err", err)
			return joinResult{}, err
		}
		switch res[0] {
		case "retry":
			continue
		case "dead":
			return joinResult{}, refuseStateLost
		case "lobbies":
			return joinResult{}, refuseLobbies
		case "missing":
			return joinResult{}, refuseNotFound
		case "sealed":
			return joinResult{}, refuseSealed
		case "full":
			return joinResult{}, refuseFull
		}
		out := joinResult{mesh: res[1] == "1", others: make([]int32, 0, len(res)-2)}
		for _, s := range res[2:] {
			other, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return joinResult{}, fmt.Errorf("redis join: member id %q: %w", s, err)
			}
			out.others = append(out.others, int32(other))
		}
		h.mu.Lock()
		c.lobby, c.id = name, id
		c.joined.Store(true)
		if id == protocol.HostID {
			h.hosted[name] = nil
		}
		h.mu.Unlock()
		return out, nil
	}
}

func (h *redisHub) leave(c *client) {
	h.mu.Lock()
	delete(h.routes, route{c.lobby, c.id})
	if c.id == protocol.HostID {
		if t := h.hosted[c.lobby]; t != nil {
			t.Stop()
		}
		delete(h.hosted, c.lobby)
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	if err := luaLeave.Run(ctx, h.rdb, nil, c.lobby, c.id, h.hostLeft).Err(); err != nil {
		// The member stays in Redis until this instance is dropped.
		h.srv.log.Error("redis leave", "lobby", c.lobby, "peer", c.id, "err", err)
	}
}

func (h *redisHub) forward(ctx context.Context, c *client, to int32, frame []byte) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	n, err := luaForward.Run(ctx, h.rdb, nil, c.lobby, to, frame).Int()
	if err != nil {
		h.srv.log.Error("redis forward", "err", err)
		return false, err
	}
	return n == 1, nil
}

func (h *redisHub) seal(ctx context.Context, c *client) error {
	ctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	n, err := luaSeal.Run(ctx, h.rdb, nil, c.lobby, sealFrame).Int()
	if err != nil || n == 0 {
		return err
	}
	name := c.lobby
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.hosted[name]; ok {
		h.hosted[name] = time.AfterFunc(h.srv.cfg.SealDelay, func() { h.closeSealed(name) })
	}
	return nil
}

func (h *redisHub) closeSealed(name string) {
	h.mu.Lock()
	_, ok := h.hosted[name]
	delete(h.hosted, name)
	h.mu.Unlock()
	if !ok {
		return // the host left first
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	if err := luaCloseLobby.Run(ctx, h.rdb, nil, name, closePayload(sealComplete)).Err(); err != nil {
		h.srv.log.Error("redis close sealed lobby", "lobby", name, "err", err)
	}
}

func (h *redisHub) lobbies() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.hosted)
}

func (h *redisHub) healthy() bool { return h.alive.Load() }

// receiveLoop delivers what other instances (and scripts) publish to this
// one. ReceiveMessage reconnects by itself after a Redis failure.
func (h *redisHub) receiveLoop(ctx context.Context) {
	defer h.loops.Done()
	for {
		msg, err := h.sub.ReceiveMessage(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, redis.ErrClosed) {
				return
			}
			h.srv.log.Warn("redis subscription", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		h.dispatch(msg.Payload)
	}
}

// dispatch acts on one "NAME ID KIND\nPAYLOAD" envelope.
func (h *redisHub) dispatch(envelope string) {
	head, payload, ok := strings.Cut(envelope, "\n")
	fields := strings.Fields(head)
	if !ok || len(fields) != 3 {
		h.srv.log.Error("redis: bad envelope", "head", head)
		return
	}
	id, err := strconv.ParseInt(fields[1], 10, 32)
	if err != nil {
		h.srv.log.Error("redis: bad envelope id", "head", head)
		return
	}
	h.mu.Lock()
	c := h.routes[route{fields[0], int32(id)}]
	h.mu.Unlock()
	if c == nil {
		return // it left meanwhile
	}
	switch fields[2] {
	case "m":
		c.deliver([]byte(payload))
	case "c":
		codeText, reason, _ := strings.Cut(payload, " ")
		code, err := strconv.Atoi(codeText)
		if err != nil {
			code = protocol.CloseInternal
		}
		c.close(&refusal{code: code, reason: reason})
	}
}

func (h *redisHub) heartbeatLoop(ctx context.Context) {
	defer h.loops.Done()
	tick := time.NewTicker(h.srv.cfg.InstanceTimeout / 5)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		opCtx, cancel := context.WithTimeout(ctx, redisOpTimeout)
		n, err := luaHeartbeat.Run(opCtx, h.rdb, nil, h.instance, h.srv.cfg.InstanceTimeout.Milliseconds(), h.hostLeft).Int()
		cancel()
		switch {
		case err != nil:
			if h.alive.Swap(false) {
				h.srv.log.Error("redis heartbeat", "err", err)
			}
		case n == 0:
			h.dropped()
		default:
			if !h.alive.Swap(true) {
				h.srv.log.Info("redis heartbeat back")
			}
			if n > 1 {
				h.srv.log.Warn("dropped instances that stopped their heartbeat", "count", n-1)
			}
		}
	}
}

// dropped handles being dropped by the other instances (this one missed
// its heartbeats): its clients are out of their lobbies already, so they
// are closed, and the instance registers again, empty.
func (h *redisHub) dropped() {
	h.srv.log.Error("this instance was dropped from Redis (heartbeats missed): closing its clients")
	h.alive.Store(false)
	h.mu.Lock()
	for r, c := range h.routes {
		c.close(refuseStateLost)
		delete(h.routes, r)
	}
	for name, t := range h.hosted {
		if t != nil {
			t.Stop()
		}
		delete(h.hosted, name)
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	if err := luaRegister.Run(ctx, h.rdb, nil, h.instance).Err(); err == nil {
		h.alive.Store(true)
	}
}

func (h *redisHub) close() {
	h.stop()
	h.sub.Close()
	h.loops.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	if err := luaUnregister.Run(ctx, h.rdb, nil, h.instance, h.hostLeft).Err(); err != nil {
		h.srv.log.Error("redis unregister", "err", err)
	}
	h.rdb.Close()
}
