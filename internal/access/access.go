// Package access owns who may call a node: the roles, and the API tokens
// that bind a role to a subtree. A token's secret is shown once and only its
// SHA-256 is stored. Which call needs which role is decided in one table at
// the API edge (internal/server/authz.go); this package says who is calling.
package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tonghop/tonghop/internal/store"
)

// Role is what a caller may do. Each role may also do what the lower ones
// may.
type Role int

// Roles, in increasing power.
const (
	Viewer Role = iota + 1
	Editor
	Approver
	Admin
)

func (r Role) String() string {
	switch r {
	case Viewer:
		return "viewer"
	case Editor:
		return "editor"
	case Approver:
		return "approver"
	case Admin:
		return "admin"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// ParseRole reads viewer, editor, approver or admin.
func ParseRole(s string) (Role, error) {
	for r := Viewer; r <= Admin; r++ {
		if r.String() == strings.ToLower(s) {
			return r, nil
		}
	}
	return 0, fmt.Errorf("role %q is not viewer, editor, approver or admin", s)
}

var (
	// ErrUnauthenticated: no token, or one that is malformed, unknown,
	// expired or revoked. One error for all, so a guesser learns nothing.
	ErrUnauthenticated = errors.New("a valid API token is required")
	// ErrForbidden: the caller's role or subtree does not allow the call.
	ErrForbidden = errors.New("not allowed")
)

// Caller is who is calling, as established from a token.
type Caller struct {
	TokenID string
	Name    string
	Role    Role
	// Unit is the root of the subtree the caller may act on.
	Unit string
	// ExpiresAt is when the caller's token expires; zero for never.
	ExpiresAt time.Time
}

// String names the caller in the audit log.
func (c Caller) String() string {
	return fmt.Sprintf("token %s (%s, %s of %s)", c.TokenID, c.Name, c.Role, c.Unit)
}

const tokenPrefix = "thk1"

// maxTokenLen bounds what is even looked at: a real token is 65 bytes.
const maxTokenLen = 128

// Tokens makes and checks API tokens, sign-in links and browser sessions.
type Tokens struct {
	Store *store.Store
	Now   func() time.Time

	// redeem makes using a sign-in link and marking it used one step.
	redeem sync.Mutex
}

func hash(secret []byte) string {
	h := sha256.Sum256(secret)
	return hex.EncodeToString(h[:])
}

// Create makes a token for name with role over the subtree of unit, valid
// for valid (0: until revoked). It returns the record and the secret to
// show once: thk1.ID.SECRET.
func (t *Tokens) Create(name string, role Role, unit string, valid time.Duration) (store.APIToken, string, error) {
	return t.CreateUntil(name, role, unit, valid, time.Time{})
}

// MaxValidDays bounds a token's life in days: ten years.
const MaxValidDays = 3653

// CreateUntil is Create for a token that must expire no later than until
// (zero: no bound): a token made with an expiring token does not outlive it.
func (t *Tokens) CreateUntil(name string, role Role, unit string, valid time.Duration, until time.Time) (store.APIToken, string, error) {
	return t.create(store.APIToken{Name: name, Role: role.String(), Unit: unit}, valid, until)
}

// CreateBy is Create for a token made by caller: it does not outlive the
// caller's token, and it stops working when the caller's token is revoked.
func (t *Tokens) CreateBy(caller Caller, name string, role Role, unit string, valid time.Duration) (store.APIToken, string, error) {
	return t.create(store.APIToken{Name: name, Role: role.String(), Unit: unit, MadeWith: caller.TokenID}, valid, caller.ExpiresAt)
}

// SignInLinkValidity is how long a sign-in link made without a validity
// stays usable.
const SignInLinkValidity = 24 * time.Hour

// CreateSignInLink makes, as CreateBy does, a one-time sign-in link for
// name with role over the subtree of unit: its secret opens one browser
// session (StartSession) and is refused as an API token. valid 0 means
// SignInLinkValidity.
func (t *Tokens) CreateSignInLink(caller Caller, name string, role Role, unit string, valid time.Duration) (store.APIToken, string, error) {
	if valid <= 0 {
		valid = SignInLinkValidity
	}
	return t.create(store.APIToken{Name: name, Role: role.String(), Unit: unit, MadeWith: caller.TokenID, SignInLink: true}, valid, caller.ExpiresAt)
}

func (t *Tokens) create(rec store.APIToken, valid time.Duration, until time.Time) (store.APIToken, string, error) {
	id := make([]byte, 8)
	secret := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return store.APIToken{}, "", err
	}
	if _, err := rand.Read(secret); err != nil {
		return store.APIToken{}, "", err
	}
	now := t.Now().UTC()
	rec.ID, rec.SecretHash, rec.CreatedAt = hex.EncodeToString(id), hash(secret), now
	if valid > 0 {
		rec.ExpiresAt = now.Add(valid)
	}
	if !until.IsZero() && (rec.ExpiresAt.IsZero() || rec.ExpiresAt.After(until)) {
		rec.ExpiresAt = until
	}
	if err := t.Store.PutAPIToken(rec); err != nil {
		return store.APIToken{}, "", err
	}
	return rec, strings.Join([]string{tokenPrefix, rec.ID, base64.RawURLEncoding.EncodeToString(secret)}, "."), nil
}

// Verify establishes the caller from a token's text. A sign-in link is
// refused: it only opens a browser session.
func (t *Tokens) Verify(token string) (Caller, error) {
	c, rec, err := t.verify(token)
	if err == nil && rec.SignInLink {
		return Caller{}, fmt.Errorf("%w: token %s is a sign-in link for the web app, not an API token", ErrUnauthenticated, rec.ID)
	}
	return c, err
}

func (t *Tokens) verify(token string) (Caller, store.APIToken, error) {
	return t.verifyOne(token)
}

// usable says whether a token is neither revoked nor expired.
func (t *Tokens) usable(rec store.APIToken) error {
	switch {
	case !rec.RevokedAt.IsZero():
		return fmt.Errorf("%w: token %s was revoked", ErrUnauthenticated, rec.ID)
	case !rec.ExpiresAt.IsZero() && !t.Now().Before(rec.ExpiresAt):
		return fmt.Errorf("%w: token %s expired", ErrUnauthenticated, rec.ID)
	}
	return nil
}

func (t *Tokens) verifyOne(token string) (Caller, store.APIToken, error) {
	fail := func(err error) (Caller, store.APIToken, error) { return Caller{}, store.APIToken{}, err }
	parts := strings.Split(token, ".")
	if len(token) > maxTokenLen || len(parts) != 3 || parts[0] != tokenPrefix || len(parts[1]) != 16 {
		return fail(fmt.Errorf("%w: not a tonghop token", ErrUnauthenticated))
	}
	secret, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(secret) != 32 {
		return fail(fmt.Errorf("%w: not a tonghop token", ErrUnauthenticated))
	}
	// Unknown and wrong look the same to the caller, and nothing the caller
	// sent is echoed back or into the audit log.
	rec, err := t.Store.APIToken(parts[1])
	if errors.Is(err, store.ErrNotFound) {
		return fail(fmt.Errorf("%w: unknown or invalid token", ErrUnauthenticated))
	}
	if err != nil {
		return fail(err)
	}
	if subtle.ConstantTimeCompare([]byte(hash(secret)), []byte(rec.SecretHash)) != 1 {
		return fail(fmt.Errorf("%w: unknown or invalid token", ErrUnauthenticated))
	}
	if err := t.usable(rec); err != nil {
		return fail(err)
	}
	// A token made with a revoked one is revoked with it, however many
	// makings lie between.
	for up, depth := rec.MadeWith, 0; up != "" && depth < maxMadeWith; depth++ {
		parent, err := t.Store.APIToken(up)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return fail(err)
		}
		if !parent.RevokedAt.IsZero() {
			return fail(fmt.Errorf("%w: token %s was made with token %s, which was revoked", ErrUnauthenticated, rec.ID, parent.ID))
		}
		up = parent.MadeWith
	}
	role, err := ParseRole(rec.Role)
	if err != nil {
		return fail(fmt.Errorf("%w: token %s: %v", store.ErrCorrupt, rec.ID, err))
	}
	return Caller{TokenID: rec.ID, Name: rec.Name, Role: role, Unit: rec.Unit, ExpiresAt: rec.ExpiresAt}, rec, nil
}

