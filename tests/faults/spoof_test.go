//go:build faults

package faults

import (
	"math/rand/v2"
	"testing"
	"time"
)

// farAhead is a sequence number far beyond any a connection reaches in a
// test (2^47 of the 2^48 a DTLS epoch has).
const farAhead = 1 << 47

// DTLS content types.
const (
	dtlsChangeCipherSpec = 20
	dtlsAlert            = 21
	dtlsHandshake        = 22
	dtlsApplicationData  = 23
)

// The datagrams an off-path attacker who knows a connection's addresses
// sends to kill it. Each once closed or stalled a live connection.
var (
	// A fatal close_notify alert in the plaintext epoch (15 bytes).
	spoofAlert = dtlsRecord(dtlsAlert, 0, 100, []byte{2, 0})
	// Application data in the plaintext epoch (100 bytes).
	spoofPlainData = dtlsRecord(dtlsApplicationData, 0, 101, message(1, 87, 87))
	// ChangeCipherSpec in the encrypted epoch with a far-ahead sequence
	// number (14 bytes); ChangeCipherSpec records are not encrypted.
	spoofCCS = dtlsRecord(dtlsChangeCipherSpec, 1, farAhead, []byte{1})
	// The same with a malformed 38-byte body (51 bytes).
	spoofBadCCS = dtlsRecord(dtlsChangeCipherSpec, 1, farAhead+1, message(2, 38, 38))
)

// TestSpoofedDatagrams sends each hostile datagram to both sides of a live
// connection from its remote's address and port; data must keep flowing
// both ways on a reliable channel and both connections stay CONNECTED.
func TestSpoofedDatagrams(t *testing.T) {
	guard(t, 5*time.Minute)
	for _, tc := range []struct {
		name      string
		datagrams [][]byte
	}{
		{"EpochZeroAlert", [][]byte{spoofAlert}},
		{"EpochZeroApplicationData", [][]byte{spoofPlainData}},
		{"EpochOneChangeCipherSpecFarAhead", [][]byte{spoofCCS}},
		{"EpochOneChangeCipherSpecMalformed", [][]byte{spoofBadCCS}},
		{"Truncated", truncatedRecords()},
		{"Garbage", garbage(1, 400)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSpoofer(t)
			p := connectDirect(t, loopbackConfig(""))
			p.exchange()
			p.spoofBoth(s, tc.datagrams...)
			// The datagrams are queued before the messages on the same
			// socket, so they are read first.
			for range 3 {
				p.exchange()
			}
		})
	}
}

// truncatedRecords cuts each hostile record short, and lengthens the
// length field past the datagram.
func truncatedRecords() [][]byte {
	var out [][]byte
	for _, rec := range [][]byte{spoofAlert, spoofPlainData, spoofCCS, spoofBadCCS} {
		for _, n := range []int{1, 5, 12, 13, len(rec) - 1} {
			out = append(out, rec[:n])
		}
		long := append([]byte(nil), rec...)
		long[12]++ // the length field's low byte
		out = append(out, long)
	}
	return out
}

// garbage is n seeded random datagrams: half random bytes, half shaped as
// DTLS records (mostly the four content types, epoch 0, 1 or random, random sequence
// number, random body), which reach the DTLS layer.
func garbage(seed uint64, n int) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	random := func(size int) []byte {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	types := []byte{dtlsChangeCipherSpec, dtlsAlert, dtlsHandshake, dtlsApplicationData}
	out := make([][]byte, 0, n)
	for i := range n {
		if i%2 == 0 {
			out = append(out, random(1+rng.IntN(300)))
			continue
		}
		epoch := uint16(rng.UintN(2))
		if rng.IntN(8) == 0 {
			epoch = uint16(rng.UintN(1 << 16))
		}
		contentType := types[rng.IntN(len(types))]
		if rng.IntN(4) == 0 {
			contentType = byte(20 + rng.UintN(44)) // anything the demultiplexer hands to DTLS
		}
		out = append(out, dtlsRecord(contentType, epoch, rng.Uint64N(1<<48), random(rng.IntN(120))))
	}
	return out
}

// TestSpoofedDatagramsRelayed sends the hostile records to both sides of a
// connection relayed by a TURN server, from the server's address, wrapped
// as the server relays the remote's datagrams: pion's TURN client hands
// them on to DTLS as they are.
func TestSpoofedDatagramsRelayed(t *testing.T) {
	guard(t, 3*time.Minute)
	turnAddr, turnConfig := startTURN(t)
	for _, tc := range []struct {
		name string
		wrap func(t *testing.T, p *directPair, side int, record []byte) []byte
	}{
		{"ChannelData", func(_ *testing.T, _ *directPair, _ int, record []byte) []byte { return channelData(record) }},
		{"DataIndication", func(t *testing.T, p *directPair, side int, record []byte) []byte {
			return dataIndication(t, p.relayedPeer(side), record)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSpoofer(t)
			p := connectDirect(t, turnConfig)
			p.turn = turnAddr
			p.exchange()
			p.spoofEach(s, func(side int) [][]byte {
				var out [][]byte
				for _, rec := range [][]byte{spoofAlert, spoofPlainData, spoofCCS, spoofBadCCS} {
					out = append(out, tc.wrap(t, p, side, rec))
				}
				return out
			})
			for range 3 {
				p.exchange()
			}
		})
	}
}
