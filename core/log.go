package core

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/logging"
)

// LogLevel uses pion's numbering: 0 none, 1 error, 2 warn, 3 info, 4 debug, 5 trace.
type LogLevel int32

// Log levels.
const (
	LogNone  LogLevel = LogLevel(logging.LogLevelDisabled)
	LogError LogLevel = LogLevel(logging.LogLevelError)
	LogWarn  LogLevel = LogLevel(logging.LogLevelWarn)
	LogInfo  LogLevel = LogLevel(logging.LogLevelInfo)
	LogDebug LogLevel = LogLevel(logging.LogLevelDebug)
	LogTrace LogLevel = LogLevel(logging.LogLevelTrace)
)

// LogEntry is one log line: its level, the subsystem that wrote it, the text.
type LogEntry struct {
	Level LogLevel
	Scope string
	Text  string
}

// Line formats the entry as meshrtc_log_next hands it to hosts: "scope: text".
func (e LogEntry) Line() string { return e.Scope + ": " + e.Text }

// String formats the entry the way it is printed to stderr.
func (e LogEntry) String() string {
	return "meshrtc " + e.Line()
}

// LogHub is a pion LoggerFactory. Lines go to a bounded queue the host drains
// when the host has asked for them (capture level above none), and to stderr
// otherwise, at the level named by MESHRTC_LOG_LEVEL (default: error).
// Its loggers never call host code: hosts pull lines on their own thread.
type LogHub struct {
	mu           sync.Mutex
	captureLevel LogLevel
	stderrLevel  LogLevel
	queue        []LogEntry
	limit        int
	dropped      uint64

	// threshold is the highest enabled level plus one (0: not computed
	// yet), so that enabled, which runs for every log statement of pion's
	// hot paths (SCTP traces each packet), takes no lock.
	threshold atomic.Int32
}

// DefaultLogQueueLimit is how many lines the hub keeps before dropping the oldest.
const DefaultLogQueueLimit = 1024

// NewLogHub returns a hub whose stderr level comes from the environment.
func NewLogHub() *LogHub {
	return &LogHub{stderrLevel: parseLogLevel(os.Getenv("MESHRTC_LOG_LEVEL"), LogError), limit: DefaultLogQueueLimit}
}

// Logs is the library-wide hub every object logs through.
var Logs = NewLogHub()

func parseLogLevel(s string, fallback LogLevel) LogLevel {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "off", "disabled", "0":
		return LogNone
	case "error", "1":
		return LogError
	case "warn", "warning", "2":
		return LogWarn
	case "info", "3":
		return LogInfo
	case "debug", "4":
		return LogDebug
	case "trace", "5":
		return LogTrace
	}
	return fallback
}

// SetCaptureLevel makes lines at or below level go to the host's queue
// instead of stderr. LogNone gives stderr back and empties the queue.
func (h *LogHub) SetCaptureLevel(level LogLevel) error {
	if level < LogNone || level > LogTrace {
		return errorf(ErrInvalidParameter, "log level %d is not 0 (none) to 5 (trace)", level)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.captureLevel = level
	if level == LogNone {
		h.queue = nil
	}
	h.updateThresholdLocked()
	return nil
}

// NextIf removes the oldest queued line when accept returns true for it;
// accept runs under the hub's lock, so a line is taken by exactly one caller.
// It reports whether there was a line.
func (h *LogHub) NextIf(accept func(LogEntry) bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.queue) == 0 {
		return false
	}
	if accept(h.queue[0]) {
		h.queue[0] = LogEntry{}
		h.queue = h.queue[1:]
	}
	return true
}

// Dropped reports how many lines were dropped because the queue was full.
func (h *LogHub) Dropped() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropped
}

func (h *LogHub) write(level LogLevel, scope, text string) {
	h.mu.Lock()
	if level <= h.captureLevel {
		if len(h.queue) >= h.limit {
			h.queue = h.queue[1:]
			h.dropped++
		}
		h.queue = append(h.queue, LogEntry{Level: level, Scope: scope, Text: text})
		h.mu.Unlock()
		return
	}
	toStderr := h.captureLevel == LogNone && level <= h.stderrLevel
	h.mu.Unlock()
	if toStderr {
		fmt.Fprintln(os.Stderr, LogEntry{Level: level, Scope: scope, Text: text}.String())
	}
}

// enabled reports whether a line at level goes anywhere: to the host's
// queue when capturing (capture level above none), else to stderr.
func (h *LogHub) enabled(level LogLevel) bool {
	t := h.threshold.Load()
	if t == 0 {
		h.mu.Lock()
		t = h.updateThresholdLocked()
		h.mu.Unlock()
	}
	return int32(level) < t
}

// updateThresholdLocked recomputes threshold; h.mu must be held.
func (h *LogHub) updateThresholdLocked() int32 {
	highest := h.stderrLevel
	if h.captureLevel != LogNone {
		highest = h.captureLevel
	}
	t := int32(highest) + 1
	h.threshold.Store(t)
	return t
}

// NewLogger implements logging.LoggerFactory.
func (h *LogHub) NewLogger(scope string) logging.LeveledLogger {
	return &scopedLogger{hub: h, scope: scope}
}

type scopedLogger struct {
	hub   *LogHub
	scope string
}

func (l *scopedLogger) logf(level LogLevel, format string, args ...any) {
	if l.hub.enabled(level) {
		l.hub.write(level, l.scope, fmt.Sprintf(format, args...))
	}
}

func (l *scopedLogger) Trace(msg string)                  { l.logf(LogTrace, "%s", msg) }
func (l *scopedLogger) Tracef(format string, args ...any) { l.logf(LogTrace, format, args...) }
func (l *scopedLogger) Debug(msg string)                  { l.logf(LogDebug, "%s", msg) }
func (l *scopedLogger) Debugf(format string, args ...any) { l.logf(LogDebug, format, args...) }
func (l *scopedLogger) Info(msg string)                   { l.logf(LogInfo, "%s", msg) }
func (l *scopedLogger) Infof(format string, args ...any)  { l.logf(LogInfo, format, args...) }
func (l *scopedLogger) Warn(msg string)                   { l.logf(LogWarn, "%s", msg) }
func (l *scopedLogger) Warnf(format string, args ...any)  { l.logf(LogWarn, format, args...) }
func (l *scopedLogger) Error(msg string)                  { l.logf(LogError, "%s", msg) }
func (l *scopedLogger) Errorf(format string, args ...any) { l.logf(LogError, format, args...) }
