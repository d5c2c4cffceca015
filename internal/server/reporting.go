package server

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/reporting"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/validate"
	"github.com/tonghop/tonghop/internal/wire"
)

// maxTextLen bounds a round's reference, a return comment and a reopening
// reason.
const maxTextLen = 2000

type reportingService struct {
	tonghopv1.UnimplementedReportingServiceServer
	subs  *submission.Reports
	store *store.Store
	check entry.Checker
	tree  *hierarchy.Tree
	self  string
	now   func() time.Time
}

func violationsToProto(vs []validate.Violation) []*tonghopv1.Violation {
	return storedViolationsToProto(submission.StoredViolations(vs), nil)
}

func storedViolationsToProto(vs []store.Violation, overrides []store.Override) []*tonghopv1.Violation {
	reasons := map[string]string{}
	for _, o := range overrides {
		reasons[o.Rule] = o.Reason
	}
	out := make([]*tonghopv1.Violation, len(vs))
	for i, v := range vs {
		imp := tonghopv1.Importance_IMPORTANCE_WARNING
		if v.Importance == validate.Error.String() {
			imp = tonghopv1.Importance_IMPORTANCE_ERROR
		}
		reason, overridden := reasons[v.Rule]
		out[i] = &tonghopv1.Violation{
			Rule: v.Rule, Importance: imp, Message: v.Message, MessageEn: v.MessageEN,
			Left: v.Left, Operator: v.Op, Right: v.Right, Overridden: overridden, OverrideReason: reason,
		}
	}
	return out
}

