package node

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func (tn *tnode) reporting() tonghopv1.ReportingServiceClient {
	return tonghopv1.NewReportingServiceClient(tn.admin)
}

func (tn *tnode) putChecked(period string, vals ...*tonghopv1.DataValue) []*tonghopv1.Violation {
	tn.t.Helper()
	resp, err := tonghopv1.NewDataServiceClient(tn.admin).PutValues(context.Background(), &tonghopv1.PutValuesRequest{
		UnitCode: tn.unit, DataSet: "tong_ket_nam", Period: period, Values: vals,
	})
	if err != nil {
		tn.t.Fatalf("%s: PutValues: %v", tn.unit, err)
	}
	return resp.Violations
}

func (tn *tnode) completeness(round, unit string) *tonghopv1.GetCompletenessResponse {
	tn.t.Helper()
	resp, err := tn.reporting().GetCompleteness(context.Background(), &tonghopv1.GetCompletenessRequest{RoundId: round, UnitCode: unit})
	if err != nil {
		tn.t.Fatalf("%s: GetCompleteness: %v", tn.unit, err)
	}
	return resp
}

// counts writes completeness counts as "expected/submitted/on time/late/
// missing accepted/returned/awaiting".
func counts(c *tonghopv1.CompletenessCounts) string {
	return strings.Join([]string{
		itoa(c.Expected) + "/" + itoa(c.Submitted) + "/" + itoa(c.OnTime) + "/" + itoa(c.Late) + "/" + itoa(c.Missing),
		itoa(c.Accepted) + "/" + itoa(c.Returned) + "/" + itoa(c.AwaitingReview),
	}, " ")
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func (tn *tnode) due() *tonghopv1.Due {
	tn.t.Helper()
	resp, err := tn.reporting().ListDue(context.Background(), &tonghopv1.ListDueRequest{UnitCode: tn.unit})
	if err != nil {
		tn.t.Fatalf("%s: ListDue: %v", tn.unit, err)
	}
	if len(resp.Due) != 1 {
		return nil
	}
	return resp.Due[0]
}

func latestDigest(t *testing.T, tn *tnode, unit string) string {
	t.Helper()
	subs := tn.submissions(unit, false)
	if len(subs) != 1 {
		t.Fatalf("%s holds %d reports of %s", tn.unit, len(subs), unit)
	}
	return subs[0].Digest
}

// TestReportingRound runs a round from the province down and back: one
// commune's inconsistent breakdown is caught when entered and blocks
// signing until fixed; another's is overridden with a reason that travels
// signed; one commune is late; the district returns, accepts, refuses a
// resubmission of an accepted report, reopens it, and states what it
// accepted in its own report; the counts are right at every step.
func TestReportingRound(t *testing.T) {
	ctx := context.Background()
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	other := startNode(t, "105", province)
	thiTran := startNode(t, "03390", district)
	thenSin := startNode(t, "03394", district)
	taLeng := startNode(t, "03400", district)

	opened, err := province.reporting().OpenRound(ctx, &tonghopv1.OpenRoundRequest{
		UnitCode: "12", DataSet: "tong_ket_nam", Period: "2021",
		Deadline: timestamppb.New(time.Now().Add(time.Hour)), Reference: "Công văn số 365-CV/TU ngày 23/9/2021",
	})
	if err != nil {
		t.Fatal(err)
	}
	round := opened.Round.Id
	if round != "12.tong_ket_nam.2021" {
		t.Fatalf("round id %q", round)
	}
	// A round names the node's own unit; a bad one is refused by field.
	_, err = district.reporting().OpenRound(ctx, &tonghopv1.OpenRoundRequest{UnitCode: "03390", DataSet: "tong_ket_nam", Period: "2021Q1"})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "unit_code") || !strings.Contains(st.Message(), "period") || !strings.Contains(st.Message(), "deadline") {
		t.Fatalf("bad round: %v", err)
	}
	for _, c := range []*tnode{thiTran, thenSin, taLeng} {
		eventually(t, c.unit+" seeing the round", func() bool {
			d := c.due()
			return d != nil && d.Round.Id == round && d.State == tonghopv1.ReportState_REPORT_STATE_MISSING && !d.Late &&
				d.Round.Reference == "Công văn số 365-CV/TU ngày 23/9/2021"
		})
	}

	// Thị trấn: the sex breakdown is one short. Entering says so, with the
	// values; signing is blocked and stores nothing.
	vs := thiTran.putChecked("2021", dv("dang_vien", "", "100"), dv("dang_vien", "nam", "60"), dv("dang_vien", "nu", "39"))
	if len(vs) != 1 || vs[0].Rule != "dang_vien/gioi_tinh/sum" || vs[0].Left != "99" || vs[0].Operator != "==" || vs[0].Right != "100" || vs[0].Importance != tonghopv1.Importance_IMPORTANCE_ERROR {
		t.Fatalf("violations on entry: %v", vs)
	}
	_, err = tonghopv1.NewSubmissionServiceClient(thiTran.admin).Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: "03390", DataSet: "tong_ket_nam", Period: "2021"})
	st := status.Convert(err)
	if st.Code() != codes.FailedPrecondition || len(st.Details()) != 1 {
		t.Fatalf("blocked submit: %v", err)
	}
	if pf := st.Details()[0].(*errdetails.PreconditionFailure); len(pf.Violations) != 1 || pf.Violations[0].Subject != "dang_vien/gioi_tinh/sum" {
		t.Fatalf("blocking rules: %v", pf)
	}
	if n := len(thiTran.submissions("03390", true)); n != 0 {
		t.Fatalf("a blocked submit stored %d reports", n)
	}
	if vs := thiTran.putChecked("2021", dv("dang_vien", "nu", "40")); len(vs) != 0 {
		t.Fatalf("after the fix: %v", vs)
	}
	thiTran.submit("2021")

	// Thèn Sin: the same kind of error, overridden with a reason.
	thenSin.putChecked("2021", dv("dang_vien", "", "50"), dv("dang_vien", "nam", "30"), dv("dang_vien", "nu", "21"))
	sub := tonghopv1.NewSubmissionServiceClient(thenSin.admin)
	_, err = sub.Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: "03394", DataSet: "tong_ket_nam", Period: "2021",
		Overrides: []*tonghopv1.Override{{Rule: "dang_vien/balance", Reason: "x"}}})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "overrides[0].rule") {
		t.Fatalf("override of a rule not broken: %v", err)
	}
	const why = "Một đồng chí chuyển đến chưa có hồ sơ giới tính"
	if _, err := sub.Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: "03394", DataSet: "tong_ket_nam", Period: "2021",
		Overrides: []*tonghopv1.Override{{Rule: "dang_vien/gioi_tinh/sum", Reason: why}}}); err != nil {
		t.Fatal(err)
	}
	// The district sees the violation, judged again on receipt, and the
	// signer's reason.
	eventually(t, "the district holding both reports", func() bool {
		return len(district.submissions("03390", false)) == 1 && len(district.submissions("03394", false)) == 1
	})
	got := district.submissions("03394", false)[0].Violations
	if len(got) != 1 || got[0].Rule != "dang_vien/gioi_tinh/sum" || !got[0].Overridden || got[0].OverrideReason != why || got[0].Left != "51" {
		t.Fatalf("violations at the district: %v", got)
	}

	// The deadline is moved to now: Tả Lèng, not yet in, will be late.
	deadline := time.Now()
	if _, err := province.reporting().OpenRound(ctx, &tonghopv1.OpenRoundRequest{UnitCode: "12", DataSet: "tong_ket_nam", Period: "2021",
		Deadline: timestamppb.New(deadline), Reference: "Công văn số 365-CV/TU ngày 23/9/2021"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the district learning the new deadline", func() bool {
		c := district.completeness(round, "")
		return c.Round.Deadline.AsTime().Equal(deadline) && c.DeadlinePassed
	})
	if c := district.completeness(round, ""); counts(c.Total) != "3/2/2/0/1 0/0/2" {
		t.Fatalf("before review: %s", counts(c.Total))
	}

	// Return Thèn Sin; it sees the comment, fixes and sends revision 2.
	if _, err := district.reporting().ReturnReport(ctx, &tonghopv1.ReturnReportRequest{UnitCode: "03394", DataSet: "tong_ket_nam", Period: "2021"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("return without a comment: %v", err)
	}
	if _, err := district.reporting().ReturnReport(ctx, &tonghopv1.ReturnReportRequest{UnitCode: "03394", DataSet: "tong_ket_nam", Period: "2021",
		Comment: "Đề nghị rà soát cơ cấu giới tính"}); err != nil {
		t.Fatal(err)
	}
	if c := district.completeness(round, ""); counts(c.Total) != "3/2/2/0/1 0/1/1" {
		t.Fatalf("after a return: %s", counts(c.Total))
	}
	eventually(t, "Thèn Sin seeing its report returned", func() bool {
		d := thenSin.due()
		return d.State == tonghopv1.ReportState_REPORT_STATE_RETURNED && d.Comment == "Đề nghị rà soát cơ cấu giới tính" && d.Revision == 1 && !d.Late
	})
	thenSin.putChecked("2021", dv("dang_vien", "nu", "20"))
	thenSin.submit("2021")
	eventually(t, "revision 2 at the district", func() bool { return district.submissions("03394", false)[0].Revision == 2 })
	// A revision after the deadline does not make an on-time report late.
	if c := district.completeness(round, ""); counts(c.Total) != "3/2/2/0/1 0/0/2" {
		t.Fatalf("after the revision: %s", counts(c.Total))
	}

	// Tả Lèng, after the deadline.
	eventually(t, "the clock passing the deadline", func() bool { return time.Now().After(deadline) })
	taLeng.putChecked("2021", dv("dang_vien", "", "80"))
	taLeng.submit("2021")
	eventually(t, "Tả Lèng's report at the district", func() bool { return len(district.submissions("03400", false)) == 1 })
	c := district.completeness(round, "")
	if counts(c.Total) != "3/3/2/1/0 0/0/3" {
		t.Fatalf("all in: %s", counts(c.Total))
	}
	for _, row := range c.Units {
		if row.Late != (row.UnitCode == "03400") || !row.ReviewedHere {
			t.Errorf("row %v", row)
		}
	}

	// Accept: the latest revision only, named by digest.
	accept := func(tn *tnode, unit, digest string) error {
		_, err := tn.reporting().AcceptReport(ctx, &tonghopv1.AcceptReportRequest{UnitCode: unit, DataSet: "tong_ket_nam", Period: "2021", Digest: digest})
		return err
	}
	old := district.submissions("03394", true)[0]
	if old.Revision != 1 {
		t.Fatalf("oldest revision %d", old.Revision)
	}
	if err := accept(district, "03394", old.Digest); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("accepting a superseded revision: %v", err)
	}
	for _, u := range []string{"03390", "03394", "03400"} {
		if err := accept(district, u, latestDigest(t, district, u)); err != nil {
			t.Fatalf("accept %s: %v", u, err)
		}
	}
	if c := district.completeness(round, ""); counts(c.Total) != "3/3/2/1/0 3/0/0" {
		t.Fatalf("all accepted: %s", counts(c.Total))
	}
	// Only the parent signs off: not the province that holds the report
	// relayed, not the sibling district (its token's subtree stops at 105).
	if err := accept(province, "03390", latestDigest(t, province, "03390")); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("the province accepting a commune's report: %v", err)
	}
	if err := accept(other, "03390", "sha256:00"); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("the sibling district accepting: %v", err)
	}

	// Thèn Sin tries to send another revision of the accepted report: the
	// district refuses it, and the refusal comes back to the commune.
	thenSin.putChecked("2021", dv("dang_vien", "", "51"), dv("dang_vien", "nam", "31"))
	rev3 := thenSin.submit("2021")
	eventually(t, "the district refusing revision 3", func() bool {
		for _, s := range thenSin.submissions("03394", true) {
			if s.Digest == rev3.Digest {
				return s.ForwardState == tonghopv1.ForwardState_FORWARD_STATE_REJECTED
			}
		}
		return false
	})
	refused := thenSin.submissions("03394", false)[0]
	if refused.ForwardError.Code != int32(codes.FailedPrecondition) || !strings.Contains(refused.ForwardError.Message, "accepted at revision 2") {
		t.Fatalf("refusal: %v", refused.ForwardError)
	}
	if r := district.submissions("03394", false)[0]; r.Revision != 2 {
		t.Fatalf("the district's latest of Thèn Sin is revision %d", r.Revision)
	}
	// The commune's own view: accepted (revision 2), revision 3 refused.
	eventually(t, "Thèn Sin seeing revision 3 refused", func() bool {
		d := thenSin.due()
		return d.State == tonghopv1.ReportState_REPORT_STATE_ACCEPTED && d.Revision == 3 &&
			strings.HasPrefix(d.Comment, "revision 3 refused by the parent: ") && strings.Contains(d.Comment, "accepted at revision 2")
	})

	// Reopen, with a reason; then revision 4 is taken and accepted.
	if _, err := district.reporting().ReopenReport(ctx, &tonghopv1.ReopenReportRequest{UnitCode: "03394", DataSet: "tong_ket_nam", Period: "2021",
		Reason: "Bổ sung đảng viên chuyển đến tháng 12"}); err != nil {
		t.Fatal(err)
	}
	thenSin.submit("2021")
	eventually(t, "revision 4 at the district", func() bool { return district.submissions("03394", false)[0].Revision == 4 })
	if err := accept(district, "03394", latestDigest(t, district, "03394")); err != nil {
		t.Fatal(err)
	}

	// The district's own report states the revisions it accepted.
	district.putChecked("2021", dv("dang_vien", "", "12"))
	own := district.submit("2021")
	want := map[string]uint64{"03390": 1, "03394": 4, "03400": 1}
	if len(own.Accepted) != 3 {
		t.Fatalf("accepted in the district's report: %v", own.Accepted)
	}
	for _, a := range own.Accepted {
		if want[a.UnitCode] != a.Revision || a.Digest == "" {
			t.Errorf("accepted %v", a)
		}
	}

	// The province's table: by level, the district awaiting its review,
	// late like Tả Lèng (it signed after the deadline); the communes
	// accepted, as the district's signed report states; Thành phố Lai
	// Châu and its commune missing.
	eventually(t, "the province holding the district's report", func() bool { return len(province.submissions("106", false)) == 1 })
	pc := province.completeness(round, "")
	if counts(pc.Total) != "6/4/2/2/2 3/0/1" {
		t.Fatalf("province total: %s", counts(pc.Total))
	}
	levels := map[string]string{}
	for _, l := range pc.Levels {
		levels[l.Level] = counts(l.Counts)
	}
	if levels["district"] != "2/1/0/1/1 0/0/1" || levels["commune"] != "4/3/2/1/1 3/0/0" {
		t.Fatalf("province by level: %v", levels)
	}
	if c := province.completeness(round, "106"); counts(c.Total) != "3/3/2/1/0 3/0/0" {
		t.Fatalf("province, Tam Đường's subtree: %s", counts(c.Total))
	}

	// Every state change is on record, with who and why.
	ev, err := district.reporting().ListReviewEvents(ctx, &tonghopv1.ListReviewEventsRequest{UnitCode: "03394"})
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, e := range ev.Events {
		trail = append(trail, e.Action+" "+e.Reason)
		if e.Actor == "" || e.Time == nil {
			t.Errorf("event without actor or time: %v", e)
		}
	}
	wantTrail := "received |return Đề nghị rà soát cơ cấu giới tính|received |accept |reopen Bổ sung đảng viên chuyển đến tháng 12|received |accept "
	if strings.Join(trail, "|") != wantTrail {
		t.Fatalf("trail %q\nwant  %q", strings.Join(trail, "|"), wantTrail)
	}
}

