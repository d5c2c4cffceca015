package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/review"
)

func child(r Submission) Incoming { i := in(r); i.Child = true; return i }

// TestReviewTransitions walks one commune's report through every state and
// tries every forbidden step from each, checking that a refused step
// changes nothing.
func TestReviewTransitions(t *testing.T) {
	s, _ := openTemp(t, Options{})
	const u = "03394"
	state := func() review.Review {
		t.Helper()
		rs, err := s.Reviews("tong_ket_nam", "2021", func(c string) bool { return c == u })
		if err != nil || len(rs) != 1 {
			t.Fatalf("reviews: %v %v", rs, err)
		}
		return rs[0]
	}
	deliver := func(rev uint64) Result {
		t.Helper()
		res, err := s.PutSubmissions([]Incoming{child(rec(u, rev))}, true)
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	act := func(a review.Action, digest, reason string) error {
		_, err := s.ReviewReport(u, "tong_ket_nam", "2021", a, digest, reason, "token:approver")
		return err
	}
	forbidden := func(name string, err, want error) {
		t.Helper()
		before := state()
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
		if after := state(); after != before {
			t.Errorf("%s changed the review: %+v -> %+v", name, before, after)
		}
	}

	// Nothing received: nothing to act on.
	if err := act(review.Accept, "sha256:x", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("accept before any report: %v", err)
	}
	// none -> submitted(1) -> submitted(2): revising before review is free.
	if r := deliver(1); r.Outcome != Stored {
		t.Fatal(r)
	}
	if r := deliver(2); r.Outcome != Stored {
		t.Fatal(r)
	}
	if st := state(); st.State != review.Submitted || st.Revision != 2 {
		t.Fatalf("after two revisions: %+v", st)
	}
	forbidden("accept a superseded revision", act(review.Accept, "sha256:03394-1", ""), review.ErrNotLatest)
	forbidden("reopen what is not accepted", act(review.Reopen, "", "lý do"), review.ErrState)

	// submitted -> returned -> (revision 3) submitted.
	if err := act(review.Return, "", "Cơ cấu giới tính chưa khớp tổng số"); err != nil {
		t.Fatal(err)
	}
	if st := state(); st.State != review.Returned || st.Comment != "Cơ cấu giới tính chưa khớp tổng số" {
		t.Fatalf("returned: %+v", st)
	}
	forbidden("accept a returned report", act(review.Accept, "sha256:03394-2", ""), review.ErrState)
	forbidden("return twice", act(review.Return, "", "again"), review.ErrState)
	if r := deliver(3); r.Outcome != Stored {
		t.Fatal(r)
	}
	// submitted -> accepted(3).
	if err := act(review.Accept, "sha256:03394-3", ""); err != nil {
		t.Fatal(err)
	}
	if st := state(); st.State != review.Accepted || st.AcceptedRevision != 3 || st.AcceptedDigest != "sha256:03394-3" {
		t.Fatalf("accepted: %+v", st)
	}
	forbidden("accept twice", act(review.Accept, "sha256:03394-3", ""), review.ErrState)
	forbidden("return an accepted report", act(review.Return, "", "x"), review.ErrState)
	// The child resubmitting an accepted period is refused, and the same
	// envelope again is still a harmless duplicate.
	before := state()
	if r := deliver(4); r.Outcome != Refused || !errors.Is(r.Err, review.ErrLocked) || !strings.Contains(r.Err.Error(), "accepted at revision 3") {
		t.Fatalf("revision 4 of an accepted report: %+v", r)
	}
	if r := deliver(3); r.Outcome != Duplicate {
		t.Fatalf("revision 3 again: %+v", r)
	}
	// An older revision is stale, whatever the review says.
	res, err := s.PutSubmissions([]Incoming{child(rec(u, 2).withDigest("sha256:other-2"))}, true)
	if err != nil || res[0].Outcome != Refused || !errors.Is(res[0].Err, ErrStale) {
		t.Fatalf("an older revision of an accepted report: %+v %v", res, err)
	}
	if state() != before {
		t.Fatal("a refused revision changed the review")
	}
	// accepted -> reopened: the same revision cannot simply be accepted
	// again, a new one can.
	if err := act(review.Reopen, "", "Rà soát lại số đảng viên chuyển đến"); err != nil {
		t.Fatal(err)
	}
	forbidden("accept the reopened revision unchanged", act(review.Accept, "sha256:03394-3", ""), review.ErrState)
	forbidden("reopen twice", act(review.Reopen, "", "x"), review.ErrState)
	if r := deliver(4); r.Outcome != Stored {
		t.Fatalf("revision 4 after reopening: %+v", r)
	}
	if err := act(review.Accept, "sha256:03394-4", ""); err != nil {
		t.Fatal(err)
	}

	// The trail says who did what, when and why, in order.
	events, err := s.ReviewEvents(nil)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, e := range events {
		trail = append(trail, fmt.Sprintf("%s %d %s->%s %s", e.Action, e.Revision, e.From, e.To, e.Reason))
		if e.At.IsZero() || e.By == "" {
			t.Errorf("event %d lacks who or when: %+v", e.Seq, e)
		}
	}
	want := []string{
		"received 1 none->submitted ", "received 2 submitted->submitted ",
		"return 2 submitted->returned Cơ cấu giới tính chưa khớp tổng số",
		"received 3 returned->submitted ", "accept 3 submitted->accepted ",
		"reopen 3 accepted->reopened Rà soát lại số đảng viên chuyển đến",
		"received 4 reopened->submitted ", "accept 4 submitted->accepted ",
	}
	if strings.Join(trail, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trail\n%s\nwant\n%s", strings.Join(trail, "\n"), strings.Join(want, "\n"))
	}

	// The node's own report states the revision it accepted.
	got, err := s.AppendOwn("106", "tong_ket_nam", period.MustParse("2021"), true, func(snap Snapshot) (Submission, []byte, error) {
		if len(snap.Accepted) != 1 || snap.Accepted[0] != (Acceptance{Unit: u, Revision: 4, Digest: "sha256:03394-4"}) {
			t.Errorf("snapshot accepted %+v", snap.Accepted)
		}
		r := rec("106", snap.Revision)
		return r, []byte("own"), nil
	})
	if err != nil || got.Revision != 1 {
		t.Fatalf("own: %+v %v", got, err)
	}
	// A report that is not a child's (a grandchild's, relayed) has no review.
	if _, err := s.PutSubmissions([]Incoming{in(rec("03390", 1))}, true); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.Reviews("", "", func(c string) bool { return c == "03390" }); len(rs) != 0 {
		t.Fatalf("a relayed report got a review: %+v", rs)
	}
}

// TestMigrationGivesReviews: a version 6 file of district 106 holding two
// revisions of one commune's report, one of another's and the district's
// own gets, on opening, a submitted review of each commune's latest
// revision, and none of its own, so the district can sign them off.
func TestMigrationGivesReviews(t *testing.T) {
	s, path := openTemp(t, Options{})
	if err := s.Initialise("106", laiChau()); err != nil {
		t.Fatal(err)
	}
	// Stored as version 6 did: no Child flag, no review.
	if _, err := s.PutSubmissions([]Incoming{in(rec("03390", 1)), in(rec("03390", 2)), in(rec("03394", 1)), in(rec("106", 1))}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range bucketsV7() {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return putVersion(tx.Bucket(bucketMeta), 6)
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs, err := s.Reviews("", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%s r%d %s", r.Unit, r.Revision, r.State))
	}
	if strings.Join(got, ", ") != "03390 r2 submitted, 03394 r1 submitted" {
		t.Fatalf("reviews after migration: %v", got)
	}
	if _, err := s.ReviewReport("03390", "tong_ket_nam", "2021", review.Accept, "sha256:03390-2", "", "token:approver"); err != nil {
		t.Fatalf("accepting a report from before the migration: %v", err)
	}
}
