// Command capi is the C ABI of meshrtc, built with -buildmode=c-shared.
// It only checks arguments, looks up handles, recovers panics and converts
// values; all behaviour lives in package core. include/meshrtc.h is its spec.
//
// Every exported symbol starts with meshrtc_ (exports.map exports nothing
// else); the C helpers inside the library (tls.c) use the short prefix mrtc_.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -DMESHRTC_TYPES_ONLY
#include "meshrtc.h"
*/
import "C"

// Version of this build; must equal MESHRTC_VERSION_* and MESHRTC_ABI_VERSION.
const (
	versionMajor = C.MESHRTC_VERSION_MAJOR
	versionMinor = C.MESHRTC_VERSION_MINOR
	versionPatch = C.MESHRTC_VERSION_PATCH
	abiVersion   = C.MESHRTC_ABI_VERSION
)

func main() {}
