package rollup

import (
	"math"
	"time"

	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// Directions of a target; the values are those stored.
const (
	AtLeast = 1
	AtMost  = 2
	Equal   = 3
	// Above and Below are strict: "trên 90%" is not met by 90%.
	Above = 4
	Below = 5
	// None is a baseline without a target: the answer states the change
	// since the baseline and nothing else.
	None = 6
)

// Achievement is how a value stands against its target, the three ways
// reports state it.
type Achievement struct {
	Target store.Target
	// Difference is value − target: percentage points for a percentage
	// ("vượt 7,78% so với mục tiêu").
	Difference float64
	// ShareOfPlan is value ÷ target × 100 ("đạt 67,5% kế hoạch"); 0 when
	// the target is 0.
	ShareOfPlan float64
	// BaselineValue and ChangeFromBaseline are set when the target names a
	// baseline period with a value ("tăng 38,15% so với thời điểm ban hành
	// Nghị quyết").
	BaselineValue      *float64
	ChangeFromBaseline *float64
	Met                bool
}

// Value is the achieved value: the target plus the difference.
func (a Achievement) Value() float64 { return a.Target.Value + a.Difference }

// TargetFor returns the target for an indicator of unit in period p: one
// set for the unit itself, or else one for the unit's level set by the unit
// or one of its ancestors. Where several levels set one, the nearest to the
// unit wins: a district refines what the province asks of its communes.
func (e *Engine) TargetFor(unit, indicator string, p period.Period) (store.Target, bool, error) {
	ts, err := e.Store.Targets()
	if err != nil {
		return store.Target{}, false, err
	}
	t, ok := e.targetIn(ts, unit, indicator, p)
	return t, ok, nil
}

// targetIn is TargetFor over a list of targets already read.
func (e *Engine) targetIn(ts []store.Target, unit, indicator string, p period.Period) (store.Target, bool) {
	u, _ := e.Tree.Unit(unit)
	var own, level *store.Target
	nearer := func(cur *store.Target, t *store.Target) bool {
		return cur == nil || e.Tree.Depth(t.SetBy) > e.Tree.Depth(cur.SetBy)
	}
	for i := range ts {
		t := &ts[i]
		if t.Indicator != indicator || t.Period != p.String() {
			continue
		}
		switch {
		case t.Unit == unit && nearer(own, t):
			own = t
		case t.Unit == "" && t.Level == u.Level && e.Tree.InSubtree(t.SetBy, unit) && nearer(level, t):
			level = t
		}
	}
	switch {
	case own != nil:
		return *own, true
	case level != nil:
		return *level, true
	}
	return store.Target{}, false
}

// Achieve states value against target t; baseline is the indicator's value
// at t's baseline period, nil if none.
func Achieve(value float64, t store.Target, baseline *float64) Achievement {
	a := Achievement{Target: t, Difference: value - t.Value}
	if t.Value != 0 && t.Direction != None {
		a.ShareOfPlan = value / t.Value * 100
	}
	switch t.Direction {
	case None:
		a.Difference = 0
	case Above:
		a.Met = value > t.Value
	case Below:
		a.Met = value < t.Value
	case AtLeast:
		a.Met = value >= t.Value
	case AtMost:
		a.Met = value <= t.Value
	case Equal:
		a.Met = math.Abs(value-t.Value) < 1e-9
	}
	if baseline != nil {
		b, c := *baseline, value-*baseline
		a.BaselineValue, a.ChangeFromBaseline = &b, &c
	}
	return a
}

// AchievementOf finds, among targets (as Store.Targets reads them, once
// per question), the target for iv's indicator of iv's unit in the last
// period of r and states the achievement; nil when no target applies or the
// indicator has no value. The baseline is taken in the boundaries b that iv
// was asked in, so that it compares like with like across a reorganisation.
func (e *Engine) AchievementOf(code string, iv IndicatorValue, r period.Range, targets []store.Target, b time.Time) (*Achievement, error) {
	// A target is for one period: a figure over a range (admissions summed
	// over three years) is not measured against one year's target.
	if iv.Value == nil || r.Len() != 1 {
		return nil, nil
	}
	t, ok := e.targetIn(targets, iv.Unit, code, r.Last())
	if !ok {
		return nil, nil
	}
	value, _ := iv.Value.Float64()
	var baseline *float64
	if t.Baseline != "" {
		bp, err := period.Parse(t.Baseline)
		if err == nil {
			bv, err := e.Indicator(iv.Unit, code, period.Range{From: bp, To: bp}, boundaries(r, b))
			if err != nil {
				return nil, err
			}
			if bv.Value != nil {
				f, _ := bv.Value.Float64()
				baseline = &f
			}
		}
	}
	a := Achieve(value, t, baseline)
	return &a, nil
}
