package server

import (
	"context"
	"fmt"
	"sort"
	"time"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/pagetoken"
	"github.com/tonghop/tonghop/internal/store"
)

// Page sizes of ListUnits.
const (
	defaultUnitPage = 1000
	maxUnitPage     = 10000
)

type hierarchyService struct {
	tonghopv1.UnimplementedHierarchyServiceServer
	tree *hierarchy.Tree
	// history is every map the node knows (nil: tree alone); store keeps
	// the declared split weights.
	history *hierarchy.History
	store   *store.Store
	self    string
}

func (s *hierarchyService) ListLevels(ctx context.Context, _ *tonghopv1.ListLevelsRequest) (*tonghopv1.ListLevelsResponse, error) {
	resp := &tonghopv1.ListLevelsResponse{}
	for _, l := range s.tree.Levels() {
		resp.Levels = append(resp.Levels, &tonghopv1.Level{Code: l.Code, Name: l.Name, Depth: int32(l.Depth)})
	}
	return resp, nil
}

func (s *hierarchyService) ListUnits(ctx context.Context, req *tonghopv1.ListUnitsRequest) (*tonghopv1.ListUnitsResponse, error) {
	var bad invalid.Error
	var asOf time.Time
	tree := s.tree
	if req.AsOf != "" {
		var err error
		if asOf, err = time.Parse(dateLayout, req.AsOf); err != nil {
			bad.Add("as_of", "%q is not a date written YYYY-MM-DD", req.AsOf)
		} else if s.history != nil {
			// The map of that day: its units, levels and parents.
			tree = s.history.AsOf(asOf)
		}
	}
	if req.ParentCode != "" {
		if _, ok := tree.Unit(req.ParentCode); !ok {
			bad.Add("parent_code", "unknown unit %q", req.ParentCode)
		}
	}
	if req.Level != "" && !knownLevel(tree, req.Level) {
		bad.Add("level", "unknown level %q", req.Level)
	}
	size := int(req.PageSize)
	switch {
	case size < 0 || size > maxUnitPage:
		bad.Add("page_size", "must be between 0 and %d", maxUnitPage)
	case size == 0:
		size = defaultUnitPage
	}
	var after string
	if req.PageToken != "" {
		raw, err := pagetoken.Decode("units", req.PageToken)
		if err != nil {
			bad.Add("page_token", "%v", err)
		}
		after = string(raw)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}

	var candidates []hierarchy.Unit
	switch {
	case req.ParentCode != "":
		candidates = tree.Children(req.ParentCode)
	case req.Level != "":
		candidates = tree.AtLevel(req.Level)
	default:
		candidates = tree.Units()
	}
	matched := candidates[:0:0]
	for _, u := range candidates {
		if req.Level != "" && u.Level != req.Level {
			continue
		}
		if !asOf.IsZero() && !u.ActiveOn(asOf) {
			continue
		}
		matched = append(matched, u)
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].Code < matched[j].Code })

	start := sort.Search(len(matched), func(i int) bool { return matched[i].Code > after })
	end := min(start+size, len(matched))
	resp := &tonghopv1.ListUnitsResponse{
		Units:     unitsToProto(matched[start:end]),
		TotalSize: int32(len(matched)),
	}
	if end < len(matched) {
		resp.NextPageToken = pagetoken.Encode("units", []byte(matched[end-1].Code))
	}
	return resp, nil
}

func knownLevel(tree *hierarchy.Tree, code string) bool {
	for _, l := range tree.Levels() {
		if l.Code == code {
			return true
		}
	}
	return false
}

func (s *hierarchyService) GetUnit(ctx context.Context, req *tonghopv1.GetUnitRequest) (*tonghopv1.GetUnitResponse, error) {
	if req.Code == "" {
		return nil, invalid.Field("code", "is required")
	}
	u, ok := s.tree.Unit(req.Code)
	if !ok {
		return nil, fmt.Errorf("unit %q: %w", req.Code, errNotFound)
	}
	anc := s.tree.Ancestors(req.Code)
	// Ancestors come parent first; the answer reads from the root down.
	for i, j := 0, len(anc)-1; i < j; i, j = i+1, j-1 {
		anc[i], anc[j] = anc[j], anc[i]
	}
	return &tonghopv1.GetUnitResponse{
		Unit:      unitToProto(u),
		Ancestors: unitsToProto(anc),
		Children:  unitsToProto(s.tree.Children(req.Code)),
	}, nil
}
