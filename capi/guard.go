package main

/*
#include <stddef.h>
#include <stdint.h>
#cgo windows LDFLAGS: -Wl,-Bstatic -lwinpthread -Wl,-Bdynamic
#cgo noescape mrtc_tls_set_error
#cgo nocallback mrtc_tls_set_error
void mrtc_tls_set_error(const char *msg, size_t len);
const char *mrtc_tls_error(size_t *len);
*/
import "C"

import (
	"fmt"
	"runtime/debug"
	"unicode/utf8"
	"unsafe"

	"github.com/meshrtc/meshrtc/core"
)

var log = core.Logs.NewLogger("capi")

// errNoEvent is the "queue empty" result of the next_event functions, which
// hosts call every frame until it comes: made once, so that path allocates
// nothing.
var errNoEvent = fmt.Errorf("%w: no event is queued", core.ErrUnavailable)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrInvalidParameter}, args...)...)
}

// call is the body of every export that takes a handle: look the handle up,
// run fn, record a failure on the object and the calling thread, and turn a
// panic into MESHRTC_ERR_BUG. A Go panic must never reach the host.
func call(h C.int64_t, k kind, fn func(*object) error) (rc C.int32_t) {
	defer recoverPanic(&rc, nil)
	o, err := objects.lookup(int64(h), k)
	if err != nil {
		return result(nil, err)
	}
	return result(o, fn(o))
}

// callNoHandle is call for exports without a handle.
func callNoHandle(fn func() error) (rc C.int32_t) {
	defer recoverPanic(&rc, nil)
	return result(nil, fn())
}

func recoverPanic(rc *C.int32_t, o *object) {
	if r := recover(); r != nil {
		err := fmt.Errorf("%w: %v", core.ErrBug, r)
		log.Errorf("recovered panic: %v\n%s", r, debug.Stack())
		*rc = result(o, err)
	}
}

// result records err (if any) and returns its Godot code.
func result(o *object, err error) C.int32_t {
	if err == nil {
		return C.int32_t(core.CodeOK)
	}
	msg := err.Error()
	if o != nil {
		o.setError(msg)
	}
	setThreadError(msg)
	return C.int32_t(core.CodeOf(err))
}

// setThreadError records msg for meshrtc_last_error(0, ...). C copies the
// bytes during the call, so msg's own memory is passed (no Go allocation).
func setThreadError(msg string) {
	C.mrtc_tls_set_error((*C.char)(unsafe.Pointer(unsafe.StringData(msg))), C.size_t(len(msg)))
}

func threadError() string {
	var n C.size_t
	p := C.mrtc_tls_error(&n)
	return C.GoStringN(p, C.int(n))
}

// goString reads a required UTF-8 string argument.
func goString(p *C.char, name string) (string, error) {
	if p == nil {
		return "", invalid("%s is NULL", name)
	}
	return optionalString(p, name)
}

// optionalString reads a string argument where NULL means "".
func optionalString(p *C.char, name string) (string, error) {
	if p == nil {
		return "", nil
	}
	s := C.GoString(p)
	if !utf8.ValidString(s) {
		return "", invalid("%s is not valid UTF-8", name)
	}
	return s, nil
}

// checkText validates the arguments of the size protocol.
func checkText(buf *C.char, capacity C.int32_t, outLen *C.int32_t) error {
	switch {
	case outLen == nil:
		return invalid("out_len is NULL")
	case capacity < 0:
		return invalid("cap %d is negative", capacity)
	case buf == nil && capacity > 0:
		return invalid("buf is NULL but cap is %d", capacity)
	}
	return nil
}

// putText writes s with the size protocol of the header.
func putText(s string, buf *C.char, capacity C.int32_t, outLen *C.int32_t) error {
	if err := checkText(buf, capacity, outLen); err != nil {
		return err
	}
	*outLen = C.int32_t(len(s))
	if int(capacity) < len(s)+1 {
		return fmt.Errorf("%w: buffer of %d bytes is too small for %d bytes and the NUL", core.ErrRange, capacity, len(s))
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), len(s)+1)
	copy(dst, s)
	dst[len(s)] = 0
	return nil
}

// out writes v through p after checking p.
func out[T any](p *T, name string, v T) error {
	if p == nil {
		return invalid("%s is NULL", name)
	}
	*p = v
	return nil
}

func boolInt(b bool) C.int32_t {
	if b {
		return 1
	}
	return 0
}