// TestReportingREST: the reporting cycle over REST answers with the HTTP
// status of each gRPC code: a blocked submission is 400 with the blocking
// rules, a sign-off asked of the wrong node 403, a round not found 404.
func TestReportingREST(t *testing.T) {
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	do := func(tn *tnode, method, path, body string) (int, string) {
		t.Helper()
		token, err := AdminToken(tn.dir)
		if err != nil {
			t.Fatal(err)
		}
		r, err := http.NewRequest(method, "http://"+tn.node.HTTPAddr()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	code, body := do(province, "POST", "/v1/rounds", `{"unit_code":"12","data_set":"tong_ket_nam","period":"2021","deadline":"2099-10-15T16:59:59Z","reference":"Công văn số 365-CV/TU ngày 23/9/2021"}`)
	if code != 200 || !strings.Contains(body, `"id":"12.tong_ket_nam.2021"`) {
		t.Fatalf("POST /v1/rounds: %d %s", code, body)
	}
	if code, body = do(province, "POST", "/v1/rounds", `{"unit_code":"12","data_set":"tong_ket_nam","period":"2021"}`); code != 400 || !strings.Contains(body, `"field":"deadline"`) {
		t.Fatalf("round without a deadline: %d %s", code, body)
	}
	values := "/v1/units/106/data-sets/tong_ket_nam/periods/2021/values"
	code, body = do(district, "PATCH", values, `[{"data_element":"dang_vien","value":"2675"},{"data_element":"dang_vien","option":"nam","value":"1793"},{"data_element":"dang_vien","option":"nu","value":"881"}]`)
	if code != 200 || !strings.Contains(body, `"rule":"dang_vien/gioi_tinh/sum"`) || !strings.Contains(body, `"left":"2674"`) || !strings.Contains(body, `"right":"2675"`) {
		t.Fatalf("PATCH values: %d %s", code, body)
	}
	code, body = do(district, "POST", "/v1/units/106/data-sets/tong_ket_nam/periods/2021:submit", `{}`)
	if code != 400 || !strings.Contains(body, "PreconditionFailure") || !strings.Contains(body, `"subject":"dang_vien/gioi_tinh/sum"`) {
		t.Fatalf("blocked submit: %d %s", code, body)
	}
	code, body = do(district, "POST", "/v1/units/106/data-sets/tong_ket_nam/periods/2021:submit",
		`{"overrides":[{"rule":"dang_vien/gioi_tinh/sum","reason":"Báo cáo in lệch, đang rà soát"}]}`)
	if code != 200 || !strings.Contains(body, `"overridden":true`) {
		t.Fatalf("submit with an override: %d %s", code, body)
	}
	eventually(t, "the province holding 106's report", func() bool { return len(province.submissions("106", false)) == 1 })
	code, body = do(province, "GET", "/v1/rounds/12.tong_ket_nam.2021/completeness?unit_code=12", "")
	if code != 200 || !strings.Contains(body, `"level":"district"`) || !strings.Contains(body, `"awaiting_review":1`) {
		t.Fatalf("completeness: %d %s", code, body)
	}
	if code, body = do(province, "GET", "/v1/rounds/12.tong_ket_nam.2022/completeness", ""); code != 404 {
		t.Fatalf("unknown round: %d %s", code, body)
	}
	if code, body = do(province, "POST", "/v1/units/106/data-sets/tong_ket_nam/periods/2021:accept", `{}`); code != 400 || !strings.Contains(body, `"field":"digest"`) {
		t.Fatalf("accept without a digest: %d %s", code, body)
	}
	if code, body = do(district, "POST", "/v1/units/03390/data-sets/tong_ket_nam/periods/2021:return", `{"comment":"x"}`); code != 404 {
		t.Fatalf("return of a report never received: %d %s", code, body)
	}
	if code, body = do(province, "POST", "/v1/units/03390/data-sets/tong_ket_nam/periods/2021:return", `{"comment":"x"}`); code != 403 {
		t.Fatalf("the province returning a commune's report: %d %s", code, body)
	}
	digest := province.submissions("106", false)[0].Digest
	if code, body = do(province, "POST", "/v1/units/106/data-sets/tong_ket_nam/periods/2021:accept", `{"digest":"`+digest+`"}`); code != 200 || !strings.Contains(body, `"state":"REPORT_STATE_ACCEPTED"`) {
		t.Fatalf("accept: %d %s", code, body)
	}
	if code, body = do(province, "POST", "/v1/units/106/data-sets/tong_ket_nam/periods/2021:accept", `{"digest":"`+digest+`"}`); code != 400 {
		t.Fatalf("accept twice: %d %s", code, body)
	}
	if code, body = do(province, "GET", "/v1/review-events?unit_code=106", ""); code != 200 || !strings.Contains(body, `"action":"accept"`) {
		t.Fatalf("review events: %d %s", code, body)
	}
	if code, body = do(province, "GET", "/v1/catalog/validation-rules", ""); code != 200 || !strings.Contains(body, `"code":"can_doi_dang_vien"`) {
		t.Fatalf("rules: %d %s", code, body)
	}
}
