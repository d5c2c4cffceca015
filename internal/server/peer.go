package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/wire"
)

// MaxDeliverBatch bounds the envelopes of one Deliver call.
const MaxDeliverBatch = 500

type peerService struct {
	tonghopv1.UnimplementedPeerServiceServer
	subs   *submission.Reports
	store  *store.Store
	tree   *hierarchy.Tree
	parent *enrolment.Parent
	log    *zap.Logger
}

// errNoPeerCert: a call that needs the caller's node certificate came
// without one.
var errNoPeerCert = errors.New("this call needs the calling node's certificate (mutual TLS)")

func ders(chain []*x509.Certificate) [][]byte {
	out := make([][]byte, len(chain))
	for i, c := range chain {
		out[i] = c.Raw
	}
	return out
}

// childPath is the unit path of the calling node, a direct child of this
// one, checked again on every call against the current revocations.
func (s *peerService) childPath(ctx context.Context) ([]string, error) {
	chain, err := peerChain(ctx)
	if err != nil {
		return nil, err
	}
	return s.subs.Child(chain)
}

// peerChain is the calling node's TLS client chain.
func peerChain(ctx context.Context) ([]*x509.Certificate, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil, errNoPeerCert
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.PeerCertificates) == 0 {
		return nil, errNoPeerCert
	}
	return info.State.PeerCertificates, nil
}

// FetchRevocations hands down the notices of revoked certificates on the
// caller's path, to a child whose own chain may be among them.
func (s *peerService) FetchRevocations(ctx context.Context, _ *tonghopv1.FetchRevocationsRequest) (*tonghopv1.FetchRevocationsResponse, error) {
	chain, err := peerChain(ctx)
	if err != nil {
		return nil, err
	}
	path, err := s.subs.Verifier.ChildEvenRevoked(chain)
	if err != nil {
		return nil, err
	}
	notices, err := s.store.RevocationNotices(func(unit string) bool { return slices.Contains(path, unit) })
	if err != nil {
		return nil, err
	}
	return &tonghopv1.FetchRevocationsResponse{Notices: notices}, nil
}

func (s *peerService) Enroll(ctx context.Context, req *tonghopv1.EnrollRequest) (*tonghopv1.EnrollResponse, error) {
	if req.Token == "" {
		return nil, invalid.Field("token", "is required")
	}
	chain, err := s.parent.Enroll(req.Token, req.Csr)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.EnrollResponse{Chain: ders(chain)}, nil
}

func (s *peerService) Renew(ctx context.Context, req *tonghopv1.RenewRequest) (*tonghopv1.RenewResponse, error) {
	path, err := s.childPath(ctx)
	if err != nil {
		return nil, err
	}
	chain, err := s.parent.Renew(path, req.Csr)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.RenewResponse{Chain: ders(chain)}, nil
}

func (s *peerService) Deliver(ctx context.Context, req *tonghopv1.DeliverRequest) (*tonghopv1.DeliverResponse, error) {
	path, err := s.childPath(ctx)
	if err != nil {
		return nil, err
	}
	if len(req.Envelopes) > MaxDeliverBatch {
		return nil, invalid.Field("envelopes", "%d envelopes in one batch; at most %d", len(req.Envelopes), MaxDeliverBatch)
	}
	if len(req.FirstReceipts) > len(req.Envelopes) {
		return nil, invalid.Field("first_receipts", "%d receipts for %d envelopes; at most one per envelope, at its index", len(req.FirstReceipts), len(req.Envelopes))
	}
	outcomes, err := s.subs.ReceiveWithProof(req.Envelopes, req.FirstReceipts, path)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.DeliverResponse{Results: deliveryResults(outcomes, s.log)}, nil
}

// deliveryResults answers each envelope of a delivery, over the network or
// by file.
func deliveryResults(outcomes []submission.Outcome, log *zap.Logger) []*tonghopv1.DeliveryResult {
	results := make([]*tonghopv1.DeliveryResult, len(outcomes))
	for i, o := range outcomes {
		r := &tonghopv1.DeliveryResult{Digest: o.Digest, Receipt: o.Receipt}
		switch o.Status {
		case store.Stored:
			r.Outcome = tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED
		case store.Duplicate:
			r.Outcome = tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE
		default:
			r.Outcome = tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_REJECTED
			err := o.Err
			if bad, ok := invalid.As(err); ok {
				// Name the fields within the batch: envelopes[3].values[0].value.
				var prefixed invalid.Error
				prefixed.Merge(fmt.Sprintf("envelopes[%d]", i), bad)
				err = &prefixed
			} else {
				err = fmt.Errorf("envelopes[%d]: %w", i, err)
			}
			r.Error = status.Convert(Status(err, log)).Proto()
		}
		results[i] = r
	}
	return results
}

func (s *peerService) FetchTargets(ctx context.Context, _ *tonghopv1.FetchTargetsRequest) (*tonghopv1.FetchTargetsResponse, error) {
	path, err := s.childPath(ctx)
	if err != nil {
		return nil, err
	}
	child := path[len(path)-1]
	ts, err := s.store.Targets()
	if err != nil {
		return nil, err
	}
	tree := s.tree
	resp := &tonghopv1.FetchTargetsResponse{}
	for _, t := range ts {
		// Level targets apply to every unit of the level below their setter;
		// unit targets only to their unit.
		if t.Unit == "" || tree.InSubtree(child, t.Unit) {
			resp.Targets = append(resp.Targets, wire.TargetToProto(t))
		}
	}
	return resp, nil
}

func (s *peerService) FetchRounds(ctx context.Context, _ *tonghopv1.FetchRoundsRequest) (*tonghopv1.FetchRoundsResponse, error) {
	path, err := s.childPath(ctx)
	if err != nil {
		return nil, err
	}
	child := path[len(path)-1]
	// Every round this node knows covers its whole subtree, the child's
	// included.
	rounds, err := s.store.Rounds()
	if err != nil {
		return nil, err
	}
	reviews, err := s.store.Reviews("", "", func(u string) bool { return u == child })
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.FetchRoundsResponse{}
	for _, r := range rounds {
		resp.Rounds = append(resp.Rounds, wire.RoundToProto(r))
	}
	for _, r := range reviews {
		resp.Reviews = append(resp.Reviews, wire.ReviewToProto(r))
	}
	return resp, nil
}

// FetchCatalogs hands a child the catalogue versions in force above it.
func (s *peerService) FetchCatalogs(ctx context.Context, _ *tonghopv1.FetchCatalogsRequest) (*tonghopv1.FetchCatalogsResponse, error) {
	if _, err := s.childPath(ctx); err != nil {
		return nil, err
	}
	raws, err := s.subs.CatalogsForChildren()
	if err != nil {
		return nil, err
	}
	return &tonghopv1.FetchCatalogsResponse{Versions: raws}, nil
}