// Session is a browser session: a token of its own, held in an HttpOnly
// cookie, with the role and subtree of the token it was opened with.
type Session struct {
	Caller Caller // the session's own token, as a caller
	Secret string // the cookie's value, shown once
}

// StartSession opens a browser session with token, which is an API token or
// a sign-in link, for at most ttl and never beyond the token's own expiry.
// A sign-in link is used up: it opens one session, once. Only the session's
// hash is stored, as for any token.
func (t *Tokens) StartSession(token string, ttl time.Duration) (Session, error) {
	t.redeem.Lock()
	defer t.redeem.Unlock()
	c, rec, err := t.verify(token)
	if err != nil {
		return Session{}, err
	}
	if rec.Session {
		return Session{}, fmt.Errorf("%w: token %s is already a session", ErrUnauthenticated, rec.ID)
	}
	// The session is made with the token, so that it ends when the token is
	// revoked.
	s := store.APIToken{Name: c.Name, Role: c.Role.String(), Unit: c.Unit, Session: true, MadeWith: rec.ID}
	if rec.SignInLink {
		// The link is spent; the session outlives it, within ttl and the
		// expiry of the token that made the link, and ends when that one
		// is revoked.
		if _, err := t.Store.RevokeAPIToken(rec.ID); err != nil {
			return Session{}, err
		}
		s.MadeWith = rec.MadeWith
		c.ExpiresAt = time.Time{}
		if rec.MadeWith != "" {
			if maker, err := t.Store.APIToken(rec.MadeWith); err == nil {
				c.ExpiresAt = maker.ExpiresAt
			}
		}
	}
	srec, secret, err := t.create(s, ttl, c.ExpiresAt)
	if err != nil {
		return Session{}, err
	}
	return Session{Caller: Caller{TokenID: srec.ID, Name: srec.Name, Role: c.Role, Unit: c.Unit, ExpiresAt: srec.ExpiresAt}, Secret: secret}, nil
}

// EndSession revokes the session whose cookie value is secret. Ending a
// session that is already over is no error.
func (t *Tokens) EndSession(secret string) error {
	_, rec, err := t.verifyOne(secret)
	if errors.Is(err, ErrUnauthenticated) {
		return nil
	}
	if err != nil {
		return err
	}
	if !rec.Session {
		return fmt.Errorf("%w: token %s is not a browser session", ErrForbidden, rec.ID)
	}
	_, err = t.Store.RevokeAPIToken(rec.ID)
	return err
}

// maxMadeWith bounds the chain of tokens made with tokens that Verify
// follows.
const maxMadeWith = 64

// Bearer extracts the token from an "authorization" value, "Bearer …".
func Bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// Credentials sends a token with every gRPC call, as the "authorization"
// metadata. Administrators' calls go to loopback or over TLS; the caller
// decides, so transport security is not demanded here.
type Credentials string

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (c Credentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	if c == "" {
		return nil, nil
	}
	return map[string]string{"authorization": "Bearer " + string(c)}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (Credentials) RequireTransportSecurity() bool { return false }
