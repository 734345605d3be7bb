package core

import (
	"sync/atomic"
	"time"
)

// arrivals lets a host thread with nothing to do wait inside the library
// (Wait) instead of sleeping or spinning in its own code: a goroutine blocked
// here gives its P back to the scheduler, so pion's goroutines get both of a
// 2-core machine's Ps while the host idles.
//
// It holds at most one token: a packet or event queued while nobody waits is
// remembered, so the next Wait returns at once and the host polls.
var arrivals struct {
	token   chan struct{}
	pending atomic.Bool // a token is in flight: later arrivals need not send one
}

func init() { arrivals.token = make(chan struct{}, 1) }

// notifyArrival records that a packet or event was queued. It runs on
// pion's goroutines for every packet, so the common case is one atomic load.
func notifyArrival() {
	if arrivals.pending.Load() || !arrivals.pending.CompareAndSwap(false, true) {
		return
	}
	select {
	case arrivals.token <- struct{}{}:
	default:
	}
}

// Wait blocks until a packet or event has been queued anywhere in the
// library since the previous Wait returned (at once if one was), or until
// timeout passes; it reports whether something arrived. One token serves
// all callers: meant for one host thread, the one that polls.
func Wait(timeout time.Duration) bool {
	if timeout <= 0 {
		return take(func() bool {
			select {
			case <-arrivals.token:
				return true
			default:
				return false
			}
		})
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	return take(func() bool {
		select {
		case <-arrivals.token:
			return true
		case <-timer.C:
			return false
		}
	})
}

// take runs receive and, when it got the token, lets the next arrival send
// a new one. Anything queued before that is already visible to the host's
// next poll.
func take(receive func() bool) bool {
	got := receive()
	if got {
		arrivals.pending.Store(false)
	}
	return got
}

// NotifyArrival is notifyArrival for the packages that queue things for
// the host outside core (the lobby client's received messages), so that
// they wake Wait too.
func NotifyArrival() { notifyArrival() }
