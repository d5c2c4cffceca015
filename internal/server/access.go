package server

import (
	"context"
	"encoding/binary"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/pagetoken"
	"github.com/tonghop/tonghop/internal/store"
)

type accessService struct {
	tonghopv1.UnimplementedAccessServiceServer
	tokens *access.Tokens
	store  *store.Store
	audit  *audit.Log
	tree   *hierarchy.Tree
}

func tokenToProto(t store.APIToken) *tonghopv1.Token {
	role, _ := access.ParseRole(t.Role)
	out := &tonghopv1.Token{
		Id: t.ID, Name: t.Name, Role: tonghopv1.Role(role), UnitCode: t.Unit, CreatedAt: timestamppb.New(t.CreatedAt),
		SignInLink: t.SignInLink, Session: t.Session,
	}
	if t.Session {
		out.SessionOf = t.MadeWith
	}
	if !t.ExpiresAt.IsZero() {
		out.ExpiresAt = timestamppb.New(t.ExpiresAt)
	}
	if !t.RevokedAt.IsZero() {
		out.RevokedAt = timestamppb.New(t.RevokedAt)
	}
	return out
}

func (s *accessService) CreateToken(ctx context.Context, req *tonghopv1.CreateTokenRequest) (*tonghopv1.CreateTokenResponse, error) {
	caller, _ := CallerFrom(ctx)
	var bad invalid.Error
	role := access.Role(req.Role)
	switch {
	case role < access.Viewer || role > access.Admin:
		bad.Add("role", "is required: viewer, editor, approver or admin")
	case role > caller.Role:
		bad.Add("role", "%s is more than the caller's own role (%s)", role, caller.Role)
	}
	if req.Name == "" {
		bad.Add("name", "is required: who or what will use the token")
	}
	if _, ok := s.tree.Unit(req.UnitCode); req.UnitCode == "" || !ok {
		bad.Add("unit_code", "a unit of this node's subtree is required")
	}
	if req.ValidDays < 0 || req.ValidDays > access.MaxValidDays {
		bad.Add("valid_days", "must be between 0 (never expires, within the caller's own token) and %d", access.MaxValidDays)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	create := s.tokens.CreateBy
	if req.SignInLink {
		create = s.tokens.CreateSignInLink
	}
	rec, secret, err := create(caller, req.Name, role, req.UnitCode, time.Duration(req.ValidDays)*24*time.Hour)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.CreateTokenResponse{Token: tokenToProto(rec), Secret: secret}, nil
}

func (s *accessService) ListTokens(ctx context.Context, _ *tonghopv1.ListTokensRequest) (*tonghopv1.ListTokensResponse, error) {
	caller, _ := CallerFrom(ctx)
	ts, err := s.store.APITokens()
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListTokensResponse{}
	for _, t := range ts {
		if s.tree.InSubtree(caller.Unit, t.Unit) {
			resp.Tokens = append(resp.Tokens, tokenToProto(t))
		}
	}
	return resp, nil
}

func (s *accessService) RevokeToken(ctx context.Context, req *tonghopv1.RevokeTokenRequest) (*tonghopv1.RevokeTokenResponse, error) {
	if req.Id == "" {
		return nil, invalid.Field("id", "is required")
	}
	t, err := s.store.RevokeAPIToken(req.Id)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.RevokeTokenResponse{Token: tokenToProto(t)}, nil
}

func (s *accessService) ListAudit(ctx context.Context, req *tonghopv1.ListAuditRequest) (*tonghopv1.ListAuditResponse, error) {
	size := int(req.PageSize)
	var bad invalid.Error
	switch {
	case size < 0 || size > 1000:
		bad.Add("page_size", "must be between 0 and 1000")
	case size == 0:
		size = 100
	}
	var before uint64
	if req.PageToken != "" {
		raw, err := pagetoken.Decode("audit", req.PageToken)
		if err != nil || len(raw) != 8 {
			bad.Add("page_token", "%v", pagetoken.ErrInvalid)
		} else {
			before = binary.BigEndian.Uint64(raw)
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	entries, err := s.audit.List(before, size)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListAuditResponse{}
	for _, p := range s.audit.Problems() {
		resp.Problems = append(resp.Problems, p.String())
	}
	for _, e := range entries {
		resp.Entries = append(resp.Entries, &tonghopv1.AuditEntry{
			Time: timestamppb.New(e.Time), Caller: e.Caller, Method: e.Method, UnitCodes: e.Units,
			Code: e.Code, Detail: e.Detail, Seq: e.Seq,
		})
	}
	if len(entries) == size && entries[len(entries)-1].Seq > 1 {
		resp.NextPageToken = pagetoken.Encode("audit", binary.BigEndian.AppendUint64(nil, entries[len(entries)-1].Seq))
	}
	return resp, nil
}

func (s *accessService) GetCaller(ctx context.Context, _ *tonghopv1.GetCallerRequest) (*tonghopv1.GetCallerResponse, error) {
	caller, _ := CallerFrom(ctx)
	t, err := s.store.APIToken(caller.TokenID)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.GetCallerResponse{Token: tokenToProto(t)}
	if u, ok := s.tree.Unit(caller.Unit); ok {
		resp.UnitName, resp.Level = u.Name, string(u.Level)
	}
	return resp, nil
}
