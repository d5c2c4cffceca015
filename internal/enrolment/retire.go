package enrolment

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

// DrainWindow is how long after its unit's end a child may still connect
// with its ended certificate, to hand over its outbox and retire. What it
// hands over is verified as of when it was signed, so the window admits
// nothing signed after the end.
const DrainWindow = 90 * 24 * time.Hour

// ErrNotEnded means a child asked to retire while its unit is still in
// force in this node's hierarchy.
var ErrNotEnded = errors.New("the unit has not ended")

// UnitEnd is the moment a unit ceases: 00:00 Hà Nội time on its ValidTo
// day (the first day it is no longer valid), or zero for a unit in force.
func UnitEnd(u hierarchy.Unit) time.Time {
	if u.ValidTo.IsZero() {
		return time.Time{}
	}
	y, m, d := u.ValidTo.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, numfmt.Zone())
}

// endedChild returns the unit of a direct child whose unit has ended and
// whose certificate ended with it, as this node's hierarchy knew it on its
// last day.
func (p *Parent) endedChild(path []string, leaf *x509.Certificate) (hierarchy.Unit, bool) {
	if len(path) == 0 {
		return hierarchy.Unit{}, false
	}
	last := leaf.NotAfter.Add(-time.Nanosecond)
	tree := p.treeOn(last)
	u, ok := tree.Unit(path[len(path)-1])
	if !ok || u.Parent != p.Self || !equalPath(tree.Path(u.Code), path) {
		return hierarchy.Unit{}, false
	}
	end := UnitEnd(u)
	return u, !end.IsZero() && !leaf.NotAfter.After(end)
}

// Retiring says whether a direct child whose certificate has ended may
// still connect: its unit ended with the certificate, and the end is less
// than DrainWindow ago. Once it has retired its certificates are revoked,
// which closes the door.
func (p *Parent) Retiring(path []string, leaf *x509.Certificate) bool {
	_, ok := p.endedChild(path, leaf)
	return ok && p.Now().Before(leaf.NotAfter.Add(DrainWindow))
}

// Retire records that the direct child at path, whose unit has ended (or
// ends: a unit may retire on its last day), has handed over everything and
// stopped: every certificate issued for that unit is revoked with the
// reason, here at once and, through the queued notices, at every level
// above. Reports it signed before stay stored and verifiable: verification
// judges a report as of its signing time, and the notice reaches the
// levels above after everything the child sent before it. leaf is the
// certificate it called with.
func (p *Parent) Retire(path []string, leaf *x509.Certificate, note string) ([]store.Issued, hierarchy.Unit, error) {
	id, err := p.identity()
	if err != nil {
		return nil, hierarchy.Unit{}, err
	}
	last := leaf.NotAfter.Add(-time.Nanosecond)
	if now := p.Now(); now.Before(last) {
		last = now
	}
	tree := p.treeOn(last)
	u, ok := tree.Unit(path[len(path)-1])
	if !ok || u.Parent != p.Self || !equalPath(tree.Path(u.Code), path) {
		return nil, u, ErrNotChild
	}
	end := UnitEnd(u)
	if end.IsZero() {
		return nil, u, fmt.Errorf("%w: %s %s is in force in this node's hierarchy; a unit retires when the map abolishes it", ErrNotEnded, u.Code, u.Name)
	}
	reason := fmt.Sprintf("đơn vị %s %s kết thúc ngày %s, đã bàn giao và nghỉ", u.Code, u.Name, end.Add(-time.Nanosecond).Format(time.DateOnly))
	if note != "" {
		reason += ": " + note
	}
	fp := trust.Fingerprint(id.Leaf())
	// Only the ended unit's certificates: a new unit that took over the
	// code (same parent, same path) keeps its own.
	which := func(c store.Issued) bool { return !c.NotAfter.After(end) }
	// A parent that ended too (a district retiring its communes on the
	// day) can sign no notice the levels above would take: it keeps the
	// revocation here, and its own retirement, revoking its certificate
	// above, closes its whole subtree there, the communes' chains included.
	forward := p.Forward && !p.Now().After(id.Leaf().NotAfter)
	if err := p.refuseFirst(u.Code, which); err != nil {
		return nil, u, err
	}
	revoked, err := p.Store.RevokeIssuedWhere(u.Code, which, reason, fp, forward, p.notices(id, reason))
	if err != nil {
		return nil, u, err
	}
	for _, c := range revoked {
		p.Revocations.Add(c.Fingerprint)
	}
	if forward && p.Queued != nil {
		p.Queued()
	}
	return revoked, u, nil
}

func equalPath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
