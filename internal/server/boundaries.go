package server

import (
	"context"
	"errors"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/store"
)

// parseBoundaries reads a boundaries field: empty, or a day YYYY-MM-DD.
func parseBoundaries(bad *invalid.Error, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := hierarchy.ParseDate(s)
	if err != nil {
		bad.Add(field, "%v", err)
	}
	return d
}

func changeToProto(c hierarchy.Change) *tonghopv1.MapChange {
	return &tonghopv1.MapChange{OldCode: c.Old, OldName: c.OldName, NewCode: c.New, NewName: c.NewName,
		Level: c.Level, Partial: c.Partial, Date: hierarchy.FormatDate(c.Date)}
}

func (s *hierarchyService) ListMapChanges(ctx context.Context, req *tonghopv1.ListMapChangesRequest) (*tonghopv1.ListMapChangesResponse, error) {
	resp := &tonghopv1.ListMapChangesResponse{}
	if s.history == nil {
		return resp, nil
	}
	for _, c := range s.history.Changes() {
		if (req.OldCode == "" || c.Old == req.OldCode) && (req.NewCode == "" || c.New == req.NewCode) {
			resp.Changes = append(resp.Changes, changeToProto(c))
		}
	}
	return resp, nil
}

func (s *hierarchyService) ListMapEvents(ctx context.Context, req *tonghopv1.ListMapEventsRequest) (*tonghopv1.ListMapEventsResponse, error) {
	resp := &tonghopv1.ListMapEventsResponse{}
	if s.history == nil {
		return resp, nil
	}
	for _, e := range s.history.Events() {
		if req.Kind != "" && e.Kind != req.Kind {
			continue
		}
		if req.UnitCode != "" && !slices.Contains(e.Old, req.UnitCode) && !slices.Contains(e.New, req.UnitCode) {
			continue
		}
		resp.Events = append(resp.Events, &tonghopv1.MapEvent{Date: hierarchy.FormatDate(e.Date), Kind: e.Kind,
			OldCodes: e.Old, NewCodes: e.New, Level: e.Level})
	}
	return resp, nil
}

func splitWeightsToProto(w store.SplitWeights) *tonghopv1.SplitWeights {
	return &tonghopv1.SplitWeights{OldCode: w.Old, Date: hierarchy.FormatDate(w.Date), Weights: w.Weights,
		Basis: w.Basis, Reason: w.Reason, DeclaredBy: w.DeclaredBy, DeclaredAt: timestamppb.New(w.DeclaredAt)}
}

func (s *hierarchyService) DeclareSplitWeights(ctx context.Context, req *tonghopv1.DeclareSplitWeightsRequest) (*tonghopv1.DeclareSplitWeightsResponse, error) {
	w := req.GetSplitWeights()
	if w == nil {
		return nil, invalid.Field("split_weights", "is required")
	}
	var bad invalid.Error
	if w.OldCode == "" {
		bad.Add("split_weights.old_code", "is required")
	}
	day := parseBoundaries(&bad, "split_weights.date", w.Date)
	if w.Date == "" {
		bad.Add("split_weights.date", "is required: the day of the split, e.g. 2025-07-01")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	caller, _ := CallerFrom(ctx)
	who := caller.Name
	if who == "" {
		who = caller.TokenID
	}
	stored, err := s.store.PutSplitWeights(store.SplitWeights{Old: w.OldCode, Date: day, Weights: w.Weights,
		Basis: w.Basis, Reason: w.Reason, DeclaredBy: who})
	var we *store.WeightsError
	if errors.As(err, &we) {
		return nil, invalid.Field("split_weights."+we.Field, "%s", we.Reason)
	}
	if err != nil {
		return nil, err
	}
	return &tonghopv1.DeclareSplitWeightsResponse{SplitWeights: splitWeightsToProto(stored)}, nil
}

func (s *hierarchyService) ListSplitWeights(ctx context.Context, req *tonghopv1.ListSplitWeightsRequest) (*tonghopv1.ListSplitWeightsResponse, error) {
	all, err := s.store.AllSplitWeights()
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListSplitWeightsResponse{}
	for _, w := range all {
		if req.OldCode == "" || w.Old == req.OldCode {
			resp.SplitWeights = append(resp.SplitWeights, splitWeightsToProto(w))
		}
	}
	return resp, nil
}
