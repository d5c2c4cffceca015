package trust

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestKeyContinuity(t *testing.T) {
	day1 := time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 1)
	const first, second, stranger = "aaaaaaaaaaaaaaaa01", "bbbbbbbbbbbbbbbb02", "cccccccccccccccc03"

	ks, learnt, err := AdmitSigner(nil, "03394", first, day1)
	if err != nil || !learnt || len(ks) != 1 || ks[0] != (KnownKey{Fingerprint: first, Since: day1}) {
		t.Fatalf("the first key seen: %+v %v %v", ks, learnt, err)
	}
	if again, learnt, err := AdmitSigner(ks, "03394", first, day2); err != nil || learnt || len(again) != 1 {
		t.Errorf("a known key: %+v %v %v", again, learnt, err)
	}
	_, _, err = AdmitSigner(ks, "03394", stranger, day2)
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), "certificate cccccccccccccccc… signed for unit 03394, whose known keys are aaaaaaaaaaaaaaaa…") {
		t.Errorf("another key: %v", err)
	}

	if _, err := Endorse(ks, "03394", stranger, second, day2); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("an endorsement by an unknown key: %v", err)
	}
	ks2, err := Endorse(ks, "03394", first, second, day2)
	if err != nil || len(ks2) != 2 || ks2[1] != (KnownKey{Fingerprint: second, Since: day2, EndorsedBy: first}) {
		t.Fatalf("endorsed: %+v %v", ks2, err)
	}
	if len(ks) != 1 {
		t.Errorf("Endorse changed the keys it was given: %+v", ks)
	}
	if _, learnt, err := AdmitSigner(ks2, "03394", second, day2); err != nil || learnt {
		t.Errorf("the endorsed key signs: %v %v", learnt, err)
	}
	if again, err := Endorse(ks2, "03394", first, second, day2); err != nil || len(again) != 2 {
		t.Errorf("the same endorsement again: %+v %v", again, err)
	}
	if none, err := Endorse(nil, "03394", first, second, day1); err != nil || len(none) != 2 || none[0].Fingerprint != first || none[1].EndorsedBy != first {
		t.Errorf("an endorsement before any key is known learns both: %+v %v", none, err)
	}
}
