package server

import (
	"context"

	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/bundle"
	"github.com/tonghop/tonghop/internal/invalid"
)

type bundleService struct {
	tonghopv1.UnimplementedBundleServiceServer
	transfer *bundle.Transfer
	log      *zap.Logger
}

func newBundleService(d Deps) any { return &bundleService{transfer: d.Transfer, log: d.Logger} }

// bundleRules: a bundle carries what the node would send or receive over
// the peer port, the node's business as a whole.
func bundleRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.BundleService_ExportBundle_FullMethodName:   {role: access.Approver, units: s.self},
		tonghopv1.BundleService_ImportBundle_FullMethodName:   {role: access.Approver, write: true, units: s.self},
		tonghopv1.BundleService_ImportReceipts_FullMethodName: {role: access.Approver, write: true, units: s.self},
	}
}

func manifestToProto(m bundle.Manifest) *tonghopv1.BundleManifest {
	return &tonghopv1.BundleManifest{
		Format: int32(m.Format), Kind: m.Kind, From: m.From, For: m.For,
		CreatedAt: timestamppb.New(m.CreatedAt), Entries: int32(len(m.Entries)),
	}
}

func (s *bundleService) ExportBundle(ctx context.Context, _ *tonghopv1.ExportBundleRequest) (*tonghopv1.ExportBundleResponse, error) {
	e, err := s.transfer.Export()
	if err != nil {
		return nil, err
	}
	return &tonghopv1.ExportBundleResponse{Bundle: e.Bundle, Manifest: manifestToProto(e.Manifest), Remaining: int32(e.Remaining)}, nil
}

func (s *bundleService) ImportBundle(ctx context.Context, req *tonghopv1.ImportBundleRequest) (*tonghopv1.ImportBundleResponse, error) {
	if len(req.Bundle) == 0 {
		return nil, invalid.Field("bundle", "is required")
	}
	im, err := s.transfer.Import(req.Bundle)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.ImportBundleResponse{Manifest: manifestToProto(im.Manifest), Results: deliveryResults(im.Outcomes, s.log), Receipts: im.Receipts}, nil
}

func (s *bundleService) ImportReceipts(ctx context.Context, req *tonghopv1.ImportReceiptsRequest) (*tonghopv1.ImportReceiptsResponse, error) {
	if len(req.Receipts) == 0 {
		return nil, invalid.Field("receipts", "is required")
	}
	c, err := s.transfer.ImportReceipts(req.Receipts)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.ImportReceiptsResponse{Manifest: manifestToProto(c.Manifest), Cleared: int32(c.Cleared), AlreadyCleared: int32(c.AlreadyCleared), Waiting: int32(c.Waiting)}, nil
}
