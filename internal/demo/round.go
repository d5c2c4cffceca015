package demo

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/validate"
)

// The round's cast: the commune whose breakdown is caught, and the one that
// reports late.
const (
	Reference = "Công văn số 365-CV/TU ngày 23/9/2021"
	Caught    = "03394" // Xã Thèn Sin
	Late      = "03400" // Xã Tả Lèng
)

// RoundInfo is the reporting round the demo runs for Period.
type RoundInfo struct {
	ID        string    `json:"id"`
	Reference string    `json:"reference"`
	Deadline  time.Time `json:"deadline"`
	// Caught is the violation entered, which blocked signing until fixed.
	Caught CaughtInfo `json:"caught"`
	// Late are the units whose first report came after the deadline.
	Late []string `json:"late"`
	// Accepted are the reports each parent accepted, by parent.
	Accepted map[string][]string `json:"accepted"`
	// Levels are the province's completeness counts, by level and in total.
	Levels []LevelCount `json:"completeness"`
	// Units are the demo's units as the province's table shows them.
	Units []UnitRow `json:"units"`
}

// CaughtInfo is one violation, as entry reported it.
type CaughtInfo struct {
	UnitCode string `json:"unit_code"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
	Left     string `json:"left"`
	Operator string `json:"operator"`
	Right    string `json:"right"`
	// Blocked is the code Submit answered before the fix.
	Blocked string `json:"blocked"`
}

// LevelCount is one line of the completeness table.
type LevelCount struct {
	Level          string `json:"level"`
	Expected       int32  `json:"expected"`
	Submitted      int32  `json:"submitted"`
	OnTime         int32  `json:"on_time"`
	Late           int32  `json:"late"`
	Missing        int32  `json:"missing"`
	Accepted       int32  `json:"accepted"`
	Returned       int32  `json:"returned"`
	AwaitingReview int32  `json:"awaiting_review"`
}

// UnitRow is one unit's report in the province's table.
type UnitRow struct {
	UnitCode string `json:"unit_code"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	State    string `json:"state"`
	Revision uint64 `json:"revision"`
	Late     bool   `json:"late"`
}

// node returns the running node of a unit.
func (h *hierarchyRun) node(code string) *running {
	for _, r := range h.nodes {
		if r.unit.Code == code {
			return r
		}
	}
	return nil
}

// waitFor polls cond until it holds, for at most waitTimeout.
func (h *hierarchyRun) waitFor(ctx context.Context, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: still waiting for %s", waitTimeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// enter enters and submits a unit's report of Period.
func (h *hierarchyRun) enter(ctx context.Context, r *running, vals []*tonghopv1.DataValue) error {
	if err := h.enterValues(ctx, r, Period, vals); err != nil {
		return err
	}
	_, err := tonghopv1.NewSubmissionServiceClient(r.admin).Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: r.unit.Code, DataSet: DataSet, Period: Period})
	if err != nil {
		return fmt.Errorf("submitting %s: %w", r.unit.Code, err)
	}
	return nil
}

// delivered waits until r's outbox is empty: its parent has acknowledged
// every report it sent.
func (h *hierarchyRun) delivered(ctx context.Context, r *running) error {
	subs := tonghopv1.NewSubmissionServiceClient(r.admin)
	return h.waitFor(ctx, r.unit.Name+"'s parent to acknowledge its reports", func() (bool, error) {
		resp, err := subs.ListOutbox(ctx, &tonghopv1.ListOutboxRequest{})
		return err == nil && len(resp.Entries) == 0, err
	})
}

