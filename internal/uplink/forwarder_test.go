package uplink

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// parent is a parent's peer port on loopback: it records every batch
// delivered and answers as answer says, signing real receipts with its key.
type parent struct {
	tonghopv1.UnimplementedPeerServiceServer
	id trust.Identity

	mu      sync.Mutex
	batches [][]string // the digests of each Deliver call, in order
	at      []time.Time
	// answer decides one envelope's result in call (0 first); nil accepts.
	answer func(call int, digest string) *tonghopv1.DeliveryResult
	// fail, when set, fails a whole call.
	fail func(call int) error
	// short answers one envelope fewer than sent.
	short bool
}

func (p *parent) Deliver(ctx context.Context, req *tonghopv1.DeliverRequest) (*tonghopv1.DeliverResponse, error) {
	p.mu.Lock()
	call := len(p.batches)
	var digests []string
	for _, raw := range req.Envelopes {
		digests = append(digests, envelope.Digest(raw))
	}
	p.batches = append(p.batches, digests)
	p.at = append(p.at, time.Now())
	answer, fail := p.answer, p.fail
	p.mu.Unlock()
	if fail != nil {
		if err := fail(call); err != nil {
			return nil, err
		}
	}
	resp := &tonghopv1.DeliverResponse{}
	for _, d := range digests {
		if answer != nil {
			if r := answer(call, d); r != nil {
				resp.Results = append(resp.Results, r)
				continue
			}
		}
		resp.Results = append(resp.Results, p.accepted(d, p.id))
	}
	if p.short {
		resp.Results = resp.Results[:len(resp.Results)-1]
	}
	return resp, nil
}

// accepted is the result of an accepted envelope, its receipt signed by by.
func (p *parent) accepted(digest string, by trust.Identity) *tonghopv1.DeliveryResult {
	payload, err := envelope.EncodeReceipt(envelope.Receipt{EnvelopeDigest: digest, Unit: "12", Status: envelope.StatusAccepted, Receiver: "12", ReceivedAt: time.Now().UTC()})
	if err != nil {
		panic(err)
	}
	raw, err := envelope.Seal(envelope.ReceiptType, payload, by.Key, by.Chain)
	if err != nil {
		panic(err)
	}
	return &tonghopv1.DeliveryResult{Digest: digest, Outcome: tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED, Receipt: raw}
}

func (p *parent) calls() ([][]string, []time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]string(nil), p.batches...), append([]time.Time(nil), p.at...)
}

