package core

import (
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// receiveBuffer reads a socket's SO_RCVBUF (Linux reports twice what was granted).
func receiveBuffer(t *testing.T, conn any) int {
	t.Helper()
	raw, err := conn.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var size int
	var serr error
	if err := raw.Control(func(fd uintptr) { size, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return size
}

func procInt(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("cannot read %s: %v", path, err)
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Skipf("%s: %v", path, err)
	}
	return v
}

// TestBufferedNetReceiveBuffer checks that the sockets ICE opens get the
// udpReceiveBuffer option's SO_RCVBUF (as far as net.core.rmem_max allows),
// and that 0 keeps the operating system's default.
func TestBufferedNetReceiveBuffer(t *testing.T) {
	def, max := procInt(t, "/proc/sys/net/core/rmem_default"), procInt(t, "/proc/sys/net/core/rmem_max")
	const want = 1 << 20
	n := newBufferedNet(want)
	loopback := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	udp, err := n.ListenUDP("udp4", loopback)
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	packet, err := n.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer packet.Close()
	granted := 2 * min(want, max) // Linux doubles the value for bookkeeping
	for name, conn := range map[string]any{"ListenUDP": udp, "ListenPacket": packet} {
		if got := receiveBuffer(t, conn); got < granted {
			t.Errorf("%s: SO_RCVBUF %d, want at least %d (asked %d, rmem_max %d)", name, got, granted, want, max)
		}
	}
	plain, err := net.ListenUDP("udp4", loopback)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if got := receiveBuffer(t, plain); got > 2*def {
		t.Errorf("a plain socket has SO_RCVBUF %d, above the default %d", got, def)
	}

	// The interface list is read on first use and matches stdnet's.
	ifs, err := n.Interfaces()
	if err != nil || len(ifs) == 0 {
		t.Fatalf("Interfaces: %d, %v", len(ifs), err)
	}
	lo, err := n.InterfaceByName(ifs[0].Name)
	if err != nil || lo.Index != ifs[0].Index {
		t.Fatalf("InterfaceByName(%q): %v, %v", ifs[0].Name, lo, err)
	}
	if byIndex, err := n.InterfaceByIndex(ifs[0].Index); err != nil || byIndex.Name != ifs[0].Name {
		t.Fatalf("InterfaceByIndex(%d): %v, %v", ifs[0].Index, byIndex, err)
	}

	// The option reaches newAPI: the default config gets the buffered network,
	// 0 and a test network (vnet) do not.
	for _, tc := range []struct {
		text     string
		buffered bool
	}{
		{loopbackConfig, true},
		{loopbackWith(`"udpReceiveBuffer":0`), false},
	} {
		cfg, err := ParseConfig(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		if (cfg.UDPReceiveBuffer > 0) != tc.buffered {
			t.Errorf("%s: UDPReceiveBuffer %d", tc.text, cfg.UDPReceiveBuffer)
		}
		if _, _, err := cfg.newAPI(); err != nil {
			t.Errorf("%s: newAPI: %v", tc.text, err)
		}
	}
}
