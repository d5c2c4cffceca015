package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/trust"
)

type nodeService struct {
	tonghopv1.UnimplementedNodeServiceServer
	d Deps
}

func (s *nodeService) GetNode(ctx context.Context, _ *tonghopv1.GetNodeRequest) (*tonghopv1.GetNodeResponse, error) {
	u, ok := s.d.Tree.Unit(s.d.Unit)
	if !ok {
		u.Code = s.d.Unit
	}
	v, err := s.d.Store.SchemaVersion()
	if err != nil {
		return nil, err
	}
	revoked, err := s.revokedChain()
	if err != nil {
		return nil, err
	}
	return &tonghopv1.GetNodeResponse{Node: &tonghopv1.Node{
		RevokedChain:   revoked,
		UnitCode:       u.Code,
		UnitName:       u.Name,
		Level:          u.Level,
		ParentCode:     u.Parent,
		ParentAddress:  s.d.ParentAddress,
		Version:        s.d.Version,
		SchemaVersion:  uint32(v),
		CatalogVersion: s.d.Catalog.Version(),
		CatalogDigest:  s.d.Catalog.Digest(),
		StartedAt:      timestamppb.New(s.d.StartedAt),
	}}, nil
}

// revokedChain lists the certificates of the node's own chain revoked here:
// the node learns its own and its parent's from the parent.
func (s *nodeService) revokedChain() ([]*tonghopv1.RevokedCertificate, error) {
	if s.d.Submissions == nil || s.d.Submissions.Identity == nil {
		return nil, nil
	}
	id := s.d.Submissions.Identity.Load()
	if id == nil {
		return nil, nil
	}
	known, err := s.d.Store.Revocations()
	if err != nil {
		return nil, err
	}
	var out []*tonghopv1.RevokedCertificate
	for _, c := range id.Chain {
		if r, ok := known[trust.Fingerprint(c)]; ok {
			out = append(out, &tonghopv1.RevokedCertificate{
				UnitCode: r.Unit, Serial: r.Serial, Fingerprint: r.Fingerprint, Reason: r.Reason, RevokedAt: timestamppb.New(r.RevokedAt),
			})
		}
	}
	return out, nil
}
