package submission

import (
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

// catalogOf is the catalogue a report is read with: the one it names, if
// this node knows it and it covers the report's unit (a version published
// for a subtree covers that subtree only).
func (v *Verifier) catalogOf(s envelope.Submission, tree *hierarchy.Tree) (*catalog.Catalog, error) {
	if v.Versions != nil {
		c, ok := v.Versions.Covers(s.CatalogDigest, tree.Path(s.Unit))
		if !ok {
			return nil, fmt.Errorf("%w: catalogue %s (%.12s…) is not one this node knows for unit %s", ErrUnknownCatalog, s.CatalogVersion, s.CatalogDigest, s.Unit)
		}
		return c, nil
	}
	if s.CatalogDigest != v.Catalog.Digest() && !slices.ContainsFunc(v.Earlier, func(c *catalog.Catalog) bool { return c.Digest() == s.CatalogDigest }) {
		return nil, fmt.Errorf("%w: catalogue %s (%.12s…); this node knows %s (%.12s…)", ErrUnknownCatalog,
			s.CatalogVersion, s.CatalogDigest, v.Catalog.Version(), v.Catalog.Digest())
	}
	return v.Catalog, nil
}

// checkCatalogBelow checks a catalogue version relayed from below: signed
// by the publishing unit's own key, a unit below this node (and in the
// delivering child's subtree), and rebuilding here to the digest it names.
func (v *Verifier) checkCatalogBelow(cv envelope.CatalogVersion, signer, from []string) error {
	tree := v.treeOn(v.Now())
	if err := checkUnitIn(tree, v.Self, cv.Unit, from); err != nil {
		return err
	}
	return v.checkCatalog(cv, signer, tree)
}

// CheckCatalogFromAbove verifies a catalogue version the parent handed
// down: signed by the publishing unit's own key, this node's unit or one
// above it, and rebuilding here to the digest it names.
func (v *Verifier) CheckCatalogFromAbove(raw []byte) (envelope.CatalogVersion, error) {
	now := v.Now()
	o, err := Open(raw, Opening[envelope.CatalogVersion]{
		Decode: only(envelope.CatalogType, envelope.DecodeCatalogVersion), At: fixed[envelope.CatalogVersion](now), Verify: v.verifyChain,
	})
	if err != nil {
		return envelope.CatalogVersion{}, err
	}
	cv := o.Payload
	tree := v.treeOn(now)
	if !tree.InSubtree(cv.Unit, v.Self) {
		return cv, fmt.Errorf("%w: catalogue version of unit %s, which is not above this node (%s)", ErrNotAllowed, cv.Unit, v.Self)
	}
	return cv, v.checkCatalog(cv, o.SignerPath, tree)
}

func (v *Verifier) checkCatalog(cv envelope.CatalogVersion, signer []string, tree *hierarchy.Tree) error {
	want := tree.Path(cv.Unit)
	if !slices.Equal(signer, want) {
		return fmt.Errorf("%w: %s signed a catalogue version of unit %s (%s)", ErrNotAllowed, trust.JoinPath(signer), cv.Unit, trust.JoinPath(want))
	}
	if v.Versions == nil {
		return fmt.Errorf("%w: this node keeps no published catalogue versions", ErrUnknownCatalog)
	}
	_, err := v.Versions.Check(want, cv.Extends, cv.Source, cv.Digest)
	return catalogError(err)
}

// catalogError sorts what is wrong with a published version: one that
// extends an unknown catalogue may verify once that one arrives; one that
// does not rebuild never will.
func catalogError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, catalog.ErrUnknownBase):
		return fmt.Errorf("%w: %w", ErrUnknownCatalog, err)
	}
	return fmt.Errorf("%w: %w", ErrMalformed, err)
}

// errNoVersions means the node was built without Versions, so it can
// neither publish nor keep a catalogue version.
var errNoVersions = errors.New("this node keeps no catalogue versions")

