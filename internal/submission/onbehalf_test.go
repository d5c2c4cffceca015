package submission

import (
	"errors"
	"testing"

	"github.com/tonghop/tonghop/internal/envelope"
)

// TestOnBehalfAuthority: a report entered on a unit's behalf verifies only
// when the unit it names as having entered it is above the unit and signed
// it; key continuity then follows the signer.
func TestOnBehalfAuthority(t *testing.T) {
	p := newPKI(t)
	district := p.tree.Path("106")
	report := func(unit, enteredBy string) envelope.Submission {
		return envelope.Submission{Unit: unit, DataSet: "tong_ket_nam", Period: "2021", Revision: 1, EnteredBy: enteredBy,
			Values: []envelope.Value{{Element: "dang_vien", Count: 90}}}
	}
	c, err := p.verifier.Check(p.signSubmission(t, p.district, report("03390", "106")), district)
	if err != nil || c.KeyOwner != "106" || c.Record().EnteredBy != "106" || c.Record().Signer != "12/106" {
		t.Fatalf("the district for its commune: %+v %v", c.Record(), err)
	}
	for _, tt := range []struct {
		name   string
		signer string
		s      envelope.Submission
	}{
		{"the district signing as the province", "106", report("03390", "12")},
		{"a commune for its sibling", "03390", report("03394", "03390")},
		{"a commune naming the district", "03390", report("03394", "106")},
		{"the district without saying so", "106", report("03390", "")},
		{"a unit outside the hierarchy", "106", report("03390", "999")},
	} {
		id := p.district
		if tt.signer == "03390" {
			id = p.commune
		}
		if _, err := p.verifier.Check(p.signSubmission(t, id, tt.s), district); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: %v, want ErrNotAllowed", tt.name, err)
		}
	}
	s := report("03390", "106")
	s.Accepted = []envelope.Acceptance{{Unit: "03390", Revision: 1, Digest: "sha256:00"}}
	if _, err := p.verifier.Check(p.signSubmission(t, p.district, s), district); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("stating acceptances on a unit's behalf: %v", err)
	}
}
