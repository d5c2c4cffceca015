package store

import (
	"errors"
	"math"
	"testing"
)

// TestRevisionJumpRefused: a revision far past the stored one is refused,
// so that the unit's own next revision is not stale for ever; the step a
// unit really takes is stored.
func TestRevisionJumpRefused(t *testing.T) {
	s, _ := openTemp(t, Options{})
	if _, err := s.PutSubmissions([]Incoming{in(rec("03390", 1))}, true); err != nil {
		t.Fatal(err)
	}
	res, err := s.PutSubmissions([]Incoming{in(rec("03390", math.MaxUint64)), in(rec("03394", MaxRevisionStep+1))}, true)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Outcome != Refused || !errors.Is(r.Err, ErrRevisionJump) {
			t.Errorf("result %d: %v %v, want Refused with ErrRevisionJump", i, r.Outcome, r.Err)
		}
	}
	res, err = s.PutSubmissions([]Incoming{in(rec("03390", 2)), in(rec("03394", MaxRevisionStep))}, true)
	if err != nil || outcomes(res) != "11" {
		t.Fatalf("the next revisions: %v %v", res, err)
	}
}
