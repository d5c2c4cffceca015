package review

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2022, 1, 10, 3, 0, 0, 0, time.UTC)

func submitted(revision uint64) Review {
	r, _ := Arrive(Review{}, Revision{Unit: "03394", DataSet: "tong_ket_nam", Period: "2021", Revision: revision, Digest: digest(revision), Signer: "01/105/03394"}, now)
	return r
}

func digest(revision uint64) string { return "sha256:r" + string(rune('0'+revision)) }

func TestNextAllowsOnlyTheSignOffPath(t *testing.T) {
	accepted, _, err := Apply(submitted(1), Accept, digest(1), "", "token:approver", now)
	if err != nil {
		t.Fatal(err)
	}
	returned, _, err := Apply(submitted(1), Return, "", "Thiếu số nữ", "token:approver", now)
	if err != nil {
		t.Fatal(err)
	}
	reopened, _, err := Apply(accepted, Reopen, "", "Sai số", "token:approver", now)
	if err != nil {
		t.Fatal(err)
	}
	revised, _ := Arrive(reopened, Revision{Unit: "03394", DataSet: "tong_ket_nam", Period: "2021", Revision: 2, Digest: digest(2)}, now)
	for _, c := range []struct {
		name   string
		from   Review
		action Action
		digest string
		want   State
		err    error
	}{
		{"accept the latest", submitted(1), Accept, digest(1), Accepted, nil},
		{"accept a superseded revision", submitted(2), Accept, digest(1), 0, ErrNotLatest},
		{"return a submitted report", submitted(1), Return, "", Returned, nil},
		{"reopen what is not accepted", submitted(1), Reopen, "", 0, ErrState},
		{"accept a returned report", returned, Accept, digest(1), 0, ErrState},
		{"return twice", returned, Return, "", 0, ErrState},
		{"accept twice", accepted, Accept, digest(1), 0, ErrState},
		{"return an accepted report", accepted, Return, "", 0, ErrState},
		{"reopen an accepted report", accepted, Reopen, "", Reopened, nil},
		{"reopen twice", reopened, Reopen, "", 0, ErrState},
		{"accept the reopened revision unchanged", reopened, Accept, digest(1), 0, ErrState},
		{"return a reopened report", reopened, Return, "", Returned, nil},
		{"accept a revision after reopening", revised, Accept, digest(2), Accepted, nil},
		{"an unknown action", submitted(1), Action(9), digest(1), 0, ErrState},
	} {
		got, err := Next(c.from, c.action, c.digest)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("%s: got %s, %v; want %s, %v", c.name, got, err, c.want, c.err)
		}
	}
}

func TestApplyKeepsTheAcceptedRevisionThroughAReopening(t *testing.T) {
	later := now.Add(time.Hour)
	r, e, err := Apply(submitted(1), Accept, digest(1), "", "token:approver", later)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != Accepted || r.AcceptedRevision != 1 || r.AcceptedDigest != digest(1) || r.Comment != "" || !r.UpdatedAt.Equal(later) || r.UpdatedBy != "token:approver" {
		t.Errorf("accepted: %+v", r)
	}
	if e.Action != "accept" || e.From != Submitted || e.To != Accepted || e.Revision != 1 || e.Digest != digest(1) || e.By != "token:approver" {
		t.Errorf("accept event: %+v", e)
	}
	r, e, err = Apply(r, Reopen, "", "Sai số đảng viên", "token:approver", later)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != Reopened || r.AcceptedRevision != 1 || r.AcceptedDigest != digest(1) || r.Comment != "Sai số đảng viên" {
		t.Errorf("reopened: %+v", r)
	}
	if e.Action != "reopen" || e.Reason != "Sai số đảng viên" || e.From != Accepted || e.To != Reopened {
		t.Errorf("reopen event: %+v", e)
	}
	if _, _, err := Apply(r, Reopen, "", "again", "x", later); !errors.Is(err, ErrState) {
		t.Errorf("reopen twice: %v", err)
	}
}

func TestArriveSubmitsAgainAndLockedRefusesAfterAcceptance(t *testing.T) {
	first := Revision{Unit: "03394", DataSet: "tong_ket_nam", Period: "2021", Revision: 3, Digest: digest(3), Signer: "01/105/03394"}
	r, e := Arrive(Review{}, first, now)
	if r.State != Submitted || r.Revision != 3 || r.Digest != digest(3) || r.UpdatedBy != "01/105/03394" || e.Action != "received" || e.From != 0 || e.To != Submitted {
		t.Fatalf("first arrival: %+v %+v", r, e)
	}
	if err := Locked(r, Revision{Revision: 4}); err != nil {
		t.Errorf("a submitted report is not locked: %v", err)
	}
	r, _, _ = Apply(r, Accept, digest(3), "", "token:approver", now)
	err := Locked(r, Revision{Revision: 4})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "accepted at revision 3; revision 4") {
		t.Errorf("revision 4 of an accepted report: %v", err)
	}
	// An older revision is not this rule's to refuse: the store calls it stale.
	if err := Locked(r, Revision{Revision: 3}); err != nil {
		t.Errorf("revision 3 again: %v", err)
	}
	returned, _, _ := Apply(submitted(1), Return, "", "Thiếu", "x", now)
	r, e = Arrive(returned, Revision{Unit: "03394", DataSet: "tong_ket_nam", Period: "2021", Revision: 2, Digest: digest(2)}, now)
	if r.State != Submitted || r.Comment != "Thiếu" || e.From != Returned || e.To != Submitted {
		t.Errorf("a returned report revised: %+v %+v", r, e)
	}
}
