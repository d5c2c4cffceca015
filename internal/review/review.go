// Package review is the sign-off of a child's report by its parent, as
// rules with no storage: the states a report passes through, the actions
// that move it, and what an arriving revision does. A report is submitted
// when a revision arrives; the parent accepts it (locking that revision) or
// returns it with a comment; a returned report is revised and arrives
// again; only the parent reopens an accepted one, with a reason, after
// which a new revision may arrive. The store keeps reviews and their events
// and asks this package, inside its transaction, what each change makes of
// them.
package review

import (
	"errors"
	"fmt"
	"time"
)

// State is where a child's report stands with its parent.
type State int

// Review states; 0 is a report nothing has arrived of.
const (
	Submitted State = iota + 1
	Accepted
	Returned
	Reopened
)

func (s State) String() string {
	switch s {
	case Submitted:
		return "submitted"
	case Accepted:
		return "accepted"
	case Returned:
		return "returned"
	case Reopened:
		return "reopened"
	case 0:
		return "none"
	}
	return "unknown"
}

// Action is what a parent does to a child's report.
type Action int

// Review actions.
const (
	Accept Action = iota + 1
	Return
	Reopen
)

func (a Action) String() string {
	switch a {
	case Accept:
		return "accept"
	case Return:
		return "return"
	case Reopen:
		return "reopen"
	}
	return "unknown"
}

var (
	// ErrLocked means a revision arrived for a report its parent has
	// accepted: only the parent can reopen it.
	ErrLocked = errors.New("review: the report is accepted and locked")
	// ErrState means an action the report's state does not allow.
	ErrState = errors.New("review: not allowed in the report's review state")
	// ErrNotLatest means an acceptance of a revision that is not the latest.
	ErrNotLatest = errors.New("review: not the latest revision")
)

// Review is the sign-off state of one child's report at its parent.
type Review struct {
	Unit, DataSet, Period string
	State                 State
	// Revision and Digest name the latest revision received.
	Revision uint64
	Digest   string
	// AcceptedRevision and AcceptedDigest name the revision accepted last,
	// kept through a reopening until another is accepted.
	AcceptedRevision uint64
	AcceptedDigest   string
	// Comment is that of the last return or reopening.
	Comment   string
	UpdatedAt time.Time
	UpdatedBy string
}

// Event is one change of a report's review state: who, when, what, why.
// Events are kept for good, in order.
type Event struct {
	Seq                   uint64
	At                    time.Time
	By                    string
	Unit, DataSet, Period string
	// Action is "received", or the parent's action (see [Action.String]).
	Action   string
	Revision uint64
	Digest   string
	Reason   string
	// From is 0 for a first arrival.
	From, To State
}

// Label names the report in messages.
func (r Review) Label() string {
	return fmt.Sprintf("the report of %s for %s %s", r.Unit, r.DataSet, r.Period)
}

// Next is the state machine: the state after action from r, where digest
// names the revision an Accept signs off, or an error wrapping ErrState or
// ErrNotLatest.
func Next(r Review, action Action, digest string) (State, error) {
	switch action {
	case Accept:
		if r.State != Submitted && r.State != Reopened {
			return 0, fmt.Errorf("%w: %s cannot be accepted (it is %s)", ErrState, r.Label(), r.State)
		}
		if r.State == Reopened && r.Revision == r.AcceptedRevision {
			return 0, fmt.Errorf("%w: %s was reopened and no new revision has arrived; it is revision %d", ErrState, r.Label(), r.Revision)
		}
		if digest != r.Digest {
			return 0, fmt.Errorf("%w: %s is at revision %d (%s), not %s", ErrNotLatest, r.Label(), r.Revision, r.Digest, digest)
		}
		return Accepted, nil
	case Return:
		if r.State != Submitted && r.State != Reopened {
			return 0, fmt.Errorf("%w: %s cannot be returned (it is %s)", ErrState, r.Label(), r.State)
		}
		return Returned, nil
	case Reopen:
		if r.State != Accepted {
			return 0, fmt.Errorf("%w: %s cannot be reopened (it is %s, not accepted)", ErrState, r.Label(), r.State)
		}
		return Reopened, nil
	}
	return 0, fmt.Errorf("%w: unknown action %d", ErrState, action)
}

// Apply is the parent's action on r by by at now: the review after it and
// the event that records it. An Accept locks the latest revision and clears
// the comment; Return and Reopen keep reason as the comment.
func Apply(r Review, action Action, digest, reason, by string, now time.Time) (Review, Event, error) {
	to, err := Next(r, action, digest)
	if err != nil {
		return Review{}, Event{}, err
	}
	from := r.State
	r.State, r.UpdatedAt, r.UpdatedBy = to, now, by
	if action == Accept {
		r.AcceptedRevision, r.AcceptedDigest, r.Comment = r.Revision, r.Digest, ""
	} else {
		r.Comment = reason
	}
	return r, Event{At: now, By: by, Unit: r.Unit, DataSet: r.DataSet, Period: r.Period,
		Action: action.String(), Revision: r.Revision, Digest: r.Digest, Reason: reason, From: from, To: to}, nil
}

// Revision is a child's revision as it arrives at its parent.
type Revision struct {
	Unit, DataSet, Period string
	Revision              uint64
	Digest                string
	// Signer is who signed it, as the event names them.
	Signer string
}

// Locked refuses a revision of a report its parent has accepted, wrapping
// ErrLocked; an older revision than the latest received is left to be
// refused as stale, which says more.
func Locked(r Review, rev Revision) error {
	if r.State != Accepted || rev.Revision <= r.Revision {
		return nil
	}
	return fmt.Errorf("%w: %s was accepted at revision %d; revision %d needs the parent to reopen it first",
		ErrLocked, r.Label(), r.AcceptedRevision, rev.Revision)
}

// Arrive is what an arriving revision makes of the report's review r (the
// zero Review when nothing arrived before): it is submitted again, whatever
// it was, since an accepted one was refused by Locked.
func Arrive(r Review, rev Revision, now time.Time) (Review, Event) {
	from := r.State
	r.Unit, r.DataSet, r.Period = rev.Unit, rev.DataSet, rev.Period
	r.State, r.Revision, r.Digest = Submitted, rev.Revision, rev.Digest
	r.UpdatedAt, r.UpdatedBy = now, rev.Signer
	return r, Event{At: now, By: rev.Signer, Unit: rev.Unit, DataSet: rev.DataSet, Period: rev.Period,
		Action: "received", Revision: rev.Revision, Digest: rev.Digest, From: from, To: Submitted}
}
