// Package benchkit holds what the Go benchmark programs share: the JSON line
// format of scripts/bench.sh and the process measurements.
package benchkit

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Emit prints one JSON line {"impl":..,"metric":..,"round":.., fields...};
// fields alternate name and value, floats are printed without exponent.
func Emit(impl string, round int, metric string, fields ...any) {
	var b strings.Builder
	fmt.Fprintf(&b, `{"impl":%q,"metric":%q,"round":%d`, impl, metric, round)
	for i := 0; i+1 < len(fields); i += 2 {
		v, _ := json.Marshal(fields[i+1])
		if f, ok := fields[i+1].(float64); ok {
			v = []byte(strconv.FormatFloat(f, 'f', -1, 64))
		}
		fmt.Fprintf(&b, `,%q:%s`, fields[i], v)
	}
	b.WriteString("}")
	fmt.Println(b.String())
}

// Percentile returns the p-th percentile (nearest rank) of sorted values.
func Percentile(sorted []float64, p float64) float64 {
	i := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// CPUSeconds is the process's user + system CPU time.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// RSSKB is the process's resident set size in KiB, -1 if unknown.
func RSSKB() int64 { return ProcStatus("VmRSS") }

// ProcStatus is the number after key in /proc/self/status (for sizes, in
// KiB), -1 if unknown.
func ProcStatus(key string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// OrDefault is v, or def when v is 0.
func OrDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
