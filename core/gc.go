package core

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The garbage collector of the Go runtime that runs the library: one per
// process, serving every object. Its settings are options for the host
// (SetGC), not constants, because they trade memory for CPU: pion allocates
// several times the bytes it carries, and a game may prefer either side.
const (
	// KeepGCSetting leaves a setting as it is (SetGC).
	KeepGCSetting = -1
	// GCPercentOff is what GCSettings reports when collection was turned off
	// with GOGC=off before the library was loaded.
	GCPercentOff = -1

	MinGCPercent   = 10
	MaxGCPercent   = 10000
	MinMemoryLimit = 1 << 20
)

// GCSettings are the collector's settings in effect.
type GCSettings struct {
	Percent     int   // heap growth in % of the live heap that starts a collection (GOGC), or GCPercentOff
	MemoryLimit int64 // soft limit on the runtime's memory in bytes (GOMEMLIMIT), 0 for none
}

var gcMu sync.Mutex

// SetGC changes the collector's settings: percent is MinGCPercent..MaxGCPercent
// or KeepGCSetting; memoryLimit is at least MinMemoryLimit, 0 for no limit, or
// KeepGCSetting. Invalid values change nothing. It returns the settings in
// effect afterwards.
func SetGC(percent int, memoryLimit int64) (GCSettings, error) {
	if percent != KeepGCSetting && (percent < MinGCPercent || percent > MaxGCPercent) {
		return GCSettings{}, errorf(ErrInvalidParameter, "gc_percent %d is not -1 (keep) or %d..%d", percent, MinGCPercent, MaxGCPercent)
	}
	if memoryLimit != KeepGCSetting && memoryLimit != 0 && memoryLimit < MinMemoryLimit {
		return GCSettings{}, errorf(ErrInvalidParameter, "memory_limit %d is not -1 (keep), 0 (none) or at least %d bytes", memoryLimit, MinMemoryLimit)
	}
	gcMu.Lock()
	defer gcMu.Unlock()
	if percent != KeepGCSetting {
		debug.SetGCPercent(percent)
	}
	switch {
	case memoryLimit == 0:
		debug.SetMemoryLimit(math.MaxInt64)
	case memoryLimit > 0:
		debug.SetMemoryLimit(memoryLimit)
	}
	return currentGC(), nil
}

func currentGC() GCSettings {
	samples := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(samples)
	s := GCSettings{Percent: GCPercentOff, MemoryLimit: 0}
	if samples[0].Value.Kind() == metrics.KindUint64 {
		if v := samples[0].Value.Uint64(); v <= math.MaxInt32 && v > 0 {
			s.Percent = int(v)
		}
	}
	if samples[1].Value.Kind() == metrics.KindUint64 {
		if v := samples[1].Value.Uint64(); v < math.MaxInt64 {
			s.MemoryLimit = int64(v)
		}
	}
	return s
}
