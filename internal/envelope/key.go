package envelope

import (
	"encoding/base64"
	"time"
)

// KeyType is the DSSE payload type of a key endorsement.
const KeyType = "application/vnd.tonghop.key+json; version=1"

// KeyEndorsement is a unit's announcement that a new certificate is its own,
// signed with the unit's previous key. Every level above remembers the keys
// it has seen for each unit and accepts a new one only so endorsed: a parent
// can issue a certificate for its child's name, but cannot make the levels
// above take it for the child's.
type KeyEndorsement struct {
	// Unit is the unit whose key changes.
	Unit string
	// Certificate is the new certificate (DER).
	Certificate []byte
	// EndorsedAt is when the unit signed the endorsement.
	EndorsedAt time.Time
}

type wireKeyEndorsement struct {
	Version     *int64 `json:"version"`
	Unit        string `json:"unit"`
	Certificate string `json:"certificate"`
	EndorsedAt  string `json:"endorsed_at"`
}

// EncodeKeyEndorsement returns the canonical JSON encoding of k. It rejects
// an empty unit or certificate and a missing time; errors wrap ErrMalformed.
func EncodeKeyEndorsement(k KeyEndorsement) ([]byte, error) {
	const doc = "key endorsement"
	if err := checkKey(doc, "unit", k.Unit); err != nil {
		return nil, err
	}
	if len(k.Certificate) == 0 {
		return nil, malformed(doc, "certificate", "empty")
	}
	if err := checkTime(doc, "endorsed_at", k.EndorsedAt); err != nil {
		return nil, err
	}
	b := beginPayload(128 + len(k.Unit) + 2*len(k.Certificate))
	b = appendStringMember(b, "unit", k.Unit)
	b = appendStringMember(b, "certificate", base64.StdEncoding.EncodeToString(k.Certificate))
	b = appendTimeMember(b, "endorsed_at", k.EndorsedAt)
	return append(b, '}'), nil
}

// DecodeKeyEndorsement decodes a key endorsement, accepting only its
// canonical encoding. Errors wrap ErrMalformed and name the field.
func DecodeKeyEndorsement(raw []byte) (KeyEndorsement, error) {
	const doc = "key endorsement"
	var w wireKeyEndorsement
	if err := decodeStrict(doc, raw, &w); err != nil {
		return KeyEndorsement{}, err
	}
	if err := checkVersion(doc, w.Version); err != nil {
		return KeyEndorsement{}, err
	}
	at, err := parseTime(doc, "endorsed_at", w.EndorsedAt)
	if err != nil {
		return KeyEndorsement{}, err
	}
	cert, err := base64.StdEncoding.Strict().DecodeString(w.Certificate)
	if err != nil {
		return KeyEndorsement{}, malformed(doc, "certificate", "not base64: %v", err)
	}
	k := KeyEndorsement{Unit: w.Unit, Certificate: cert, EndorsedAt: at}
	canon, err := EncodeKeyEndorsement(k)
	if err != nil {
		return KeyEndorsement{}, err
	}
	if err := checkCanonical(doc, raw, canon); err != nil {
		return KeyEndorsement{}, err
	}
	return k, nil
}
