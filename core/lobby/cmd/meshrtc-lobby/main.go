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
	cfg, opts, err := parseFlags(args, os.Environ())
	if err != nil {
		return err
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.listen)
	if err != nil {
		srv.Close()
		return err
	}
	if opts.portFile != "" {
		if err := writePortFile(opts.portFile, ln.Addr().(*net.TCPAddr).Port); err != nil {
			return err
		}
	}
	return serve(srv, ln, opts, cfg.Logger)
}

// options are the command's own flags; the others set the server's Config.
type options struct {
	listen, portFile  string
	certFile, keyFile string
	origins, turnURLs string // comma-separated
	logLevel          string
	logJSON           bool
}

// parseFlags reads the command line, then the environment for the flags it
// does not give.
func parseFlags(args, environ []string) (server.Config, options, error) {
	cfg := server.DefaultConfig()
	var opts options
	fs := flag.NewFlagSet("meshrtc-lobby", flag.ContinueOnError)
	defineFlags(fs, &cfg, &opts)
	if err := fs.Parse(args); err != nil {
		return cfg, opts, err
	}
	if fs.NArg() > 0 {
		return cfg, opts, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := flagsFromEnv(fs, environ); err != nil {
		return cfg, opts, err
	}
	cfg.OriginPatterns = splitList(opts.origins)
	cfg.TURN.URLs = splitList(opts.turnURLs)
	if (opts.certFile == "") != (opts.keyFile == "") {
		return cfg, opts, errors.New("--tls-cert and --tls-key go together")
	}
	logger, err := newLogger(opts.logLevel, opts.logJSON)
	if err != nil {
		return cfg, opts, err
	}
	cfg.Logger = logger
	return cfg, opts, nil
}

func defineFlags(fs *flag.FlagSet, cfg *server.Config, opts *options) {
	fs.StringVar(&opts.listen, "listen", ":9080", "address to serve on (host:port; port 0 picks one)")
	fs.StringVar(&opts.portFile, "port-file", "", "write the port served on to this file once listening")
	fs.StringVar(&opts.certFile, "tls-cert", "", "TLS certificate (PEM) for wss; needs --tls-key")
	fs.StringVar(&opts.keyFile, "tls-key", "", "TLS private key (PEM) for wss")
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
	fs.StringVar(&opts.origins, "origins", "", "comma-separated browser origins allowed (host patterns); empty: any")
	fs.StringVar(&cfg.RedisURL, "redis", "", "Redis URL (redis://host:port/db) to share lobbies between instances")
	fs.DurationVar(&cfg.InstanceTimeout, "instance-timeout", cfg.InstanceTimeout, "with --redis: heartbeat age after which an instance counts as dead")
	fs.StringVar(&cfg.TURN.Secret, "turn-secret", "", "TURN static-auth-secret (coturn use-auth-secret); clients get credentials")
	fs.StringVar(&opts.turnURLs, "turn-urls", "", "comma-separated TURN URLs for the credentials (turn:host:port?transport=udp,...)")
	fs.DurationVar(&cfg.TURN.TTL, "turn-ttl", cfg.TURN.TTL, "how long TURN credentials stay valid")
	fs.StringVar(&opts.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&opts.logJSON, "log-json", false, "log JSON lines instead of text")
}

// newLogger logs to stderr from level ("debug", "info", "warn", "error"),
// as JSON lines or text.
func newLogger(level string, asJSON bool) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	if asJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
}

// writePortFile writes the port whole, then renames it into place: a reader
// never sees half a number.
func writePortFile(path string, port int) error {
	if err := os.WriteFile(path+".tmp", fmt.Appendf(nil, "%d\n", port), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// serve serves srv on ln (wss with a certificate) until serving fails or
// SIGINT or SIGTERM comes, then closes the clients and the listener.
func serve(srv *server.Server, ln net.Listener, opts options, logger *slog.Logger) error {
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	scheme := "ws"
	if opts.certFile != "" {
		scheme = "wss"
	}
	logger.Info("meshrtc-lobby serving", "addr", ln.Addr().String(), "scheme", scheme, "server", srv.String())

	served := make(chan error, 1)
	go func() {
		if opts.certFile != "" {
			served <- httpSrv.ServeTLS(ln, opts.certFile, opts.keyFile)
		} else {
			served <- httpSrv.Serve(ln)
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	var err error
	select {
	case err = <-served:
	case sig := <-stop:
		logger.Info("shutting down", "signal", sig.String())
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
