// Package store owns the node's bbolt file and everything kept in it, each
// kind in its own file:
//
//   - schema.go: every bucket, the schema version and the migrations to it;
//   - units.go, boundaries.go: the units the node knows, every version of
//     each with its validity, and the changes of the map between them;
//   - values.go, sections.go: its own unit's figures and narrative;
//   - submissions.go: signed reports (own and from below), their envelopes
//     by content address, and what each stored report holds;
//   - outbox.go: what waits for the parent's receipt, in delivery order;
//   - rollup.go: the roll-ups, derived from the reports, rebuilt on demand;
//   - keys.go, trust.go: the certificates known to be each unit's own,
//     those issued to children, revocations and enrolment tokens;
//   - rounds.go, reviews.go: reporting rounds and the sign-off of each
//     child's report with its trail; targets.go: targets set here or above;
//   - access.go: the administrators' API tokens; retire.go: a retired
//     node's last word.
//
// Records on disk are explicit: binary encodings or JSON with every name
// written out, in records.go and beside each kind, so that renaming a Go
// field never changes the file. Every write is one transaction: it lands
// whole or not at all. The store knows nothing of gRPC; its errors are
// sentinels that the API edge maps to status codes.
//
// The store persists; it does not decide. The rules it applies inside its
// transactions are domain code: the review state machine is package review
// (an arriving revision, a parent's action, the lock on an accepted
// report), key continuity is trust.AdmitSigner and trust.Endorse.
package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

var (
	// ErrNotFound means the record asked for is not stored.
	ErrNotFound = errors.New("store: not found")
	// ErrLocked means another process holds the file open.
	ErrLocked = errors.New("store: file is in use by another process")
	// ErrNotInitialised means the file has no identity yet.
	ErrNotInitialised = errors.New("store: node not initialised")
)

// FileName is the name of the store file inside a node's data directory.
const FileName = "tonghop.db"

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Logger receives the store's log lines; nil means none.
	Logger *zap.Logger
	// Clock stamps records; nil means time.Now.
	Clock func() time.Time
	// LockTimeout bounds the wait for another process to release the file;
	// zero means one second.
	LockTimeout time.Duration
	// MustExist refuses to create a missing file: a node that serves must
	// find the store its init made, not start empty on a mistyped path.
	MustExist bool

	migrations []migration // tests replace the migration list
}

// Store is an open bbolt file. It is safe for concurrent use.
type Store struct {
	db  *bolt.DB
	log *zap.Logger
	now func() time.Time
}

// Open opens (creating if needed) the store file at path, bringing its schema
// to SchemaVersion.
func Open(path string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	migs := opts.migrations
	if migs == nil {
		migs = migrations()
	}
	if opts.MustExist {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotInitialised, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: opts.LockTimeout,
		// The array freelist's cost grows with the file: at a national
		// root it took a fifth of every commit. The hashmap freelist, kept
		// in memory and rebuilt on open rather than written at every
		// commit, is what etcd runs with.
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: true,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return prepare(tx, migs) }); err != nil {
		db.Close()
		return nil, err
	}
	opts.Logger.Debug("store opened", zap.String("path", path))
	return &Store{db: db, log: opts.Logger, now: opts.Clock}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the file's path.
func (s *Store) Path() string { return s.db.Path() }

// SchemaVersion returns the schema version recorded in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(keySchemaVersion)
		if len(raw) != 4 {
			return fmt.Errorf("%w: schema version", ErrCorrupt)
		}
		v = int(binary.BigEndian.Uint32(raw))
		return nil
	})
	return v, err
}

// Identity is who the node is: the unit it holds data for.
type Identity struct {
	UnitCode  string
	CreatedAt time.Time
}

// Identity returns the node's identity, or ErrNotInitialised.
func (s *Store) Identity() (Identity, error) {
	var id Identity
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		code := meta.Get(keyUnitCode)
		if code == nil {
			return ErrNotInitialised
		}
		id.UnitCode = string(code)
		if raw := meta.Get(keyCreatedAt); raw != nil {
			t, err := time.Parse(time.RFC3339Nano, string(raw))
			if err != nil {
				return fmt.Errorf("%w: created_at: %v", ErrCorrupt, err)
			}
			id.CreatedAt = t
		}
		return nil
	})
	return id, err
}

// ErrIdentityChange means the file already belongs to another unit.
var ErrIdentityChange = errors.New("store: file belongs to another unit")

// Initialise loads units (added to those stored) and records unit as the
// node's identity in one transaction: a failed init leaves nothing behind.
func (s *Store) Initialise(unit string, units []hierarchy.Unit) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := putUnits(tx, units); err != nil {
			return err
		}
		return setIdentity(tx, unit, s.now())
	})
}

// SetIdentity records the node's unit. It may be set once; setting the same
// unit again is a no-op, another unit is ErrIdentityChange. The unit must be
// among the stored units.
func (s *Store) SetIdentity(unitCode string) error {
	return s.db.Update(func(tx *bolt.Tx) error { return setIdentity(tx, unitCode, s.now()) })
}

func setIdentity(tx *bolt.Tx, unitCode string, now time.Time) error {
	meta := tx.Bucket(bucketMeta)
	if have := meta.Get(keyUnitCode); have != nil {
		if string(have) == unitCode {
			return nil
		}
		return fmt.Errorf("%w: %s, not %s", ErrIdentityChange, have, unitCode)
	}
	if k, _ := tx.Bucket(bucketUnits).Cursor().Seek(append([]byte(unitCode), 0)); !bytes.HasPrefix(k, append([]byte(unitCode), 0)) {
		return fmt.Errorf("unit %s: %w among the stored units", unitCode, ErrNotFound)
	}
	if err := meta.Put(keyUnitCode, []byte(unitCode)); err != nil {
		return err
	}
	return meta.Put(keyCreatedAt, []byte(now.UTC().Format(time.RFC3339Nano)))
}

// ErrDiskFull marks a write refused because the node's disk is full. bbolt
// returns the operating system's error as it is, so the sentinel is that
// error: errors.Is finds it in any write's chain.
var ErrDiskFull error = syscall.ENOSPC