// PublishCatalog publishes a catalogue version for this node's subtree
// from source (a YAML document listing what it adds to the catalogue in
// force here; see catalog.Extend): it signs it, keeps it, puts it in force
// here and queues it for the parent, so that the levels above read the
// reports made with it. The subtree fetches it from here. A source that
// does not validate is a *catalog.ValidationError and changes nothing.
func (n *Reports) PublishCatalog(source []byte) (*catalog.Catalog, error) {
	id, err := n.identity()
	if err != nil {
		return nil, err
	}
	v := n.Verifier
	if v.Versions == nil {
		return nil, errNoVersions
	}
	base := v.Versions.InForce()
	c, err := v.Versions.Check(id.Path(), base.Digest(), source, "")
	if err != nil {
		return nil, err
	}
	cv := envelope.CatalogVersion{Unit: v.Self, Version: c.Version(), Digest: c.Digest(), Extends: base.Digest(), Source: source, PublishedAt: v.Now().UTC()}
	payload, err := envelope.EncodeCatalogVersion(cv)
	if err != nil {
		return nil, err
	}
	raw, err := sign(id, envelope.CatalogType, payload)
	if err != nil {
		return nil, err
	}
	if err := n.keepCatalog(Checked{Digest: envelope.Digest(raw), Raw: raw, SignerPath: id.Path(), Catalog: &cv}, n.Forward); err != nil {
		return nil, err
	}
	n.Logger.Info("catalogue version published", zap.String("version", c.Version()), zap.String("digest", c.Digest()))
	n.queued()
	return c, nil
}

// keepCatalog stores a checked catalogue version, queued for the parent if
// forward, and puts it among the versions in use.
func (n *Reports) keepCatalog(c Checked, forward bool) error {
	cv := c.Catalog
	path := c.SignerPath
	if _, err := n.Verifier.Versions.Add(path, cv.Extends, cv.Source, cv.Digest); err != nil {
		return err
	}
	_, err := n.Store.PutCatalogVersion(CatalogRecord(*cv, c.Digest), c.Raw, forward)
	return err
}

// CatalogRecord is the store's record of a catalogue version.
func CatalogRecord(cv envelope.CatalogVersion, envelopeDigest string) store.CatalogVersion {
	return store.CatalogVersion{Digest: cv.Digest, Version: cv.Version, Unit: cv.Unit, Extends: cv.Extends, Source: cv.Source, PublishedAt: cv.PublishedAt, Envelope: envelopeDigest}
}

// KeepFromAbove keeps a catalogue version the parent handed down, checked
// by CheckCatalogFromAbove: it is in force here if it is the nearest, and
// is handed on to this node's children; it is not sent back up.
func (n *Reports) KeepFromAbove(raw []byte) (bool, error) {
	cv, err := n.Verifier.CheckCatalogFromAbove(raw)
	if err != nil {
		return false, err
	}
	if _, known, ok := n.Verifier.Versions.Lookup(cv.Digest); ok && known != nil {
		return false, nil
	}
	path := n.Verifier.treeOn(n.Verifier.Now()).Path(cv.Unit)
	return true, n.keepCatalog(Checked{Digest: envelope.Digest(raw), Raw: raw, SignerPath: path, Catalog: &cv}, false)
}

// receiveCatalog keeps a catalogue version relayed from below.
func (n *Reports) receiveCatalog(c Checked) (store.Outcome, error, error) {
	if _, publisher, ok := n.Verifier.Versions.Lookup(c.Catalog.Digest); ok && publisher != nil {
		return store.Duplicate, nil, nil
	}
	if err := n.keepCatalog(c, n.Forward); err != nil {
		if errors.Is(err, catalog.ErrInvalidCatalog) || errors.Is(err, catalog.ErrUnknownBase) {
			return store.Refused, catalogError(err), nil
		}
		return 0, nil, err
	}
	n.Logger.Info("catalogue version relayed from below", zap.String("unit", c.Catalog.Unit), zap.String("version", c.Catalog.Version))
	return store.Stored, nil, nil
}

// CatalogsForChildren returns the signed publications of the catalogue
// versions published by this node's unit and the units above it, in the
// order they arrived here (so each comes after the one it extends): what
// a child fetches to know the catalogue in force above it.
func (n *Reports) CatalogsForChildren() ([][]byte, error) {
	v := n.Verifier
	recs, err := n.Store.CatalogVersions()
	if err != nil {
		return nil, err
	}
	tree := v.treeOn(v.Now())
	var out [][]byte
	for _, r := range recs {
		if !tree.InSubtree(r.Unit, v.Self) {
			continue
		}
		raw, err := n.Store.Envelope(r.Envelope)
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	return out, nil
}
