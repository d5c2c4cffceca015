package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/trust"
)

// Records carry a leading format byte so that a later schema can change a
// record's shape and still read the old one during migration.
const recordV1 = 1

// joinKey builds a composite key from parts separated by 0x00, which no code
// (unit, element, option, period, section) may contain.
func joinKey(parts ...string) []byte {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.Bytes()
}

// splitKey is the inverse of joinKey for n parts.
func splitKey(k []byte, n int) ([]string, error) {
	parts := bytes.SplitN(k, []byte{0}, n)
	if len(parts) != n {
		return nil, fmt.Errorf("%w: key %q has %d parts, want %d", ErrCorrupt, k, len(parts), n)
	}
	out := make([]string, n)
	for i, p := range parts {
		out[i] = string(p)
	}
	return out, nil
}

// encodeValue encodes a count and its update time.
func encodeValue(count int64, updated time.Time) []byte {
	buf := make([]byte, 1, 1+2*binary.MaxVarintLen64)
	buf[0] = recordV1
	buf = binary.AppendVarint(buf, count)
	buf = binary.AppendVarint(buf, updated.UnixNano())
	return buf
}

func decodeValue(raw []byte) (count int64, updated time.Time, err error) {
	if len(raw) == 0 || raw[0] != recordV1 {
		return 0, time.Time{}, fmt.Errorf("%w: value record format", ErrCorrupt)
	}
	rest := raw[1:]
	count, n := binary.Varint(rest)
	if n <= 0 {
		return 0, time.Time{}, fmt.Errorf("%w: value count", ErrCorrupt)
	}
	rest = rest[n:]
	nanos, n := binary.Varint(rest)
	if n <= 0 || n != len(rest) {
		return 0, time.Time{}, fmt.Errorf("%w: value time", ErrCorrupt)
	}
	return count, time.Unix(0, nanos).UTC(), nil
}

// encodeText encodes a narrative text and its update time.
func encodeText(text string, updated time.Time) []byte {
	buf := make([]byte, 1, 1+binary.MaxVarintLen64+len(text))
	buf[0] = recordV1
	buf = binary.AppendVarint(buf, updated.UnixNano())
	return append(buf, text...)
}

func decodeText(raw []byte) (string, time.Time, error) {
	if len(raw) == 0 || raw[0] != recordV1 {
		return "", time.Time{}, fmt.Errorf("%w: text record format", ErrCorrupt)
	}
	nanos, n := binary.Varint(raw[1:])
	if n <= 0 {
		return "", time.Time{}, fmt.Errorf("%w: text time", ErrCorrupt)
	}
	return string(raw[1+n:]), time.Unix(0, nanos).UTC(), nil
}

// Submission records on disk. Their JSON names are the file format,
// written out here so that renaming a field of Submission, Violation,
// Override or Acceptance cannot change what the file holds: the names are
// those encoding/json gave the untagged fields of schema version 7 and
// before.

// submissionRecord is a Submission as stored in bucketSubmissions.
type submissionRecord struct {
	Digest            string             `json:"Digest"`
	Unit              string             `json:"Unit"`
	DataSet           string             `json:"DataSet"`
	Period            string             `json:"Period"`
	Revision          uint64             `json:"Revision"`
	CatalogVersion    string             `json:"CatalogVersion"`
	SignedAt          time.Time          `json:"SignedAt"`
	ReceivedAt        time.Time          `json:"ReceivedAt"`
	Signer            string             `json:"Signer"`
	SignerFingerprint string             `json:"SignerFingerprint"`
	ValueCount        int                `json:"ValueCount"`
	SectionCount      int                `json:"SectionCount"`
	Forward           int                `json:"Forward"`
	ForwardCode       int32              `json:"ForwardCode"`
	ForwardError      string             `json:"ForwardError"`
	Receipt           []byte             `json:"Receipt"`
	Violations        []violationRecord  `json:"Violations,omitempty"`
	Overrides         []overrideRecord   `json:"Overrides,omitempty"`
	Accepted          []acceptanceRecord `json:"Accepted,omitempty"`
	// EnteredBy was added after schema 7; left out when empty, so records
	// of reports a unit signed itself are as before.
	EnteredBy string `json:"EnteredBy,omitempty"`
	// FirstReceipt and FirstReceivedAt were added after schema 8, left out
	// when empty: a record without them is judged by ReceivedAt.
	FirstReceipt    []byte     `json:"FirstReceipt,omitempty"`
	FirstReceivedAt *time.Time `json:"FirstReceivedAt,omitempty"`
}

