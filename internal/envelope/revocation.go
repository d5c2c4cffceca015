package envelope

import (
	"encoding/base64"
	"time"
)

// RevocationType is the DSSE payload type of a revocation notice.
const RevocationType = "application/vnd.tonghop.revocation+json; version=1"

// maxSerialHex is the longest serial number, in hex digits: RFC 5280
// allows at most 20 octets.
const maxSerialHex = 40

// Revocation is the notice a parent sends to its own parent that it has
// revoked a child's certificate, so that the levels above stop accepting
// envelopes signed with it.
//
// Its canonical encoding is
//
//	{"version":1,"serial":…,"unit":…,"issuer_fingerprint":…,"reason":…,"revoked_at":…}
type Revocation struct {
	// Serial is the revoked certificate's serial number in lowercase hex
	// without leading zeros, as big.Int.Text(16) writes it, so that a
	// serial has one spelling.
	Serial string
	// Unit is the unit the revoked certificate spoke for.
	Unit string
	// IssuerFingerprint is the lowercase hex SHA-256 of the issuing
	// certificate's DER; serials are only unique per issuer.
	IssuerFingerprint string
	// Certificate is the revoked certificate (DER). Carrying it lets every
	// level check that the signer really issued it, instead of trusting a
	// bare serial number.
	Certificate []byte
	// Reason is free text for the audit trail; it may be empty.
	Reason string
	// RevokedAt is when the revocation took effect, encoded in UTC with
	// nanoseconds.
	RevokedAt time.Time
}

type wireRevocation struct {
	Version           *int64 `json:"version"`
	Serial            string `json:"serial"`
	Unit              string `json:"unit"`
	IssuerFingerprint string `json:"issuer_fingerprint"`
	Certificate       string `json:"certificate"`
	Reason            string `json:"reason"`
	RevokedAt         string `json:"revoked_at"`
}

// EncodeRevocation returns the canonical JSON encoding of r. It rejects a
// serial that is not positive lowercase hex without leading zeros (at most
// 20 octets), an empty unit, a fingerprint that is not 64 lowercase hex
// digits, a missing time and invalid UTF-8; errors wrap ErrMalformed.
func EncodeRevocation(r Revocation) ([]byte, error) {
	const doc = "revocation"
	if err := checkSerial(doc, "serial", r.Serial); err != nil {
		return nil, err
	}
	if err := checkKey(doc, "unit", r.Unit); err != nil {
		return nil, err
	}
	if err := checkHex(doc, "issuer_fingerprint", r.IssuerFingerprint, 64); err != nil {
		return nil, err
	}
	if len(r.Certificate) == 0 {
		return nil, malformed(doc, "certificate", "empty")
	}
	if err := checkText(doc, "reason", r.Reason); err != nil {
		return nil, err
	}
	if err := checkTime(doc, "revoked_at", r.RevokedAt); err != nil {
		return nil, err
	}
	b := beginPayload(256 + len(r.Unit) + len(r.Reason) + 2*len(r.Certificate))
	b = appendStringMember(b, "serial", r.Serial)
	b = appendStringMember(b, "unit", r.Unit)
	b = appendStringMember(b, "issuer_fingerprint", r.IssuerFingerprint)
	b = appendStringMember(b, "certificate", base64.StdEncoding.EncodeToString(r.Certificate))
	b = appendStringMember(b, "reason", r.Reason)
	b = appendTimeMember(b, "revoked_at", r.RevokedAt)
	return append(b, '}'), nil
}

// DecodeRevocation decodes a revocation notice, accepting only its
// canonical encoding (see DecodeSubmission). Errors wrap ErrMalformed and
// name the field.
func DecodeRevocation(raw []byte) (Revocation, error) {
	const doc = "revocation"
	var w wireRevocation
	if err := decodeStrict(doc, raw, &w); err != nil {
		return Revocation{}, err
	}
	if err := checkVersion(doc, w.Version); err != nil {
		return Revocation{}, err
	}
	at, err := parseTime(doc, "revoked_at", w.RevokedAt)
	if err != nil {
		return Revocation{}, err
	}
	cert, err := base64.StdEncoding.Strict().DecodeString(w.Certificate)
	if err != nil {
		return Revocation{}, malformed(doc, "certificate", "not base64: %v", err)
	}
	r := Revocation{
		Serial:            w.Serial,
		Unit:              w.Unit,
		IssuerFingerprint: w.IssuerFingerprint,
		Certificate:       cert,
		Reason:            w.Reason,
		RevokedAt:         at,
	}
	canon, err := EncodeRevocation(r)
	if err != nil {
		return Revocation{}, err
	}
	if err := checkCanonical(doc, raw, canon); err != nil {
		return Revocation{}, err
	}
	return r, nil
}

// checkSerial checks that s is a positive serial number in canonical hex.
func checkSerial(doc, field, s string) error {
	switch {
	case s == "":
		return malformed(doc, field, "empty")
	case len(s) > maxSerialHex:
		return malformed(doc, field, "%d hex digits, at most %d", len(s), maxSerialHex)
	case s[0] == '0':
		return malformed(doc, field, "%q has a leading zero or is zero", s)
	}
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return malformed(doc, field, "%q is not lowercase hex", s)
		}
	}
	return nil
}
