package server

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/store"
)

type childrenService struct {
	tonghopv1.UnimplementedChildrenServiceServer
	parent *enrolment.Parent
}

func issuedToProto(c store.Issued) *tonghopv1.IssuedCertificate {
	out := &tonghopv1.IssuedCertificate{
		UnitCode: c.Unit, Serial: c.Serial, Fingerprint: c.Fingerprint,
		NotBefore: timestamppb.New(c.NotBefore), NotAfter: timestamppb.New(c.NotAfter),
		RevocationReason: c.Reason,
	}
	if !c.RevokedAt.IsZero() {
		out.RevokedAt = timestamppb.New(c.RevokedAt)
	}
	return out
}

func (s *childrenService) CreateEnrollmentToken(ctx context.Context, req *tonghopv1.CreateEnrollmentTokenRequest) (*tonghopv1.CreateEnrollmentTokenResponse, error) {
	t, expires, err := s.parent.CreateToken(req.UnitCode, time.Duration(req.ValidHours)*time.Hour)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.CreateEnrollmentTokenResponse{Token: t.String(), ExpiresAt: timestamppb.New(expires)}, nil
}

func (s *childrenService) CreateEnrollmentTokens(ctx context.Context, req *tonghopv1.CreateEnrollmentTokensRequest) (*tonghopv1.CreateEnrollmentTokensResponse, error) {
	if req.ValidHours < 0 {
		return nil, invalid.Field("valid_hours", "%d is negative", req.ValidHours)
	}
	tokens, err := s.parent.CreateTokens(time.Duration(req.ValidHours)*time.Hour, req.IncludeEnrolled)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.CreateEnrollmentTokensResponse{}
	for _, t := range tokens {
		resp.Tokens = append(resp.Tokens, &tonghopv1.ChildToken{UnitCode: t.Unit.Code, Name: t.Unit.Name, Token: t.Token.String(), ExpiresAt: timestamppb.New(t.ExpiresAt)})
	}
	return resp, nil
}

func (s *childrenService) ListChildren(ctx context.Context, _ *tonghopv1.ListChildrenRequest) (*tonghopv1.ListChildrenResponse, error) {
	children, err := s.parent.Children()
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListChildrenResponse{}
	for _, c := range children {
		pc := &tonghopv1.Child{UnitCode: c.Unit.Code, Name: c.Unit.Name, TokenPending: c.TokenPending, Enrolled: c.Enrolled}
		if r := c.LastReport; r != nil {
			pc.LastReport = &tonghopv1.LastReport{UnitCode: r.Unit, DataSet: r.DataSet, Period: r.Period, Revision: r.Revision,
				ReceivedAt: timestamppb.New(r.ReceivedAt), EnteredBy: r.EnteredBy}
		}
		for _, cert := range c.Certificates {
			pc.Certificates = append(pc.Certificates, issuedToProto(cert))
		}
		resp.Children = append(resp.Children, pc)
	}
	return resp, nil
}

func (s *childrenService) RevokeChild(ctx context.Context, req *tonghopv1.RevokeChildRequest) (*tonghopv1.RevokeChildResponse, error) {
	revoked, err := s.parent.Revoke(req.UnitCode, req.Reason)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.RevokeChildResponse{}
	for _, c := range revoked {
		resp.Revoked = append(resp.Revoked, issuedToProto(c))
	}
	return resp, nil
}