// acceptChildren waits until parent holds a report of each child, and
// accepts each one's latest revision.
func (h *hierarchyRun) acceptChildren(ctx context.Context, parent *running, children []string, info *RoundInfo) error {
	subs := tonghopv1.NewSubmissionServiceClient(parent.admin)
	latest := map[string]*tonghopv1.Submission{}
	err := h.waitFor(ctx, parent.unit.Name+" to hold its children's reports", func() (bool, error) {
		resp, err := subs.ListSubmissions(ctx, &tonghopv1.ListSubmissionsRequest{UnitCode: parent.unit.Code, IncludeSubtree: true, DataSet: DataSet, Period: Period, PageSize: 1000})
		if err != nil {
			return false, err
		}
		for _, s := range resp.Submissions {
			latest[s.UnitCode] = s
		}
		for _, c := range children {
			if latest[c] == nil {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, c := range children {
		s := latest[c]
		if _, err := tonghopv1.NewReportingServiceClient(parent.admin).AcceptReport(ctx, &tonghopv1.AcceptReportRequest{
			UnitCode: c, DataSet: DataSet, Period: Period, Digest: s.Digest,
		}); err != nil {
			return fmt.Errorf("%s accepting %s: %w", parent.unit.Code, c, err)
		}
		info.Accepted[parent.unit.Code] = append(info.Accepted[parent.unit.Code], fmt.Sprintf("%s r%d", c, s.Revision))
	}
	return nil
}

// runRound runs the Period round: the province opens it; the communes
// report, Xã Thèn Sin's inconsistent breakdown caught on entry and fixed
// before signing; Thành phố Lai Châu accepts its communes and reports; the
// deadline passes (the demo moves it to now rather than wait for it); Xã
// Tả Lèng reports late; Huyện Tam Đường accepts its communes and reports,
// late for having waited; the province accepts both districts and counts.
func (h *hierarchyRun) runRound(ctx context.Context) (RoundInfo, error) {
	prov := h.nodes[0]
	rounds := tonghopv1.NewReportingServiceClient(prov.admin)
	open := func(deadline time.Time) (*tonghopv1.Round, error) {
		resp, err := rounds.OpenRound(ctx, &tonghopv1.OpenRoundRequest{
			UnitCode: Province, DataSet: DataSet, Period: Period, Deadline: timestamppb.New(deadline), Reference: Reference,
		})
		if err != nil {
			return nil, fmt.Errorf("opening the round: %w", err)
		}
		return resp.Round, nil
	}
	if _, err := open(h.clock.Now().Add(24 * time.Hour)); err != nil {
		return RoundInfo{}, err
	}
	info := RoundInfo{Accepted: map[string][]string{}}
	districts := Districts()
	for _, d := range []string{"105", "106"} {
		for _, c := range districts[d] {
			if c == Late {
				continue
			}
			r := h.node(c)
			if c == Caught {
				if err := h.catch(ctx, r, &info.Caught); err != nil {
					return RoundInfo{}, err
				}
			}
			if err := h.enter(ctx, r, Sample(r.unit, Period)); err != nil {
				return RoundInfo{}, err
			}
		}
	}
	if err := h.acceptChildren(ctx, h.node("105"), districts["105"], &info); err != nil {
		return RoundInfo{}, err
	}
	if err := h.enter(ctx, h.node("105"), Sample(h.node("105").unit, Period)); err != nil {
		return RoundInfo{}, err
	}
	// A report is on time by the parent's receipt, not by when it was
	// signed: the reports so far are on time once their parents have
	// acknowledged them, before the deadline moves to now.
	onTime := []string{"105"}
	for _, d := range []string{"105", "106"} {
		onTime = append(onTime, slices.DeleteFunc(slices.Clone(districts[d]), func(c string) bool { return c == Late })...)
	}
	for _, c := range onTime {
		if err := h.delivered(ctx, h.node(c)); err != nil {
			return RoundInfo{}, err
		}
	}
	round, err := open(h.clock.Now())
	if err != nil {
		return RoundInfo{}, err
	}
	info.ID, info.Reference, info.Deadline = round.Id, round.Reference, round.Deadline.AsTime()
	if err := h.waitFor(ctx, "the deadline to pass", func() (bool, error) { return h.clock.Now().After(info.Deadline), nil }); err != nil {
		return RoundInfo{}, err
	}
	late := h.node(Late)
	if err := h.enter(ctx, late, Sample(late.unit, Period)); err != nil {
		return RoundInfo{}, err
	}
	if err := h.acceptChildren(ctx, h.node("106"), districts["106"], &info); err != nil {
		return RoundInfo{}, err
	}
	if err := h.enter(ctx, h.node("106"), Sample(h.node("106").unit, Period)); err != nil {
		return RoundInfo{}, err
	}
	if err := h.acceptChildren(ctx, prov, []string{"105", "106"}, &info); err != nil {
		return RoundInfo{}, err
	}

	c, err := rounds.GetCompleteness(ctx, &tonghopv1.GetCompletenessRequest{RoundId: info.ID})
	if err != nil {
		return RoundInfo{}, err
	}
	for _, l := range append(c.Levels, &tonghopv1.LevelCompleteness{Level: "total", Counts: c.Total}) {
		n := l.Counts
		info.Levels = append(info.Levels, LevelCount{Level: l.Level, Expected: n.Expected, Submitted: n.Submitted, OnTime: n.OnTime,
			Late: n.Late, Missing: n.Missing, Accepted: n.Accepted, Returned: n.Returned, AwaitingReview: n.AwaitingReview})
	}
	for _, u := range c.Units {
		if h.node(u.UnitCode) == nil {
			continue
		}
		info.Units = append(info.Units, UnitRow{UnitCode: u.UnitCode, Name: u.Name, Level: u.Level, State: stateName(u.State), Revision: u.Revision, Late: u.Late})
		if u.Late {
			info.Late = append(info.Late, u.UnitCode)
		}
	}
	slices.Sort(info.Late)
	return info, nil
}

// catch enters r's report with one woman too many, records what entry
// answers, and checks that signing is refused.
func (h *hierarchyRun) catch(ctx context.Context, r *running, caught *CaughtInfo) error {
	vals := Sample(r.unit, Period)
	for _, v := range vals {
		if v.DataElement == "dang_vien" && v.Option == "nu" {
			n, err := parseInt(v.Value)
			if err != nil {
				return err
			}
			v.Value = fmt.Sprint(n + 1)
		}
	}
	resp, err := tonghopv1.NewDataServiceClient(r.admin).PutValues(ctx, &tonghopv1.PutValuesRequest{UnitCode: r.unit.Code, DataSet: DataSet, Period: Period, Values: vals})
	if err != nil {
		return fmt.Errorf("entering %s: %w", r.unit.Code, err)
	}
	if len(resp.Violations) != 1 {
		return fmt.Errorf("entering %s's inconsistent breakdown: %d violations, want 1", r.unit.Code, len(resp.Violations))
	}
	v := resp.Violations[0]
	*caught = CaughtInfo{UnitCode: r.unit.Code, Rule: v.Rule, Message: v.Message, Left: v.Left, Operator: v.Operator, Right: v.Right}
	_, err = tonghopv1.NewSubmissionServiceClient(r.admin).Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: r.unit.Code, DataSet: DataSet, Period: Period})
	if status.Code(err) != codes.FailedPrecondition {
		return fmt.Errorf("signing %s's inconsistent report: %v, want FailedPrecondition", r.unit.Code, err)
	}
	caught.Blocked = status.Code(err).String()
	return nil
}

func stateName(s tonghopv1.ReportState) string {
	switch s {
	case tonghopv1.ReportState_REPORT_STATE_SUBMITTED:
		return "đã nộp"
	case tonghopv1.ReportState_REPORT_STATE_ACCEPTED:
		return "đã duyệt"
	case tonghopv1.ReportState_REPORT_STATE_RETURNED:
		return "trả lại"
	case tonghopv1.ReportState_REPORT_STATE_REOPENED:
		return "mở lại"
	}
	return "chưa nộp"
}

// printRound writes the round for people.
func printRound(w io.Writer, r RoundInfo, name func(string) string) {
	vi := numfmt.Vietnamese()
	num := func(s string) string {
		if n, err := parseInt(s); err == nil {
			return vi.Int(n)
		}
		return s
	}
	fmt.Fprintf(w, "\nReporting round %s (%s), deadline %s:\n", r.ID, r.Reference, r.Deadline.In(numfmt.Zone()).Format("02/01/2006 15:04:05"))
	c := r.Caught
	fmt.Fprintf(w, "  %s entered an inconsistent breakdown; entry said [%s] %s: là %s, %s %s; signing answered %s until it was fixed.\n",
		name(c.UnitCode), c.Rule, c.Message, num(c.Left), validate.Op(c.Operator).MustBe(), num(c.Right), c.Blocked)
	names := func(codes []string) string {
		var out []string
		for _, code := range codes {
			// "03390 r2" is unit 03390's revision 2.
			unit, rev, ok := strings.Cut(code, " r")
			if ok {
				out = append(out, name(unit)+" (lần "+rev+")")
				continue
			}
			out = append(out, name(code))
		}
		if len(out) == 0 {
			return "none"
		}
		return strings.Join(out, ", ")
	}
	for _, code := range []string{"105", "106"} {
		fmt.Fprintf(w, "  %s accepted the reports of %s, then signed its own report, which states them.\n", name(code), names(r.Accepted[code]))
	}
	fmt.Fprintf(w, "  %s accepted the reports of %s.\n", name(Province), names(r.Accepted[Province]))
	fmt.Fprintf(w, "  Late: %s (the demo moved the deadline to the moment before Xã Tả Lèng signed).\n", names(r.Late))
	fmt.Fprintf(w, "\nCompleteness at the province:\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CẤP\tPHẢI NỘP\tĐÃ NỘP\tTỶ LỆ\tĐÚNG HẠN\tTRỄ HẠN\tCHƯA NỘP\tĐÃ DUYỆT\tTRẢ LẠI\tCHỜ DUYỆT")
	for _, l := range r.Levels {
		share := "–"
		if l.Expected > 0 {
			share = vi.Rat(big.NewRat(int64(l.Submitted)*100, int64(l.Expected)), 2) + "%"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", l.Level, l.Expected, l.Submitted, share, l.OnTime, l.Late, l.Missing, l.Accepted, l.Returned, l.AwaitingReview)
	}
	tw.Flush()
	fmt.Fprintln(w, "(the other districts and communes of Lai Châu run no node in this demo: they count as missing)")
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ĐƠN VỊ\tCẤP\tTÌNH TRẠNG\tLẦN\tHẠN")
	for _, u := range r.Units {
		due := "đúng hạn"
		if u.Late {
			due = "trễ hạn"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%d\t%s\n", u.UnitCode, u.Name, u.Level, u.State, u.Revision, due)
	}
	tw.Flush()
}