type violationRecord struct {
	Rule       string `json:"Rule"`
	Importance string `json:"Importance"`
	Op         string `json:"Op"`
	Message    string `json:"Message"`
	MessageEN  string `json:"MessageEN"`
	Left       string `json:"Left"`
	Right      string `json:"Right"`
}

type overrideRecord struct {
	Rule   string `json:"Rule"`
	Reason string `json:"Reason"`
}

type acceptanceRecord struct {
	Unit     string `json:"Unit"`
	Revision uint64 `json:"Revision"`
	Digest   string `json:"Digest"`
}

// encodeSubmission writes the record of s.
func encodeSubmission(s Submission) ([]byte, error) {
	r := submissionRecord{
		Digest: s.Digest, Unit: s.Unit, DataSet: s.DataSet, Period: s.Period, Revision: s.Revision,
		CatalogVersion: s.CatalogVersion, SignedAt: s.SignedAt, ReceivedAt: s.ReceivedAt,
		Signer: s.Signer, SignerFingerprint: s.SignerFingerprint, ValueCount: s.ValueCount, SectionCount: s.SectionCount,
		Forward: int(s.Forward), ForwardCode: s.ForwardCode, ForwardError: s.ForwardError, Receipt: s.Receipt,
		EnteredBy: s.EnteredBy, FirstReceipt: s.FirstReceipt,
	}
	if !s.FirstReceivedAt.IsZero() {
		r.FirstReceivedAt = &s.FirstReceivedAt
	}
	for _, v := range s.Violations {
		r.Violations = append(r.Violations, violationRecord(v))
	}
	for _, o := range s.Overrides {
		r.Overrides = append(r.Overrides, overrideRecord(o))
	}
	for _, a := range s.Accepted {
		r.Accepted = append(r.Accepted, acceptanceRecord(a))
	}
	return json.Marshal(r)
}

// decodeSubmission reads a record written by encodeSubmission into s.
func decodeSubmission(raw []byte, s *Submission) error {
	var r submissionRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	*s = Submission{
		Digest: r.Digest, Unit: r.Unit, DataSet: r.DataSet, Period: r.Period, Revision: r.Revision,
		CatalogVersion: r.CatalogVersion, SignedAt: r.SignedAt, ReceivedAt: r.ReceivedAt,
		Signer: r.Signer, SignerFingerprint: r.SignerFingerprint, ValueCount: r.ValueCount, SectionCount: r.SectionCount,
		Forward: ForwardState(r.Forward), ForwardCode: r.ForwardCode, ForwardError: r.ForwardError, Receipt: r.Receipt,
		EnteredBy: r.EnteredBy, FirstReceipt: r.FirstReceipt,
	}
	if r.FirstReceivedAt != nil {
		s.FirstReceivedAt = *r.FirstReceivedAt
	}
	for _, v := range r.Violations {
		s.Violations = append(s.Violations, Violation(v))
	}
	for _, o := range r.Overrides {
		s.Overrides = append(s.Overrides, Override(o))
	}
	for _, a := range r.Accepted {
		s.Accepted = append(s.Accepted, Acceptance(a))
	}
	return nil
}

// CatalogVersion is the record of a catalogue version a unit published for
// its subtree. Its JSON names are the file format.
type CatalogVersion struct {
	// Digest identifies the catalogue the version makes (its key).
	Digest  string `json:"digest"`
	Version string `json:"version"`
	// Unit is the publishing unit.
	Unit string `json:"unit"`
	// Extends is the digest of the catalogue it extends.
	Extends string `json:"extends"`
	// Source is the YAML it was published from, listing what it adds.
	Source      []byte    `json:"source"`
	PublishedAt time.Time `json:"published_at"`
	ReceivedAt  time.Time `json:"received_at"`
	// Envelope is the content address of the signed publication.
	Envelope string `json:"envelope"`
}

