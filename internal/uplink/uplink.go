// Package uplink owns store-and-forward delivery to the parent: a forwarder
// that reads the durable outbox in order, hands batches to the parent over
// mutual TLS, and removes an entry only after the parent's signed receipt
// verifies. Failures back off exponentially with jitter, capped, for as long
// as the parent stays away; nothing leaves the outbox otherwise, so a crash
// at any point loses nothing and a resend is a harmless duplicate.
package uplink

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/store"
)

// Defaults of a Forwarder.
const (
	DefaultBatch = 100
	// MaxBatchBytes bounds one Deliver call's envelopes, well inside the
	// parent's message limit: a batch of large reports is split, never
	// refused for its size on every retry.
	MaxBatchBytes     = 32 << 20
	DefaultMinBackoff = 200 * time.Millisecond
	DefaultMaxBackoff = time.Minute
	// idleRecheck bounds how long a forwarder waits without a notification,
	// a safety net should one ever be missed.
	idleRecheck = 30 * time.Second
	callTimeout = time.Minute
)

// ReceiptChecker verifies the parent's receipt for the envelope with digest.
type ReceiptChecker func(receipt []byte, digest string) error

// Forwarder delivers the outbox to the parent.
type Forwarder struct {
	Store *store.Store
	// Conn is the connection to the parent's peer port (mutual TLS).
	Conn         *grpc.ClientConn
	CheckReceipt ReceiptChecker
	Logger       *zap.Logger
	Batch        int
	// BatchBytes bounds one batch's envelopes; zero is MaxBatchBytes.
	BatchBytes int
	MinBackoff time.Duration
	MaxBackoff time.Duration
	notify     chan struct{}
}

// NewForwarder returns a forwarder with defaults filled in.
func NewForwarder(st *store.Store, conn *grpc.ClientConn, check ReceiptChecker, log *zap.Logger) *Forwarder {
	if log == nil {
		log = zap.NewNop()
	}
	return &Forwarder{
		Store: st, Conn: conn, CheckReceipt: check, Logger: log,
		Batch: DefaultBatch, MinBackoff: DefaultMinBackoff, MaxBackoff: DefaultMaxBackoff,
		notify: make(chan struct{}, 1),
	}
}

// Notify wakes the forwarder: something was queued. It never blocks.
func (f *Forwarder) Notify() {
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (f *Forwarder) Run(ctx context.Context) error {
	client := tonghopv1.NewPeerServiceClient(f.Conn)
	backoff := time.Duration(0)
	for {
		n, err := f.deliverOnce(ctx, client)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			backoff = f.next(backoff)
			f.Logger.Warn("delivery to parent failed; will retry", zap.Error(err), zap.Duration("in", backoff))
			if !wait(ctx, backoff, nil) {
				return nil
			}
		case n > 0:
			backoff = 0 // more may be waiting: go on at once
		default:
			backoff = 0
			if !wait(ctx, idleRecheck, f.notify) {
				return nil
			}
		}
	}
}

// Drain delivers until the outbox is empty and returns nil, or returns the
// first error: a node that retires hands over everything first. Envelopes
// the parent refuses leave the outbox marked refused, as in Run.
func (f *Forwarder) Drain(ctx context.Context) error {
	client := tonghopv1.NewPeerServiceClient(f.Conn)
	for {
		n, err := f.deliverOnce(ctx, client)
		if err != nil {
			return err
		}
		if n == 0 {
			left, err := f.Store.OutboxLen()
			if err != nil || left == 0 {
				return err
			}
			return fmt.Errorf("%d envelope(s) still wait for the parent's receipt", left)
		}
	}
}

// next doubles the backoff within [MinBackoff, MaxBackoff] and spreads it
// by ±25%, so that communes that lost the same district do not all return
// at the same instant.
func (f *Forwarder) next(prev time.Duration) time.Duration {
	d := max(prev*2, f.MinBackoff)
	d = min(d, f.MaxBackoff)
	return d/2 + rand.N(d/2+1) + d/4
}

// wait returns false if ctx ended, true when d passed or wake fired.
func wait(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	case <-wake:
		return true
	}
}

// deliverOnce sends one batch and records the answers; it returns how many
// entries left the outbox.
func (f *Forwarder) deliverOnce(ctx context.Context, client tonghopv1.PeerServiceClient) (int, error) {
	entries, envs, err := f.Store.Outbox(f.Batch)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	size := 0
	for i, env := range envs {
		size += len(env)
		if i > 0 && size > cmp.Or(f.BatchBytes, MaxBatchBytes) {
			entries, envs = entries[:i], envs[:i]
			break
		}
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// Each report's proof of time travels with it (see
	// submission.ReceiveWithProof); the list stops at the last one held.
	var proofs [][]byte
	for i, e := range entries {
		if e.FirstReceipt != nil {
			proofs = append(proofs, make([][]byte, i+1-len(proofs))...)
			proofs[i] = e.FirstReceipt
		}
	}
	resp, err := client.Deliver(cctx, &tonghopv1.DeliverRequest{Envelopes: envs, FirstReceipts: proofs})
	if err != nil {
		f.recordFailure(entries, err)
		return 0, err
	}
	if len(resp.Results) != len(entries) {
		err := fmt.Errorf("parent answered %d of %d envelopes", len(resp.Results), len(entries))
		f.recordFailure(entries, err)
		return 0, err
	}
	ds := make([]store.Delivery, len(entries))
	done := 0
	var firstErr error
	for i, e := range entries {
		r := resp.Results[i]
		d := store.Delivery{Seq: e.Seq, Digest: e.Digest}
		switch r.Outcome {
		case tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED, tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE:
			if err := f.CheckReceipt(r.Receipt, e.Digest); err != nil {
				// Without a receipt that verifies, the parent has not
				// proven it holds the envelope: keep it.
				d.Error = err.Error()
				firstErr = err
				break
			}
			d.Done, d.Receipt = store.Delivered, r.Receipt
			done++
		case tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_REJECTED:
			// A refusal needs no signed receipt: it comes from the parent
			// over mutual TLS, and it deletes nothing. The envelope stays
			// stored here, marked refused with the reason, until an
			// administrator re-queues it.
			st := status.FromProto(r.Error)
			d.Done, d.Code, d.Error = store.Rejected, int32(st.Code()), st.Message()
			done++
			f.Logger.Error("parent rejected an envelope", zap.String("digest", e.Digest), zap.String("code", st.Code().String()), zap.String("reason", st.Message()))
		default:
			d.Error = fmt.Sprintf("parent gave no outcome for %s", e.Digest)
			firstErr = fmt.Errorf("%s", d.Error)
		}
		ds[i] = d
	}
	if err := f.Store.CompleteDeliveries(ds); err != nil {
		return 0, err
	}
	if done == 0 && firstErr != nil {
		return 0, firstErr
	}
	return done, nil
}

// recordFailure counts an attempt on the entries of a failed batch, so the
// outbox shows why it is not draining.
func (f *Forwarder) recordFailure(entries []store.OutboxEntry, err error) {
	ds := make([]store.Delivery, len(entries))
	for i, e := range entries {
		ds[i] = store.Delivery{Seq: e.Seq, Digest: e.Digest, Error: err.Error()}
	}
	if cerr := f.Store.CompleteDeliveries(ds); cerr != nil {
		f.Logger.Error("recording a failed delivery", zap.Error(cerr))
	}
}