func (s *reportingService) OpenRound(ctx context.Context, req *tonghopv1.OpenRoundRequest) (*tonghopv1.OpenRoundResponse, error) {
	var bad invalid.Error
	switch {
	case req.UnitCode == "":
		bad.Add("unit_code", "is required")
	case req.UnitCode != s.self:
		bad.Add("unit_code", "%q is not this node's unit (%s): a node opens rounds for its own subtree", req.UnitCode, s.self)
	}
	s.check.DataSetPeriod(&bad, req.DataSet, req.Period)
	switch {
	case req.Deadline == nil:
		bad.Add("deadline", "is required")
	case req.Deadline.CheckValid() != nil:
		bad.Add("deadline", "%v", req.Deadline.CheckValid())
	}
	if len(req.Reference) > maxTextLen {
		bad.Add("reference", "longer than %d bytes", maxTextLen)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	by := ""
	if c, ok := CallerFrom(ctx); ok {
		by = callerName(c)
	}
	r, err := s.store.PutRound(store.Round{
		Opener: s.self, DataSet: req.DataSet, Period: req.Period,
		Deadline: req.Deadline.AsTime().UTC(), Reference: strings.TrimSpace(req.Reference), OpenedBy: by,
	})
	if err != nil {
		return nil, err
	}
	return &tonghopv1.OpenRoundResponse{Round: wire.RoundToProto(r)}, nil
}

func (s *reportingService) ListRounds(ctx context.Context, _ *tonghopv1.ListRoundsRequest) (*tonghopv1.ListRoundsResponse, error) {
	rs, err := s.store.Rounds()
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListRoundsResponse{}
	for _, r := range rs {
		resp.Rounds = append(resp.Rounds, wire.RoundToProto(r))
	}
	return resp, nil
}

func (s *reportingService) ListDue(ctx context.Context, req *tonghopv1.ListDueRequest) (*tonghopv1.ListDueResponse, error) {
	switch {
	case req.UnitCode == "":
		return nil, invalid.Field("unit_code", "is required")
	case req.UnitCode != s.self:
		return nil, invalid.Field("unit_code", "%q is not this node's unit (%s)", req.UnitCode, s.self)
	}
	rounds, err := s.store.Rounds()
	if err != nil {
		return nil, err
	}
	said, err := s.store.ParentReviews()
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListDueResponse{}
	now := s.now()
	for _, r := range rounds {
		// A node's own rounds are what its children owe.
		if r.Opener == s.self || !s.tree.IsAncestor(r.Opener, s.self) {
			continue
		}
		d := &tonghopv1.Due{Round: wire.RoundToProto(r), State: tonghopv1.ReportState_REPORT_STATE_MISSING}
		prog, err := s.store.ReportProgress(r.DataSet, r.Period, []string{s.self})
		if err != nil {
			return nil, err
		}
		p := prog[s.self]
		if p.Latest != nil {
			d.State, d.Revision, d.SignedAt = tonghopv1.ReportState_REPORT_STATE_SUBMITTED, p.Latest.Revision, timestamppb.New(p.Latest.SignedAt)
			d.Late = p.First.SignedAt.After(r.Deadline)
			errs, warns := reporting.CountViolations(p.Latest.Violations)
			d.ErrorCount, d.WarningCount = int32(errs), int32(warns)
		} else {
			d.Late = now.After(r.Deadline)
		}
		for _, rv := range said {
			if rv.DataSet != r.DataSet || rv.Period != r.Period {
				continue
			}
			switch {
			case rv.Revision == d.Revision:
				// What the parent said holds for the revision it saw.
				d.State, d.Comment = wire.StateToProto(rv.State), rv.Comment
			case p.Latest != nil && p.Latest.Forward == store.Rejected:
				// The parent refused the latest revision (an accepted
				// report is locked): its word on the one before stands.
				d.State = wire.StateToProto(rv.State)
				d.Comment = fmt.Sprintf("revision %d refused by the parent: %s", p.Latest.Revision, p.Latest.ForwardError)
			}
		}
		resp.Due = append(resp.Due, d)
	}
	sort.SliceStable(resp.Due, func(i, j int) bool {
		return resp.Due[i].Round.Deadline.AsTime().Before(resp.Due[j].Round.Deadline.AsTime())
	})
	return resp, nil
}

func (s *reportingService) GetCompleteness(ctx context.Context, req *tonghopv1.GetCompletenessRequest) (*tonghopv1.GetCompletenessResponse, error) {
	if req.RoundId == "" {
		return nil, invalid.Field("round_id", "is required")
	}
	root := req.UnitCode
	if root == "" {
		root = s.self
	}
	if _, ok := s.tree.Unit(root); !ok || !s.tree.InSubtree(s.self, root) {
		return nil, invalid.Field("unit_code", "unknown unit %q, or not in this node's subtree", root)
	}
	r, err := s.store.Round(req.RoundId)
	if err != nil {
		return nil, err
	}
	p, err := period.Parse(r.Period)
	if err != nil {
		return nil, fmt.Errorf("round %s: %w", r.ID, err)
	}
	expected := reporting.Expected(s.tree, root, p)
	codes := make([]string, len(expected))
	for i, u := range expected {
		codes[i] = u.Code
	}
	// The root's own report, when it is below this node, states what it
	// accepted of its children.
	prog, err := s.store.ReportProgress(r.DataSet, r.Period, append(codes, root))
	if err != nil {
		return nil, err
	}
	return completenessToProto(reporting.Compute(s.tree, s.self, root, r, expected, prog, s.now())), nil
}

func completenessToProto(c reporting.Completeness) *tonghopv1.GetCompletenessResponse {
	resp := &tonghopv1.GetCompletenessResponse{
		Round: wire.RoundToProto(c.Round), UnitCode: c.Unit, DeadlinePassed: c.DeadlinePassed,
		Total: countsToProto(c.Total),
	}
	for _, u := range c.Units {
		row := &tonghopv1.UnitProgress{
			UnitCode: u.Unit.Code, Name: u.Unit.Name, Level: u.Unit.Level, State: roundStateToProto(u.State),
			Revision: u.Revision, Late: u.Late, ErrorCount: int32(u.Errors), WarningCount: int32(u.Warnings),
			Comment: u.Comment, ReviewedHere: u.ReviewedHere, EnteredBy: u.EnteredBy,
		}
		if u.Reported {
			row.FirstSignedAt, row.LatestSignedAt = timestamppb.New(u.FirstSignedAt), timestamppb.New(u.LatestSignedAt)
			row.FirstReceivedAt = timestamppb.New(u.FirstReceivedAt)
		}
		resp.Units = append(resp.Units, row)
	}
	for _, l := range c.Levels {
		resp.Levels = append(resp.Levels, &tonghopv1.LevelCompleteness{Level: l.Level, Counts: countsToProto(l.Counts)})
	}
	return resp
}

func countsToProto(c reporting.Counts) *tonghopv1.CompletenessCounts {
	return &tonghopv1.CompletenessCounts{
		Expected: int32(c.Expected), Submitted: int32(c.Submitted), OnTime: int32(c.OnTime), Late: int32(c.Late),
		Missing: int32(c.Missing), Accepted: int32(c.Accepted), Returned: int32(c.Returned), AwaitingReview: int32(c.AwaitingReview),
		EnteredOnBehalf: int32(c.EnteredOnBehalf),
	}
}

func roundStateToProto(s reporting.State) tonghopv1.ReportState {
	return wire.Enum[reporting.State, tonghopv1.ReportState]{
		{Domain: reporting.Missing, API: tonghopv1.ReportState_REPORT_STATE_MISSING},
		{Domain: reporting.Submitted, API: tonghopv1.ReportState_REPORT_STATE_SUBMITTED},
		{Domain: reporting.Accepted, API: tonghopv1.ReportState_REPORT_STATE_ACCEPTED},
		{Domain: reporting.Returned, API: tonghopv1.ReportState_REPORT_STATE_RETURNED},
		{Domain: reporting.Reopened, API: tonghopv1.ReportState_REPORT_STATE_REOPENED},
	}.ToProto(s)
}

func (s *reportingService) ValidateReport(ctx context.Context, req *tonghopv1.ValidateReportRequest) (*tonghopv1.ValidateReportResponse, error) {
	var bad invalid.Error
	if _, ok := s.tree.Unit(req.UnitCode); !ok || !s.tree.InSubtree(s.self, req.UnitCode) {
		bad.Add("unit_code", "unknown unit %q, or not in this node's subtree", req.UnitCode)
	}
	t := s.check.DataSetPeriod(&bad, req.DataSet, req.Period)
	if err := bad.Err(); err != nil {
		return nil, err
	}
	vs, found, err := s.subs.Validate(req.UnitCode, req.DataSet, t.Period)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("no values of %s for %s %s: %w", req.UnitCode, req.DataSet, req.Period, errNotFound)
	}
	return &tonghopv1.ValidateReportResponse{Violations: violationsToProto(vs)}, nil
}

