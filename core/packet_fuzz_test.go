package core

import (
	"bytes"
	"testing"
	"time"
)

// The packet paths take bytes from the host and deliver them to the remote
// host. Each target connects once on loopback (per fuzzing worker), then
// checks for every input that what put_packet accepted arrives exactly, in
// order, and that what it refused does not arrive.

// openPair returns two loopback peers connected by a negotiated, reliable
// and ordered channel (a's end, b's end).
func openPair(f *testing.F, w *meshWorld) (*Channel, *Channel) {
	f.Helper()
	a, b := w.peer(), w.peer()
	opts, err := ParseChannelOptions(`{"negotiated":true,"id":0}`)
	if err != nil {
		f.Fatal(err)
	}
	ends := make([]*Channel, 2)
	for i, p := range []*Peer{a, b} {
		if ends[i], err = p.CreateDataChannel("fuzz", opts); err != nil {
			f.Fatal(err)
		}
	}
	if err := a.CreateOffer(); err != nil {
		f.Fatal(err)
	}
	w.links = append(w.links, meshLink{a, b})
	w.until("channel open", 20*time.Second, open(ends...))
	return ends[0], ends[1]
}

func FuzzChannelPacket(f *testing.F) {
	fuzzGuard(f)
	f.Add([]byte("hello"), uint8(0), uint8(0), false)
	f.Add([]byte("hello"), uint8(0), uint8(0), true)
	f.Add([]byte{}, uint8(0), uint8(0), false)
	f.Add([]byte{}, uint8(0), uint8(0), true)
	f.Add([]byte{0, 0xff, 0xfe, 0x80}, uint8(3), uint8(4), true)
	f.Add(bytes.Repeat([]byte{0x55}, 64), uint8(255), uint8(0), false) // the largest packet
	f.Add(bytes.Repeat([]byte{0x55}, 65), uint8(255), uint8(0), false) // 256 bytes too large
	f.Add(bytes.Repeat([]byte{0x55}, 65), uint8(255), uint8(1), true)  // the same in two packets
	w := newMeshWorld(f)
	// A small maximum message size keeps large inputs at its limit cheap.
	w.config = func() Config {
		cfg := parsedLoopback()
		cfg.MaxMessageSize = fuzzMaxMessageSize
		return cfg
	}
	src, dst := openPair(f, w)
	ceiling := goroutineCeiling(50)
	f.Fuzz(func(t *testing.T, data []byte, copies, parts uint8, text bool) {
		hangGuard(t)
		mode := WriteModeBinary
		if text {
			mode = WriteModeText
		}
		if err := src.SetWriteMode(mode); err != nil {
			t.Fatal(err)
		}
		var sent [][]byte
		for _, packet := range split(bytes.Repeat(data, 1+int(copies)), 1+int(parts%8)) {
			err := src.PutPacket(packet)
			if len(packet) > src.MaxPacketSize() {
				wantCode(t, "oversized packet", err, CodeInvalidParameter)
				continue
			}
			wantCode(t, "put_packet", err, CodeOK)
			sent = append(sent, packet)
		}
		deadline := time.Now().Add(20 * time.Second)
		for i := 0; i < len(sent); {
			p, err := dst.GetPacket()
			if err != nil {
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d packets arrived", i, len(sent))
				}
				time.Sleep(100 * time.Microsecond)
				continue
			}
			if !bytes.Equal(p.Data, sent[i]) || p.IsString != text {
				t.Fatalf("packet %d: got %d bytes (text %v), want %d bytes (text %v)", i, len(p.Data), p.IsString, len(sent[i]), text)
			}
			i++
		}
		ceiling(t)
	})
}

// fuzzMaxMessageSize is FuzzChannelPacket's maxMessageSize: 16 KiB.
const fuzzMaxMessageSize = 16 << 10

// split cuts data into n pieces of about equal size (the last takes the rest).
func split(data []byte, n int) [][]byte {
	size := len(data) / n
	pieces := make([][]byte, 0, n)
	for i := range n - 1 {
		pieces = append(pieces, data[i*size:(i+1)*size])
	}
	return append(pieces, data[(n-1)*size:])
}

func FuzzMeshPacket(f *testing.F) {
	fuzzGuard(f)
	for _, c := range combos {
		f.Add([]byte(payload(1, c.channel, c.mode, 0)), int32(2), int8(c.mode), uint8(c.channel))
	}
	f.Add([]byte("broadcast"), int32(0), int8(2), uint8(0))
	f.Add([]byte("all but 2"), int32(-2), int8(2), uint8(0))
	f.Add([]byte("all but 7"), int32(-7), int8(0), uint8(3))
	f.Add([]byte("no peer 9"), int32(9), int8(2), uint8(0))
	f.Add([]byte("self"), int32(1), int8(2), uint8(0))
	f.Add([]byte("bad mode"), int32(2), int8(3), uint8(0))
	f.Add([]byte("no channel 4"), int32(2), int8(2), uint8(4))
	f.Add([]byte{}, int32(2), int8(1), uint8(2))
	w := newMeshWorld(f)
	src, dst := w.mesh(), w.mesh()
	if err := src.CreateMesh(1, threeExtra); err != nil {
		f.Fatal(err)
	}
	if err := dst.CreateMesh(2, threeExtra); err != nil {
		f.Fatal(err)
	}
	w.link(src, 1, dst, 2)
	w.until("meshes connected", 20*time.Second, all(w.connectedTo(src, 2), w.connectedTo(dst, 1)))
	w.takeEvents(src)
	w.takeEvents(dst)
	ceiling := goroutineCeiling(50)
	f.Fuzz(func(t *testing.T, data []byte, target int32, mode int8, channel uint8) {
		hangGuard(t)
		w.t = t
		err := trySend(src, target, TransferMode(mode), int32(channel), string(data))
		delivered := target == 0 || target == 2 || (target < 0 && target != -2)
		if !validTransferMode(TransferMode(mode)) || (target > 0 && target != 2) ||
			(target == 2 && (int(channel) > len(threeExtra) || len(data) > DefaultMaxMessageSize)) {
			wantCode(t, "put_packet", err, CodeInvalidParameter)
			delivered = false
		} else {
			wantCode(t, "put_packet", err, CodeOK)
		}
		delivered = delivered && int(channel) <= len(threeExtra) && len(data) <= DefaultMaxMessageSize
		if delivered {
			w.until("the packet", 20*time.Second, func() bool { return len(w.packets[dst]) > 0 })
		}
		want := meshPacket{peer: 1, channel: int32(channel), mode: TransferMode(mode), data: string(data)}
		if delivered && channel > 0 {
			want.mode = threeExtra[channel-1]
		}
		got := w.takePackets(dst)
		if delivered && (len(got) != 1 || got[0] != want) || !delivered && len(got) != 0 {
			t.Fatalf("received %+v, want %+v (delivered: %v)", got, want, delivered)
		}
		if evs := append(w.takeEvents(src), w.takeEvents(dst)...); len(evs) != 0 {
			t.Fatalf("mesh events %v", evs)
		}
		ceiling(t)
	})
}
