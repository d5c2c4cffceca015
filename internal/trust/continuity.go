package trust

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrUnknownKey means a report or endorsement signed by a certificate that
// is not known to be the unit's own, for a unit whose keys are known.
var ErrUnknownKey = errors.New("trust: not a known key of the unit")

// KnownKey is a certificate known to be a unit's own.
type KnownKey struct {
	Fingerprint string
	Since       time.Time
	// EndorsedBy is the fingerprint of the key that endorsed this one;
	// empty for the first key seen.
	EndorsedBy string
}

// Key continuity: a chain to the root says a certificate may speak for a
// unit, but a parent that issued a second certificate for the unit could
// then sign in its name. So each node learns the first key it sees sign for
// a unit, and afterwards takes only that key or one it endorsed.

// AdmitSigner applies key continuity to a report signed by fp for unit,
// whose known keys are ks (oldest first): the first key seen for a unit is
// learnt, after that only known keys sign. It returns the keys to keep, and
// whether they changed; an unknown key is an error wrapping ErrUnknownKey.
func AdmitSigner(ks []KnownKey, unit, fp string, now time.Time) ([]KnownKey, bool, error) {
	switch {
	case len(ks) == 0:
		return []KnownKey{{Fingerprint: fp, Since: now}}, true, nil
	case isKnown(ks, fp):
		return ks, false, nil
	}
	return nil, false, fmt.Errorf("%w: certificate %.16s… signed for unit %s, whose known keys are %s; a new key counts only when the unit's previous key endorses it",
		ErrUnknownKey, fp, unit, describeKeys(ks))
}

// Endorse is unit's keys ks after its key oldFP endorsed the key newFP: the
// endorsing key must be known (or no key of the unit is known yet, and both
// are learnt). Endorsing a key already known changes nothing. An unknown
// endorsing key is an error wrapping ErrUnknownKey.
func Endorse(ks []KnownKey, unit, oldFP, newFP string, now time.Time) ([]KnownKey, error) {
	switch {
	case len(ks) == 0:
		ks = []KnownKey{{Fingerprint: oldFP, Since: now}}
	case !isKnown(ks, oldFP):
		return nil, fmt.Errorf("%w: endorsement for unit %s signed by %.16s…, whose known keys are %s", ErrUnknownKey, unit, oldFP, describeKeys(ks))
	}
	if !isKnown(ks, newFP) {
		ks = append(slices.Clip(ks), KnownKey{Fingerprint: newFP, Since: now, EndorsedBy: oldFP})
	}
	return ks, nil
}

func isKnown(ks []KnownKey, fp string) bool {
	return slices.ContainsFunc(ks, func(k KnownKey) bool { return k.Fingerprint == fp })
}

func describeKeys(ks []KnownKey) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Fingerprint[:min(16, len(k.Fingerprint))] + "…"
	}
	return strings.Join(names, ", ")
}
