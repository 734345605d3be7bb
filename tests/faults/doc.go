// Package faults holds the fault tests of meshrtc: loss and jitter through a
// relay, spoofed and garbage datagrams, killed peers, floods against a host
// that stops polling, tampered signaling, soak and create/destroy cycles.
//
// The tests carry the build tag "faults" and are run by tests/faults/run.sh
// inside a network namespace of their own (see that script), not by the
// unit stage's `go test ./...`.
package faults
