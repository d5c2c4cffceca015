package node

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"google.golang.org/protobuf/proto"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

// TestDistrictAndProvinceAgree: the district's own node and the province
// answer the same question about the district identically, once the
// district's own report has gone up.
func TestDistrictAndProvinceAgree(t *testing.T) {
	h := startLaiChau(t)
	ctx := context.Background()
	h.thiTran.put("2021", dv("thon_to_dan_pho", "", "10"), dv("truong_thon_la_dang_vien", "", "9"), dv("dang_vien", "", "412"))
	h.thenSin.put("2021", dv("thon_to_dan_pho", "", "40"), dv("truong_thon_la_dang_vien", "", "10"), dv("dang_vien", "", "300"))
	h.tamDuong.put("2021", dv("dang_vien", "", "150"))
	for _, n := range []*tnode{h.thiTran, h.thenSin, h.tamDuong} {
		n.submit("2021")
	}
	eventually(t, "every report of Tam Đường at the province", func() bool {
		resp, err := tonghopv1.NewSubmissionServiceClient(h.province.admin).ListSubmissions(ctx, &tonghopv1.ListSubmissionsRequest{UnitCode: "106", IncludeSubtree: true})
		return err == nil && len(resp.Submissions) == 3
	})
	ask := func(tn *tnode, indicator string) *tonghopv1.IndicatorValue {
		t.Helper()
		resp, err := tonghopv1.NewRollupServiceClient(tn.admin).GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{UnitCode: "106", Indicator: indicator, Period: "2021"})
		if err != nil {
			t.Fatalf("%s: %v", tn.unit, err)
		}
		return resp.Value
	}
	for _, ind := range []string{"ty_le_truong_thon_la_dang_vien", "ty_le_dang_vien_nu", "so_dang_vien_ket_nap"} {
		atDistrict, atProvince := ask(h.tamDuong, ind), ask(h.province, ind)
		if !proto.Equal(atDistrict, atProvince) {
			t.Errorf("%s: the district answers %v, the province %v", ind, atDistrict, atProvince)
		}
	}
	v := ask(h.province, "ty_le_truong_thon_la_dang_vien")
	if v.GetNumerator() != 19 || v.GetDenominator() != 50 || v.GetValue() != 38 || v.ReportingUnits != 2 || v.ExpectedUnits != 4 {
		t.Fatalf("village heads at the province: %v", v)
	}

	// A target set by the province for every district, and the comparison
	// of the province's districts over REST.
	if _, err := tonghopv1.NewTargetServiceClient(h.province.admin).SetTarget(ctx, &tonghopv1.SetTargetRequest{Target: &tonghopv1.Target{
		Indicator: "ty_le_truong_thon_la_dang_vien", Level: "district", Period: "2021",
		Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 80, Note: "Nghị quyết Đại hội Đảng bộ tỉnh",
	}}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+h.province.node.HTTPAddr()+"/v1/units/12/indicators/ty_le_truong_thon_la_dang_vien:compare?period=2021", nil)
	tok, _ := AdminToken(h.province.dir)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var cmp struct {
		Rows []struct {
			UnitCode    string  `json:"unit_code"`
			Value       float64 `json:"value"`
			Achievement struct {
				Difference  float64 `json:"difference"`
				ShareOfPlan float64 `json:"share_of_plan"`
				Met         bool    `json:"met"`
			} `json:"achievement"`
		} `json:"rows"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(raw, &cmp) != nil || len(cmp.Rows) != 2 {
		t.Fatalf("compare over REST: %d %s", resp.StatusCode, raw)
	}
	top := cmp.Rows[0]
	if top.UnitCode != "106" || top.Value != 38 || top.Achievement.Difference != -42 || top.Achievement.ShareOfPlan != 47.5 || top.Achievement.Met {
		t.Fatalf("106 against 80%%: %+v (%s)", top, raw)
	}
	// A question about a unit outside the node's subtree is refused, naming
	// the unit.
	_, err = tonghopv1.NewRollupServiceClient(h.tamDuong.admin).GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{UnitCode: "105", Indicator: "ty_le_dang_vien_nu", Period: "2021"})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "unit 105 is outside") {
		t.Fatalf("a question about another district: %v", err)
	}
}

// TestTargetsFlowDown: targets the province sets reach the nodes below
// whose units they concern, which then state achievement on their own; a
// district's own targets are never overwritten from above.
func TestTargetsFlowDown(t *testing.T) {
	h := startLaiChau(t)
	ctx := context.Background()
	set := func(tn *tnode, tg *tonghopv1.Target) {
		t.Helper()
		if _, err := tonghopv1.NewTargetServiceClient(tn.admin).SetTarget(ctx, &tonghopv1.SetTargetRequest{Target: tg}); err != nil {
			t.Fatal(err)
		}
	}
	set(h.province, &tonghopv1.Target{Indicator: "ty_le_truong_thon_la_dang_vien", Level: "commune", Period: "2021", Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 80})
	set(h.province, &tonghopv1.Target{Indicator: "ty_le_dang_vien_nu", UnitCode: "03386", Period: "2021", Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 40})
	set(h.tamDuong, &tonghopv1.Target{Indicator: "ty_le_dang_vien_nu", UnitCode: "03390", Period: "2021", Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 33})
	// The province targets the same commune too: two targets, not one.
	set(h.province, &tonghopv1.Target{Indicator: "ty_le_dang_vien_nu", UnitCode: "03390", Period: "2021", Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 40})
	targets := func(tn *tnode) map[string]string {
		resp, err := tonghopv1.NewTargetServiceClient(tn.admin).ListTargets(ctx, &tonghopv1.ListTargetsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, tg := range resp.Targets {
			out[tg.Id] = tg.SetBy
		}
		return out
	}
	eventually(t, "the province's and the district's targets at Thị trấn Tam Đường", func() bool {
		c := targets(h.thiTran)
		return c["ty_le_truong_thon_la_dang_vien/level:commune/2021@12"] == "12" && c["ty_le_dang_vien_nu/03390/2021@106"] == "106" && c["ty_le_dang_vien_nu/03390/2021@12"] == "12"
	})
	d := targets(h.tamDuong)
	if d["ty_le_dang_vien_nu/03390/2021@106"] != "106" || d["ty_le_dang_vien_nu/03390/2021@12"] != "12" || d["ty_le_truong_thon_la_dang_vien/level:commune/2021@12"] != "12" {
		t.Fatalf("district's targets: %v", d)
	}
	if _, ok := d["ty_le_dang_vien_nu/03386/2021@12"]; ok {
		t.Fatalf("a target for another district's commune reached 106: %v", d)
	}
	// Of the two targets for the commune, the district's (the nearer
	// setter) applies.
	h.thiTran.put("2021", dv("dang_vien", "", "100"), dv("dang_vien", "nu", "35"))
	nu, err := tonghopv1.NewRollupServiceClient(h.thiTran.admin).GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{UnitCode: "03390", Indicator: "ty_le_dang_vien_nu", Period: "2021"})
	if err != nil || nu.Value.Achievement == nil || nu.Value.Achievement.Target.SetBy != "106" || nu.Value.Achievement.Target.Value != 33 || !nu.Value.Achievement.Met {
		t.Fatalf("which target applies to the commune: %v %v", nu, err)
	}
	// The commune states its own achievement against the province's target.
	h.thiTran.put("2021", dv("thon_to_dan_pho", "", "12"), dv("truong_thon_la_dang_vien", "", "9"))
	resp, err := tonghopv1.NewRollupServiceClient(h.thiTran.admin).GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{UnitCode: "03390", Indicator: "ty_le_truong_thon_la_dang_vien", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	a := resp.Value.Achievement
	if resp.Value.GetValue() != 75 || a == nil || a.Met || a.Difference != -5 || a.ShareOfPlan != 93.75 || a.Target.SetBy != "12" {
		t.Fatalf("commune's own answer: %v", resp.Value)
	}
}
