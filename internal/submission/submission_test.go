package submission

import (
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/trust"
)

type pki struct {
	root, district, commune, other trust.Identity
	tree                           *hierarchy.Tree
	verifier                       *Verifier
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	now := time.Now()
	issue := func(parent trust.Identity, path []string) trust.Identity {
		id, err := parent.NewChild(path, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	key, _ := trust.GenerateKey()
	root, err := trust.NewRoot(key, []string{"12"}, "Tỉnh Lai Châu", now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{root: root}
	p.district = issue(root, []string{"12", "106"})
	p.commune = issue(p.district, []string{"12", "106", "03390"})
	p.other = issue(p.district, []string{"12", "106", "03394"})
	p.tree, err = hierarchy.NewTree([]hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
	})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root.Root())
	p.verifier = &Verifier{Roots: pool, Revocations: trust.NewRevocations(nil), Tree: p.tree, Catalog: catalog.Default(), Self: "12", Now: time.Now}
	return p
}

func (p *pki) sign(t *testing.T, id trust.Identity, unit string) []byte {
	t.Helper()
	return p.signSubmission(t, id, commonReport(unit))
}

// commonReport is the report of unit the tests sign: 412 party members,
// 150 of them women.
func commonReport(unit string) envelope.Submission {
	return envelope.Submission{
		Unit: unit, DataSet: "tong_ket_nam", Period: "2021", Revision: 1,
		Values: []envelope.Value{{Element: "dang_vien", Count: 412}, {Element: "dang_vien", Option: "nu", Count: 150}},
	}
}

// signSubmission signs s as id, against the verifier's catalogue, now.
func (p *pki) signSubmission(t *testing.T, id trust.Identity, s envelope.Submission) []byte {
	t.Helper()
	return p.signSubmissionAt(t, id, s, time.Now())
}

// signSubmissionAt signs s as id, against the verifier's catalogue, with
// signing time at.
func (p *pki) signSubmissionAt(t *testing.T, id trust.Identity, s envelope.Submission, at time.Time) []byte {
	t.Helper()
	s.CatalogVersion, s.CatalogDigest, s.SignedAt = p.verifier.Catalog.Version(), p.verifier.Catalog.Digest(), at.UTC()
	payload, err := envelope.EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := envelope.Seal(envelope.SubmissionType, payload, id.Key, id.Chain)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestRevocationBeatsTheChainCache: a chain that verified once is cached,
// yet revoking any certificate of it is refused at the very next check.
func TestRevocationBeatsTheChainCache(t *testing.T) {
	p := newPKI(t)
	district := p.tree.Path("106")
	raw := p.sign(t, p.commune, "03390")
	for i := 0; i < 2; i++ { // the second check is served from the cache
		c, err := p.verifier.Check(raw, district)
		if err != nil || trust.JoinPath(c.SignerPath) != "12/106/03390" || c.Submission.Values[0].Count != 412 {
			t.Fatalf("check %d: %+v %v", i, c, err)
		}
	}
	p.verifier.Revocations.Add(trust.Fingerprint(p.district.Leaf()))
	if _, err := p.verifier.Check(raw, district); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("after revoking the district: %v, want ErrNotAllowed", err)
	}
	// Another commune's chain shares the revoked district: refused too.
	if _, err := p.verifier.Check(p.sign(t, p.other, "03394"), district); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("sibling after revoking the district: %v", err)
	}
}

func TestCheckRefusesTheWrongSigner(t *testing.T) {
	p := newPKI(t)
	district := p.tree.Path("106")
	if _, err := p.verifier.Check(p.sign(t, p.commune, "03394"), district); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("a commune signing for its sibling: %v", err)
	}
	if _, err := p.verifier.Check(p.sign(t, p.district, "03390"), district); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("a district signing for its commune: %v", err)
	}
	// Delivered by a child whose subtree does not hold the unit.
	if _, err := p.verifier.Check(p.sign(t, p.commune, "03390"), p.tree.Path("03394")); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("delivered by the wrong child: %v", err)
	}
}

func TestVerifyOffline(t *testing.T) {
	p := newPKI(t)
	raw := p.sign(t, p.commune, "03390")
	v, err := VerifyOffline(raw, p.root.Root(), time.Now())
	if err != nil || trust.JoinPath(v.SignerPath) != "12/106/03390" || v.Digest != envelope.Digest(raw) {
		t.Fatalf("VerifyOffline: %+v %v", v, err)
	}
	if _, err := VerifyOffline(p.sign(t, p.district, "03390"), p.root.Root(), time.Now()); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("district-signed report of a commune: %v", err)
	}
	otherKey, _ := trust.GenerateKey()
	otherRoot, _ := trust.NewRoot(otherKey, []string{"12"}, "giả mạo", time.Now(), time.Hour)
	if _, err := VerifyOffline(raw, otherRoot.Root(), time.Now()); !errors.Is(err, ErrUnauthentic) {
		t.Fatalf("against another root: %v", err)
	}
	// A report is judged as of when it was signed: one signed while the
	// chain was valid verifies for ever; one that says it was signed after
	// the certificate's end does not, nor one signed ahead of the clock.
	if _, err := VerifyOffline(raw, p.root.Root(), time.Now().Add(10*365*24*time.Hour)); err != nil {
		t.Fatalf("ten years on, after the certificates ended: %v", err)
	}
	late := p.signAt(t, p.commune, "03390", time.Now().Add(2*time.Hour))
	if _, err := VerifyOffline(late, p.root.Root(), time.Now().Add(3*time.Hour)); !errors.Is(err, ErrUnauthentic) {
		t.Fatalf("signed after the commune's certificate ended: %v", err)
	}
	if _, err := VerifyOffline(late, p.root.Root(), time.Now()); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("signed two hours ahead of the clock: %v", err)
	}
}

// signAt signs the report of sign with signing time at.
func (p *pki) signAt(t *testing.T, id trust.Identity, unit string, at time.Time) []byte {
	t.Helper()
	return p.signSubmissionAt(t, id, commonReport(unit), at)
}

// TestAcceptedOnlyOwnChildren: a report may state acceptances of its own
// unit's children only; a commune stating it accepted its sibling, or the
// district stating it accepted the province, is refused.
func TestAcceptedOnlyOwnChildren(t *testing.T) {
	p := newPKI(t)
	signed := func(id trust.Identity, unit string, accepted ...envelope.Acceptance) []byte {
		return p.signSubmission(t, id, envelope.Submission{Unit: unit, DataSet: "tong_ket_nam", Period: "2021", Revision: 1, Accepted: accepted})
	}
	ok := signed(p.district, "106", envelope.Acceptance{Unit: "03390", Revision: 2, Digest: "sha256:aa"})
	if _, err := p.verifier.Check(ok, nil); err != nil {
		t.Fatalf("the district stating its commune: %v", err)
	}
	for name, raw := range map[string][]byte{
		"a commune its sibling":        signed(p.commune, "03390", envelope.Acceptance{Unit: "03394", Revision: 1, Digest: "sha256:bb"}),
		"the district its province":    signed(p.district, "106", envelope.Acceptance{Unit: "12", Revision: 1, Digest: "sha256:cc"}),
		"the district an unknown unit": signed(p.district, "106", envelope.Acceptance{Unit: "99999", Revision: 1, Digest: "sha256:dd"}),
	} {
		if _, err := p.verifier.Check(raw, nil); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: %v, want ErrNotAllowed", name, err)
		}
	}
}
