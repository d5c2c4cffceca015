package reporting

import (
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/store"
)

// TestCompute counts a round at Tỉnh Lai Châu by hand, over Huyện Tam Đường
// and its communes: one
// signed off here on time, one returned after the deadline, one signed off
// by a district in between (its parent's report states it), one missing, and
// one dissolved before the period ended, which is not expected at all.
func TestCompute(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tree, err := hierarchy.NewTree([]hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
		{Code: "03397", Name: "Xã Sơn Bình", Level: "commune", Parent: "106"},
		{Code: "03400", Name: "Xã Nà Tăm", Level: "commune", Parent: "106"},
		{Code: "03403", Name: "Xã Hồ Thầu", Level: "commune", Parent: "106", ValidTo: day(2021, 6, 1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := period.Parse("2021")
	expected := Expected(tree, "12", p)
	if len(expected) != 5 { // the district and four communes; Hồ Thầu ended in June, and the root does not report to itself
		t.Fatalf("expected %d units, want 5: %+v", len(expected), expected)
	}
	deadline := day(2021, 12, 25)
	// Lateness is judged by when the parent received a report, as its
	// receipt proves (FirstReceivedAt), never by signed_at: Thèn Sin signs
	// "on the 20th" and reaches its parent on the 28th, after the deadline.
	// A report whose proof this node does not hold (the district's own,
	// stored before receipts travelled) is judged by when this node
	// received it.
	sub := func(unit string, signed, received time.Time, digest string) *store.Submission {
		return &store.Submission{Unit: unit, Revision: 1, SignedAt: signed, FirstReceivedAt: received, Digest: digest,
			Violations: []store.Violation{{Importance: "warning"}}}
	}
	district := sub("106", day(2021, 12, 20), time.Time{}, "sha256:d")
	district.ReceivedAt = day(2021, 12, 21)
	district.Accepted = []store.Acceptance{{Unit: "03397", Revision: 1, Digest: "sha256:c"}}
	prog := map[string]store.Progress{
		"106":   {First: district, Latest: district},
		"03390": {First: sub("03390", day(2021, 12, 10), day(2021, 12, 10), "sha256:a"), Latest: sub("03390", day(2021, 12, 10), day(2021, 12, 10), "sha256:a"), Review: &review.Review{State: review.Accepted}},
		"03394": {First: sub("03394", day(2021, 12, 20), day(2021, 12, 28), "sha256:b"), Latest: sub("03394", day(2021, 12, 20), day(2021, 12, 28), "sha256:b"), Review: &review.Review{State: review.Returned, Comment: "Thiếu số đảng viên nữ"}},
		"03397": {First: sub("03397", day(2021, 12, 12), day(2021, 12, 12), "sha256:c"), Latest: sub("03397", day(2021, 12, 12), day(2021, 12, 12), "sha256:c")},
	}
	c := Compute(tree, "12", "12", store.Round{Deadline: deadline}, expected, prog, day(2022, 1, 3))
	if !c.DeadlinePassed || c.Unit != "12" {
		t.Errorf("deadline passed %v, unit %s", c.DeadlinePassed, c.Unit)
	}
	want := map[string]State{"106": Submitted, "03390": Accepted, "03394": Returned, "03397": Accepted, "03400": Missing}
	for _, u := range c.Units {
		if u.State != want[u.Unit.Code] {
			t.Errorf("%s: state %d, want %d", u.Unit.Code, u.State, want[u.Unit.Code])
		}
		if u.ReviewedHere != (u.Unit.Code == "106") {
			t.Errorf("%s: reviewed here %v", u.Unit.Code, u.ReviewedHere)
		}
	}
	// Communes: 4 expected, 3 submitted (2 on time, 1 late), 1 missing,
	// 2 accepted, 1 returned, none awaiting. The district: 1 submitted on
	// time, awaiting the province.
	communes := Counts{Expected: 4, Submitted: 3, OnTime: 2, Late: 1, Missing: 1, Accepted: 2, Returned: 1}
	districts := Counts{Expected: 1, Submitted: 1, OnTime: 1, AwaitingReview: 1}
	total := Counts{Expected: 5, Submitted: 4, OnTime: 3, Late: 1, Missing: 1, Accepted: 2, Returned: 1, AwaitingReview: 1}
	if len(c.Levels) != 2 || c.Levels[0] != (LevelCounts{"district", districts}) || c.Levels[1] != (LevelCounts{"commune", communes}) || c.Total != total {
		t.Errorf("counts:\n got %+v, total %+v\nwant district %+v, commune %+v, total %+v", c.Levels, c.Total, districts, communes, total)
	}
	if u := c.Units[2]; u.Unit.Code != "03394" || !u.Late || !u.FirstReceivedAt.Equal(day(2021, 12, 28)) || u.Comment != "Thiếu số đảng viên nữ" || u.Warnings != 1 || u.Errors != 0 {
		t.Errorf("Xã Thèn Sin: %+v", u)
	}
}
