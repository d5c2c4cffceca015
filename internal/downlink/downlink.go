// Package downlink owns the definitions that flow down the hierarchy: a
// child fetches them from its parent (the child always opens the
// connection), at start and then at an interval, and keeps them as the
// parent sent them: the targets set above, the reporting rounds opened
// above, and what the parent said of the node's own reports (accepted,
// returned with a comment), and the catalogue versions published above.
package downlink

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/store"
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
}

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
