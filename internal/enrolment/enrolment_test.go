package enrolment

import (
	"crypto/x509"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

const units = `code,name,level,parent_code
12,Tỉnh Lai Châu,province,
105,Thành phố Lai Châu,district,12
106,Huyện Tam Đường,district,12
107,Huyện Mường Tè,district,12
03390,Thị trấn Tam Đường,commune,106
`

// province is Tỉnh Lai Châu's side as a parent: a real store in a temporary
// directory, its root identity, its three districts.
func province(t *testing.T, now func() time.Time) *Parent {
	return provinceFor(t, now, 10*365*24*time.Hour)
}

// provinceFor is province with a root certificate valid for validity.
func provinceFor(t *testing.T, now func() time.Time, validity time.Duration) *Parent {
	t.Helper()
	us, err := hierarchy.ReadCSV(strings.NewReader(units))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := hierarchy.NewTree(us)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, _ := trust.GenerateKey()
	root, err := trust.NewRoot(key, []string{"12"}, "Tỉnh Lai Châu", now(), validity)
	if err != nil {
		t.Fatal(err)
	}
	var id atomic.Pointer[trust.Identity]
	id.Store(&root)
	return &Parent{Store: st, Identity: &id, Tree: tree, Self: "12", Revocations: trust.NewRevocations(nil), Now: now}
}

// enrol spends tok on a new key for unit, as the child's node would.
func enrol(t *testing.T, p *Parent, tok Token, path ...string) []*x509.Certificate {
	t.Helper()
	key, _ := trust.GenerateKey()
	csr, err := trust.NewCSR(key, path, "")
	if err != nil {
		t.Fatal(err)
	}
	chain, err := p.Enroll(tok.String(), csr)
	if err != nil {
		t.Fatalf("enrolling %s: %v", tok.Unit, err)
	}
	return chain
}

// TestTokensForEveryChild: one call makes a token for each district that
// has no certificate, none for its communes' grandchildren; each serves
// once; the next call leaves out the enrolled one unless asked.
func TestTokensForEveryChild(t *testing.T) {
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	p := province(t, func() time.Time { return now })
	tokens, err := p.CreateTokens(48*time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range tokens {
		got = append(got, tk.Unit.Code)
		if !tk.ExpiresAt.Equal(now.Add(48 * time.Hour)) {
			t.Errorf("%s expires %s", tk.Unit.Code, tk.ExpiresAt)
		}
		if back, err := ParseToken(tk.Token.String()); err != nil || back.Unit != tk.Unit.Code {
			t.Errorf("token of %s reads back as %v, %v", tk.Unit.Code, back, err)
		}
	}
	if strings.Join(got, ",") != "105,106,107" {
		t.Fatalf("tokens for %v, want the three districts", got)
	}
	pending, _ := p.Store.PendingTokens(now)
	if pending["105"] != 1 || pending["106"] != 1 || pending["107"] != 1 || len(pending) != 3 {
		t.Fatalf("pending tokens %v", pending)
	}

	chain := enrol(t, p, tokens[1].Token, "12", "106")
	if got, want := chain[0].NotAfter, now.Add(CertValidity); !got.Equal(want) {
		t.Errorf("106's certificate ends %s, want %s", got, want)
	}
	key, _ := trust.GenerateKey()
	csr, _ := trust.NewCSR(key, []string{"12", "106"}, "")
	if _, err := p.Enroll(tokens[1].Token.String(), csr); !errors.Is(err, store.ErrTokenInvalid) {
		t.Fatalf("a token spent twice: %v", err)
	}

	children, err := p.Children()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range children {
		if c.Enrolled != (c.Unit.Code == "106") || c.LastReport != nil {
			t.Errorf("%s: enrolled %v, last report %v", c.Unit.Code, c.Enrolled, c.LastReport)
		}
	}

	again, err := p.CreateTokens(0, false)
	if err != nil || len(again) != 2 || again[0].Unit.Code != "105" || again[1].Unit.Code != "107" {
		t.Fatalf("tokens for the children not enrolled: %v %v", again, err)
	}
	if !again[0].ExpiresAt.Equal(now.Add(TokenValidity)) {
		t.Errorf("default validity: %s", again[0].ExpiresAt)
	}
	all, err := p.CreateTokens(0, true)
	if err != nil || len(all) != 3 {
		t.Fatalf("with enrolled: %d %v", len(all), err)
	}

	// Two years on, 106's certificate has ended: it counts as not enrolled.
	now = now.Add(CertValidity + time.Minute)
	if children, _ = p.Children(); children[1].Enrolled {
		t.Fatalf("106 after its certificate ended: enrolled %v", children[1].Enrolled)
	}
	// Revoked, likewise.
	now = time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC)
	if _, err := p.Revoke("106", "máy bị mất"); err != nil {
		t.Fatal(err)
	}
	if children, _ = p.Children(); children[1].Enrolled {
		t.Fatal("106 revoked still counts as enrolled")
	}
}

// TestDue: a two-year certificate is due for renewal when less than a
// third of it, 243⅓ days, is left.
func TestDue(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	leaf := &x509.Certificate{NotBefore: from, NotAfter: from.Add(730 * 24 * time.Hour)}
	third := 730 * 24 * time.Hour / 3 // 243 days 8 hours
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{from, false},
		{leaf.NotAfter.Add(-third - time.Second), false},
		{leaf.NotAfter.Add(-third + time.Second), true},
		{leaf.NotAfter.Add(-24 * time.Hour), true},
		{leaf.NotAfter.Add(time.Hour), true},
	} {
		if got := Due(leaf, c.at); got != c.want {
			t.Errorf("Due at %s = %v, want %v", c.at, got, c.want)
		}
	}
}
