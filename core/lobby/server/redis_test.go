//go:build redis

// The Redis tests (go test -tags redis; scripts/test.sh's lobby stage):
// every protocol test again with two instances sharing a real redis-server
// (clients alternating between them), and instances of the real command
// killed and shut down.
package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/meshrtc/meshrtc/core/lobby/protocol"
)

var redisOnce struct {
	sync.Once
	url string
	err error
}

// redisURL starts one redis-server for the test binary (127.0.0.1, a free
// port, no persistence) and returns its URL.
func redisURL(t *testing.T) string {
	t.Helper()
	redisOnce.Do(func() {
		bin, err := exec.LookPath("redis-server")
		if err != nil {
			redisOnce.err = fmt.Errorf("redis-server not found (apt-get install redis-server): %w", err)
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			redisOnce.err = err
			return
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		dir, err := os.MkdirTemp("", "meshrtc-redis")
		if err != nil {
			redisOnce.err = err
			return
		}
		cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", fmt.Sprint(port), "--save", "",
			"--appendonly", "no", "--dir", dir, "--protected-mode", "yes")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			redisOnce.err = err
			return
		}
		atExit = append(atExit, func() {
			cmd.Process.Kill()
			cmd.Wait()
			os.RemoveAll(dir)
		})
		url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
		rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
		defer rdb.Close()
		deadline := time.Now().Add(hangGuard)
		for rdb.Ping(context.Background()).Err() != nil {
			if time.Now().After(deadline) {
				redisOnce.err = fmt.Errorf("redis-server on port %d does not answer", port)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		redisOnce.url = url
	})
	if redisOnce.err != nil {
		t.Fatal(redisOnce.err)
	}
	return redisOnce.url
}

// flushRedis empties the shared Redis: each test starts from nothing.
func flushRedis(t *testing.T, url string) {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

func init() {
	backends = append(backends, backend{"redis", func(t *testing.T, cfg Config) []Config {
		url := redisURL(t)
		flushRedis(t, url)
		cfg.RedisURL = url
		return []Config{cfg, cfg}
	}})
}

// lobbyProcess is one instance of the real meshrtc-lobby command.
type lobbyProcess struct {
	cmd *exec.Cmd
	url string
}

var lobbyBinary struct {
	sync.Once
	path string
	err  error
}

// startLobby builds the command (once) and starts it on 127.0.0.1 with args.
func startLobby(t *testing.T, args ...string) *lobbyProcess {
	t.Helper()
	lobbyBinary.Do(func() {
		dir, err := os.MkdirTemp("", "meshrtc-lobby-bin")
		if err != nil {
			lobbyBinary.err = err
			return
		}
		atExit = append(atExit, func() { os.RemoveAll(dir) })
		lobbyBinary.path = filepath.Join(dir, "meshrtc-lobby")
		out, err := exec.Command("go", "build", "-o", lobbyBinary.path, "github.com/meshrtc/meshrtc/core/lobby/cmd/meshrtc-lobby").CombinedOutput()
		if err != nil {
			lobbyBinary.err = fmt.Errorf("go build meshrtc-lobby: %v\n%s", err, out)
		}
	})
	if lobbyBinary.err != nil {
		t.Fatal(lobbyBinary.err)
	}
	portFile := filepath.Join(t.TempDir(), "port")
	cmd := exec.Command(lobbyBinary.path, append([]string{"--listen", "127.0.0.1:0", "--port-file", portFile, "--log-level", "debug"}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &lobbyProcess{cmd: cmd}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(hangGuard)
	for {
		if b, err := os.ReadFile(portFile); err == nil {
			p.url = "ws://127.0.0.1:" + strings.TrimSpace(string(b))
			return p
		}
		if time.Now().After(deadline) {
			t.Fatal("meshrtc-lobby did not write its port")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisInstanceKilled: two lobbies spread over instances A and B;
// B is killed with SIGKILL. A's clients stay; they see B's clients leave
// (the lobby whose host was on B closes), and the lobbies work on.
func TestRedisInstanceKilled(t *testing.T) {
	url := redisURL(t)
	flushRedis(t, url)
	args := []string{"--redis", url, "--instance-timeout", "1s", "--join-rate", "0"}
	a, b := startLobby(t, args...), startLobby(t, args...)

	// Lobby 1: host, m3 on A; m2, m4 on B.
	host1 := dialURL(t, a.url)
	name1 := host1.create(true)
	onB := []*testClient{dialURL(t, b.url), dialURL(t, b.url)}
	m3 := dialURL(t, a.url)
	id2 := onB[0].join(name1, true, protocol.HostID)
	host1.expect(protocol.Message{Type: protocol.PeerConnect, ID: id2})
	id3 := m3.join(name1, true, protocol.HostID, id2)
	host1.expect(protocol.Message{Type: protocol.PeerConnect, ID: id3})
	onB[0].expect(protocol.Message{Type: protocol.PeerConnect, ID: id3})
	id4 := onB[1].join(name1, true, protocol.HostID, id2, id3)
	for _, c := range []*testClient{host1, onB[0], m3} {
		c.expect(protocol.Message{Type: protocol.PeerConnect, ID: id4})
	}
	// Relayed across instances, both ways.
	onB[0].send(protocol.Offer, protocol.HostID, "offer 2->1")
	host1.expect(protocol.Message{Type: protocol.Offer, ID: id2, Data: "offer 2->1"})
	m3.send(protocol.Candidate, id4, "\n0\n0\ncandidate 3->4")
	onB[1].expect(protocol.Message{Type: protocol.Candidate, ID: id3, Data: "\n0\n0\ncandidate 3->4"})

	// Lobby 2: host on B, a member on A.
	host2 := dialURL(t, b.url)
	name2 := host2.create(false)
	guest := dialURL(t, a.url)
	guestID := guest.join(name2, false, protocol.HostID)
	host2.expect(protocol.Message{Type: protocol.PeerConnect, ID: guestID})

	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// A's members of lobby 1 see m2 and m4 leave (in either order).
	for _, c := range []*testClient{host1, m3} {
		left := map[int32]bool{}
		for range 2 {
			m := c.next()
			if m.Type != protocol.PeerDisconnect {
				t.Fatalf("got %v %d, want PEER_DISCONNECT", m.Type, m.ID)
			}
			left[m.ID] = true
		}
		if !left[id2] || !left[id4] {
			t.Fatalf("left: %v, want %d and %d", left, id2, id4)
		}
	}
	// Lobby 2 lost its host: closed for its member on A.
	guest.expect(protocol.Message{Type: protocol.PeerDisconnect, ID: protocol.HostID})
	guest.expectClose(protocol.CloseRefused, protocol.ReasonHostDisconnected)
	// Lobby 1 works on: relays, and a newcomer sees only who is left.
	m3.send(protocol.Answer, protocol.HostID, "still here")
	host1.expect(protocol.Message{Type: protocol.Answer, ID: id3, Data: "still here"})
	late := dialURL(t, a.url)
	id5 := late.join(name1, true, protocol.HostID, id3)
	host1.expect(protocol.Message{Type: protocol.PeerConnect, ID: id5})
	m3.expect(protocol.Message{Type: protocol.PeerConnect, ID: id5})
	late2 := dialURL(t, a.url)
	late2.send(protocol.Join, protocol.JoinMesh, name2)
	late2.expectClose(protocol.CloseRefused, protocol.ReasonLobbyNotFound)

	// An instance shut down with SIGTERM closes its clients (1001) and they
	// leave their lobbies at once.
	c := startLobby(t, args...)
	m6 := dialURL(t, c.url)
	id6 := m6.join(name1, true, protocol.HostID, id3, id5)
	for _, m := range []*testClient{host1, m3, late} {
		m.expect(protocol.Message{Type: protocol.PeerConnect, ID: id6})
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	m6.expectClose(protocol.CloseGoingAway, protocol.ReasonShutdown)
	for _, m := range []*testClient{host1, m3, late} {
		m.expect(protocol.Message{Type: protocol.PeerDisconnect, ID: id6})
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("meshrtc-lobby after SIGTERM: %v", err)
	}
	checkRedisEmptyOf(t, url, name2)
}

// checkRedisEmptyOf: nothing of lobby name is left in Redis.
func checkRedisEmptyOf(t *testing.T, url, name string) {
	t.Helper()
	opts, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "meshrtc:l:"+name+"*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("keys of closed lobby %s: %v, %v", name, keys, err)
	}
	members, err := rdb.SMembers(context.Background(), "meshrtc:lobbies").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m == name {
			t.Errorf("closed lobby %s still listed", name)
		}
	}
}

// TestCommandTLS: the command serves wss with --tls-cert, and takes a
// flag from the environment (the key as MESHRTC_LOBBY_TLS_KEY).
func TestCommandTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	t.Setenv("MESHRTC_LOBBY_TLS_KEY", keyFile)
	p := startLobby(t, "--tls-cert", certFile)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(p.url, "ws"), &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	c := &testClient{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	c.create(true)
}
