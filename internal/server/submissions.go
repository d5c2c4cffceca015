package server

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/pagetoken"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/wire"
)

// Page sizes of ListSubmissions.
const (
	defaultSubmissionPage = 100
	maxSubmissionPage     = 1000
)

type submissionService struct {
	tonghopv1.UnimplementedSubmissionServiceServer
	subs  *submission.Reports
	store *store.Store
	check entry.Checker
	tree  *hierarchy.Tree
	// history, when set, holds the units of other maps, whose reports a
	// node keeps: a district abolished in 2025 is listed at its province.
	history *hierarchy.History
	parent  string
}

// known reports whether code is a unit of this node's map or of another
// map it keeps.
func (s *submissionService) known(code string) bool {
	if _, ok := s.tree.Unit(code); ok {
		return true
	}
	return s.history != nil && len(s.history.Versions(code)) > 0
}

// inSubtree reports whether code lies below root in this node's map or in
// any other map it keeps.
func (s *submissionService) inSubtree(root, code string) bool {
	if s.tree.InSubtree(root, code) {
		return true
	}
	if s.history == nil {
		return false
	}
	for k := 0; k <= len(s.history.Boundaries()); k++ {
		if s.history.TreeOfEra(k).InSubtree(root, code) {
			return true
		}
	}
	return false
}

// forwardStates are where a report stands with the parent, as the API
// names them.
func forwardStates() wire.Enum[store.ForwardState, tonghopv1.ForwardState] {
	return wire.Enum[store.ForwardState, tonghopv1.ForwardState]{
		{Domain: store.Queued, API: tonghopv1.ForwardState_FORWARD_STATE_QUEUED},
		{Domain: store.Delivered, API: tonghopv1.ForwardState_FORWARD_STATE_DELIVERED},
		{Domain: store.Rejected, API: tonghopv1.ForwardState_FORWARD_STATE_REJECTED},
		{Domain: store.Root, API: tonghopv1.ForwardState_FORWARD_STATE_ROOT},
	}
}

func forwardToProto(f store.ForwardState) tonghopv1.ForwardState { return forwardStates().ToProto(f) }

func forwardFromProto(f tonghopv1.ForwardState) store.ForwardState {
	return forwardStates().FromProto(f)
}

func submissionToProto(r store.Submission, superseded bool) *tonghopv1.Submission {
	out := &tonghopv1.Submission{
		Digest: r.Digest, UnitCode: r.Unit, DataSet: r.DataSet, Period: r.Period, Revision: r.Revision,
		Superseded: superseded, CatalogVersion: r.CatalogVersion,
		SignedAt: timestamppb.New(r.SignedAt), ReceivedAt: timestamppb.New(r.ReceivedAt),
		Signer: r.Signer, SignerFingerprint: r.SignerFingerprint,
		ForwardState: forwardToProto(r.Forward),
		ValueCount:   int32(r.ValueCount), SectionCount: int32(r.SectionCount),
		Violations: storedViolationsToProto(r.Violations, r.Overrides),
		EnteredBy:  r.EnteredBy,
	}
	for _, a := range r.Accepted {
		out.Accepted = append(out.Accepted, &tonghopv1.AcceptedRevision{UnitCode: a.Unit, Revision: a.Revision, Digest: a.Digest})
	}
	if r.Forward == store.Rejected {
		out.ForwardError = status.New(codes.Code(r.ForwardCode), r.ForwardError).Proto()
	}
	return out
}

func (s *submissionService) Submit(ctx context.Context, req *tonghopv1.SubmitRequest) (*tonghopv1.SubmitResponse, error) {
	t, err := s.check.Target(req.UnitCode, req.DataSet, req.Period)
	if err != nil {
		return nil, err
	}
	overrides := make([]envelope.Override, len(req.Overrides))
	for i, o := range req.Overrides {
		overrides[i] = envelope.Override{Rule: o.Rule, Reason: o.Reason}
	}
	rec, err := s.subs.SubmitOwn(t.DataSet.Code, t.Period, overrides)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.SubmitResponse{Submission: submissionToProto(rec, false)}, nil
}

