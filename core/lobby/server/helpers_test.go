package server

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

// backend is a way to run the servers of a test: one in-memory server, or
// (redis_test.go, build tag redis) two instances sharing one Redis, with
// the clients alternating between them.
type backend struct {
	name  string
	setup func(t *testing.T, cfg Config) []Config // the configurations of the instances
}

var backends = []backend{{"memory", func(_ *testing.T, cfg Config) []Config { return []Config{cfg} }}}

// atExit runs after every test (stops what TestMain's tests share).
var atExit []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range atExit {
		f()
	}
	os.Exit(code)
}

// forBackends runs test once per backend.
func forBackends(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// hangGuard bounds every wait of a test client: a broken server fails the
// test instead of hanging it (never a timing assertion).
const hangGuard = 20 * time.Second

// testConfig is DefaultConfig with limits that leave tests room, short
// delays, and the server's log in the test's output.
func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.JoinsPerSecond = 0
	cfg.SealDelay = 300 * time.Millisecond
	cfg.InstanceTimeout = time.Second
	return cfg
}

type harness struct {
	t       *testing.T
	servers []*Server
	urls    []string
	next    int
}

// newHarness starts b's servers with cfg (each instance closed at the
// end of the test).
func newHarness(t *testing.T, b backend, cfg Config) *harness {
	h := &harness{t: t}
	for _, c := range b.setup(t, cfg) {
		s, err := New(c)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		hs := httptest.NewServer(s.Handler())
		t.Cleanup(func() {
			s.Close()
			hs.Close()
		})
		h.servers = append(h.servers, s)
		h.urls = append(h.urls, "ws"+strings.TrimPrefix(hs.URL, "http"))
	}
	return h
}

// dial connects a client to the next instance.
func (h *harness) dial() *testClient {
	url := h.urls[h.next%len(h.urls)]
	h.next++
	return dialURL(h.t, url)
}

type testClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialURL(t *testing.T, url string) *testClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { ws.CloseNow() })
	return &testClient{t: t, ws: ws}
}

func (c *testClient) sendRaw(typ websocket.MessageType, frame []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if err := c.ws.Write(ctx, typ, frame); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *testClient) send(typ protocol.Type, id int32, data string) {
	c.t.Helper()
	c.sendRaw(websocket.MessageText, protocol.Message{Type: typ, ID: id, Data: data}.Encode())
}

// read is the next message, or the error that ended the connection.
func (c *testClient) read() (protocol.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	typ, frame, err := c.ws.Read(ctx)
	if err != nil {
		return protocol.Message{}, err
	}
	if typ != websocket.MessageText {
		return protocol.Message{}, fmt.Errorf("a binary frame from the server: %q", frame)
	}
	return protocol.Decode(frame)
}

func (c *testClient) next() protocol.Message {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

func (c *testClient) expect(want protocol.Message) {
	c.t.Helper()
	if got := c.next(); got != want {
		c.t.Fatalf("got %v %d %q, want %v %d %q", got.Type, got.ID, got.Data, want.Type, want.ID, want.Data)
	}
}

// expectPeers reads one PEER_CONNECT per id, in any order.
func (c *testClient) expectPeers(ids ...int32) {
	c.t.Helper()
	want := map[int32]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for range ids {
		m := c.next()
		if m.Type != protocol.PeerConnect || !want[m.ID] {
			c.t.Fatalf("got %v %d, want PEER_CONNECT of one of %v", m.Type, m.ID, want)
		}
		delete(want, m.ID)
	}
}

// expectClose reads until the connection ends, which must be a close with
// code and reason (messages before it are skipped only if skip says so).
func (c *testClient) expectClose(code int, reason string) {
	c.t.Helper()
	m, err := c.read()
	if err == nil {
		c.t.Fatalf("got %v %d %q, want the close %d %q", m.Type, m.ID, m.Data, code, reason)
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || int(ce.Code) != code || ce.Reason != reason {
		c.t.Fatalf("connection ended with %v, want close %d %q", err, code, reason)
	}
}

// create makes a lobby (mesh or server mode); returns its name.
func (c *testClient) create(mesh bool) string {
	c.t.Helper()
	mode := protocol.JoinServer
	if mesh {
		mode = protocol.JoinMesh
	}
	c.send(protocol.Join, mode, "")
	joined := c.next()
	if joined.Type != protocol.Join || !validLobbyName(joined.Data) {
		c.t.Fatalf("created: got %v %d %q, want JOIN with a 16-letter code", joined.Type, joined.ID, joined.Data)
	}
	c.expect(protocol.Message{Type: protocol.ID, ID: protocol.HostID, Data: fmt.Sprint(mesh)})
	return joined.Data
}

// join joins lobby name, whose members are others; returns the id it got.
func (c *testClient) join(name string, mesh bool, others ...int32) int32 {
	c.t.Helper()
	c.send(protocol.Join, protocol.JoinMesh, name)
	c.expect(protocol.Message{Type: protocol.Join, Data: name})
	id := c.next()
	if id.Type != protocol.ID || id.ID <= protocol.HostID || id.Data != fmt.Sprint(mesh) {
		c.t.Fatalf("joined: got %v %d %q, want ID with an id above 1 and %q", id.Type, id.ID, id.Data, fmt.Sprint(mesh))
	}
	c.expectPeers(others...)
	return id.ID
}

// lobbyOf creates a lobby with n members: clients[0] the host (id 1); each
// member has seen PEER_CONNECT for every other.
func (h *harness) lobbyOf(n int, mesh bool) (name string, clients []*testClient, ids []int32) {
	host := h.dial()
	name = host.create(mesh)
	clients, ids = []*testClient{host}, []int32{protocol.HostID}
	for len(clients) < n {
		c := h.dial()
		id := c.join(name, mesh, ids...)
		for _, old := range clients {
			old.expect(protocol.Message{Type: protocol.PeerConnect, ID: id})
		}
		clients, ids = append(clients, c), append(ids, id)
	}
	return name, clients, ids
}