// review applies a sign-off action after checking the request.
func (s *reportingService) review(ctx context.Context, unit, dataSet, periodCode string, action review.Action, digest, reason, reasonField string) (*tonghopv1.Review, error) {
	var bad invalid.Error
	u, ok := s.tree.Unit(unit)
	switch {
	case unit == "":
		bad.Add("unit_code", "is required")
	case !ok:
		bad.Add("unit_code", "unknown unit %q", unit)
	}
	s.check.DataSetPeriod(&bad, dataSet, periodCode)
	if action == review.Accept && digest == "" {
		bad.Add("digest", "is required: name the revision reviewed")
	}
	if reasonField != "" {
		switch {
		case strings.TrimSpace(reason) == "":
			bad.Add(reasonField, "is required")
		case len(reason) > maxTextLen:
			bad.Add(reasonField, "longer than %d bytes", maxTextLen)
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	// Only a unit's parent signs off its reports: not a grandparent that
	// holds them relayed, not a sibling.
	if u.Parent != s.self {
		return nil, fmt.Errorf("%w: %s's reports are signed off by its parent %s, not by %s", errNotParent, unit, u.Parent, s.self)
	}
	by := "anonymous"
	if c, ok := CallerFrom(ctx); ok {
		by = callerName(c)
	}
	r, err := s.store.ReviewReport(unit, dataSet, periodCode, action, digest, strings.TrimSpace(reason), by)
	if err != nil {
		return nil, err
	}
	return wire.ReviewToProto(r), nil
}

func (s *reportingService) AcceptReport(ctx context.Context, req *tonghopv1.AcceptReportRequest) (*tonghopv1.AcceptReportResponse, error) {
	r, err := s.review(ctx, req.UnitCode, req.DataSet, req.Period, review.Accept, req.Digest, "", "")
	if err != nil {
		return nil, err
	}
	return &tonghopv1.AcceptReportResponse{Review: r}, nil
}

func (s *reportingService) ReturnReport(ctx context.Context, req *tonghopv1.ReturnReportRequest) (*tonghopv1.ReturnReportResponse, error) {
	r, err := s.review(ctx, req.UnitCode, req.DataSet, req.Period, review.Return, "", req.Comment, "comment")
	if err != nil {
		return nil, err
	}
	return &tonghopv1.ReturnReportResponse{Review: r}, nil
}

func (s *reportingService) ReopenReport(ctx context.Context, req *tonghopv1.ReopenReportRequest) (*tonghopv1.ReopenReportResponse, error) {
	r, err := s.review(ctx, req.UnitCode, req.DataSet, req.Period, review.Reopen, "", req.Reason, "reason")
	if err != nil {
		return nil, err
	}
	return &tonghopv1.ReopenReportResponse{Review: r}, nil
}

func (s *reportingService) ListReviewEvents(ctx context.Context, req *tonghopv1.ListReviewEventsRequest) (*tonghopv1.ListReviewEventsResponse, error) {
	root := req.UnitCode
	if root == "" {
		root = s.self
	} else if _, ok := s.tree.Unit(root); !ok {
		return nil, invalid.Field("unit_code", "unknown unit %q", root)
	}
	events, err := s.store.ReviewEvents(func(e review.Event) bool {
		return s.tree.InSubtree(root, e.Unit) && (req.DataSet == "" || e.DataSet == req.DataSet) && (req.Period == "" || e.Period == req.Period)
	})
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListReviewEventsResponse{}
	for _, e := range events {
		resp.Events = append(resp.Events, &tonghopv1.ReviewEvent{
			Seq: e.Seq, Time: timestamppb.New(e.At), Actor: e.By, UnitCode: e.Unit, DataSet: e.DataSet, Period: e.Period,
			Action: e.Action, Revision: e.Revision, Digest: e.Digest, Reason: e.Reason,
			FromState: wire.StateToProto(e.From), ToState: wire.StateToProto(e.To),
		})
	}
	return resp, nil
}
