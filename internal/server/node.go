package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
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
	return &tonghopv1.GetNodeResponse{Node: &tonghopv1.Node{
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
