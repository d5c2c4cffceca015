package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/rollup"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/wire"
)

// maxRangePeriods bounds a question's range: ten years of months.
const maxRangePeriods = 120

type rollupService struct {
	tonghopv1.UnimplementedRollupServiceServer
	engine *rollup.Engine
	tree   *hierarchy.Tree
}

// query checks the unit, indicator, period and boundaries of a question:
// the unit must be in the map of the boundaries (by default, the map at
// the end of the period).
func (s *rollupService) query(unit, indicator, periodCode, boundaries string) (period.Range, time.Time, error) {
	var bad invalid.Error
	b := parseBoundaries(&bad, "boundaries", boundaries)
	r, err := period.ParseRange(periodCode)
	switch {
	case periodCode == "":
		bad.Add("period", "is required")
	case err != nil:
		bad.Add("period", "%v", err)
	case r.Len() > maxRangePeriods:
		bad.Add("period", "%d periods; a question spans at most %d", r.Len(), maxRangePeriods)
	}
	day := b
	if day.IsZero() && err == nil && periodCode != "" {
		day = r.Last().End().AddDate(0, 0, -1)
	}
	tree := s.tree
	if !day.IsZero() {
		tree = s.engine.TreeAt(day)
	}
	switch _, ok := tree.Unit(unit); {
	case unit == "":
		bad.Add("unit_code", "is required")
	case !ok && !day.IsZero() && s.engine.History != nil:
		bad.Add("unit_code", "no unit %q in the map of %s", unit, hierarchy.FormatDate(day))
	case !ok:
		bad.Add("unit_code", "unknown unit %q", unit)
	case !tree.InSubtree(s.engine.Self, unit):
		bad.Add("unit_code", "%s is not in this node's subtree (%s)", unit, s.engine.Self)
	}
	if _, ok := s.engine.Catalog.Indicator(indicator); !ok {
		bad.Add("indicator", "unknown indicator %q", indicator)
	}
	return r, b, bad.Err()
}

// boundariesErr names the boundaries field in an engine's refusal.
func boundariesErr(err error) error {
	if errors.Is(err, rollup.ErrBoundaries) {
		return invalid.Field("boundaries", "%v", err)
	}
	return err
}

func mappingToProto(m *rollup.Mapping) *tonghopv1.BoundaryMapping {
	if m == nil {
		return nil
	}
	return &tonghopv1.BoundaryMapping{Sources: m.Sources, Estimated: m.Estimated, Apportioned: m.Apportioned, NotComparable: m.NotComparable}
}

func (s *rollupService) value(code string, iv rollup.IndicatorValue, r period.Range, targets []store.Target, b time.Time) (*tonghopv1.IndicatorValue, error) {
	day := b
	if day.IsZero() {
		day = r.Last().End().AddDate(0, 0, -1)
	}
	u, _ := s.engine.TreeAt(day).Unit(iv.Unit)
	out := &tonghopv1.IndicatorValue{
		UnitCode: iv.Unit, UnitName: u.Name, Indicator: code, Period: r.String(),
		ReportingUnits: int32(iv.Reporting),
		ExpectedUnits:  int32(iv.Expected),
		Boundaries:     hierarchy.FormatDate(day),
		Mapping:        mappingToProto(iv.Mapping),
	}
	if iv.Numerator != nil {
		f, _ := iv.Numerator.Float64()
		out.Numerator = &f
	}
	if iv.Denominator != nil {
		f, _ := iv.Denominator.Float64()
		out.Denominator = &f
	}
	if iv.Value != nil {
		f, _ := iv.Value.Float64()
		out.Value = &f
	}
	ach, err := s.engine.AchievementOf(code, iv, r, targets, b)
	if err != nil {
		return nil, boundariesErr(err)
	}
	if ach != nil {
		out.Achievement = &tonghopv1.Achievement{
			Target: wire.TargetToProto(ach.Target), Difference: ach.Difference, ShareOfPlan: ach.ShareOfPlan,
			BaselineValue: ach.BaselineValue, ChangeFromBaseline: ach.ChangeFromBaseline, Met: ach.Met,
		}
	}
	return out, nil
}

