package node

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/trust"
)

// tnode is one running node of a test hierarchy.
type tnode struct {
	t      *testing.T
	unit   string
	dir    string
	cfg    config.Config
	node   *Node
	admin  *grpc.ClientConn
	cancel context.CancelFunc
	done   chan error
}

// startNode initialises and enrols (under parent, nil for the root) the
// node of unit and runs it on loopback.
func startNode(t *testing.T, unit string, parent *tnode) *tnode {
	t.Helper()
	tn := &tnode{t: t, unit: unit, dir: t.TempDir()}
	log := zaptest.NewLogger(t).Named(unit)
	if _, err := Init(tn.dir, unit, units(), parent == nil, Options{Logger: log}); err != nil {
		t.Fatal(err)
	}
	tn.cfg = config.Default()
	tn.cfg.DataDir = tn.dir
	tn.cfg.GRPCListen, tn.cfg.HTTPListen, tn.cfg.PeerListen = keptAddrs(t)
	tn.cfg.SyncInterval = 20 * time.Millisecond // definitions reach children quickly in tests
	if parent != nil {
		tok, err := tonghopv1.NewChildrenServiceClient(parent.admin).CreateEnrollmentToken(context.Background(),
			&tonghopv1.CreateEnrollmentTokenRequest{UnitCode: unit})
		if err != nil {
			t.Fatalf("token for %s: %v", unit, err)
		}
		if _, err := Enroll(context.Background(), tn.dir, parent.node.PeerAddr(), tok.Token, Options{Logger: log}); err != nil {
			t.Fatalf("enrolling %s: %v", unit, err)
		}
		tn.cfg.Parent = parent.node.PeerAddr()
	}
	tn.run()
	t.Cleanup(tn.stop)
	return tn
}

func (tn *tnode) run() {
	tn.t.Helper()
	tn.runWith(Options{})
}

func (tn *tnode) stop() {
	if tn.cancel == nil {
		return
	}
	tn.admin.Close()
	tn.cancel()
	tn.cancel = nil
	if err := <-tn.done; err != nil {
		tn.t.Errorf("%s: Run: %v", tn.unit, err)
	}
}

func (tn *tnode) put(period string, vals ...*tonghopv1.DataValue) {
	tn.t.Helper()
	_, err := tonghopv1.NewDataServiceClient(tn.admin).PutValues(context.Background(), &tonghopv1.PutValuesRequest{
		UnitCode: tn.unit, DataSet: "tong_ket_nam", Period: period, Values: vals,
	})
	if err != nil {
		tn.t.Fatalf("%s: PutValues: %v", tn.unit, err)
	}
}

func (tn *tnode) submit(period string) *tonghopv1.Submission {
	tn.t.Helper()
	resp, err := tonghopv1.NewSubmissionServiceClient(tn.admin).Submit(context.Background(), &tonghopv1.SubmitRequest{
		UnitCode: tn.unit, DataSet: "tong_ket_nam", Period: period,
	})
	if err != nil {
		tn.t.Fatalf("%s: Submit: %v", tn.unit, err)
	}
	return resp.Submission
}

func (tn *tnode) submissions(unit string, all bool) []*tonghopv1.Submission {
	tn.t.Helper()
	resp, err := tonghopv1.NewSubmissionServiceClient(tn.admin).ListSubmissions(context.Background(), &tonghopv1.ListSubmissionsRequest{
		UnitCode: unit, IncludeSuperseded: all, PageSize: 1000,
	})
	if err != nil {
		tn.t.Fatalf("%s: ListSubmissions: %v", tn.unit, err)
	}
	return resp.Submissions
}

func (tn *tnode) outbox() []*tonghopv1.OutboxEntry {
	tn.t.Helper()
	resp, err := tonghopv1.NewSubmissionServiceClient(tn.admin).ListOutbox(context.Background(), &tonghopv1.ListOutboxRequest{})
	if err != nil {
		tn.t.Fatalf("%s: ListOutbox: %v", tn.unit, err)
	}
	return resp.Entries
}

// peerClient connects to tn's peer port as the node whose identity is id.
func (tn *tnode) peerClient(id trust.Identity) tonghopv1.PeerServiceClient {
	tn.t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(id.Root())
	conn, err := grpc.NewClient(tn.node.PeerAddr(), grpc.WithTransportCredentials(credentials.NewTLS(
		trust.ClientTLS(id, roots, tn.node.Identity().Path(), time.Now))))
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.t.Cleanup(func() { conn.Close() })
	return tonghopv1.NewPeerServiceClient(conn)
}

// eventually polls cond until it holds; the test deadline bounds it.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// peerClientNoCert connects to tn's peer port without a client certificate,
// trusting the server by its root.
func (tn *tnode) peerClientNoCert() tonghopv1.PeerServiceClient {
	tn.t.Helper()
	conn, err := grpc.NewClient(tn.node.PeerAddr(), grpc.WithTransportCredentials(credentials.NewTLS(
		trust.PinnedTLS(trust.Fingerprint(tn.node.Identity().Root()), nil, time.Now))))
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.t.Cleanup(func() { conn.Close() })
	return tonghopv1.NewPeerServiceClient(conn)
}
