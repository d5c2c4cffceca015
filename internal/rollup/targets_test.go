package rollup

import (
	"fmt"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// TestAchieveStrict: the Tam Đường report asks that "trên 90%" of base
// organisations be rated good or better each year. 47 of 51 (92,16%) meets
// it; exactly 90% meets "≥ 90" but not "> 90".
func TestAchieveStrict(t *testing.T) {
	above := store.Target{Value: 90, Direction: Above}
	if a := Achieve(4700.0/51, above, nil); !a.Met || fmt.Sprintf("%.2f", a.Difference) != "2.16" {
		t.Fatalf("47/51 against > 90: %+v", a)
	}
	if Achieve(90, above, nil).Met {
		t.Fatal("90 met > 90")
	}
	if !Achieve(90, store.Target{Value: 90, Direction: AtLeast}, nil).Met {
		t.Fatal("90 did not meet ≥ 90")
	}
	below := store.Target{Value: 2, Direction: Below}
	if Achieve(2, below, nil).Met || !Achieve(1.99, below, nil).Met {
		t.Fatal("< 2")
	}
}

// TestBaselineWithoutTarget: a baseline alone states the change since the
// baseline period, no difference, no share of plan, never "met".
func TestBaselineWithoutTarget(t *testing.T) {
	f := newFixture(t, "12", laiChau())
	f.report("03390", "2021", map[string]int64{"thon_to_dan_pho": 10, "truong_thon_la_dang_vien": 9})
	f.report("03390", "2016", map[string]int64{"thon_to_dan_pho": 8, "truong_thon_la_dang_vien": 3})
	if _, err := f.st.PutTarget(store.Target{ID: "n", Indicator: "ty_le_truong_thon_la_dang_vien", Unit: "03390", Period: "2021", Direction: None, Baseline: "2016", SetBy: "12"}); err != nil {
		t.Fatal(err)
	}
	y := period.MustParse("2021")
	r := period.Range{From: y, To: y}
	iv, _ := f.engine.Indicator("03390", "ty_le_truong_thon_la_dang_vien", r, time.Time{})
	ts, _ := f.st.Targets()
	a, err := f.engine.AchievementOf("ty_le_truong_thon_la_dang_vien", iv, r, ts, time.Time{})
	if err != nil || a == nil {
		t.Fatalf("no achievement: %v", err)
	}
	// 9/10 = 90% in 2021 against 3/8 = 37,5% in 2016: +52,5 points.
	if a.Met || a.Difference != 0 || a.ShareOfPlan != 0 || *a.BaselineValue != 37.5 || *a.ChangeFromBaseline != 52.5 {
		t.Fatalf("baseline only: %+v", a)
	}
}
