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
	return keptAddr(t), keptAddr(t), keptAddr(t)
}

func keptAddr(t *testing.T) string {
	t.Helper()
	for range 200 {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000)))
		if err != nil {
			continue
		}
		addr := l.Addr().String()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return addr
	}
	t.Fatal("no free loopback port between 20000 and 32000")
	return ""
}
