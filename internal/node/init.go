package node

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// RootValidity is how long a root certificate made by Init is valid.
const RootValidity = 10 * 365 * 24 * time.Hour

// Init prepares a data directory for the node of unit: it creates the store,
// loads the units (which must include unit) and records the identity, in one
// transaction; then it makes the node's Ed25519 key. The root of a hierarchy
// (root true) also makes its self-signed CA certificate; any other node gets
// its certificate from its parent with Enroll. Running Init again adds
// units and keeps the key; another unit is refused.
func Init(dataDir, unit string, units []hierarchy.Unit, root bool, opts Options) (hierarchy.Unit, error) {
	now := time.Now
	if opts.Clock != nil {
		now = opts.Clock
	}
	st, err := store.Open(filepath.Join(dataDir, store.FileName), store.Options{Logger: opts.Logger, Clock: opts.Clock})
	if err != nil {
		return hierarchy.Unit{}, err
	}
	defer st.Close()
	if id, err := st.Identity(); err == nil && id.UnitCode != unit {
		return hierarchy.Unit{}, fmt.Errorf("%w: %s already belongs to unit %s", store.ErrIdentityChange, dataDir, id.UnitCode)
	}
	if err := st.Initialise(unit, units); err != nil {
		return hierarchy.Unit{}, err
	}
	history, err := st.History()
	if err != nil {
		return hierarchy.Unit{}, err
	}
	tree := nodeTree(history, unit, now())
	u, _ := tree.Unit(unit)
	if err := bootstrapToken(st, dataDir, unit, now); err != nil {
		return u, err
	}

	key, err := trust.LoadKey(dataDir)
	switch {
	case errors.Is(err, trust.ErrNoIdentity):
		if key, err = trust.GenerateKey(); err != nil {
			return u, err
		}
		if err := trust.SaveKey(dataDir, key); err != nil {
			return u, err
		}
	case err != nil:
		return u, err
	}
	if !root {
		return u, nil
	}
	if _, err := trust.Load(dataDir); err == nil {
		return u, nil // the root certificate exists already
	}
	id, err := trust.NewRoot(key, tree.Path(unit), u.Name, now(), RootValidity)
	if err != nil {
		return u, err
	}
	return u, trust.Save(dataDir, id)
}

// unitPath reads the node's unit, name and path from a stopped node's store.
func unitPath(dataDir string, now time.Time) (hierarchy.Unit, []string, error) {
	st, err := store.Open(filepath.Join(dataDir, store.FileName), store.Options{MustExist: true})
	if err != nil {
		return hierarchy.Unit{}, nil, err
	}
	defer st.Close()
	id, err := st.Identity()
	if err != nil {
		return hierarchy.Unit{}, nil, err
	}
	history, err := st.History()
	if err != nil {
		return hierarchy.Unit{}, nil, err
	}
	tree := nodeTree(history, id.UnitCode, now)
	u, _ := tree.Unit(id.UnitCode)
	return u, tree.Path(id.UnitCode), nil
}

// Enroll obtains the node's certificate from the parent at parentAddr (its
// peer address) with a one-time token, and saves it in dataDir. The node
// must not be running.
func Enroll(ctx context.Context, dataDir, parentAddr, token string, opts Options) (trust.Identity, error) {
	now := time.Now
	if opts.Clock != nil {
		now = opts.Clock
	}
	u, path, err := unitPath(dataDir, now())
	if err != nil {
		return trust.Identity{}, err
	}
	key, err := trust.LoadKey(dataDir)
	if err != nil {
		return trust.Identity{}, fmt.Errorf("%w: run `tonghop init` first", err)
	}
	id, err := enrolment.EnrollWithParent(ctx, parentAddr, token, trust.Identity{Key: key}, path, u.Name, now)
	if err != nil {
		return trust.Identity{}, err
	}
	if err := trust.Save(dataDir, id); err != nil {
		return trust.Identity{}, err
	}
	if err := fetchHistory(ctx, dataDir, parentAddr, id, now); err != nil {
		return id, fmt.Errorf("enrolled, but the unit's reports held by the parent could not be fetched: %w", err)
	}
	return id, nil
}

// RotateKey gives the node a new key: it asks the parent at parentAddr,
// over mutual TLS with the current certificate, to certify the new key, and
// saves the new identity. The old certificate stays valid until it expires
// or is revoked, so envelopes signed with it still verify. The node must not
// be running.
func RotateKey(ctx context.Context, dataDir, parentAddr string, opts Options) (trust.Identity, error) {
	now := time.Now
	if opts.Clock != nil {
		now = opts.Clock
	}
	u, _, err := unitPath(dataDir, now())
	if err != nil {
		return trust.Identity{}, err
	}
	current, err := trust.Load(dataDir)
	if err != nil {
		return trust.Identity{}, err
	}
	key, err := trust.GenerateKey()
	if err != nil {
		return trust.Identity{}, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(current.Root())
	path := current.Path()
	conn, err := grpc.NewClient(parentAddr, grpc.WithTransportCredentials(credentials.NewTLS(trust.ClientTLS(current, roots, path[:len(path)-1], now))))
	if err != nil {
		return trust.Identity{}, err
	}
	defer conn.Close()
	next, err := enrolment.RenewWithParent(ctx, conn, current, trust.Identity{Key: key}, u.Name, now())
	if err != nil {
		return trust.Identity{}, err
	}
	// Endorse the new key with the old one before using it: the
	// endorsement leaves first through the outbox, so every level above
	// knows the new key before the first report it signs.
	st, err := store.Open(filepath.Join(dataDir, store.FileName), store.Options{MustExist: true})
	if err != nil {
		return trust.Identity{}, err
	}
	defer st.Close()
	if err := submission.EndorseKey(st, current, next.Chain, now()); err != nil {
		return trust.Identity{}, err
	}
	return next, trust.Save(dataDir, next)
}

// AdminTokenFile is where Init leaves the node's first admin token, readable
// by the node's operator only.
const AdminTokenFile = "admin.token"

// bootstrapToken makes the first admin token of a node that has none, for
// its own unit, and writes it to AdminTokenFile: the way in for the
// operator, who makes the other tokens with it and may then revoke it.
func bootstrapToken(st *store.Store, dataDir, unit string, now func() time.Time) error {
	ts, err := st.APITokens()
	if err != nil || len(ts) > 0 {
		return err
	}
	tokens := &access.Tokens{Store: st, Now: now}
	_, secret, err := tokens.Create("quản trị ban đầu (tonghop init)", access.Admin, unit, 0)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, AdminTokenFile), []byte(secret+"\n"), 0o600)
}

// AdminToken reads the token Init left in dataDir.
func AdminToken(dataDir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dataDir, AdminTokenFile))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(raw)), nil
}
