package main

/*
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

func (b *cBuffer) free() {
	C.free(b.ptr)
	b.ptr, b.cap = nil, 0
}
