package access

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
)

// TestTokens makes, checks, expires and revokes tokens against a real
// store: the caller a token names, and one refusal for every way a token
// can be wrong.
func TestTokens(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Initialise("106", []hierarchy.Unit{{Code: "106", Name: "Huyện Tam Đường", Level: "district"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2021, 12, 20, 8, 0, 0, 0, time.UTC)
	tokens := &Tokens{Store: st, Now: func() time.Time { return now }}

	rec, secret, err := tokens.Create("Văn phòng huyện ủy", Approver, "106", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tokens.Verify(secret)
	if err != nil || c.TokenID != rec.ID || c.Role != Approver || c.Unit != "106" || c.Name != "Văn phòng huyện ủy" || !c.ExpiresAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("Verify = %+v, %v; want the approver of 106 until %s", c, err, now.Add(24*time.Hour))
	}
	if got, ok := Bearer("Bearer " + secret); !ok || got != secret {
		t.Errorf("Bearer = %q, %v", got, ok)
	}

	parts := strings.Split(secret, ".")
	wrong := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	for name, bad := range map[string]string{
		"empty":          "",
		"not a token":    "abc",
		"wrong secret":   wrong,
		"unknown id":     parts[0] + ".0000000000000000." + parts[2],
		"secret cut off": secret[:len(secret)-2],
	} {
		if _, err := tokens.Verify(bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: %v, want ErrUnauthenticated", name, err)
		}
	}

	now = now.Add(24 * time.Hour)
	if _, err := tokens.Verify(secret); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("at its expiry: %v, want expired", err)
	}
	now = now.Add(-time.Hour)
	if _, err := st.RevokeAPIToken(rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Verify(secret); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked: %v, want revoked", err)
	}
}
