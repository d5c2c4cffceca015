package server

import (
	"context"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/hierarchy"
)

func (s *peerService) Retire(ctx context.Context, req *tonghopv1.RetireRequest) (*tonghopv1.RetireResponse, error) {
	path, err := s.childPath(ctx)
	if err != nil {
		return nil, err
	}
	p, _ := peer.FromContext(ctx)
	leaf := p.AuthInfo.(credentials.TLSInfo).State.PeerCertificates[0] // childPath checked it
	revoked, _, err := s.parent.Retire(path, leaf, req.Note)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.RetireResponse{}
	for _, c := range revoked {
		resp.RevokedSerials = append(resp.RevokedSerials, c.Serial)
		resp.Reason = c.Reason
	}
	return resp, nil
}

func (s *peerService) FetchSources(ctx context.Context, req *tonghopv1.FetchSourcesRequest) (*tonghopv1.FetchSourcesResponse, error) {
	path, err := s.childPath(ctx)
	if err != nil {
		return nil, err
	}
	sources, envs, next, err := s.parent.SourcesOf(path, req.DataSet, req.PageToken)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.FetchSourcesResponse{Envelopes: envs, NextPageToken: next}
	for _, src := range sources {
		resp.Sources = append(resp.Sources, &tonghopv1.SourceUnit{
			UnitCode: src.Unit.Code, UnitName: src.Unit.Name, Level: src.Unit.Level, Partial: src.Partial,
			Effective: hierarchy.FormatDate(src.Date),
		})
	}
	return resp, nil
}
