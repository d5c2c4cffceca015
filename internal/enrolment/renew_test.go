package enrolment

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/trust"
)

// renewer is the parent's Renew over mutual TLS, as a node's peer port
// serves it: the caller is the unit its client certificate names.
type renewer struct {
	tonghopv1.UnimplementedPeerServiceServer
	parent *Parent
	calls  atomic.Int32
}

func (s *renewer) Renew(ctx context.Context, req *tonghopv1.RenewRequest) (*tonghopv1.RenewResponse, error) {
	s.calls.Add(1)
	p, _ := peer.FromContext(ctx)
	path, ok := trust.PeerPath(p.AuthInfo.(credentials.TLSInfo).State)
	if !ok {
		return nil, ErrNotChild
	}
	chain, err := s.parent.Renew(path, req.Csr)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.RenewResponse{}
	for _, c := range chain {
		resp.Chain = append(resp.Chain, c.Raw)
	}
	return resp, nil
}

// link enrols Huyện Tam Đường under p and connects it to p's Renew over
// mutual TLS on loopback; the identity it presents is the one id holds.
func link(t *testing.T, p *Parent, clock func() time.Time) (*atomic.Pointer[trust.Identity], *grpc.ClientConn, *renewer) {
	t.Helper()
	tokens, err := p.CreateTokens(0, false)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := trust.GenerateKey()
	csr, _ := trust.NewCSR(key, []string{"12", "106"}, "Huyện Tam Đường")
	chain, err := p.Enroll(tokens[1].Token.String(), csr)
	if err != nil {
		t.Fatal(err)
	}
	district := trust.Identity{Key: key, Chain: chain}
	root := p.Identity.Load()
	roots := x509.NewCertPool()
	roots.AddCert(root.Root())
	srv := &renewer{parent: p}
	gs := grpc.NewServer(grpc.Creds(credentials.NewTLS(trust.ServerTLS(*root, roots, nil, clock))))
	tonghopv1.RegisterPeerServiceServer(gs, srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	var id atomic.Pointer[trust.Identity]
	id.Store(&district)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(
		trust.Follow(trust.ClientTLS(district, roots, []string{"12"}, clock), id.Load))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &id, conn, srv
}

// renewal renews id over conn; Adopt puts the new identity in id and
// records it.
func renewal(id *atomic.Pointer[trust.Identity], conn *grpc.ClientConn, clock func() time.Time, adopted *[]trust.Identity) *Renewal {
	return &Renewal{Conn: conn, Identity: id, Name: "Huyện Tam Đường", Every: time.Hour, Now: clock, Logger: zap.NewNop(),
		Adopt: func(current, next trust.Identity) error {
			*adopted = append(*adopted, next)
			id.Store(&next)
			return nil
		}}
}

// TestRenewal: Huyện Tam Đường's node renews over a real mutual-TLS gRPC
// link on loopback. Not due, it asks nothing; nineteen months on it gets a
// new key certified for two years from then, in a chain to the root, and
// then asks no more.
func TestRenewal(t *testing.T) {
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := province(t, clock)
	id, conn, srv := link(t, p, clock)
	first := *id.Load()
	var adopted []trust.Identity
	r := renewal(id, conn, clock, &adopted)
	ctx := context.Background()
	if renewed, err := r.RenewIfDue(ctx); renewed || err != nil || srv.calls.Load() != 0 {
		t.Fatalf("a new certificate: renewed %v, %v, %d calls", renewed, err, srv.calls.Load())
	}

	now = now.Add(19 * 30 * 24 * time.Hour) // 160 days left of 730: due
	if renewed, err := r.RenewIfDue(ctx); !renewed || err != nil || len(adopted) != 1 {
		t.Fatalf("due: renewed %v, %v, adopted %d", renewed, err, len(adopted))
	}
	next := adopted[0]
	if next.Key.Equal(first.Key) || !next.Leaf().NotAfter.Equal(now.Add(CertValidity)) {
		t.Fatalf("the renewed certificate: same key %v, ends %s", next.Key.Equal(first.Key), next.Leaf().NotAfter)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Identity.Load().Root())
	if path, err := trust.Verify(next.Chain, roots, now, nil); err != nil || trust.JoinPath(path) != "12/106" {
		t.Fatalf("the renewed chain: %v %v", path, err)
	}
	if renewed, err := r.RenewIfDue(ctx); renewed || err != nil || srv.calls.Load() != 1 {
		t.Fatalf("renewed again right after: %v, %v, %d calls", renewed, err, srv.calls.Load())
	}
}

// TestRenewalGainsNoTime: the province's root certificate ends 1.000 days
// after it was made. At day 600 the district renews until day 1.000 (the
// root's end); at day 900 it is due again, but the province can give no
// later end: renewal says so, adopts nothing, and does not ask again
// within the day, then asks again after it.
func TestRenewalGainsNoTime(t *testing.T) {
	start := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
	now := start
	clock := func() time.Time { return now }
	p := provinceFor(t, clock, 1000*24*time.Hour)
	id, conn, srv := link(t, p, clock)
	var adopted []trust.Identity
	r := renewal(id, conn, clock, &adopted)
	ctx := context.Background()

	now = day(600)
	if renewed, err := r.RenewIfDue(ctx); !renewed || err != nil {
		t.Fatalf("day 600: %v %v", renewed, err)
	}
	if end := adopted[0].Leaf().NotAfter; !end.Equal(p.Identity.Load().Leaf().NotAfter) {
		t.Fatalf("renewed until %s, want the root's end %s", end, p.Identity.Load().Leaf().NotAfter)
	}
	now = day(900)
	if renewed, err := r.RenewIfDue(ctx); renewed || !errors.Is(err, ErrNoGain) || len(adopted) != 1 {
		t.Fatalf("day 900: renewed %v, %v, adopted %d", renewed, err, len(adopted))
	}
	calls := srv.calls.Load()
	now = now.Add(23 * time.Hour)
	if renewed, err := r.RenewIfDue(ctx); renewed || err != nil || srv.calls.Load() != calls {
		t.Fatalf("within the day: %v, %v, %d calls (was %d)", renewed, err, srv.calls.Load(), calls)
	}
	now = now.Add(2 * time.Hour)
	if _, err := r.RenewIfDue(ctx); !errors.Is(err, ErrNoGain) || srv.calls.Load() != calls+1 {
		t.Fatalf("after the day: %v, %d calls (was %d)", err, srv.calls.Load(), calls)
	}
}
