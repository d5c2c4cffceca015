package cli

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/validate"
)

// parseDeadline reads YYYY-MM-DD (the end of that day in Hà Nội) or RFC
// 3339.
func parseDeadline(s string) (time.Time, error) {
	if d, err := time.ParseInLocation("2006-01-02", s, numfmt.Zone()); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: --deadline %q is neither YYYY-MM-DD nor an RFC 3339 time", errUsage, s)
	}
	return t, nil
}

func formatTime(ts *timestamppb.Timestamp) string {
	if ts == nil || (ts.Seconds == 0 && ts.Nanos == 0) {
		return ""
	}
	return ts.AsTime().In(numfmt.Zone()).Format("02/01/2006 15:04")
}

// decimal writes a violation's side ("2674", "1/3") in style.
func decimal(s string, style numfmt.Style) string {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	if r.IsInt() {
		return style.Rat(r, 0)
	}
	return style.Rat(r, 2)
}

// writeViolations lists violations for people, one per line.
func (ws *words) writeViolations(w io.Writer, vs []*tonghopv1.Violation, style numfmt.Style) {
	for _, v := range vs {
		imp := ws.error
		if v.Importance == tonghopv1.Importance_IMPORTANCE_WARNING {
			imp = ws.warning
		}
		fmt.Fprintf(w, ws.violationLine, imp, v.Rule, v.Message, decimal(v.Left, style), ws.mustBe(validate.Op(v.Operator)), decimal(v.Right, style))
		if v.Overridden {
			fmt.Fprintf(w, ws.overridden, v.OverrideReason)
		}
		fmt.Fprintln(w)
	}
}

func newRoundsCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{Use: "rounds", Short: "Open and list reporting rounds (đợt báo cáo) and count who has reported"}
	var (
		oc                  clientFlags
		ot                  targetFlags
		deadline, reference string
	)
	open := &cobra.Command{
		Use:   "open",
		Short: "Open a round for the node's subtree, or move its deadline",
		Example: `  tonghop rounds open --unit 12 --period 2021 --deadline 2021-10-15 \
      --reference "Công văn số 365-CV/TU ngày 23/9/2021"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := parseDeadline(deadline)
			if err != nil {
				return err
			}
			conn, err := oc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewReportingServiceClient(conn).OpenRound(cmd.Context(), &tonghopv1.OpenRoundRequest{
				UnitCode: ot.unit, DataSet: ot.dataSet, Period: ot.period, Deadline: timestamppb.New(d), Reference: reference,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).roundOpen, resp.Round.Id, formatTime(resp.Round.Deadline))
			return nil
		},
	}
	oc.register(open)
	ot.register(open)
	open.Flags().StringVar(&deadline, "deadline", "", "YYYY-MM-DD (end of that day, Hà Nội time) or an RFC 3339 time")
	open.Flags().StringVar(&reference, "reference", "", "the instruction the round follows")

	var (
		lc clientFlags
		lo outputFlags
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List the rounds the node knows: its own and those of the levels above",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &lc, &lo, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListRoundsResponse, error) {
				return tonghopv1.NewReportingServiceClient(conn).ListRounds(ctx, &tonghopv1.ListRoundsRequest{})
			}, func(resp *tonghopv1.ListRoundsResponse) error {
				tab := &table{header: say(cmd).rounds, fields: []string{"round", "opened_by", "data_set", "period", "deadline", "reference"}}
				for _, r := range resp.Rounds {
					tab.add(r.Id, r.OpenerUnitCode, r.DataSet, r.Period, formatTime(r.Deadline), r.Reference)
				}
				return tab.write(streams.Out, lo.format)
			})
		},
	}
	lc.register(list)
	lo.register(list)

	var (
		cc    clientFlags
		co    outputFlags
		cunit string
		rows  bool
	)
	completeness := &cobra.Command{
		Use:     "completeness ROUND",
		Short:   "Count, for a round, who below a unit has reported, on time or late, and who is missing",
		Example: "  tonghop rounds completeness 12.tong_ket_nam.2021 --units",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, &cc, &co, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.GetCompletenessResponse, error) {
				return tonghopv1.NewReportingServiceClient(conn).GetCompleteness(ctx, &tonghopv1.GetCompletenessRequest{RoundId: args[0], UnitCode: cunit})
			}, func(resp *tonghopv1.GetCompletenessResponse) error {
				say(cmd).writeCompleteness(streams.Out, resp, rows, co)
				return nil
			})
		},
	}
	cc.register(completeness)
	co.register(completeness)
	completeness.Flags().StringVar(&cunit, "unit", "", "count below this unit (default: the node's unit)")
	completeness.Flags().BoolVar(&rows, "units", false, "also list every expected unit")
	cmd.AddCommand(open, list, completeness)
	return cmd
}

// writeCompleteness writes the counts by level, then the units if asked.
func (ws *words) writeCompleteness(w io.Writer, resp *tonghopv1.GetCompletenessResponse, rows bool, o outputFlags) {
	style := o.style()
	pct := func(n, of int32) string {
		if of == 0 {
			return ""
		}
		return style.Rat(big.NewRat(int64(n)*100, int64(of)), 2) + "%"
	}
	if o.format == "table" {
		fmt.Fprintf(w, ws.roundBelow, resp.Round.Id, resp.UnitCode, formatTime(resp.Round.Deadline))
		if resp.DeadlinePassed {
			fmt.Fprint(w, ws.deadlinePassed)
		}
		fmt.Fprintln(w)
	}
	tab := &table{header: ws.completeness, fields: []string{"level", "expected", "submitted", "share", "on_time", "late", "missing", "accepted", "returned", "awaiting_review", "entered_on_behalf"}}
	add := func(name string, c *tonghopv1.CompletenessCounts) {
		n := func(v int32) string { return style.Int(int64(v)) }
		tab.add(name, n(c.Expected), n(c.Submitted), pct(c.Submitted, c.Expected), n(c.OnTime), n(c.Late), n(c.Missing), n(c.Accepted), n(c.Returned), n(c.AwaitingReview), n(c.EnteredOnBehalf))
	}
	for _, l := range resp.Levels {
		level := ws.level(l.Level)
		if o.format == "csv" {
			level = l.Level
		}
		add(level, l.Counts)
	}
	total := ws.total
	if o.format == "csv" {
		total = "total"
	}
	add(total, resp.Total)
	tab.write(w, o.format)
	if !rows {
		return
	}
	fmt.Fprintln(w)
	units := &table{header: ws.completenessUnits, fields: []string{"unit", "name", "level", "state", "revision", "first_signed", "late", "errors", "warnings", "comment", "entered_by"}}
	for _, u := range resp.Units {
		late := ""
		if u.Late {
			late = ws.late
		}
		level := ws.level(u.Level)
		if o.format == "csv" {
			level = u.Level
		}
		units.add(u.UnitCode, u.Name, level, ws.state(u.State), fmt.Sprint(u.Revision), formatTime(u.FirstSignedAt), late,
			fmt.Sprint(u.ErrorCount), fmt.Sprint(u.WarningCount), u.Comment, u.EnteredBy)
	}
	units.write(w, o.format)
}

func newDueCmd(streams IO) *cobra.Command {
	var (
		c    clientFlags
		o    outputFlags
		unit string
	)
	cmd := &cobra.Command{
		Use:     "due",
		Short:   "Show what the node's unit owes: each round, its deadline and where the report stands",
		Example: "  tonghop due --unit 03390",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &c, &o, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListDueResponse, error) {
				return tonghopv1.NewReportingServiceClient(conn).ListDue(ctx, &tonghopv1.ListDueRequest{UnitCode: unit})
			}, func(resp *tonghopv1.ListDueResponse) error {
				ws := say(cmd)
				tab := &table{header: ws.due, fields: []string{"round", "data_set", "period", "deadline", "state", "revision", "late", "errors", "warnings", "comment"}}
				for _, d := range resp.Due {
					late := ""
					if d.Late {
						late = ws.late
					}
					tab.add(d.Round.Id, d.Round.DataSet, d.Round.Period, formatTime(d.Round.Deadline), ws.state(d.State),
						fmt.Sprint(d.Revision), late, fmt.Sprint(d.ErrorCount), fmt.Sprint(d.WarningCount), d.Comment)
				}
				return tab.write(streams.Out, o.format)
			})
		},
	}
	c.register(cmd)
	o.register(cmd)
	cmd.Flags().StringVar(&unit, "unit", "", "the node's unit")
	return cmd
}

func newValidateCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		t targetFlags
		o outputFlags
	)
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check a report against every rule: breakdowns, parts and wholes, balances, copies, outliers",
		Long: `Check a unit's report as the node holds it (its own values, or the latest
report received from a unit below) against every validation rule, its
previous periods and, for a unit below, its siblings. Errors block signing
until fixed or overridden (tonghop submit --override RULE="reason").`,
		Example: "  tonghop validate --unit 106 --period 2021",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &c, &o, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ValidateReportResponse, error) {
				return tonghopv1.NewReportingServiceClient(conn).ValidateReport(ctx, &tonghopv1.ValidateReportRequest{UnitCode: t.unit, DataSet: t.dataSet, Period: t.period})
			}, func(resp *tonghopv1.ValidateReportResponse) error {
				if len(resp.Violations) == 0 {
					fmt.Fprintf(streams.Out, say(cmd).noViolations, t.unit, t.dataSet, t.period)
					return nil
				}
				fmt.Fprintf(streams.Out, say(cmd).violations, t.unit, t.dataSet, t.period, len(resp.Violations))
				say(cmd).writeViolations(streams.Out, resp.Violations, o.style())
				return nil
			})
		},
	}
	c.register(cmd)
	t.register(cmd)
	o.register(cmd)
	return cmd
}

func newReviewCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Accept, return or reopen a direct child's report, and show the sign-off log",
	}
	// report are the flags naming a child's report.
	type report struct {
		c               clientFlags
		dataSet, period string
	}
	reg := func(cmd *cobra.Command, r *report) {
		r.c.register(cmd)
		cmd.Flags().StringVar(&r.dataSet, "data-set", "tong_ket_nam", "data set code")
		cmd.Flags().StringVar(&r.period, "period", "", "period code")
	}
	show := func(w io.Writer, ws *words, verb string, r *tonghopv1.Review) {
		fmt.Fprintf(w, ws.reviewed, verb, r.UnitCode, r.DataSet, r.Period, r.Revision, ws.state(r.State))
	}

	var (
		ar       report
		revision uint64
	)
	accept := &cobra.Command{
		Use:     "accept UNIT",
		Short:   "Accept a revision of a child's report and lock it",
		Example: "  tonghop review accept 03394 --period 2021 --revision 2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if revision == 0 {
				return fmt.Errorf("%w: --revision is required: name the revision you reviewed", errUsage)
			}
			conn, err := ar.c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			list, err := tonghopv1.NewSubmissionServiceClient(conn).ListSubmissions(cmd.Context(), &tonghopv1.ListSubmissionsRequest{
				UnitCode: args[0], DataSet: ar.dataSet, Period: ar.period, IncludeSuperseded: true, PageSize: 1000,
			})
			if err != nil {
				return err
			}
			digest := ""
			for _, s := range list.Submissions {
				if s.Revision == revision {
					digest = s.Digest
				}
			}
			if digest == "" {
				return fmt.Errorf("no revision %d of %s %s %s here", revision, args[0], ar.dataSet, ar.period)
			}
			resp, err := tonghopv1.NewReportingServiceClient(conn).AcceptReport(cmd.Context(), &tonghopv1.AcceptReportRequest{
				UnitCode: args[0], DataSet: ar.dataSet, Period: ar.period, Digest: digest,
			})
			if err != nil {
				return err
			}
			ws := say(cmd)
			show(streams.Out, ws, ws.reviewAccepted, resp.Review)
			return nil
		},
	}
	reg(accept, &ar)
	accept.Flags().Uint64Var(&revision, "revision", 0, "the revision reviewed (tonghop submissions list)")

	// withText makes return and reopen: a child's report and a required
	// text, sent by call.
	withText := func(use, short, example, flag, help string, verb func(*words) string,
		call func(c tonghopv1.ReportingServiceClient, cmd *cobra.Command, unit string, r *report, text string) (*tonghopv1.Review, error)) *cobra.Command {
		var (
			r    report
			text string
		)
		c := &cobra.Command{
			Use: use, Short: short, Example: example, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				conn, err := r.c.dial()
				if err != nil {
					return err
				}
				defer conn.Close()
				rv, err := call(tonghopv1.NewReportingServiceClient(conn), cmd, args[0], &r, text)
				if err != nil {
					return err
				}
				ws := say(cmd)
				show(streams.Out, ws, verb(ws), rv)
				return nil
			},
		}
		reg(c, &r)
		c.Flags().StringVar(&text, flag, "", help)
		return c
	}
	ret := withText("return UNIT", "Return a child's report with a comment, to be revised",
		`  tonghop review return 03394 --period 2021 --comment "Đề nghị rà soát cơ cấu giới tính"`,
		"comment", "what the child must fix (required)", func(ws *words) string { return ws.reviewReturned },
		func(c tonghopv1.ReportingServiceClient, cmd *cobra.Command, unit string, r *report, text string) (*tonghopv1.Review, error) {
			resp, err := c.ReturnReport(cmd.Context(), &tonghopv1.ReturnReportRequest{UnitCode: unit, DataSet: r.dataSet, Period: r.period, Comment: text})
			return resp.GetReview(), err
		})
	reopen := withText("reopen UNIT", "Reopen an accepted report of a child, with a reason",
		`  tonghop review reopen 03394 --period 2021 --reason "Bổ sung đảng viên chuyển đến tháng 12"`,
		"reason", "why (required)", func(ws *words) string { return ws.reviewReopened },
		func(c tonghopv1.ReportingServiceClient, cmd *cobra.Command, unit string, r *report, text string) (*tonghopv1.Review, error) {
			resp, err := c.ReopenReport(cmd.Context(), &tonghopv1.ReopenReportRequest{UnitCode: unit, DataSet: r.dataSet, Period: r.period, Reason: text})
			return resp.GetReview(), err
		})

	var (
		lr   report
		lo   outputFlags
		unit string
	)
	log := &cobra.Command{
		Use:   "log",
		Short: "List every sign-off state change: who, when, what and why",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dataSet := lr.dataSet
			if !cmd.Flags().Changed("data-set") {
				dataSet = ""
			}
			return answer(cmd, &lr.c, &lo, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListReviewEventsResponse, error) {
				return tonghopv1.NewReportingServiceClient(conn).ListReviewEvents(ctx, &tonghopv1.ListReviewEventsRequest{UnitCode: unit, DataSet: dataSet, Period: lr.period})
			}, func(resp *tonghopv1.ListReviewEventsResponse) error {
				ws := say(cmd)
				tab := &table{header: ws.reviewLog, fields: []string{"seq", "time", "actor", "unit", "data_set", "period", "action", "revision", "from", "to", "reason"}}
				for _, e := range resp.Events {
					from := ""
					if e.FromState != tonghopv1.ReportState_REPORT_STATE_UNSPECIFIED {
						from = ws.state(e.FromState)
					}
					action := ws.action(e.Action)
					if lo.format == "csv" {
						action = e.Action
					}
					tab.add(fmt.Sprint(e.Seq), formatTime(e.Time), e.Actor, e.UnitCode, e.DataSet, e.Period, action,
						fmt.Sprint(e.Revision), from, ws.state(e.ToState), e.Reason)
				}
				return tab.write(streams.Out, lo.format)
			})
		},
	}
	reg(log, &lr)
	lo.register(log)
	log.Flags().StringVar(&unit, "unit", "", "only this unit's subtree")
	cmd.AddCommand(accept, ret, reopen, log)
	return cmd
}

// parseOverride reads RULE=REASON.
func parseOverride(s string) (*tonghopv1.Override, error) {
	rule, reason, ok := strings.Cut(s, "=")
	if !ok || rule == "" || strings.TrimSpace(reason) == "" {
		return nil, fmt.Errorf("%w: --override %q is not RULE=REASON", errUsage, s)
	}
	return &tonghopv1.Override{Rule: rule, Reason: reason}, nil
}
