package core

import (
	"testing"
	"time"
)

// TestBufferedNetSharesInterfaceList checks that connections gathering close
// together share one read of the interface list, and that an old read is
// not reused.
func TestBufferedNetSharesInterfaceList(t *testing.T) {
	first, second := newBufferedNet(0), newBufferedNet(0)
	if _, err := first.Interfaces(); err != nil {
		t.Fatal(err)
	}
	if _, err := second.InterfaceByName("no-such-interface"); err == nil {
		t.Fatal("found an interface that does not exist")
	}
	if first.ifaces == nil || first.ifaces != second.ifaces {
		t.Fatalf("two reads within %v: %p and %p", interfaceListAge, first.ifaces, second.ifaces)
	}
	interfaceList.mu.Lock()
	interfaceList.read = time.Now().Add(-2 * interfaceListAge)
	interfaceList.mu.Unlock()
	later := newBufferedNet(0)
	list, err := later.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if later.ifaces == first.ifaces {
		t.Fatalf("a list read %v ago was reused", 2*interfaceListAge)
	}
	if len(list) == 0 {
		t.Fatal("no interfaces at all (not even loopback)")
	}
}
