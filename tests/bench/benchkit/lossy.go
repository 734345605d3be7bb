package benchkit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/meshrtc/meshrtc/tests/faults/relay"
)

// The lossy metric: reliable ordered messages of LossyMinSize to
// LossyMaxSize bytes through a relay that drops a share of the datagrams
// each way and delays the rest 50 ± 25 ms; the sender keeps its buffered
// amount within LossyWindow. Sizes are log-uniform (as many messages from
// 12 to 24 bytes as from 32 to 64 KiB), as a game's traffic is mostly small
// messages: 2,000 messages are about 15 MB.
const (
	LossyMinSize = 12
	LossyMaxSize = 64 << 10
	LossyWindow  = 1 << 20
)

// LossyRelay starts the lossy metric's relay, dropping lossPct % of the
// datagrams each way (seeded by the loss, so runs are comparable).
func LossyRelay(lossPct float64) (*relay.Relay, error) {
	link := relay.Link{Loss: lossPct / 100, Delay: 50 * time.Millisecond, Jitter: 25 * time.Millisecond}
	return relay.New(relay.Symmetric(link, uint64(lossPct*100)))
}

// LossyMessage is message i of the lossy metric: its size and bytes
// depend on i only, so the receiver checks them without keeping a copy.
func LossyMessage(i int) []byte {
	rng := rand.New(rand.NewPCG(uint64(i), 0))
	size := LossyMinSize * math.Pow(float64(LossyMaxSize)/LossyMinSize, rng.Float64())
	data := make([]byte, int(size))
	binary.LittleEndian.PutUint32(data, uint32(i))
	for k := 4; k < len(data); k++ {
		data[k] = byte(i + k)
	}
	return data
}

// LossyCheck fails unless data is message i (bytes and place in the order).
func LossyCheck(i int, data []byte) error {
	if !bytes.Equal(data, LossyMessage(i)) {
		return fmt.Errorf("message %d: %d bytes received are not the ones sent (order or content)", i, len(data))
	}
	return nil
}

// emitLossy prints the lossy metric's line. A transfer that did not
// complete within its bound reports "completed": false and what arrived.
func emitLossy(impl string, round int, lossPct float64, msgs int, res LossyResult, r *relay.Relay) {
	a, b := r.Stats(relay.A), r.Stats(relay.B)
	dropped := a.Dropped + b.Dropped
	secs := res.Elapsed.Seconds()
	Emit(impl, round, "lossy", "loss_pct", lossPct, "seconds", float64(int64(secs*10))/10,
		"goodput_kbps", float64(int64(float64(res.Bytes)*8/1000/secs)), "msgs", msgs, "delivered", res.Delivered,
		"completed", res.Delivered == msgs, "bytes", res.Bytes, "delay_ms", 50, "jitter_ms", 25,
		"relay_dropped", dropped, "relay_datagrams", dropped+a.Forwarded+b.Forwarded)
}
