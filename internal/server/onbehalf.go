package server

import (
	"context"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

func (s *submissionService) SubmitOnBehalf(ctx context.Context, req *tonghopv1.SubmitOnBehalfRequest) (*tonghopv1.SubmitOnBehalfResponse, error) {
	if _, ok := s.tree.Unit(req.UnitCode); !ok {
		return nil, invalid.Field("unit_code", "unknown unit %q", req.UnitCode)
	}
	if req.UnitCode == s.check.Unit {
		return nil, invalid.Field("unit_code", "%s is this node's own unit: use Submit", req.UnitCode)
	}
	raws := make([]entry.Raw, len(req.Values))
	for i, v := range req.Values {
		raws[i] = entry.Raw{Element: v.DataElement, Option: v.Option, Value: v.Value}
	}
	// The unit's values are checked as its own node would check them.
	t, vals, err := entry.Checker{Unit: req.UnitCode, Catalog: s.check.Catalog}.Values(req.UnitCode, req.DataSet, req.Period, raws)
	if err != nil {
		return nil, err
	}
	overrides := make([]envelope.Override, len(req.Overrides))
	for i, o := range req.Overrides {
		overrides[i] = envelope.Override{Rule: o.Rule, Reason: o.Reason}
	}
	rec, err := s.subs.SubmitOnBehalf(req.UnitCode, t.DataSet.Code, t.Period, vals, overrides)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.SubmitOnBehalfResponse{Submission: submissionToProto(rec, false)}, nil
}

// maxHistory bounds the reports FetchHistory returns.
const maxHistory = 10000

func (s *peerService) FetchHistory(ctx context.Context, _ *tonghopv1.FetchHistoryRequest) (*tonghopv1.FetchHistoryResponse, error) {
	path, err := s.childPath(ctx)
	if err != nil {
		return nil, err
	}
	recs, _, _, err := s.subs.Store.Submissions(store.SubmissionFilter{Unit: path[len(path)-1], WithSuperseded: true}, nil, maxHistory)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.FetchHistoryResponse{}
	// The unit's own reports, and those this node entered on its behalf:
	// not those of an older unit that had the same code (Thị trấn Tam
	// Đường's for the Xã Bình Lư that took its code 03390), which its
	// path, and so its signer, tells apart.
	own, mine := trust.JoinPath(path), trust.JoinPath(path[:len(path)-1])
	for _, r := range recs {
		if r.Signer != own && r.Signer != mine {
			continue
		}
		_, env, _, err := s.subs.Store.Submission(r.Digest)
		if err != nil {
			return nil, err
		}
		resp.Envelopes = append(resp.Envelopes, env)
	}
	return resp, nil
}
