package submission

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/trust"
)

// notice signs, as issuer, the revocation of revoked's certificate for unit.
func notice(t *testing.T, issuer, revoked trust.Identity, unit, issuerFP string) []byte {
	t.Helper()
	payload, err := envelope.EncodeRevocation(envelope.Revocation{
		Serial: trust.SerialHex(revoked.Leaf()), Unit: unit, IssuerFingerprint: issuerFP,
		Certificate: revoked.Leaf().Raw, Reason: "Khoá bị lộ", RevokedAt: time.Now().UTC(),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := envelope.Seal(envelope.RevocationType, payload, issuer.Key, issuer.Chain)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestRevocationFromAbove: a commune takes from its district the
// province's revocation of the district's certificate, and refuses a
// notice its issuer may not sign or whose issuer it misnames; one of a
// unit off its path says nothing of it.
func TestRevocationFromAbove(t *testing.T) {
	p := newPKI(t)
	self := []string{"12", "106", "03390"}
	rootFP, districtFP := trust.Fingerprint(p.root.Leaf()), trust.Fingerprint(p.district.Leaf())

	rec, fp, err := p.verifier.CheckRevocationFromAbove(notice(t, p.root, p.district, "106", rootFP), self)
	if err != nil || rec.Unit != "106" || fp != districtFP || rec.Reason != "Khoá bị lộ" || rec.Notice == "" {
		t.Fatalf("the province revoking the district: %+v %s %v", rec, fp, err)
	}
	for _, c := range []struct {
		what string
		raw  []byte
		want string
	}{
		{"the district revoking its own certificate", notice(t, p.district, p.district, "106", districtFP), "12/106 may not revoke certificates of unit 106"},
		{"a misnamed issuer", notice(t, p.root, p.district, "106", districtFP), "names issuer"},
		{"a unit that is not the certificate's", notice(t, p.district, p.commune, "03394", districtFP), "not of unit 03394"},
	} {
		_, _, err := p.verifier.CheckRevocationFromAbove(c.raw, self)
		if !errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrNotAllowed saying %q", c.what, err, c.want)
		}
	}
	_, _, err = p.verifier.CheckRevocationFromAbove(notice(t, p.district, p.other, "03394", districtFP), self)
	if !errors.Is(err, errNotOnPath) {
		t.Errorf("a sibling's revocation: %v, want errNotOnPath", err)
	}
}