func (s *rollupService) GetIndicatorValue(ctx context.Context, req *tonghopv1.GetIndicatorValueRequest) (*tonghopv1.GetIndicatorValueResponse, error) {
	r, b, err := s.query(req.UnitCode, req.Indicator, req.Period, req.Boundaries)
	if err != nil {
		return nil, err
	}
	iv, err := s.engine.Indicator(req.UnitCode, req.Indicator, r, b)
	if err != nil {
		return nil, boundariesErr(err)
	}
	targets, err := s.engine.Store.Targets()
	if err != nil {
		return nil, err
	}
	v, err := s.value(req.Indicator, iv, r, targets, b)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.GetIndicatorValueResponse{Value: v}, nil
}

func (s *rollupService) CompareIndicator(ctx context.Context, req *tonghopv1.CompareIndicatorRequest) (*tonghopv1.CompareIndicatorResponse, error) {
	r, b, err := s.query(req.UnitCode, req.Indicator, req.Period, req.Boundaries)
	if err != nil {
		return nil, err
	}
	var c rollup.Comparison
	if req.Level != "" {
		day := b
		if day.IsZero() {
			day = r.Last().End().AddDate(0, 0, -1)
		}
		if !knownLevel(s.engine.TreeAt(day), req.Level) {
			return nil, invalid.Field("level", "unknown level %q in the map of %s", req.Level, hierarchy.FormatDate(day))
		}
		c, err = s.engine.CompareLevel(req.UnitCode, req.Level, req.Indicator, r, b)
	} else {
		c, err = s.engine.CompareChildren(req.UnitCode, req.Indicator, r, b)
	}
	if err != nil {
		return nil, boundariesErr(err)
	}
	targets, err := s.engine.Store.Targets()
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.CompareIndicatorResponse{}
	if resp.Parent, err = s.value(req.Indicator, c.Parent, r, targets, b); err != nil {
		return nil, err
	}
	for _, row := range c.Rows {
		v, err := s.value(req.Indicator, row, r, targets, b)
		if err != nil {
			return nil, err
		}
		resp.Rows = append(resp.Rows, v)
	}
	return resp, nil
}

func (s *rollupService) GetIndicatorSeries(ctx context.Context, req *tonghopv1.GetIndicatorSeriesRequest) (*tonghopv1.GetIndicatorSeriesResponse, error) {
	r, b, err := s.query(req.UnitCode, req.Indicator, req.Period, req.Boundaries)
	if err != nil {
		return nil, err
	}
	if b.IsZero() {
		// One map for the whole series: the one at its end.
		b = r.Last().End().AddDate(0, 0, -1)
	}
	points, err := s.engine.Series(req.UnitCode, req.Indicator, r, b)
	if err != nil {
		return nil, boundariesErr(err)
	}
	targets, err := s.engine.Store.Targets()
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.GetIndicatorSeriesResponse{}
	for i, p := range points {
		one := period.Range{From: r.Periods()[i], To: r.Periods()[i]}
		v, err := s.value(req.Indicator, p, one, targets, b)
		if err != nil {
			return nil, err
		}
		resp.Points = append(resp.Points, v)
	}
	return resp, nil
}

type targetService struct {
	tonghopv1.UnimplementedTargetServiceServer
	store *store.Store
	tree  *hierarchy.Tree
	self  string
	// indicator looks an indicator up in the catalogue.
	indicator func(code string) (catalog.Indicator, bool)
}

// maxTargetValue bounds a target: more than any count of people or party
// members there is, and exactly representable.
const maxTargetValue = 1 << 50

