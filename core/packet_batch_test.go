package core

import (
	"bytes"
	"testing"
	"time"
)

func TestChannelBatchedPutAndGet(t *testing.T) {
	guard(t)
	_, _, ca, cb, s := openReliablePair(t)

	// Ten messages of 0..9 bytes in one put, then two as text.
	var data []byte
	var sizes []int32
	for i := range 10 {
		data = append(data, bytes.Repeat([]byte{byte(i)}, i)...)
		sizes = append(sizes, int32(i))
	}
	if n, err := ca.PutPackets(data, sizes); n != 10 || err != nil {
		t.Fatalf("PutPackets: %d, %v", n, err)
	}
	must(t, ca.SetWriteMode(WriteModeText))
	if n, err := ca.PutPackets([]byte("hiyo"), []int32{2, 2}); n != 2 || err != nil {
		t.Fatalf("PutPackets text: %d, %v", n, err)
	}
	s.until("12 packets", func() bool { return cb.AvailablePacketCount() == 12 })

	infos := make([]PacketInfo, 4)
	if n, err := cb.GetPackets(make([]byte, 64), infos[:0]); n != 0 || err != nil {
		t.Fatalf("no room for infos: %d, %v", n, err)
	}
	// 10 bytes hold packets 0..4 (0+1+2+3+4); infos stop at 4.
	buf := make([]byte, 10)
	n, err := cb.GetPackets(buf, infos)
	checkBatch(t, "first batch", n, err, infos, buf, 0, 4)
	// Packet 4 (4 bytes) fits into 4, packet 5 not.
	n, err = cb.GetPackets(buf[:4], infos)
	checkBatch(t, "second batch", n, err, infos, buf, 4, 1)
	// Packet 5 does not fit at all: nothing taken, its size reported.
	n, err = cb.GetPackets(buf[:4], infos)
	wantCode(t, "too small for the next packet", err, CodeParameterRangeError)
	if n != 0 || infos[0].Size != 5 || cb.AvailablePacketCount() != 7 {
		t.Fatalf("too small: %d taken, size %d, %d left", n, infos[0].Size, cb.AvailablePacketCount())
	}
	big := make([]byte, 64)
	n, err = cb.GetPackets(big, infos)
	checkBatch(t, "third batch", n, err, infos, big, 5, 4)
	if cb.WasStringPacket() {
		t.Fatal("WasStringPacket after binary packets")
	}
	n, err = cb.GetPackets(big, infos)
	if n != 3 || err != nil || infos[0].IsString || !infos[1].IsString || string(big[9:13]) != "hiyo" || !cb.WasStringPacket() {
		t.Fatalf("last batch: %d, %v, %+v, %q", n, err, infos[:n], big[:13])
	}
	if n, err := cb.GetPackets(big, infos); n != 0 || err != nil {
		t.Fatalf("empty queue: %d, %v", n, err)
	}

	// A put that fails part way says how many went.
	cb.Close()
	s.until("closed", closed(ca))
	if n, err := ca.PutPackets([]byte("ab"), []int32{1, 1}); n != 0 || err == nil {
		t.Fatalf("put on a closed channel: %d, %v", n, err)
	}
}

// checkBatch checks n packets starting with packet first (first bytes of
// value first, and so on) in buf.
func checkBatch(t *testing.T, what string, n int, err error, infos []PacketInfo, buf []byte, first, want int) {
	t.Helper()
	if err != nil || n != want {
		t.Fatalf("%s: %d packets, %v; want %d", what, n, err, want)
	}
	off := 0
	for i, info := range infos[:n] {
		v := first + i
		got := buf[off : off+int(info.Size)]
		if int(info.Size) != v || !bytes.Equal(got, bytes.Repeat([]byte{byte(v)}, v)) || info.IsString || info.PeerID != 0 {
			t.Fatalf("%s: packet %d is %+v %v", what, i, info, got)
		}
		off += int(info.Size)
	}
}

func TestWaitForArrivals(t *testing.T) {
	guard(t)
	a, b, ca, cb, s := openReliablePair(t)
	s.until("gathering complete", func() bool {
		return a.GatheringState() == GatheringComplete && b.GatheringState() == GatheringComplete
	})
	for Wait(0) { // take what connecting left
	}
	if Wait(10 * time.Millisecond) {
		t.Fatal("Wait reported an arrival on an idle library")
	}
	// A waiting host wakes when a packet arrives.
	woke := make(chan bool)
	go func() { woke <- Wait(time.Minute) }()
	must(t, ca.PutPacket([]byte("x")))
	if !<-woke || cb.AvailablePacketCount() != 1 {
		t.Fatalf("Wait returned without the packet (%d queued)", cb.AvailablePacketCount())
	}
	// An arrival while nobody waits is remembered once.
	must(t, ca.PutPacket([]byte("y")))
	s.until("second packet", func() bool { return cb.AvailablePacketCount() == 2 })
	if !Wait(0) {
		t.Fatal("the arrival before Wait was lost")
	}
	if Wait(0) {
		t.Fatal("one arrival woke Wait twice")
	}
}
