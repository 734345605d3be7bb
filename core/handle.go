package core

import "sync/atomic"

// HostHandle is the number a host layer (the C ABI's handle table) names an
// object by. core never interprets it; it keeps it beside the object so the
// host layer finds the handle of an object core hands back (a mesh's
// connections and channels) without searching.
type HostHandle struct{ v atomic.Int64 }

// Handle returns the handle recorded by SetHandle, 0 if none.
func (h *HostHandle) Handle() int64 { return h.v.Load() }

// SetHandle records v unless a handle is recorded already; it reports
// whether v was recorded.
func (h *HostHandle) SetHandle(v int64) bool { return h.v.CompareAndSwap(0, v) }
