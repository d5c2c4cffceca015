package node

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
)

// keptAddrs returns three loopback addresses (gRPC, HTTP, peer) for a node
// that will be stopped and started again on the same ports, because its
// children know it by address. The ports lie below Linux's ephemeral range
// (32768–60999): a port picked with ":0" comes from that range, and while
// the node is down any process's outgoing connection may take it, so the
// restart fails with "address already in use". Below the range only a
// listener can take a port, and keptAddr checks that none holds it.
func keptAddrs(t *testing.T) (grpcAddr, httpAddr, peerAddr string) {
	t.Helper()
	// The three are held until all are picked, so no two are the same.
	var ls []net.Listener
	for range 3 {
		ls = append(ls, keptListener(t))
	}
	for _, l := range ls {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return ls[0].Addr().String(), ls[1].Addr().String(), ls[2].Addr().String()
}

func keptListener(t *testing.T) net.Listener {
	t.Helper()
	for range 200 {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000)))
		if err == nil {
			return l
		}
	}
	t.Fatal("no free loopback port between 20000 and 32000")
	return nil
}
