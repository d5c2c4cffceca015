// Package wire converts between the tonghop.v1 messages that travel between
// nodes and the domain types they carry: what a parent serves its children
// (rounds, reviews, targets) and what a child keeps of them. Both ends use
// it: the server that answers and the downlink that fetches, so the one
// conversion lives in one place and neither end imports the other.
package wire

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/store"
)

// RoundToProto converts a round, for administrators and for the children
// that fetch it.
func RoundToProto(r store.Round) *tonghopv1.Round {
	return &tonghopv1.Round{
		Id: r.ID, OpenerUnitCode: r.Opener, DataSet: r.DataSet, Period: r.Period,
		Deadline: timestamppb.New(r.Deadline), Reference: r.Reference, OpenedAt: timestamppb.New(r.OpenedAt),
	}
}

// RoundFromProto converts a round fetched from the parent.
func RoundFromProto(r *tonghopv1.Round) store.Round {
	return store.Round{
		ID: r.Id, Opener: r.OpenerUnitCode, DataSet: r.DataSet, Period: r.Period,
		Deadline: r.Deadline.AsTime(), Reference: r.Reference, OpenedAt: r.OpenedAt.AsTime(),
	}
}

// reviewStates are the states of a report under review as the API names
// them.
func reviewStates() Enum[review.State, tonghopv1.ReportState] {
	return Enum[review.State, tonghopv1.ReportState]{
		{review.Submitted, tonghopv1.ReportState_REPORT_STATE_SUBMITTED},
		{review.Accepted, tonghopv1.ReportState_REPORT_STATE_ACCEPTED},
		{review.Returned, tonghopv1.ReportState_REPORT_STATE_RETURNED},
		{review.Reopened, tonghopv1.ReportState_REPORT_STATE_REOPENED},
	}
}

// StateToProto converts the state of a report under review.
func StateToProto(s review.State) tonghopv1.ReportState { return reviewStates().ToProto(s) }

// StateFromProto converts the state of a report under review; an
// unspecified state is zero.
func StateFromProto(s tonghopv1.ReportState) review.State { return reviewStates().FromProto(s) }

// ReviewToProto converts a review, for administrators and for the child
// whose report it is.
func ReviewToProto(r review.Review) *tonghopv1.Review {
	return &tonghopv1.Review{
		UnitCode: r.Unit, DataSet: r.DataSet, Period: r.Period, State: StateToProto(r.State),
		Revision: r.Revision, Digest: r.Digest, AcceptedRevision: r.AcceptedRevision, AcceptedDigest: r.AcceptedDigest,
		Comment: r.Comment, UpdateTime: timestamppb.New(r.UpdatedAt), UpdatedBy: r.UpdatedBy,
	}
}

// ReviewFromProto converts a review fetched from the parent.
func ReviewFromProto(r *tonghopv1.Review) review.Review {
	return review.Review{
		Unit: r.UnitCode, DataSet: r.DataSet, Period: r.Period, State: StateFromProto(r.State),
		Revision: r.Revision, Digest: r.Digest, AcceptedRevision: r.AcceptedRevision, AcceptedDigest: r.AcceptedDigest,
		Comment: r.Comment, UpdatedAt: r.UpdateTime.AsTime(), UpdatedBy: r.UpdatedBy,
	}
}

// TargetToProto converts a target, for administrators and for the children
// that fetch it.
func TargetToProto(t store.Target) *tonghopv1.Target {
	return &tonghopv1.Target{
		Id: t.ID, Indicator: t.Indicator, UnitCode: t.Unit, Level: t.Level, Period: t.Period,
		Direction: tonghopv1.Direction(t.Direction), Value: t.Value, BaselinePeriod: t.Baseline,
		Note: t.Note, SetBy: t.SetBy, UpdatedAt: timestamppb.New(t.UpdatedAt),
	}
}

// TargetFromProto converts a target received from the parent.
func TargetFromProto(t *tonghopv1.Target) store.Target {
	return store.Target{
		ID: t.Id, Indicator: t.Indicator, Unit: t.UnitCode, Level: t.Level, Period: t.Period,
		Direction: int(t.Direction), Value: t.Value, Baseline: t.BaselinePeriod, Note: t.Note,
		SetBy: t.SetBy, UpdatedAt: t.UpdatedAt.AsTime(),
	}
}

// CatalogVersionToProto describes a published catalogue version; base is
// the catalogue it extends (nil if unknown), inForce whether it is the one
// in force at this node.
func CatalogVersionToProto(p catalog.Published, base *catalog.Catalog, publishedAt time.Time, inForce bool) *tonghopv1.CatalogVersion {
	c := p.Catalog
	v := &tonghopv1.CatalogVersion{
		Version: c.Version(), Digest: c.Digest(), Extends: c.Extends(), UnitCode: p.Unit(), InForce: inForce,
	}
	if !publishedAt.IsZero() {
		v.PublishedAt = timestamppb.New(publishedAt)
	}
	if base != nil {
		v.AddedDataElements = int32(len(c.Elements()) - len(base.Elements()))
		v.AddedIndicators = int32(len(c.Indicators()) - len(base.Indicators()))
	}
	return v
}
