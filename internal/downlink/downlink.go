// Package downlink owns the definitions that flow down the hierarchy: a
// child fetches them from its parent (the child always opens the
// connection), at start and then at an interval, and keeps them as the
// parent sent them: the targets set above, the reporting rounds opened
// above, and what the parent said of the node's own reports (accepted,
// returned with a comment), the catalogue versions published above, and
// the revocations of certificates on the node's own path.
package downlink

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/wire"
)

// Syncer fetches definitions from the parent.
type Syncer struct {
	Store *store.Store
	// Conn is the connection to the parent's peer port (mutual TLS).
	Conn *grpc.ClientConn
	// Self is this node's unit: what it set itself is never replaced.
	Self     string
	Interval time.Duration
	Logger   *zap.Logger
	// Catalogs, when set, verifies and keeps each catalogue version the
	// parent hands down (published by it or above it), bases first; it
	// reports whether the version was new here.
	Catalogs func(raw []byte) (bool, error)
	// Revocations, when set, verifies and keeps the revocation notices the
	// parent hands down, of certificates on this node's path; Revoked then
	// says whether a certificate is revoked, and a parent presenting a
	// revoked one is trusted for nothing more (ErrParentRevoked).
	Revocations func(notices [][]byte) (int, error)
	Revoked     func(*x509.Certificate) bool
}

// ErrParentRevoked means the parent's certificate, or one above it in its
// chain, is revoked: what it hands down is not taken.
var ErrParentRevoked = errors.New("the parent's certificate is revoked")

// Run syncs at once and then every Interval until ctx ends.
func (s *Syncer) Run(ctx context.Context) {
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Warn("fetching definitions from the parent failed; will retry", zap.Error(err), zap.Duration("in", s.Interval))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sync fetches once.
func (s *Syncer) Sync(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.syncRevocations(cctx); err != nil {
		return err
	}
	resp, err := tonghopv1.NewPeerServiceClient(s.Conn).FetchTargets(cctx, &tonghopv1.FetchTargetsRequest{})
	if err != nil {
		return err
	}
	ts := make([]store.Target, len(resp.Targets))
	for i, t := range resp.Targets {
		ts[i] = wire.TargetFromProto(t)
	}
	if err := s.Store.ReplaceInherited(s.Self, ts); err != nil {
		return err
	}
	rounds, err := tonghopv1.NewPeerServiceClient(s.Conn).FetchRounds(cctx, &tonghopv1.FetchRoundsRequest{})
	if err != nil {
		return err
	}
	rs := make([]store.Round, len(rounds.Rounds))
	for i, r := range rounds.Rounds {
		rs[i] = wire.RoundFromProto(r)
	}
	if err := s.Store.ReplaceInheritedRounds(s.Self, rs); err != nil {
		return err
	}
	said := make([]review.Review, len(rounds.Reviews))
	for i, r := range rounds.Reviews {
		said[i] = wire.ReviewFromProto(r)
	}
	if err := s.Store.ReplaceParentReviews(said); err != nil {
		return err
	}
	return s.syncCatalogs(cctx)
}

// syncCatalogs keeps the catalogue versions in force above. Versions are
// only ever added: one published above never disappears, since reports
// made with it stay readable.
func (s *Syncer) syncCatalogs(ctx context.Context) error {
	if s.Catalogs == nil {
		return nil
	}
	resp, err := tonghopv1.NewPeerServiceClient(s.Conn).FetchCatalogs(ctx, &tonghopv1.FetchCatalogsRequest{})
	if status.Code(err) == codes.Unimplemented {
		// A parent from before catalogue versions publishes none.
		return nil
	}
	if err != nil {
		return err
	}
	// One version refused here (its codes clash with one published below)
	// does not keep the others out.
	var errs []error
	for _, raw := range resp.Versions {
		added, err := s.Catalogs(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if added {
			s.Logger.Info("catalogue version from above kept")
		}
	}
	return errors.Join(errs...)
}

// syncRevocations keeps the revocations on this node's path first, so that
// a revoked parent's definitions are refused in the same round: they come
// over a connection its certificate authenticates.
func (s *Syncer) syncRevocations(ctx context.Context) error {
	if s.Revocations == nil {
		return nil
	}
	var p peer.Peer
	resp, err := tonghopv1.NewPeerServiceClient(s.Conn).FetchRevocations(ctx, &tonghopv1.FetchRevocationsRequest{}, grpc.Peer(&p))
	if status.Code(err) == codes.Unimplemented {
		// A parent from before revocations flowed down hands down none.
		return nil
	}
	if err != nil {
		return err
	}
	learnt, err := s.Revocations(resp.Notices)
	if learnt > 0 {
		s.Logger.Warn("revocations on this node's path learnt from the parent", zap.Int("certificates", learnt))
	}
	if err != nil {
		return err
	}
	if info, ok := p.AuthInfo.(credentials.TLSInfo); ok && s.Revoked != nil {
		for _, c := range info.State.PeerCertificates {
			if s.Revoked(c) {
				return fmt.Errorf("%w: %s, serial %s: enrol this node again under a parent with a valid certificate",
					ErrParentRevoked, c.Subject.CommonName, trust.SerialHex(c))
			}
		}
	}
	return nil
}
