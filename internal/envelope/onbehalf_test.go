package envelope

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestEnteredBy: a report entered on the unit's behalf names who entered
// it, last; both decoders read it back; a report without it encodes as
// before.
func TestEnteredBy(t *testing.T) {
	s := Submission{Unit: "03390", DataSet: "tong_ket_nam", Period: "2021", Revision: 1, CatalogVersion: "2021.3", CatalogDigest: "ab",
		SignedAt: time.Date(2022, 1, 10, 2, 0, 0, 0, time.UTC), Values: []Value{{Element: "dang_vien", Count: 412}}, EnteredBy: "106"}
	raw, err := EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(raw), `"sections":[],"entered_by":"106"}`) {
		t.Fatalf("encoding %s", raw)
	}
	for name, decode := range map[string]func([]byte) (Submission, error){"fast": func(b []byte) (Submission, error) {
		s, ok := decodeSubmissionFast(b)
		if !ok {
			return s, errors.New("fast path refused")
		}
		return s, nil
	}, "strict": decodeSubmissionStrict} {
		got, err := decode(raw)
		if err != nil || got.EnteredBy != "106" {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	s.EnteredBy = ""
	own, _ := EncodeSubmission(s)
	if strings.Contains(string(own), "entered_by") {
		t.Errorf("own report: %s", own)
	}
	s.EnteredBy = "03390"
	if _, err := EncodeSubmission(s); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "entered_by") {
		t.Errorf("entered by the unit itself: %v", err)
	}
	// Not canonical: entered_by before the sections.
	bad := strings.Replace(string(raw), `"sections":[],"entered_by":"106"}`, `"entered_by":"106","sections":[]}`, 1)
	if _, err := DecodeSubmission([]byte(bad)); !errors.Is(err, ErrMalformed) {
		t.Errorf("entered_by out of place: %v", err)
	}
}