// reviewRecord is a review.Review as the reviews and parent_reviews buckets
// keep it, in JSON.
type reviewRecord struct {
	Unit             string    `json:"unit"`
	DataSet          string    `json:"data_set"`
	Period           string    `json:"period"`
	State            int       `json:"state"`
	Revision         uint64    `json:"revision"`
	Digest           string    `json:"digest"`
	AcceptedRevision uint64    `json:"accepted_revision,omitempty"`
	AcceptedDigest   string    `json:"accepted_digest,omitempty"`
	Comment          string    `json:"comment,omitempty"`
	UpdatedAt        time.Time `json:"updated_at"`
	UpdatedBy        string    `json:"updated_by,omitempty"`
}

func reviewRecordOf(r review.Review) reviewRecord {
	return reviewRecord{
		Unit: r.Unit, DataSet: r.DataSet, Period: r.Period, State: int(r.State), Revision: r.Revision, Digest: r.Digest,
		AcceptedRevision: r.AcceptedRevision, AcceptedDigest: r.AcceptedDigest, Comment: r.Comment,
		UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy,
	}
}

func decodeReview(raw []byte) (review.Review, error) {
	var r reviewRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return review.Review{}, err
	}
	return review.Review{
		Unit: r.Unit, DataSet: r.DataSet, Period: r.Period, State: review.State(r.State), Revision: r.Revision, Digest: r.Digest,
		AcceptedRevision: r.AcceptedRevision, AcceptedDigest: r.AcceptedDigest, Comment: r.Comment,
		UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy,
	}, nil
}

// reviewEventRecord is a review.Event as the review_events bucket keeps
// it, in JSON.
type reviewEventRecord struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	By       string    `json:"by,omitempty"`
	Unit     string    `json:"unit"`
	DataSet  string    `json:"data_set"`
	Period   string    `json:"period"`
	Action   string    `json:"action"`
	Revision uint64    `json:"revision"`
	Digest   string    `json:"digest,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	From     int       `json:"from,omitempty"`
	To       int       `json:"to"`
}

func reviewEventRecordOf(e review.Event) reviewEventRecord {
	return reviewEventRecord{
		Seq: e.Seq, At: e.At, By: e.By, Unit: e.Unit, DataSet: e.DataSet, Period: e.Period, Action: e.Action,
		Revision: e.Revision, Digest: e.Digest, Reason: e.Reason, From: int(e.From), To: int(e.To),
	}
}

func decodeReviewEvent(raw []byte) (review.Event, error) {
	var e reviewEventRecord
	if err := json.Unmarshal(raw, &e); err != nil {
		return review.Event{}, err
	}
	return review.Event{
		Seq: e.Seq, At: e.At, By: e.By, Unit: e.Unit, DataSet: e.DataSet, Period: e.Period, Action: e.Action,
		Revision: e.Revision, Digest: e.Digest, Reason: e.Reason, From: review.State(e.From), To: review.State(e.To),
	}, nil
}

// knownKeyRecord is a trust.KnownKey as the keys bucket keeps it: a unit's
// keys are one JSON array, oldest first.
type knownKeyRecord struct {
	Fingerprint string    `json:"fingerprint"`
	Since       time.Time `json:"since"`
	EndorsedBy  string    `json:"endorsed_by,omitempty"`
}

func encodeKnownKeys(ks []trust.KnownKey) ([]byte, error) {
	recs := make([]knownKeyRecord, len(ks))
	for i, k := range ks {
		recs[i] = knownKeyRecord(k)
	}
	return json.Marshal(recs)
}

func decodeKnownKeys(raw []byte) ([]trust.KnownKey, error) {
	var recs []knownKeyRecord
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, err
	}
	ks := make([]trust.KnownKey, len(recs))
	for i, r := range recs {
		ks[i] = trust.KnownKey(r)
	}
	return ks, nil
}
