package server

import (
	"sync"
	"time"
)

// tokenBucket allows rate events per second on average and burst at once.
// Not safe for concurrent use.
type tokenBucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func newTokenBucket(rate float64, burst int, now time.Time) tokenBucket {
	return tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *tokenBucket) allow(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// full reports whether the bucket has refilled (forgetting it changes nothing).
func (b *tokenBucket) full(now time.Time) bool {
	return b.tokens+now.Sub(b.last).Seconds()*b.rate >= b.burst
}

// addressLimiter is a token bucket per client address. Buckets that have
// refilled are forgotten once a minute, so the map holds only addresses
// that joined recently.
type addressLimiter struct {
	rate      float64
	burst     int
	mu        sync.Mutex
	buckets   map[string]*tokenBucket
	lastSweep time.Time
}

func newAddressLimiter(rate float64, burst int) *addressLimiter {
	return &addressLimiter{rate: rate, burst: burst, buckets: make(map[string]*tokenBucket)}
}

func (l *addressLimiter) allow(addr string, now time.Time) bool {
	if l.rate == 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		l.lastSweep = now
		for a, b := range l.buckets {
			if b.full(now) {
				delete(l.buckets, a)
			}
		}
	}
	b := l.buckets[addr]
	if b == nil {
		nb := newTokenBucket(l.rate, l.burst, now)
		b = &nb
		l.buckets[addr] = b
	}
	return b.allow(now)
}