func (s *submissionService) ListSubmissions(ctx context.Context, req *tonghopv1.ListSubmissionsRequest) (*tonghopv1.ListSubmissionsResponse, error) {
	var bad invalid.Error
	if req.UnitCode != "" {
		if !s.known(req.UnitCode) {
			bad.Add("unit_code", "unknown unit %q", req.UnitCode)
		}
	} else if req.IncludeSubtree {
		bad.Add("include_subtree", "needs unit_code")
	}
	size := int(req.PageSize)
	switch {
	case size < 0 || size > maxSubmissionPage:
		bad.Add("page_size", "must be between 0 and %d", maxSubmissionPage)
	case size == 0:
		size = defaultSubmissionPage
	}
	var after []byte
	if req.PageToken != "" {
		var err error
		if after, err = pagetoken.Decode("submissions", req.PageToken); err != nil {
			bad.Add("page_token", "%v", err)
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	f := store.SubmissionFilter{
		Unit: req.UnitCode, DataSet: req.DataSet, Period: req.Period,
		Forward: forwardFromProto(req.ForwardState), WithSuperseded: req.IncludeSuperseded,
	}
	if req.IncludeSubtree {
		root := req.UnitCode
		f.Units = func(code string) bool { return s.inSubtree(root, code) }
	}
	recs, superseded, last, err := s.store.Submissions(f, after, size)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListSubmissionsResponse{}
	for i, r := range recs {
		resp.Submissions = append(resp.Submissions, submissionToProto(r, superseded[i]))
	}
	if len(recs) == size {
		resp.NextPageToken = pagetoken.Encode("submissions", last)
	}
	return resp, nil
}

func (s *submissionService) GetSubmission(ctx context.Context, req *tonghopv1.GetSubmissionRequest) (*tonghopv1.GetSubmissionResponse, error) {
	if req.Digest == "" {
		return nil, invalid.Field("digest", "is required")
	}
	rec, raw, superseded, err := s.store.Submission(req.Digest)
	if err != nil {
		return nil, err
	}
	payload, err := envelope.ReadSubmission(raw)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.GetSubmissionResponse{Submission: submissionToProto(rec, superseded), Envelope: raw}
	for _, v := range payload.Values {
		resp.Values = append(resp.Values, &tonghopv1.DataValue{DataElement: v.Element, Option: v.Option, Value: formatInt(v.Count)})
	}
	for _, sec := range payload.Sections {
		resp.Sections = append(resp.Sections, &tonghopv1.SectionText{Section: sec.Code, Text: sec.Text})
	}
	return resp, nil
}

func (s *submissionService) ListOutbox(ctx context.Context, _ *tonghopv1.ListOutboxRequest) (*tonghopv1.ListOutboxResponse, error) {
	entries, _, err := s.store.Outbox(0)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.ListOutboxResponse{ParentAddress: s.parent}
	for _, e := range entries {
		oe := &tonghopv1.OutboxEntry{Digest: e.Digest, QueuedAt: timestamppb.New(e.QueuedAt), Attempts: int32(e.Attempts), LastError: e.LastError}
		// Notices have no submission record; submissions say what they are.
		if rec, _, _, err := s.store.Submission(e.Digest); err == nil {
			oe.UnitCode, oe.DataSet, oe.Period, oe.Revision = rec.Unit, rec.DataSet, rec.Period, rec.Revision
		}
		resp.Entries = append(resp.Entries, oe)
	}
	return resp, nil
}

func (s *submissionService) RequeueSubmission(ctx context.Context, req *tonghopv1.RequeueSubmissionRequest) (*tonghopv1.RequeueSubmissionResponse, error) {
	if req.Digest == "" {
		return nil, invalid.Field("digest", "is required")
	}
	rec, err := s.store.Requeue(req.Digest)
	if err != nil {
		return nil, err
	}
	s.subs.NotifyQueued()
	return &tonghopv1.RequeueSubmissionResponse{Submission: submissionToProto(rec, false)}, nil
}
