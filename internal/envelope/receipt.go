package envelope

import (
	"strings"
	"time"
)

// ReceiptType is the DSSE payload type of a receipt.
const ReceiptType = "application/vnd.tonghop.receipt+json; version=1"

// Receipt statuses.
const (
	// StatusAccepted means the envelope was new and is now stored.
	StatusAccepted = "accepted"
	// StatusDuplicate means the envelope was already stored; resending is
	// harmless and is acknowledged like a first delivery.
	StatusDuplicate = "duplicate"
)

// Receipt is what a parent signs back once it has stored an envelope
// durably; the child may then drop the envelope from its outbox.
//
// Its canonical encoding is
//
//	{"version":1,"envelope_digest":…,"unit":…,"data_set":…,"period":…,"revision":…,"status":…,"receiver":…,"received_at":…}
type Receipt struct {
	EnvelopeDigest string // Digest of the envelope received
	Unit           string // the submission's unit, data set, period and revision
	DataSet        string
	Period         string
	Revision       uint64
	Status         string    // StatusAccepted or StatusDuplicate
	Receiver       string    // the receiving node's unit code
	ReceivedAt     time.Time // encoded in UTC with nanoseconds
}

type wireReceipt struct {
	Version        *int64 `json:"version"`
	EnvelopeDigest string `json:"envelope_digest"`
	Unit           string `json:"unit"`
	DataSet        string `json:"data_set"`
	Period         string `json:"period"`
	Revision       uint64 `json:"revision"`
	Status         string `json:"status"`
	Receiver       string `json:"receiver"`
	ReceivedAt     string `json:"received_at"`
}

// EncodeReceipt returns the canonical JSON encoding of r. It rejects an
// envelope digest not of Digest's form, an empty unit or receiver, a report
// (data set, period, revision) given only in part, an unknown status, a
// missing time and invalid UTF-8; errors wrap ErrMalformed.
func EncodeReceipt(r Receipt) ([]byte, error) {
	const doc = "receipt"
	if err := checkDigest(doc, "envelope_digest", r.EnvelopeDigest); err != nil {
		return nil, err
	}
	if err := checkKey(doc, "unit", r.Unit); err != nil {
		return nil, err
	}
	// A receipt for a submission names the report; one for a notice (a
	// revocation) names only the unit, with no data set, period or revision.
	report := r.DataSet != "" || r.Period != "" || r.Revision != 0
	if report {
		if err := checkKey(doc, "data_set", r.DataSet); err != nil {
			return nil, err
		}
		if err := checkKey(doc, "period", r.Period); err != nil {
			return nil, err
		}
		if r.Revision == 0 {
			return nil, malformed(doc, "revision", "0, revisions start at 1")
		}
	}
	if r.Status != StatusAccepted && r.Status != StatusDuplicate {
		return nil, malformed(doc, "status", "%q, want %q or %q", r.Status, StatusAccepted, StatusDuplicate)
	}
	if err := checkKey(doc, "receiver", r.Receiver); err != nil {
		return nil, err
	}
	if err := checkTime(doc, "received_at", r.ReceivedAt); err != nil {
		return nil, err
	}
	b := beginPayload(256 + len(r.Unit) + len(r.DataSet) + len(r.Period) + len(r.Receiver))
	b = appendStringMember(b, "envelope_digest", r.EnvelopeDigest)
	b = appendStringMember(b, "unit", r.Unit)
	b = appendStringMember(b, "data_set", r.DataSet)
	b = appendStringMember(b, "period", r.Period)
	b = appendUintMember(b, "revision", r.Revision)
	b = appendStringMember(b, "status", r.Status)
	b = appendStringMember(b, "receiver", r.Receiver)
	b = appendTimeMember(b, "received_at", r.ReceivedAt)
	return append(b, '}'), nil
}

// DecodeReceipt decodes a receipt, accepting only its canonical encoding
// (see DecodeSubmission). Errors wrap ErrMalformed and name the field.
func DecodeReceipt(raw []byte) (Receipt, error) {
	const doc = "receipt"
	var w wireReceipt
	if err := decodeStrict(doc, raw, &w); err != nil {
		return Receipt{}, err
	}
	if err := checkVersion(doc, w.Version); err != nil {
		return Receipt{}, err
	}
	at, err := parseTime(doc, "received_at", w.ReceivedAt)
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{
		EnvelopeDigest: w.EnvelopeDigest,
		Unit:           w.Unit,
		DataSet:        w.DataSet,
		Period:         w.Period,
		Revision:       w.Revision,
		Status:         w.Status,
		Receiver:       w.Receiver,
		ReceivedAt:     at,
	}
	canon, err := EncodeReceipt(r)
	if err != nil {
		return Receipt{}, err
	}
	if err := checkCanonical(doc, raw, canon); err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// checkDigest checks that s has the form Digest returns.
func checkDigest(doc, field, s string) error {
	hex, ok := strings.CutPrefix(s, "sha256:")
	if !ok {
		return malformed(doc, field, "%q does not start with \"sha256:\"", s)
	}
	return checkHex(doc, field, hex, 64)
}
