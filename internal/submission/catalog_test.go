package submission

import (
	"errors"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/envelope"
)

// TestEarlierCatalogueStaysValid: a report signed with catalogue 2021.2
// before the node moved to the current one is still accepted; one naming a
// catalogue the node has never known is refused.
func TestEarlierCatalogueStaysValid(t *testing.T) {
	p := newPKI(t)
	p.verifier.Earlier = catalog.Earlier()
	sign := func(version, digest string) []byte {
		s := envelope.Submission{Unit: "03390", DataSet: "tong_ket_nam", Period: "2021", Revision: 1,
			CatalogVersion: version, CatalogDigest: digest, SignedAt: time.Now().UTC(),
			Values: []envelope.Value{{Element: "dang_vien", Count: 412}, {Element: "dang_vien", Option: "dan_toc_kinh", Count: 150}}}
		payload, err := envelope.EncodeSubmission(s)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := envelope.Seal(envelope.SubmissionType, payload, p.commune.Key, p.commune.Chain)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	old := catalog.Earlier()[0]
	c, err := p.verifier.Check(sign(old.Version(), old.Digest()), p.tree.Path("106"))
	if err != nil || c.Submission.CatalogVersion != "2021.2" {
		t.Fatalf("a 2021.2 report: %+v %v", c, err)
	}
	if _, err := p.verifier.Check(sign("2020.9", "0f0f"), p.tree.Path("106")); !errors.Is(err, ErrUnknownCatalog) {
		t.Fatalf("an unknown catalogue: %v, want ErrUnknownCatalog", err)
	}
	p.verifier.Earlier = nil
	if _, err := p.verifier.Check(sign(old.Version(), old.Digest()), p.tree.Path("106")); !errors.Is(err, ErrUnknownCatalog) {
		t.Fatalf("2021.2 at a node that does not know it: %v", err)
	}
}
