package invalid

import (
	"fmt"
	"testing"
)

func TestErrCollectsAndWraps(t *testing.T) {
	var e Error
	if e.Err() != nil {
		t.Fatal("empty Error must be a nil error")
	}
	e.Add("period", "%q is not a period", "2021Q5")
	sub := Field("value", "must be zero or more, got %d", -3)
	e.Merge("values[2]", sub)
	err := fmt.Errorf("put values: %w", e.Err())

	got, ok := As(err)
	if !ok {
		t.Fatal("As did not find the *Error through wrapping")
	}
	want := []Violation{
		{"period", `"2021Q5" is not a period`},
		{"values[2].value", "must be zero or more, got -3"},
	}
	if len(got.Violations) != len(want) {
		t.Fatalf("got %d violations, want %d", len(got.Violations), len(want))
	}
	for i := range want {
		if got.Violations[i] != want[i] {
			t.Errorf("violation %d = %+v, want %+v", i, got.Violations[i], want[i])
		}
	}
	if s := got.Error(); s != `period: "2021Q5" is not a period; values[2].value: must be zero or more, got -3` {
		t.Errorf("Error() = %q", s)
	}
}
