// Package reporting holds the rules of a reporting round: which units of a
// subtree are expected to report for the round's period, where each one's
// report stands (missing, submitted, signed off here or above, returned),
// whether it came on time, and the counts by level. It reads what the store
// keeps and returns domain types; the server converts them.
package reporting

import (
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/validate"
)

// State is where one expected unit's report stands in a round.
type State int

// States of a report in a round: Missing until a revision arrives, then
// the state of its sign-off.
const (
	Missing State = iota + 1
	Submitted
	Accepted
	Returned
	Reopened
)

// stateOf is the round's view of a sign-off state.
func stateOf(s review.State) State {
	switch s {
	case review.Submitted:
		return Submitted
	case review.Accepted:
		return Accepted
	case review.Returned:
		return Returned
	case review.Reopened:
		return Reopened
	}
	return 0
}

// UnitProgress is one expected unit's report in a round.
type UnitProgress struct {
	Unit  hierarchy.Unit
	State State
	// Reported: a revision arrived; Revision and the signing times are
	// those of the report.
	Reported                      bool
	Revision                      uint64
	FirstSignedAt, LatestSignedAt time.Time
	// FirstReceivedAt is when the first revision reached the level above
	// the unit, as its parent's signed receipt proves it
	// (store.Submission.Received). Late: that was after the deadline; the
	// signer's own clock, signed_at, is never the judge.
	FirstReceivedAt  time.Time
	Late             bool
	Errors, Warnings int
	Comment          string
	// ReviewedHere: the unit is a direct child of this node, which signs
	// its report off.
	ReviewedHere bool
	// EnteredBy is the unit above that entered and signed the latest
	// revision on the unit's behalf; empty when the unit signed it.
	EnteredBy string
}

// Counts are the reports of a set of expected units.
type Counts struct {
	Expected, Submitted, OnTime, Late, Missing int
	Accepted, Returned, AwaitingReview         int
	// EnteredOnBehalf counts the submitted whose latest revision was
	// entered on the unit's behalf.
	EnteredOnBehalf int
}

// add counts one expected unit's report.
func (c *Counts) add(u UnitProgress) {
	c.Expected++
	if u.State == Missing {
		c.Missing++
		return
	}
	c.Submitted++
	if u.EnteredBy != "" {
		c.EnteredOnBehalf++
	}
	if u.Late {
		c.Late++
	} else {
		c.OnTime++
	}
	switch u.State {
	case Accepted:
		c.Accepted++
	case Returned:
		c.Returned++
	default:
		c.AwaitingReview++
	}
}

// LevelCounts are the counts of one level.
type LevelCounts struct {
	Level string
	Counts
}

// Completeness is who reported in a round, under one unit.
type Completeness struct {
	Round          store.Round
	Unit           string // the subtree's root
	DeadlinePassed bool
	Units          []UnitProgress
	Levels         []LevelCounts // in the hierarchy's order of levels
	Total          Counts
}

// Expected returns the units of root's subtree that report for period p:
// a unit reports for a period it exists at the end of.
func Expected(tree *hierarchy.Tree, root string, p period.Period) []hierarchy.Unit {
	lastDay := p.End().AddDate(0, 0, -1)
	var out []hierarchy.Unit
	for _, u := range tree.Descendants(root) {
		if u.ActiveOn(lastDay) {
			out = append(out, u)
		}
	}
	return out
}

// Compute works out the completeness of round r under root at now, for the
// node self: prog holds the stored progress of each expected unit's report
// and of root's own, whose signed report states what it accepted of its
// children.
func Compute(tree *hierarchy.Tree, self, root string, r store.Round, expected []hierarchy.Unit, prog map[string]store.Progress, now time.Time) Completeness {
	out := Completeness{Round: r, Unit: root, DeadlinePassed: now.After(r.Deadline)}
	// A parent's signed report states which revisions of its children it
	// accepted: so a level above sees sign-off it did not do itself.
	// Receipt refuses a report that names another unit's child.
	acceptedAbove := map[string]string{}
	for _, p := range prog {
		if p.Latest == nil {
			continue
		}
		for _, a := range p.Latest.Accepted {
			acceptedAbove[a.Unit] = a.Digest
		}
	}
	byLevel := map[string]*Counts{}
	for _, u := range expected {
		pr := prog[u.Code]
		row := UnitProgress{Unit: u, State: Missing, ReviewedHere: u.Parent == self}
		if pr.Latest != nil {
			row.State, row.Reported, row.Revision = Submitted, true, pr.Latest.Revision
			row.FirstSignedAt, row.LatestSignedAt = pr.First.SignedAt, pr.Latest.SignedAt
			row.FirstReceivedAt = pr.First.Received()
			row.Late = row.FirstReceivedAt.After(r.Deadline)
			row.Errors, row.Warnings = CountViolations(pr.Latest.Violations)
			row.EnteredBy = pr.Latest.EnteredBy
		}
		switch {
		case pr.Review != nil:
			row.State, row.Comment = stateOf(pr.Review.State), pr.Review.Comment
		case pr.Latest != nil && acceptedAbove[u.Code] == pr.Latest.Digest:
			row.State = Accepted
		}
		out.Units = append(out.Units, row)
		c := byLevel[u.Level]
		if c == nil {
			c = &Counts{}
			byLevel[u.Level] = c
		}
		c.add(row)
		out.Total.add(row)
	}
	for _, l := range tree.Levels() {
		if c, ok := byLevel[l.Code]; ok {
			out.Levels = append(out.Levels, LevelCounts{Level: l.Code, Counts: *c})
		}
	}
	return out
}

// CountViolations counts a stored report's errors and warnings.
func CountViolations(vs []store.Violation) (errs, warns int) {
	for _, v := range vs {
		if v.Importance == validate.Error.String() {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}
