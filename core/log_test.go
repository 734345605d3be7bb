package core

import (
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/pion/logging"
)

var _ logging.LoggerFactory = (*LogHub)(nil)

// quietHub is a hub that writes nothing to stderr unless capture is off and stderr is set.
func quietHub(limit int) *LogHub {
	return &LogHub{stderrLevel: LogNone, limit: limit}
}

func drain(h *LogHub) []LogEntry {
	var out []LogEntry
	for h.NextIf(func(e LogEntry) bool { out = append(out, e); return true }) {
	}
	return out
}

func TestLogCaptureLevels(t *testing.T) {
	h := quietHub(100)
	l := h.NewLogger("peer")
	logAll := func() {
		l.Error("e1")
		l.Errorf("e%d", 2)
		l.Warn("w1")
		l.Warnf("w%d", 2)
		l.Info("i1")
		l.Infof("i%d", 2)
		l.Debug("d1")
		l.Debugf("d%d", 2)
		l.Trace("t1")
		l.Tracef("t%d", 2)
	}
	logAll()
	if got := drain(h); len(got) != 0 {
		t.Fatalf("captured %v with capture off", got)
	}
	for _, tc := range []struct {
		level LogLevel
		want  []string
	}{
		{LogError, []string{"e1", "e2"}},
		{LogWarn, []string{"e1", "e2", "w1", "w2"}},
		{LogInfo, []string{"e1", "e2", "w1", "w2", "i1", "i2"}},
		{LogDebug, []string{"e1", "e2", "w1", "w2", "i1", "i2", "d1", "d2"}},
		{LogTrace, []string{"e1", "e2", "w1", "w2", "i1", "i2", "d1", "d2", "t1", "t2"}},
	} {
		if err := h.SetCaptureLevel(tc.level); err != nil {
			t.Fatal(err)
		}
		logAll()
		got := drain(h)
		if len(got) != len(tc.want) {
			t.Fatalf("level %d: captured %v, want %v", tc.level, got, tc.want)
		}
		for i, e := range got {
			wantLevel := map[byte]LogLevel{'e': LogError, 'w': LogWarn, 'i': LogInfo, 'd': LogDebug, 't': LogTrace}[tc.want[i][0]]
			if e.Text != tc.want[i] || e.Scope != "peer" || e.Level != wantLevel {
				t.Fatalf("level %d entry %d: %+v, want %q at %d", tc.level, i, e, tc.want[i], wantLevel)
			}
			if e.String() != "meshrtc peer: "+tc.want[i] {
				t.Fatalf("String() = %q", e.String())
			}
		}
	}
	// Back to none: the queue is emptied and nothing more is captured.
	l.Error("pending")
	if err := h.SetCaptureLevel(LogNone); err != nil {
		t.Fatal(err)
	}
	l.Error("after")
	if got := drain(h); len(got) != 0 {
		t.Fatalf("capture off left %v", got)
	}
}

func TestLogSetCaptureLevelRange(t *testing.T) {
	h := quietHub(10)
	if err := h.SetCaptureLevel(LogWarn); err != nil {
		t.Fatal(err)
	}
	for _, level := range []LogLevel{-1, 6, 100} {
		wantCode(t, fmt.Sprintf("level %d", level), h.SetCaptureLevel(level), CodeInvalidParameter)
	}
	h.NewLogger("x").Warn("still warn")
	if got := drain(h); len(got) != 1 {
		t.Fatalf("a refused level changed the capture level: %v", got)
	}
	for level := LogNone; level <= LogTrace; level++ {
		if err := h.SetCaptureLevel(level); err != nil {
			t.Fatalf("level %d: %v", level, err)
		}
	}
	if LogNone != 0 || LogError != 1 || LogWarn != 2 || LogInfo != 3 || LogDebug != 4 || LogTrace != 5 {
		t.Fatal("log levels are not numbered 0 (none) to 5 (trace)")
	}
}

