package enrolment

import (
	"crypto/rand"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

// ChildToken is the enrolment token made for one child.
type ChildToken struct {
	Unit      hierarchy.Unit
	Token     Token
	ExpiresAt time.Time
}

// CreateTokens makes a one-time enrolment token for every direct child
// that holds no valid certificate, or for every direct child with
// enrolled, all stored in one transaction: a province enrols its
// districts, or a district its communes, from one file. None is made when
// every child is enrolled.
func (p *Parent) CreateTokens(valid time.Duration, enrolled bool) ([]ChildToken, error) {
	id, err := p.identity()
	if err != nil {
		return nil, err
	}
	children, err := p.children(false)
	if err != nil {
		return nil, err
	}
	if valid <= 0 {
		valid = TokenValidity
	}
	now := p.Now().UTC()
	var out []ChildToken
	records := map[string]store.Token{}
	for _, c := range children {
		if c.Enrolled && !enrolled {
			continue
		}
		t := Token{Unit: c.Unit.Code, RootFingerprint: trust.Fingerprint(id.Root()), Secret: make([]byte, 32)}
		if _, err := rand.Read(t.Secret); err != nil {
			return nil, err
		}
		records[secretHash(t.Secret)] = store.Token{Unit: c.Unit.Code, CreatedAt: now, ExpiresAt: now.Add(valid)}
		out = append(out, ChildToken{Unit: c.Unit, Token: t, ExpiresAt: now.Add(valid)})
	}
	if len(records) == 0 {
		return nil, nil
	}
	if err := p.Store.PutTokens(records); err != nil {
		return nil, err
	}
	return out, nil
}

// validCertificate reports whether a child holds a certificate from this
// node that is neither revoked nor expired at now.
func validCertificate(certs []store.Issued, now time.Time) bool {
	for _, c := range certs {
		if c.RevokedAt.IsZero() && now.Before(c.NotAfter) && !now.Before(c.NotBefore) {
			return true
		}
	}
	return false
}

// lastReports finds, for each direct child, the newest report received
// from its subtree: the child's own or one it relayed, not one this node
// entered on a unit's behalf.
func (p *Parent) lastReports(tree *hierarchy.Tree) (map[string]store.Submission, error) {
	recs, _, _, err := p.Store.Submissions(store.SubmissionFilter{Units: func(code string) bool {
		return code != p.Self && tree.InSubtree(p.Self, code)
	}}, nil, 0)
	if err != nil {
		return nil, err
	}
	out := map[string]store.Submission{}
	for _, r := range recs {
		if r.EnteredBy == p.Self {
			continue
		}
		path := tree.Path(r.Unit)
		child := ""
		for i, u := range path {
			if u == p.Self && i+1 < len(path) {
				child = path[i+1]
			}
		}
		if child == "" {
			continue
		}
		if have, ok := out[child]; !ok || r.ReceivedAt.After(have.ReceivedAt) {
			out[child] = r
		}
	}
	return out, nil
}