func (s *targetService) SetTarget(ctx context.Context, req *tonghopv1.SetTargetRequest) (*tonghopv1.SetTargetResponse, error) {
	t := req.GetTarget()
	var bad invalid.Error
	if t == nil {
		return nil, invalid.Field("target", "is required")
	}
	ind, known := s.indicator(t.Indicator)
	if !known {
		bad.Add("target.indicator", "unknown indicator %q", t.Indicator)
	}
	// What no indicator's value can be is no target: NaN and the
	// infinities, a share outside 0–100 %, a negative count.
	switch {
	case math.IsNaN(t.Value) || math.IsInf(t.Value, 0):
		bad.Add("target.value", "%v is not a number a target can be", t.Value)
	case known && ind.Unit == "%" && (t.Value < 0 || t.Value > 100):
		bad.Add("target.value", "%v is not a percentage: %s is between 0 and 100", t.Value, t.Indicator)
	case known && ind.Denominator == nil && t.Value < 0:
		bad.Add("target.value", "%v is negative: %s is a count", t.Value, t.Indicator)
	case math.Abs(t.Value) > maxTargetValue:
		bad.Add("target.value", "%v is beyond %v", t.Value, float64(maxTargetValue))
	}
	switch {
	case (t.UnitCode == "") == (t.Level == ""):
		bad.Add("target.unit_code", "give a unit or a level, not both or neither")
	case t.UnitCode != "" && !s.tree.InSubtree(s.self, t.UnitCode):
		bad.Add("target.unit_code", "%q is not in this node's subtree (%s)", t.UnitCode, s.self)
	case t.Level != "":
		known := false
		for _, l := range s.tree.Levels() {
			known = known || l.Code == t.Level
		}
		if !known {
			bad.Add("target.level", "unknown level %q", t.Level)
		}
	}
	p, err := period.Parse(t.Period)
	if err != nil {
		bad.Add("target.period", "%v", err)
	}
	if t.BaselinePeriod != "" {
		if bp, err := period.Parse(t.BaselinePeriod); err != nil {
			bad.Add("target.baseline_period", "%v", err)
		} else if !p.IsZero() && !bp.Before(p) {
			bad.Add("target.baseline_period", "%s is not before the target's period %s", t.BaselinePeriod, t.Period)
		}
	}
	switch {
	case t.Direction == tonghopv1.Direction_DIRECTION_UNSPECIFIED:
		bad.Add("target.direction", "is required: at least, at most, equal, above, below or none")
	case tonghopv1.Direction_name[int32(t.Direction)] == "":
		bad.Add("target.direction", "%d is not a direction", t.Direction)
	case t.Direction == tonghopv1.Direction_DIRECTION_NONE && t.BaselinePeriod == "":
		bad.Add("target.baseline_period", "is required for a baseline without a target (direction none)")
	case t.Direction == tonghopv1.Direction_DIRECTION_NONE && t.Value != 0:
		bad.Add("target.value", "must be 0 for a baseline without a target (direction none), not %v", t.Value)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	who := t.UnitCode
	if who == "" {
		who = "level:" + t.Level
	}
	stored, err := s.store.PutTarget(store.Target{
		// The setter is part of the id: a district's own target and one the
		// province sets for the same unit are two targets, never one
		// overwriting the other.
		ID: fmt.Sprintf("%s/%s/%s@%s", t.Indicator, who, t.Period, s.self), Indicator: t.Indicator, Unit: t.UnitCode, Level: t.Level,
		Period: t.Period, Direction: int(t.Direction), Value: t.Value, Baseline: t.BaselinePeriod, Note: t.Note, SetBy: s.self,
	})
	if err != nil {
		return nil, err
	}
	return &tonghopv1.SetTargetResponse{Target: wire.TargetToProto(stored)}, nil
}

func (s *targetService) ListTargets(ctx context.Context, req *tonghopv1.ListTargetsRequest) (*tonghopv1.ListTargetsResponse, error) {
	ts, err := s.store.Targets()
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListTargetsResponse{}
	for _, t := range ts {
		if (req.Indicator == "" || t.Indicator == req.Indicator) && (req.UnitCode == "" || t.Unit == req.UnitCode) {
			resp.Targets = append(resp.Targets, wire.TargetToProto(t))
		}
	}
	return resp, nil
}

func (s *targetService) DeleteTarget(ctx context.Context, req *tonghopv1.DeleteTargetRequest) (*tonghopv1.DeleteTargetResponse, error) {
	if req.Id == "" {
		return nil, invalid.Field("id", "is required")
	}
	if err := s.store.DeleteTarget(req.Id); err != nil {
		return nil, err
	}
	return &tonghopv1.DeleteTargetResponse{}, nil
}
