package uplink

import (
	"testing"
	"time"
)

// TestBackoff: the delay doubles from the minimum, never exceeds the cap by
// more than its jitter, and spreads so that children do not return in step.
func TestBackoff(t *testing.T) {
	f := &Forwarder{MinBackoff: 200 * time.Millisecond, MaxBackoff: 10 * time.Second}
	d := time.Duration(0)
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		next := f.next(d)
		base := min(max(2*d, f.MinBackoff), f.MaxBackoff)
		if next < base*3/4 || next > base*5/4 {
			t.Fatalf("step %d: %v after %v, want within ±25%% of %v", i, next, d, base)
		}
		seen[next] = true
		d = next
	}
	if d > f.MaxBackoff*5/4 {
		t.Fatalf("backoff grew to %v past the cap %v", d, f.MaxBackoff)
	}
	if len(seen) < 10 {
		t.Fatalf("only %d distinct delays in 50 steps: no jitter", len(seen))
	}
}