func TestLogNextIf(t *testing.T) {
	h := quietHub(10)
	called := false
	if h.NextIf(func(LogEntry) bool { called = true; return true }) || called {
		t.Fatal("NextIf on an empty queue reported a line or called accept")
	}
	_ = h.SetCaptureLevel(LogInfo)
	l := h.NewLogger("s")
	l.Info("one")
	l.Info("two")
	// Refused: reported but left in place.
	var seen []string
	for range 3 {
		if !h.NextIf(func(e LogEntry) bool { seen = append(seen, e.Text); return false }) {
			t.Fatal("NextIf lost the line")
		}
	}
	if fmt.Sprint(seen) != "[one one one]" {
		t.Fatalf("refusing NextIf saw %v", seen)
	}
	// Accepted: popped, the next line follows.
	if !h.NextIf(func(e LogEntry) bool { return e.Text == "one" }) {
		t.Fatal("no line")
	}
	if got := drain(h); len(got) != 1 || got[0].Text != "two" {
		t.Fatalf("left %v", got)
	}
}

func TestLogLimitDropsOldest(t *testing.T) {
	h := quietHub(3)
	_ = h.SetCaptureLevel(LogError)
	l := h.NewLogger("s")
	for i := range 7 {
		l.Errorf("line %d", i)
	}
	if h.Dropped() != 4 {
		t.Fatalf("dropped %d, want 4", h.Dropped())
	}
	got := drain(h)
	if len(got) != 3 || got[0].Text != "line 4" || got[2].Text != "line 6" {
		t.Fatalf("kept %v, want the newest three", got)
	}
	l.Error("again")
	if got := drain(h); len(got) != 1 || h.Dropped() != 4 {
		t.Fatalf("after draining: %v dropped %d", got, h.Dropped())
	}
	if NewLogHub().limit != DefaultLogQueueLimit {
		t.Fatal("NewLogHub does not use the default limit")
	}
}

func TestLogConcurrent(t *testing.T) {
	h := quietHub(1 << 20)
	_ = h.SetCaptureLevel(LogInfo)
	const writers, lines = 4, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := h.NewLogger(fmt.Sprint(w))
			for i := range lines {
				l.Infof("%d", i)
			}
		}()
	}
	var mu sync.Mutex
	taken := map[string]int{}
	var readers sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				got := h.NextIf(func(e LogEntry) bool {
					mu.Lock()
					taken[e.String()]++
					mu.Unlock()
					return true
				})
				if !got {
					select {
					case <-stop:
						return
					default:
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	for h.NextIf(func(e LogEntry) bool { taken[e.String()]++; return true }) {
	}
	if len(taken) != writers*lines {
		t.Fatalf("took %d distinct lines, want %d", len(taken), writers*lines)
	}
	for line, n := range taken {
		if n != 1 {
			t.Fatalf("line %q taken %d times", line, n)
		}
	}
}

func TestLogStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	defer func() { os.Stderr = saved }()

	h := &LogHub{stderrLevel: LogWarn, limit: 10}
	l := h.NewLogger("ice")
	l.Warn("to stderr")
	l.Info("too verbose for stderr")
	_ = h.SetCaptureLevel(LogError) // capturing: nothing goes to stderr any more
	l.Error("captured")
	l.Warn("neither")
	_ = h.SetCaptureLevel(LogNone)
	l.Errorf("stderr again %d", 2)
	os.Stderr = saved
	_ = w.Close()
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "meshrtc ice: to stderr\nmeshrtc ice: stderr again 2\n"; string(out) != want {
		t.Fatalf("stderr got %q, want %q", out, want)
	}
}

func TestParseLogLevel(t *testing.T) {
	for in, want := range map[string]LogLevel{
		"none": LogNone, "OFF": LogNone, "disabled": LogNone, "0": LogNone,
		"error": LogError, "1": LogError, " Error ": LogError,
		"warn": LogWarn, "warning": LogWarn, "2": LogWarn,
		"info": LogInfo, "3": LogInfo, "debug": LogDebug, "4": LogDebug, "TRACE": LogTrace, "5": LogTrace,
		"": LogInfo, "loud": LogInfo, "6": LogInfo,
	} {
		if got := parseLogLevel(in, LogInfo); got != want {
			t.Errorf("parseLogLevel(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestLogEntryFormats(t *testing.T) {
	e := LogEntry{Level: LogWarn, Scope: "peer", Text: "hello"}
	if e.Line() != "peer: hello" || e.String() != "meshrtc peer: hello" {
		t.Fatalf("Line %q, String %q", e.Line(), e.String())
	}
}
