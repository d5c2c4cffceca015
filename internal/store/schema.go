package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout of buckets and records this code reads and
// writes. Opening a file of an older version migrates it; a newer one is
// refused, so an old binary never misreads data written by a new one.
const SchemaVersion = 9

// Every bucket of the file is declared here and nowhere else.
var (
	// bucketMeta holds single keys about the file and the node: see keyXxx.
	bucketMeta = []byte("meta")
	// bucketUnits maps a unit code \x00 its first day of validity
	// (YYYY-MM-DD, empty for undated) to its encoded record (units.go);
	// before version 8 the key was the code alone.
	bucketUnits = []byte("units")
	// bucketValues maps period \x00 element \x00 option to an encoded value
	// of the node's own unit (values.go). The data set is not part of the
	// key on purpose: a figure belongs to its element and period, so two
	// data sets collecting the same element share one value, as in DHIS2.
	bucketValues = []byte("values")
	// bucketSections maps data set \x00 period \x00 section to an encoded
	// narrative text of the node's own unit (sections.go).
	bucketSections = []byte("sections")

	// Version 2: signed submissions and the trust hierarchy.

	// bucketEnvelopes maps a content address ("sha256:…") to the envelope's
	// exact bytes: every revision ever accepted, own or from below.
	bucketEnvelopes = []byte("envelopes")
	// bucketSubmissions maps unit \x00 data set \x00 period \x00 revision
	// (8 bytes, big-endian) to a submission record (submissions.go), so a
	// report's revisions sort in order and the last is the latest.
	bucketSubmissions = []byte("submissions")
	// bucketDigests maps a content address to its key in bucketSubmissions.
	bucketDigests = []byte("digests")
	// bucketOutbox maps a sequence number (8 bytes, big-endian) to an outbox
	// record: what waits for the parent's receipt, in delivery order.
	bucketOutbox = []byte("outbox")
	// bucketIssued maps a certificate serial (hex) to a certificate this
	// node issued to a child (trust.go).
	bucketIssued = []byte("issued")
	// bucketRevoked maps a certificate's fingerprint (hex SHA-256 of its
	// DER) to its revocation, from this node or relayed from below.
	bucketRevoked = []byte("revoked")
	// bucketTokens maps the SHA-256 (hex) of an enrolment token's secret to
	// the token's record; the secret itself is never stored.
	bucketTokens = []byte("tokens")

	// Version 3: key continuity.

	// bucketKeys maps a unit code to the fingerprints of the certificates
	// known to be that unit's own (keys.go).
	bucketKeys = []byte("keys")
)

// Version 4: roll-ups, derived data that Rebuild can always recompute.
var (
	// bucketCurrent maps unit \x00 data set \x00 period to the values of
	// the latest revision stored of that report from below (rollup.go).
	bucketCurrent = []byte("current")
	// bucketAggregates maps unit \x00 period to the cells of the unit's
	// subtree for that period: every element and option summed over the
	// unit's own values and its descendants' latest reports, with the
	// number of units that reported each.
	bucketAggregates = []byte("aggregates")
)

// bucketsV3 are the buckets version 3 added.
func bucketsV3() [][]byte { return [][]byte{bucketKeys} }

// bucketsV4 are the buckets version 4 added.
func bucketsV4() [][]byte { return [][]byte{bucketCurrent, bucketAggregates} }

// Version 5: targets.

// bucketTargets maps a target's id to its record (targets.go).
var bucketTargets = []byte("targets")

// bucketsV5 are the buckets version 5 added.
func bucketsV5() [][]byte { return [][]byte{bucketTargets} }

// Version 6: administrators' tokens. (The audit log is not here: it is an
// append-only file of its own, so that a refused request, which is
// audited, still leaves this file unchanged.)

// bucketAPITokens maps a token's id to its record: role, scope and the
// SHA-256 of its secret, never the secret (access.go).
var bucketAPITokens = []byte("api_tokens")

// bucketsV6 are the buckets version 6 added.
func bucketsV6() [][]byte { return [][]byte{bucketAPITokens} }

// Version 7: reporting rounds and sign-off.
var (
	// bucketRounds maps a round's id to its record, own or inherited
	// (rounds.go).
	bucketRounds = []byte("rounds")
	// bucketReviews maps unit \x00 data set \x00 period to the sign-off
	// state of a child's report at this node, its parent (reviews.go).
	bucketReviews = []byte("reviews")
	// bucketReviewEvents maps a sequence number (8 bytes, big-endian) to
	// one change of a review: the sign-off audit trail.
	bucketReviewEvents = []byte("review_events")
	// bucketParentReviews maps unit \x00 data set \x00 period to what the
	// parent said of this node's own report, as last fetched.
	bucketParentReviews = []byte("parent_reviews")
)

// bucketsV7 are the buckets version 7 added.
func bucketsV7() [][]byte {
	return [][]byte{bucketRounds, bucketReviews, bucketReviewEvents, bucketParentReviews}
}

// Version 8: the map's history (boundaries.go).
var (
	// bucketChanges maps date \x00 new code \x00 old code to one row of a
	// reorganisation.
	bucketChanges = []byte("changes")
	// bucketSplitWeights maps old code \x00 date to the weights declared
	// for a split unit's parts.
	bucketSplitWeights = []byte("split_weights")
)

