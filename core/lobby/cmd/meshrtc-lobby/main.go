// Command meshrtc-lobby is meshrtc's lobby (signaling) server: Godot's
// webrtc_signaling demo protocol over WebSocket (wss with --tls-cert and
// --tls-key), lobbies in memory or, with --redis, shared by any number of
// instances, TURN credentials with --turn-secret and --turn-urls, and
// /metrics and /healthz on the same address.
//
// Every flag can also be set in the environment as MESHRTC_LOBBY_ and the
// flag's name in capitals with "_" for "-" (MESHRTC_LOBBY_TURN_SECRET=...);
// a flag on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/meshrtc/meshrtc/core/lobby/server"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "meshrtc-lobby:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg := server.DefaultConfig()
	fs := flag.NewFlagSet("meshrtc-lobby", flag.ContinueOnError)
	listen := fs.String("listen", ":9080", "address to serve on (host:port; port 0 picks one)")
	portFile := fs.String("port-file", "", "write the port served on to this file once listening")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM) for wss; needs --tls-key")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM) for wss")
	fs.Int64Var(&cfg.MaxFrameBytes, "max-frame", cfg.MaxFrameBytes, "largest frame a client may send, bytes")
	fs.IntVar(&cfg.MaxConnections, "max-conns", cfg.MaxConnections, "WebSocket connections at once (this instance)")
	fs.IntVar(&cfg.MaxLobbies, "max-lobbies", cfg.MaxLobbies, "open lobbies (with --redis: in the whole cluster)")
	fs.IntVar(&cfg.MaxPeersPerLobby, "max-peers", cfg.MaxPeersPerLobby, "peers per lobby, the host included")
	fs.Float64Var(&cfg.MessagesPerSecond, "msg-rate", cfg.MessagesPerSecond, "messages per second per connection (sustained)")
	fs.IntVar(&cfg.MessageBurst, "msg-burst", cfg.MessageBurst, "messages per connection at once")
	fs.Float64Var(&cfg.JoinsPerSecond, "join-rate", cfg.JoinsPerSecond, "JOINs per second per client IP address (0: no limit, e.g. behind a proxy)")
	fs.IntVar(&cfg.JoinBurst, "join-burst", cfg.JoinBurst, "JOINs per client IP address at once")
	fs.DurationVar(&cfg.JoinTimeout, "join-timeout", cfg.JoinTimeout, "time a new connection has to JOIN")
	fs.DurationVar(&cfg.SealDelay, "seal-delay", cfg.SealDelay, "time a sealed lobby stays open")
	fs.DurationVar(&cfg.PingInterval, "ping-interval", cfg.PingInterval, "WebSocket ping interval (and pong timeout)")
	fs.IntVar(&cfg.MaxQueuedBytes, "max-queued", cfg.MaxQueuedBytes, "bytes waiting for one slow client before it is closed")
	origins := fs.String("origins", "", "comma-separated browser origins allowed (host patterns); empty: any")
	fs.StringVar(&cfg.RedisURL, "redis", "", "Redis URL (redis://host:port/db) to share lobbies between instances")
	fs.DurationVar(&cfg.InstanceTimeout, "instance-timeout", cfg.InstanceTimeout, "with --redis: heartbeat age after which an instance counts as dead")
	fs.StringVar(&cfg.TURN.Secret, "turn-secret", "", "TURN static-auth-secret (coturn use-auth-secret); clients get credentials")
	turnURLs := fs.String("turn-urls", "", "comma-separated TURN URLs for the credentials (turn:host:port?transport=udp,...)")
	fs.DurationVar(&cfg.TURN.TTL, "turn-ttl", cfg.TURN.TTL, "how long TURN credentials stay valid")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logJSON := fs.Bool("log-json", false, "log JSON lines instead of text")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := flagsFromEnv(fs, os.Environ()); err != nil {
		return err
	}
	cfg.OriginPatterns = splitList(*origins)
	cfg.TURN.URLs = splitList(*turnURLs)
	if (*certFile == "") != (*keyFile == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if *logJSON {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, opts))
	} else {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, opts))
	}

	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		srv.Close()
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		// Written whole, then renamed: a reader never sees half a number.
		if err := os.WriteFile(*portFile+".tmp", fmt.Appendf(nil, "%d\n", port), 0o644); err != nil {
			return err
		}
		if err := os.Rename(*portFile+".tmp", *portFile); err != nil {
			return err
		}
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	scheme := "ws"
	if *certFile != "" {
		scheme = "wss"
	}
	cfg.Logger.Info("meshrtc-lobby serving", "addr", ln.Addr().String(), "scheme", scheme, "server", srv.String())

	served := make(chan error, 1)
	go func() {
		if *certFile != "" {
			served <- httpSrv.ServeTLS(ln, *certFile, *keyFile)
		} else {
			served <- httpSrv.Serve(ln)
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err = <-served:
	case sig := <-stop:
		cfg.Logger.Info("shutting down", "signal", sig.String())
	}
	// Clients first (they hear 1001 and their lobbies see them leave), then
	// the listener.
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	httpSrv.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// flagsFromEnv sets each flag not given on the command line from
// MESHRTC_LOBBY_<NAME> when that is set.
func flagsFromEnv(fs *flag.FlagSet, environ []string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "MESHRTC_LOBBY_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := env[name]; ok && !given[f.Name] && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	})
	return err
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
