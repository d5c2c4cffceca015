package enrolment

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/tonghop/tonghop/internal/trust"
)

// RenewShare is the share of a certificate's lifetime left when its node
// renews it: with two-year certificates, about eight months before the
// end, so that a node offline for months still renews in time.
const RenewShare = 3

// Due reports whether a certificate is to be renewed at now: when less than
// a RenewShare-th of its lifetime is left (or it has ended).
func Due(leaf *x509.Certificate, now time.Time) bool {
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	return leaf.NotAfter.Sub(now) < life/RenewShare
}

// Renewal is a child's side of renewing its certificate without anyone
// typing a command: before the certificate is due to end, the node makes
// a new key and has its parent certify it over the mutual-TLS link it
// already holds, with its current certificate as proof; no token is
// needed. Adopt then makes the new identity the node's.
type Renewal struct {
	// Conn is the mutual-TLS connection to the parent's peer port.
	Conn     *grpc.ClientConn
	Identity *atomic.Pointer[trust.Identity]
	// Name is the unit's name, for the certificate request.
	Name string
	// Adopt makes next the node's identity, on the word of current: it
	// endorses the new key with the old one (so that every level above
	// knows it before the first report it signs), saves it and puts it in
	// use. Renewal is retried as long as Adopt fails.
	Adopt func(current, next trust.Identity) error
	// Every is how often Run looks at the certificate.
	Every  time.Duration
	Now    func() time.Time
	Logger *zap.Logger

	// resting is until when renewal waits after the parent answered with a
	// certificate that ends no later than the current one (its own ends
	// first, or the unit's does): asking again at once would only have it
	// issue more of the same.
	resting time.Time
}

// ErrNoGain means a renewal whose certificate ends no later than the
// current one.
var ErrNoGain = errors.New("renewal gained no time")

// RestAfterNoGain is how long renewal waits after a renewal that gained no
// time, for the parent to renew its own certificate first.
const RestAfterNoGain = 24 * time.Hour

// Run renews when due, at once and then every Every until ctx ends; a
// failure is logged and tried again at the next look.
func (r *Renewal) Run(ctx context.Context) {
	t := time.NewTicker(r.Every)
	defer t.Stop()
	for {
		if _, err := r.RenewIfDue(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Warn("renewing the certificate from the parent failed; will retry", zap.Error(err), zap.Duration("in", r.Every))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RenewIfDue renews the certificate if it is due, and says whether it did.
func (r *Renewal) RenewIfDue(ctx context.Context) (bool, error) {
	current := r.Identity.Load()
	if current == nil || len(current.Chain) == 0 {
		return false, nil
	}
	now := r.Now()
	if !Due(current.Leaf(), now) || now.Before(r.resting) {
		return false, nil
	}
	key, err := trust.GenerateKey()
	if err != nil {
		return false, err
	}
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	next, err := RenewWithParent(cctx, r.Conn, *current, trust.Identity{Key: key}, r.Name, now)
	if err != nil {
		return false, err
	}
	if !next.Leaf().NotAfter.After(current.Leaf().NotAfter) {
		r.resting = now.Add(RestAfterNoGain)
		return false, fmt.Errorf("%w: the parent renewed the certificate only until %s, no later than the current one; trying again in %s", ErrNoGain, next.Leaf().NotAfter.Format(time.RFC3339), RestAfterNoGain)
	}
	if err := r.Adopt(*current, next); err != nil {
		return false, err
	}
	r.Logger.Info("certificate renewed from the parent",
		zap.String("old_serial", trust.SerialHex(current.Leaf())), zap.Time("old_not_after", current.Leaf().NotAfter),
		zap.String("serial", trust.SerialHex(next.Leaf())), zap.Time("not_after", next.Leaf().NotAfter))
	return true, nil
}
