package main

/*
#include <stdint.h>
#include <stdlib.h>
*/
import "C"

import "unsafe"

// cBuffer is C memory the library hands to the host (packets, event
// strings). It is reused and grows as needed; never Go memory, which the
// host must not hold.
type cBuffer struct {
	ptr unsafe.Pointer
	cap int
}

// bytes returns the buffer resized to hold n bytes (at least one, so the
// pointer is never NULL). It panics if C memory is exhausted; the export's
// recover turns that into MESHRTC_ERR_BUG.
func (b *cBuffer) bytes(n int) []byte {
	if n+1 > b.cap {
		p := C.realloc(b.ptr, C.size_t(n+1))
		if p == nil {
			panic("out of C memory")
		}
		b.ptr, b.cap = p, n+1
	}
	return unsafe.Slice((*byte)(b.ptr), b.cap)[:n]
}

// packet copies data into the buffer and returns it as get_packet hands it out.
func (b *cBuffer) packet(data []byte) (*C.uint8_t, C.int32_t) {
	copy(b.bytes(len(data)), data)
	return (*C.uint8_t)(b.ptr), C.int32_t(len(data))
}

// text stores s NUL-terminated and returns a pointer to it.
func (b *cBuffer) text(s string) *C.char {
	buf := b.bytes(len(s) + 1)
	copy(buf, s)
	buf[len(s)] = 0
	return (*C.char)(b.ptr)
}

// borrowedBytes views the host's (data, len) argument without copying; it
// is valid for the call only (pion copies what it sends before returning).
func borrowedBytes(data *C.uint8_t, length C.int32_t) ([]byte, error) {
	switch {
	case length < 0:
		return nil, invalid("len %d is negative", length)
	case data == nil && length > 0:
		return nil, invalid("data is NULL but len is %d", length)
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(data)), int(length)), nil
}

func (b *cBuffer) free() {
	C.free(b.ptr)
	b.ptr, b.cap = nil, 0
}
