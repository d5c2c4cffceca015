package wire

import (
	"testing"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/review"
)

// TestReviewStates: each state travels as its API name and back; what is
// not in the table is UNSPECIFIED one way and no state the other.
func TestReviewStates(t *testing.T) {
	for s, p := range map[review.State]tonghopv1.ReportState{
		review.Submitted: tonghopv1.ReportState_REPORT_STATE_SUBMITTED,
		review.Accepted:  tonghopv1.ReportState_REPORT_STATE_ACCEPTED,
		review.Returned:  tonghopv1.ReportState_REPORT_STATE_RETURNED,
		review.Reopened:  tonghopv1.ReportState_REPORT_STATE_REOPENED,
	} {
		if got := StateToProto(s); got != p {
			t.Errorf("StateToProto(%s) = %s, want %s", s, got, p)
		}
		if got := StateFromProto(p); got != s {
			t.Errorf("StateFromProto(%s) = %s, want %s", p, got, s)
		}
	}
	if got := StateToProto(0); got != tonghopv1.ReportState_REPORT_STATE_UNSPECIFIED {
		t.Errorf("no state: %s", got)
	}
	if got := StateFromProto(tonghopv1.ReportState_REPORT_STATE_MISSING); got != 0 {
		t.Errorf("MISSING is no review state, got %s", got)
	}
}