// bucketsV8 are the buckets version 8 added.
func bucketsV8() [][]byte { return [][]byte{bucketChanges, bucketSplitWeights} }

// Version 9: catalogue versions published in the hierarchy (catalogs.go).

// bucketCatalogs maps a catalogue's digest to the record of a version a
// unit published, by this node, above it or below it; the signed
// publication is in bucketEnvelopes.
var bucketCatalogs = []byte("catalogs")

// bucketsV9 are the buckets version 9 added.
func bucketsV9() [][]byte { return [][]byte{bucketCatalogs} }

// bucketsV2 are the buckets version 2 added.
func bucketsV2() [][]byte {
	return [][]byte{bucketEnvelopes, bucketSubmissions, bucketDigests, bucketOutbox, bucketIssued, bucketRevoked, bucketTokens}
}

// allBuckets lists every bucket a current file has.
func allBuckets() [][]byte {
	all := append([][]byte{bucketMeta, bucketUnits, bucketValues, bucketSections}, bucketsV2()...)
	all = append(all, bucketsV3()...)
	all = append(all, bucketsV4()...)
	all = append(all, bucketsV5()...)
	all = append(all, bucketsV6()...)
	all = append(all, bucketsV7()...)
	all = append(all, bucketsV8()...)
	return append(all, bucketsV9()...)
}

// Keys of bucketMeta.
var (
	keySchemaVersion = []byte("schema_version")
	keyUnitCode      = []byte("unit_code")
	keyCreatedAt     = []byte("created_at")
	// keyRebuild, when present, says the roll-ups must be rebuilt.
	keyRebuild = []byte("rebuild_rollups")
	// keyRetired, when present, holds the node's retirement (retire.go):
	// its unit ended and the store is read-only.
	keyRetired = []byte("retired")
)

// A migration rewrites a file of schema version To-1 into version To, inside
// the one transaction that also records the new version.
type migration struct {
	To    int
	Apply func(tx *bolt.Tx) error
}

// migrations lists every migration in order.
func migrations() []migration {
	return []migration{
		{To: 2, Apply: createBuckets(bucketsV2())},
		// Keys already in use are learnt again from the next report each
		// unit sends, as on first contact.
		{To: 3, Apply: createBuckets(bucketsV3())},
		// Roll-ups of a file from before are computed by Rebuild, which the
		// node runs when keyRebuild is set.
		{To: 4, Apply: func(tx *bolt.Tx) error {
			if err := createBuckets(bucketsV4())(tx); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keyRebuild, []byte{1})
		}},
		{To: 5, Apply: createBuckets(bucketsV5())},
		{To: 6, Apply: createBuckets(bucketsV6())},
		// Reports received before sign-off existed are given a review, so
		// that their parent can sign them off.
		{To: 7, Apply: func(tx *bolt.Tx) error {
			if err := createBuckets(bucketsV7())(tx); err != nil {
				return err
			}
			return reviewsFromReports(tx)
		}},
		// Units are keyed by code and first day of validity.
		{To: 8, Apply: func(tx *bolt.Tx) error {
			if err := createBuckets(bucketsV8())(tx); err != nil {
				return err
			}
			return rekeyUnits(tx)
		}},
		// No version was published before: the built-in catalogue was the
		// only one.
		{To: 9, Apply: createBuckets(bucketsV9())},
	}
}

func createBuckets(names [][]byte) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, b := range names {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}
}

var (
	// ErrSchemaTooNew means the file was written by a newer tonghop.
	ErrSchemaTooNew = errors.New("store: schema version is newer than this program")
	// ErrCorrupt means a record could not be decoded.
	ErrCorrupt = errors.New("store: corrupt record")
)

// prepare brings a file to SchemaVersion: it creates the buckets of a new
// file, runs the pending migrations of an old one, and refuses a newer one.
func prepare(tx *bolt.Tx, migs []migration) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	current := SchemaVersion
	if len(migs) > 0 && migs[len(migs)-1].To > current {
		current = migs[len(migs)-1].To
	}
	raw := meta.Get(keySchemaVersion)
	if raw == nil {
		for _, b := range allBuckets() {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return putVersion(meta, current)
	}
	if len(raw) != 4 {
		return fmt.Errorf("%w: schema version of %d bytes", ErrCorrupt, len(raw))
	}
	have := int(binary.BigEndian.Uint32(raw))
	if have > current {
		return fmt.Errorf("%w: file has version %d, this program reads up to %d", ErrSchemaTooNew, have, current)
	}
	for _, m := range migs {
		if m.To <= have {
			continue
		}
		if m.To != have+1 {
			return fmt.Errorf("store: no migration from schema version %d to %d", have, m.To)
		}
		if err := m.Apply(tx); err != nil {
			return fmt.Errorf("store: migrating to schema version %d: %w", m.To, err)
		}
		have = m.To
		if err := putVersion(meta, have); err != nil {
			return err
		}
	}
	if have != current {
		return fmt.Errorf("store: no migration from schema version %d to %d", have, current)
	}
	for _, b := range allBuckets() {
		if tx.Bucket(b) == nil {
			return fmt.Errorf("%w: bucket %q missing", ErrCorrupt, b)
		}
	}
	return nil
}

func putVersion(meta *bolt.Bucket, v int) error {
	var buf [4]byte
	binary.BigEndian.PutUint32(buf[:], uint32(v))
	return meta.Put(keySchemaVersion, buf[:])
}
