package node

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func (tn *tnode) onBehalf(unit, period string, vals ...*tonghopv1.DataValue) (*tonghopv1.Submission, error) {
	resp, err := tonghopv1.NewSubmissionServiceClient(tn.admin).SubmitOnBehalf(context.Background(), &tonghopv1.SubmitOnBehalfRequest{
		UnitCode: unit, DataSet: "tong_ket_nam", Period: period, Values: vals,
	})
	if err != nil {
		return nil, err
	}
	return resp.Submission, nil
}

// TestEntryOnBehalf: Xã Thèn Sin runs no node. Huyện Tam Đường enters,
// validates and signs its report; the report says so; the province
// verifies it, sees it marked and counts it; the roll-up uses it. Bad
// entries are refused with the field named.
func TestEntryOnBehalf(t *testing.T) {
	ctx := context.Background()
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	opened, err := province.reporting().OpenRound(ctx, &tonghopv1.OpenRoundRequest{
		UnitCode: "12", DataSet: "tong_ket_nam", Period: "2021",
		Deadline: timestamppb.New(time.Now().Add(time.Hour)), Reference: "Công văn số 365-CV/TU ngày 23/9/2021",
	})
	if err != nil {
		t.Fatal(err)
	}

	// A breakdown that does not add up blocks signing, as for the unit's own.
	_, err = district.onBehalf("03394", "2021", dv("dang_vien", "", "90"), dv("dang_vien", "nam", "50"), dv("dang_vien", "nu", "41"))
	wantCode(t, "a broken breakdown", err, codes.FailedPrecondition)
	_, err = district.onBehalf("03394", "2021", dv("dang_vien", "", "-1"))
	wantCode(t, "a negative count", err, codes.InvalidArgument)
	_, err = district.onBehalf("03386", "2021", dv("dang_vien", "", "10")) // Phường Quyết Thắng, of Thành phố Lai Châu
	wantCode(t, "a unit of another district", err, codes.PermissionDenied)
	_, err = district.onBehalf("106", "2021", dv("dang_vien", "", "10"))
	wantCode(t, "the node's own unit", err, codes.InvalidArgument)

	s, err := district.onBehalf("03394", "2021", dv("dang_vien", "", "90"), dv("dang_vien", "nam", "50"), dv("dang_vien", "nu", "40"),
		dv("thon_to_dan_pho", "", "9"), dv("truong_thon_la_dang_vien", "", "6"))
	if err != nil {
		t.Fatal(err)
	}
	if s.EnteredBy != "106" || s.Signer != "12/106" || s.UnitCode != "03394" || s.Revision != 1 || s.ValueCount != 5 {
		t.Fatalf("signed on behalf: %v", s)
	}
	eventually(t, "the province to hold Thèn Sin's report", func() bool { return len(province.submissions("03394", true)) == 1 })
	got := province.submissions("03394", true)[0]
	if got.Digest != s.Digest || got.EnteredBy != "106" || got.Signer != "12/106" {
		t.Fatalf("at the province: %v", got)
	}
	c := province.completeness(opened.Round.Id, "12")
	for _, l := range c.Levels {
		if l.Level == "commune" && (l.Counts.Submitted != 1 || l.Counts.EnteredOnBehalf != 1) {
			t.Errorf("communes submitted: %v", l.Counts)
		}
	}
	if c.Total.EnteredOnBehalf != 1 {
		t.Errorf("total: %v", c.Total)
	}
	for _, u := range c.Units {
		if (u.UnitCode == "03394") != (u.EnteredBy == "106") {
			t.Errorf("row %s entered by %q", u.UnitCode, u.EnteredBy)
		}
	}
	iv, err := tonghopv1.NewRollupServiceClient(province.admin).GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{
		UnitCode: "106", Indicator: "ty_le_truong_thon_la_dang_vien", Period: "2021"})
	if err != nil || iv.Value.GetNumerator() != 6 || iv.Value.GetDenominator() != 9 {
		t.Fatalf("roll-up at the province: %v %v", iv, err)
	}

	// A second revision on its behalf supersedes the first.
	s2, err := district.onBehalf("03394", "2021", dv("dang_vien", "", "91"), dv("dang_vien", "nam", "51"), dv("dang_vien", "nu", "40"))
	if err != nil || s2.Revision != 2 {
		t.Fatalf("revision 2: %v %v", s2, err)
	}
	eventually(t, "revision 2 at the province", func() bool { return len(province.submissions("03394", true)) == 2 })

	// Thèn Sin gets a node. On enrolling it receives its history, the two
	// revisions entered for it; its own first revision comes after them and
	// supersedes them at every level.
	commune := startNode(t, "03394", district)
	history := commune.submissions("03394", true)
	if len(history) != 2 || history[0].EnteredBy != "106" || history[1].Digest != s2.Digest || history[1].ForwardState != tonghopv1.ForwardState_FORWARD_STATE_DELIVERED {
		t.Fatalf("the commune's history: %v", history)
	}
	commune.put("2021", dv("dang_vien", "", "92"), dv("dang_vien", "nam", "51"), dv("dang_vien", "nu", "41"),
		dv("thon_to_dan_pho", "", "9"), dv("truong_thon_la_dang_vien", "", "7"))
	own := commune.submit("2021")
	if own.Revision != 3 || own.EnteredBy != "" || own.Signer != "12/106/03394" {
		t.Fatalf("the commune's own revision: %v", own)
	}
	eventually(t, "the commune's own revision at the province", func() bool {
		subs := province.submissions("03394", false)
		return len(subs) == 1 && subs[0].Digest == own.Digest
	})
	for _, at := range []*tnode{district, province} {
		all := at.submissions("03394", true)
		if len(all) != 3 || !all[0].Superseded || !all[1].Superseded || all[2].Superseded || all[2].EnteredBy != "" {
			t.Fatalf("%s holds %v", at.unit, all)
		}
	}
	iv, err = tonghopv1.NewRollupServiceClient(province.admin).GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{
		UnitCode: "03394", Indicator: "ty_le_truong_thon_la_dang_vien", Period: "2021"})
	if err != nil || iv.Value.GetNumerator() != 7 {
		t.Fatalf("the roll-up follows the unit's own revision: %v %v", iv, err)
	}
	c = province.completeness(opened.Round.Id, "12")
	if c.Total.EnteredOnBehalf != 0 || c.Total.Submitted != 1 {
		t.Errorf("after the unit's own revision: %v", c.Total)
	}
	// Now a revision on its behalf is refused, at the district itself.
	_, err = district.onBehalf("03394", "2021", dv("dang_vien", "", "93"))
	wantCode(t, "a revision on the unit's behalf after its own", err, codes.FailedPrecondition)
	if n := len(district.submissions("03394", true)); n != 3 {
		t.Fatalf("a refused revision was stored: %d", n)
	}
}
