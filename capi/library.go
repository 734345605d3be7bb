package main

/*
#include <stdint.h>
*/
import "C"

import (
	"fmt"

	"github.com/meshrtc/meshrtc/core"
)

//export meshrtc_abi_version
func meshrtc_abi_version() C.int32_t { return abiVersion }

//export meshrtc_version
func meshrtc_version(outMajor, outMinor, outPatch *C.int32_t) C.int32_t {
	return callNoHandle(func() error {
		if outMajor == nil || outMinor == nil || outPatch == nil {
			return invalid("out_major, out_minor and out_patch must not be NULL")
		}
		*outMajor, *outMinor, *outPatch = versionMajor, versionMinor, versionPatch
		return nil
	})
}

//export meshrtc_last_error
func meshrtc_last_error(handle C.int64_t, buf *C.char, capacity C.int32_t, outLen *C.int32_t) (rc C.int32_t) {
	// Not through callNoHandle: reading the last error must not overwrite it.
	defer recoverPanic(&rc, nil)
	msg := threadError()
	if handle != 0 {
		o, err := objects.lookupAny(int64(handle))
		if err != nil {
			return C.int32_t(core.CodeOf(err))
		}
		msg = o.lastError()
	}
	return C.int32_t(core.CodeOf(putText(msg, buf, capacity, outLen)))
}

//export meshrtc_log_set_level
func meshrtc_log_set_level(level C.int32_t) C.int32_t {
	return callNoHandle(func() error { return core.Logs.SetCaptureLevel(core.LogLevel(level)) })
}

//export meshrtc_log_next
func meshrtc_log_next(outLevel *C.int32_t, buf *C.char, capacity C.int32_t, outLen *C.int32_t) C.int32_t {
	return callNoHandle(func() error {
		if outLevel == nil {
			return invalid("out_level is NULL")
		}
		if err := checkText(buf, capacity, outLen); err != nil {
			return err
		}
		var err error
		found := core.Logs.NextIf(func(e core.LogEntry) bool {
			if err = putText(e.Line(), buf, capacity, outLen); err != nil {
				return false
			}
			*outLevel = C.int32_t(e.Level)
			return true
		})
		if !found {
			return fmt.Errorf("%w: no log line is queued", core.ErrUnavailable)
		}
		return err
	})
}

//export meshrtc_set_gc
func meshrtc_set_gc(gcPercent C.int32_t, memoryLimit C.int64_t, outGCPercent *C.int32_t, outMemoryLimit *C.int64_t) C.int32_t {
	return callNoHandle(func() error {
		s, err := core.SetGC(int(gcPercent), int64(memoryLimit))
		if err != nil {
			return err
		}
		if outGCPercent != nil {
			*outGCPercent = C.int32_t(s.Percent)
		}
		if outMemoryLimit != nil {
			*outMemoryLimit = C.int64_t(s.MemoryLimit)
		}
		return nil
	})
}

//export meshrtc_shutdown
func meshrtc_shutdown(outLeaked *C.int32_t) C.int32_t {
	return callNoHandle(func() error {
		leaked := 0
		for _, o := range objects.removeAll() {
			release(o)
			if o.owner == 0 {
				leaked++
			}
		}
		if outLeaked != nil {
			*outLeaked = C.int32_t(leaked)
		}
		return nil
	})
}

// release closes what o names (unless a mesh owns it) and frees its C memory.
func release(o *object) {
	switch v := o.value.(type) {
	case *core.Peer:
		v.Destroy()
	case *core.Channel:
		if o.owner == 0 {
			v.Destroy()
		}
	case *meshObject:
		v.release()
	case *lobbyObject:
		v.release()
	}
	o.mu.Lock()
	o.out.free()
	o.mu.Unlock()
}

// destroy is every *_destroy export.
func destroy(h C.int64_t, k kind) C.int32_t {
	return call(h, k, func(o *object) error {
		if o.owner != 0 {
			return fmt.Errorf("%w: %s handle %d belongs to %s %d, which releases it", core.ErrUnauthorized, k, o.handle, kindOf(o.owner), o.owner)
		}
		if _, ok := objects.remove(o.handle); !ok {
			return fmt.Errorf("%w: %s handle %d was destroyed by another call", core.ErrDoesNotExist, k, o.handle)
		}
		release(o)
		return nil
	})
}
