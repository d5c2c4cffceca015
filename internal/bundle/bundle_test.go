package bundle

import (
	"bytes"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/trust"
)

type pki struct {
	roots   *x509.CertPool
	commune trust.Identity
	other   trust.Identity // a commune under another province's root
}

func newPKI(t *testing.T) pki {
	t.Helper()
	now := time.Now()
	root := func(code, name string) trust.Identity {
		key, _ := trust.GenerateKey()
		id, err := trust.NewRoot(key, []string{code}, name, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	child := func(parent trust.Identity, path ...string) trust.Identity {
		id, err := parent.NewChild(path, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	laiChau, dienBien := root("12", "Tỉnh Lai Châu"), root("11", "Tỉnh Điện Biên")
	p := pki{roots: x509.NewCertPool()}
	p.roots.AddCert(laiChau.Root())
	p.commune = child(child(laiChau, "12", "106"), "12", "106", "03390")
	p.other = child(child(dienBien, "11", "094"), "11", "094", "03151")
	return p
}

func signed(t *testing.T, id trust.Identity, text string) []byte {
	t.Helper()
	raw, err := envelope.Seal("application/vnd.tonghop.test+json", []byte(text), id.Key, id.Chain)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func write(t *testing.T, id trust.Identity, items [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Write(&buf, Envelopes, items, nil, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	p := newPKI(t)
	items := [][]byte{signed(t, p.commune, `{"a":1}`), signed(t, p.commune, `{"a":2}`)}
	b, err := Read(write(t, p.commune, items), p.roots, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(b.Signer, "/") != "12/106/03390" || b.Manifest.From != "12/106/03390" || len(b.Items) != 2 ||
		!bytes.Equal(b.Items[0], items[0]) || !bytes.Equal(b.Items[1], items[1]) || b.Manifest.Entries[1].Digest != envelope.Digest(items[1]) {
		t.Fatalf("read back %+v", b.Manifest)
	}
}

// TestEveryByteCounts: cutting the file at any length, or changing any one
// byte of it, is refused.
func TestEveryByteCounts(t *testing.T) {
	p := newPKI(t)
	data := write(t, p.commune, [][]byte{signed(t, p.commune, `{"a":1}`)})
	for n := 0; n < len(data); n += 7 {
		if _, err := Read(data[:n], p.roots, time.Now(), nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("cut at %d of %d: %v", n, len(data), err)
		}
	}
	for i := 0; i < len(data); i += 5 {
		bad := bytes.Clone(data)
		bad[i] ^= 0x20
		if _, err := Read(bad, p.roots, time.Now(), nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("byte %d of %d changed: %v", i, len(data), err)
		}
	}
}

func TestRefusals(t *testing.T) {
	p := newPKI(t)
	one := signed(t, p.commune, `{"a":1}`)
	if _, err := Read(write(t, p.other, [][]byte{one}), p.roots, time.Now(), nil); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "manifest signer") {
		t.Fatalf("signed under another root: %v", err)
	}
	if _, err := Read(write(t, p.commune, [][]byte{one}), p.roots, time.Now().Add(2*time.Hour), nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("read after the signer's certificate expired: %v", err)
	}
	revoked := func(c *x509.Certificate) bool { return c.Equal(p.commune.Leaf()) }
	if _, err := Read(write(t, p.commune, [][]byte{one}), p.roots, time.Now(), revoked); !errors.Is(err, ErrInvalid) {
		t.Fatalf("signed by a revoked certificate: %v", err)
	}
	if _, err := Read(write(t, p.commune, [][]byte{one, one}), p.roots, time.Now(), nil); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "listed twice") {
		t.Fatalf("an envelope twice: %v", err)
	}
	if _, err := Read(bytes.Repeat([]byte("x"), MaxBytes+1), p.roots, time.Now(), nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("too large: %v", err)
	}
	// Another validly signed envelope in place of the first, with the
	// manifest left as it was: refused by the manifest's digest.
	a, b := signed(t, p.commune, `{"a":1}`), signed(t, p.commune, `{"a":9}`)
	data := write(t, p.commune, [][]byte{a})
	swapped := bytes.Replace(data, a, b, 1)
	if _, err := Read(swapped, p.roots, time.Now(), nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("an entry swapped: %v", err)
	}
}