func newIdentity(t *testing.T, code string) trust.Identity {
	t.Helper()
	key, err := trust.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	id, err := trust.NewRoot(key, []string{code}, "", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// setup starts a parent on loopback and a forwarder at a child with n
// envelopes of size bytes each in its outbox, returning their digests in
// delivery order. The forwarder checks receipts as a node does
// (submission.CheckReceipt): signed by the parent, for the envelope.
func setup(t *testing.T, n, size int) (*parent, *Forwarder, *store.Store, []string) {
	t.Helper()
	p := &parent{id: newIdentity(t, "12")}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(64 << 20))
	tonghopv1.RegisterPeerServiceServer(srv, p)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	st, err := store.Open(filepath.Join(t.TempDir(), "node.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var digests []string
	for i := range n {
		raw := fmt.Appendf(make([]byte, 0, size), "notice %03d ", i)
		for len(raw) < size {
			raw = append(raw, 'x')
		}
		d := envelope.Digest(raw)
		if _, err := st.PutRevocations(nil, d, raw, true); err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
	}
	roots := p.id.Chain[0]
	v := &submission.Verifier{Roots: pool(roots), Revocations: trust.NewRevocations(nil), Now: time.Now}
	f := NewForwarder(st, conn, func(receipt []byte, digest string) error {
		_, err := submission.CheckReceipt(receipt, digest, []string{"12"}, v)
		return err
	}, nil)
	return p, f, st, digests
}

func outbox(t *testing.T, st *store.Store) []store.OutboxEntry {
	t.Helper()
	entries, _, err := st.Outbox(0)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// TestDrainBatchesByCountAndBytes: seven envelopes go up oldest first in
// batches of at most Batch envelopes, and a batch stops before the envelope
// that would take it past BatchBytes; each leaves the outbox with its
// receipt.
func TestDrainBatchesByCountAndBytes(t *testing.T) {
	p, f, st, digests := setup(t, 7, 1000)
	f.Batch = 3
	if err := f.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := p.calls()
	want := [][]string{digests[0:3], digests[3:6], digests[6:7]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batches by count:\n got %v\nwant %v", got, want)
	}
	if left := outbox(t, st); len(left) != 0 {
		t.Fatalf("%d entries left after every receipt verified", len(left))
	}

	p, f, st, digests = setup(t, 5, 1000)
	f.Batch, f.BatchBytes = 10, 2500 // two of 1.000 bytes fit, a third does not
	if err := f.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ = p.calls()
	want = [][]string{digests[0:2], digests[2:4], digests[4:5]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batches by size:\n got %v\nwant %v", got, want)
	}
	if left := outbox(t, st); len(left) != 0 {
		t.Fatalf("%d entries left", len(left))
	}

	// An envelope larger than the cap on its own still goes, alone.
	p, f, _, digests = setup(t, 2, 3000)
	f.BatchBytes = 2500
	if err := f.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ = p.calls(); fmt.Sprint(got) != fmt.Sprint([][]string{digests[0:1], digests[1:2]}) {
		t.Fatalf("large envelopes: %v", got)
	}
}

// TestBadReceiptKeepsTheEntry: an envelope whose receipt does not verify
// (signed by a key that is not the parent's, or acknowledging another
// envelope) stays in the outbox with the reason and an attempt counted;
// the others of the batch leave. Once the parent answers with a good
// receipt, it leaves too.
func TestBadReceiptKeepsTheEntry(t *testing.T) {
	p, f, st, digests := setup(t, 3, 100)
	stranger := newIdentity(t, "12")
	p.answer = func(call int, d string) *tonghopv1.DeliveryResult {
		switch {
		case call > 0:
			return nil
		case d == digests[0]:
			return p.accepted(d, stranger)
		case d == digests[2]:
			r := p.accepted(digests[1], p.id) // a receipt for another envelope
			r.Digest = d
			return r
		}
		return nil
	}
	client := tonghopv1.NewPeerServiceClient(f.Conn)
	n, err := f.deliverOnce(context.Background(), client)
	if err != nil || n != 1 {
		t.Fatalf("first delivery: %d left, %v; want 1, nil", n, err)
	}
	left := outbox(t, st)
	if len(left) != 2 || left[0].Digest != digests[0] || left[1].Digest != digests[2] {
		t.Fatalf("outbox after bad receipts: %+v", left)
	}
	for _, e := range left {
		if e.Attempts != 1 || e.LastError == "" {
			t.Errorf("%s: %d attempts, last error %q; want 1 and the reason", e.Digest, e.Attempts, e.LastError)
		}
	}
	if err := f.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left := outbox(t, st); len(left) != 0 {
		t.Fatalf("%d entries left once the receipts verify", len(left))
	}

	// A batch in which no receipt verifies is an error, and keeps all.
	p, f, st, _ = setup(t, 2, 100)
	p.answer = func(_ int, d string) *tonghopv1.DeliveryResult { return p.accepted(d, stranger) }
	if err := f.Drain(context.Background()); !errors.Is(err, submission.ErrBadReceipt) {
		t.Fatalf("drain with only bad receipts: %v", err)
	}
	if left := outbox(t, st); len(left) != 2 {
		t.Fatalf("%d entries left, want 2", len(left))
	}
}

// TestRejectedLeavesAndShortAnswerKeeps: a refusal needs no receipt and
// takes the entry out; an answer that does not cover the batch keeps every
// entry, counting the attempt.
func TestRejectedLeavesAndShortAnswerKeeps(t *testing.T) {
	p, f, st, digests := setup(t, 2, 100)
	p.answer = func(_ int, d string) *tonghopv1.DeliveryResult {
		if d == digests[0] {
			return &tonghopv1.DeliveryResult{Digest: d, Outcome: tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_REJECTED,
				Error: &spb.Status{Code: int32(codes.PermissionDenied), Message: "not a known key of the unit"}}
		}
		return nil
	}
	if err := f.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left := outbox(t, st); len(left) != 0 {
		t.Fatalf("%d entries left", len(left))
	}

	p, f, st, _ = setup(t, 3, 100)
	p.short = true
	if err := f.Drain(context.Background()); err == nil {
		t.Fatal("drain of a short answer succeeded")
	}
	left := outbox(t, st)
	if len(left) != 3 {
		t.Fatalf("%d entries left after a short answer, want 3", len(left))
	}
	for _, e := range left {
		if e.Attempts != 1 || e.LastError != "parent answered 2 of 3 envelopes" {
			t.Errorf("%s: %d attempts, %q", e.Digest, e.Attempts, e.LastError)
		}
	}
}

// TestRunBacksOffWhileTheParentIsAway: while the parent fails, Run retries
// after delays that grow from MinBackoff: each delay is at least three
// quarters (the jitter's floor) of double the one before, so the i-th is at
// least 0,75 × 1,5^(i-1) × MinBackoff: 15, 22,5 and 33,75 ms for 20 ms,
// the last longer than the first can be (25 ms). When the parent is back
// the entry leaves, and Run waits for the next notification.
func TestRunBacksOffWhileTheParentIsAway(t *testing.T) {
	p, f, st, _ := setup(t, 1, 100)
	f.MinBackoff, f.MaxBackoff = 20*time.Millisecond, time.Second
	const failures = 3
	p.fail = func(call int) error {
		if call < failures {
			return fmt.Errorf("district server is down")
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitFor(t, "the outbox to empty", func() bool { return len(outbox(t, st)) == 0 })
	calls, at := p.calls()
	if len(calls) != failures+1 {
		t.Fatalf("%d calls, want %d", len(calls), failures+1)
	}
	for i := 1; i < len(at); i++ {
		least := time.Duration(float64(f.MinBackoff) * 0.75 * math.Pow(1.5, float64(i-1)))
		if gap := at[i].Sub(at[i-1]); gap < least {
			t.Errorf("retry %d came %v after the failure before, want at least %v", i, gap, least)
		}
	}

	// Something queued later goes at once on Notify, not after the idle
	// recheck.
	later := []byte("later")
	if _, err := st.PutRevocations(nil, envelope.Digest(later), later, true); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	f.Notify()
	waitFor(t, "the notified entry to leave", func() bool { return len(outbox(t, st)) == 0 })
	if waited := time.Since(start); waited >= idleRecheck {
		t.Fatalf("the notified entry waited %v", waited)
	}
}

// waitFor polls cond until it holds, failing the test after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
