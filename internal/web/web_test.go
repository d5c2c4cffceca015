package web

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/store"
)

// fixture is the web server in front of an API that answers with the
// caller the Authorization header establishes, as the node's authz does.
type fixture struct {
	t      *testing.T
	tokens *access.Tokens
	srv    *httptest.Server
	now    time.Time
	mu     sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fx := &fixture{t: t, now: time.Date(2021, 10, 1, 8, 0, 0, 0, time.UTC)}
	clock := func() time.Time { fx.mu.Lock(); defer fx.mu.Unlock(); return fx.now }
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fx.tokens = &access.Tokens{Store: st, Now: clock}
	app, err := New(fx.tokens, "106", zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", app.API(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Cookie") != "" {
			t.Errorf("the cookie reached the API: %q", r.Header.Get("Cookie"))
		}
		tok, _ := access.Bearer(r.Header.Get("Authorization"))
		c, err := fx.tokens.Verify(tok)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"role": c.Role.String(), "unit": c.Unit, "id": c.TokenID})
	})))
	app.Register(mux)
	mux.Handle(SessionPath, app.Session())
	fx.srv = httptest.NewServer(Headers(mux))
	t.Cleanup(fx.srv.Close)
	return fx
}

func (fx *fixture) advance(d time.Duration) {
	fx.mu.Lock()
	fx.now = fx.now.Add(d)
	fx.mu.Unlock()
}

// do sends a request as the app does (same origin, the request header)
// unless hdr overrides it.
func (fx *fixture) do(method, path, body string, cookie *http.Cookie, hdr map[string]string) *http.Response {
	fx.t.Helper()
	req, _ := http.NewRequest(method, fx.srv.URL+path, strings.NewReader(body))
	req.Header.Set(RequestHeader, "1")
	req.Header.Set("Origin", fx.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == CookieName("106") {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", CookieName("106"), resp.Header["Set-Cookie"])
	return nil
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSignInMakesAnHttpOnlySessionWithTheTokensRoleAndSubtree(t *testing.T) {
	fx := newFixture(t)
	_, secret, err := fx.tokens.Create("Văn phòng Huyện ủy Tam Đường", access.Approver, "106", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	resp := fx.do("POST", "/session", `{"token":"`+secret+`"}`, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body(t, resp))
	}
	c := sessionCookie(t, resp)
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, not Secure over plain HTTP, Path=/", c)
	}
	if c.Value == secret || strings.Contains(body(t, resp), c.Value) {
		t.Error("the session's secret is the token itself or is in the body that script reads")
	}
	if got := c.MaxAge; got != int(DefaultSessionTTL.Seconds()) {
		t.Errorf("Max-Age %d, want %d", got, int(DefaultSessionTTL.Seconds()))
	}

	resp = fx.do("GET", "/v1/anything", "", c, map[string]string{RequestHeader: ""})
	var who map[string]string
	json.Unmarshal([]byte(body(t, resp)), &who)
	if resp.StatusCode != 200 || who["role"] != "approver" || who["unit"] != "106" {
		t.Fatalf("GET with the cookie: %d %v, want approver of 106", resp.StatusCode, who)
	}

	// A write needs the request header, and the same origin.
	for name, hdr := range map[string]map[string]string{
		"no request header":    {RequestHeader: ""},
		"another site":         {"Sec-Fetch-Site": "cross-site"},
		"another origin":       {"Origin": "http://evil.example", "Sec-Fetch-Site": ""},
		"same site, not ours":  {"Sec-Fetch-Site": "same-site"},
		"another port of ours": {"Origin": strings.Replace(fx.srv.URL, "127.0.0.1:", "127.0.0.1:1", 1), "Sec-Fetch-Site": ""},
	} {
		if resp := fx.do("PATCH", "/v1/anything", "[]", c, hdr); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: PATCH with the cookie answered %d, want 403", name, resp.StatusCode)
		}
	}
	if resp := fx.do("PATCH", "/v1/anything", "[]", c, nil); resp.StatusCode != 200 {
		t.Errorf("same-origin PATCH with the cookie: %d", resp.StatusCode)
	}
	// Behind a TLS-terminating proxy the page's origin is https.
	if resp := fx.do("PATCH", "/v1/anything", "[]", c, map[string]string{"Origin": strings.Replace(fx.srv.URL, "http:", "https:", 1)}); resp.StatusCode != 200 {
		t.Errorf("PATCH from the https origin of a proxy in front: %d", resp.StatusCode)
	}
	// A bearer token is not the cookie: no same-origin rule applies to it.
	if resp := fx.do("PATCH", "/v1/anything", "[]", nil, map[string]string{RequestHeader: "", "Authorization": "Bearer " + secret}); resp.StatusCode != 200 {
		t.Errorf("PATCH with a bearer token: %d", resp.StatusCode)
	}

	// Signing out ends the session on the node, not only in the browser.
	resp = fx.do("DELETE", "/session", "", c, nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	if cleared := sessionCookie(t, resp); cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Errorf("sign-out left the cookie: %+v", cleared)
	}
	if resp := fx.do("GET", "/v1/anything", "", c, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the ended session still answers: %d", resp.StatusCode)
	}
	// The token it was opened with still works.
	if _, err := fx.tokens.Verify(secret); err != nil {
		t.Errorf("signing out revoked the token itself: %v", err)
	}
}

func TestSignInRefusals(t *testing.T) {
	fx := newFixture(t)
	_, secret, err := fx.tokens.Create("Văn phòng Đảng ủy", access.Editor, "03390", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, body string
		hdr        map[string]string
		status     int
	}{
		{"login from another site", `{"token":"` + secret + `"}`, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"no request header", `{"token":"` + secret + `"}`, map[string]string{RequestHeader: ""}, 403},
		{"not JSON", `token=` + secret, nil, 400},
		{"unknown field", `{"token":"` + secret + `","role":"admin"}`, nil, 400},
		{"empty token", `{"token":""}`, nil, 400},
		{"wrong token", `{"token":"thk1.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, nil, 401},
	} {
		resp := fx.do("POST", "/session", tc.body, nil, tc.hdr)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body(t, resp), tc.status)
		}
		if len(resp.Cookies()) != 0 {
			t.Errorf("%s: a cookie was set", tc.name)
		}
	}
}

func TestSignInLinkIsUsedOnceAndIsNoAPIToken(t *testing.T) {
	fx := newFixture(t)
	rec, link, err := fx.tokens.CreateSignInLink(access.Caller{}, "Văn phòng Đảng ủy Thị trấn Tam Đường", access.Approver, "03390", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.SignInLink || !rec.ExpiresAt.Equal(fx.now.Add(access.SignInLinkValidity)) {
		t.Fatalf("link record %+v", rec)
	}
	if _, err := fx.tokens.Verify(link); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("a sign-in link works as an API token: %v", err)
	}
	resp := fx.do("POST", "/session", `{"token":"`+link+`"}`, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in with the link: %d %s", resp.StatusCode, body(t, resp))
	}
	c := sessionCookie(t, resp)
	if resp := fx.do("POST", "/session", `{"token":"`+link+`"}`, nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the link opened a second session: %d", resp.StatusCode)
	}
	// The session outlives the spent link, and ends at its own expiry.
	fx.advance(DefaultSessionTTL - time.Minute)
	if resp := fx.do("GET", "/v1/x", "", c, nil); resp.StatusCode != 200 {
		t.Errorf("session before its expiry: %d", resp.StatusCode)
	}
	fx.advance(2 * time.Minute)
	if resp := fx.do("GET", "/v1/x", "", c, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("session after its expiry: %d", resp.StatusCode)
	}
}

func TestOneLinkOpensOneSessionUnderConcurrentUse(t *testing.T) {
	fx := newFixture(t)
	_, link, err := fx.tokens.CreateSignInLink(access.Caller{}, "Văn phòng", access.Viewer, "03390", 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	opened := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := fx.tokens.StartSession(link, time.Hour); err == nil {
				mu.Lock()
				opened++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if opened != 1 {
		t.Errorf("%d sessions from one link, want 1", opened)
	}
}

func TestSessionEndsWithItsToken(t *testing.T) {
	fx := newFixture(t)
	rec, secret, err := fx.tokens.Create("Chuyên viên", access.Viewer, "12", 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fx.tokens.StartSession(secret, DefaultSessionTTL)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Caller.ExpiresAt.Equal(rec.ExpiresAt) {
		t.Errorf("session expires %v, after its token's %v", s.Caller.ExpiresAt, rec.ExpiresAt)
	}
	if _, err := fx.tokens.StartSession(s.Secret, time.Hour); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("a session opened another session: %v", err)
	}
	if _, err := fx.tokens.Verify(s.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.tokens.Store.RevokeAPIToken(rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.tokens.Verify(s.Secret); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("the session outlived its revoked token: %v", err)
	}
	// Signing out with an API token as the cookie does not revoke it.
	_, other, _ := fx.tokens.Create("Khác", access.Viewer, "12", 0)
	if err := fx.tokens.EndSession(other); !errors.Is(err, access.ErrForbidden) {
		t.Errorf("EndSession of an API token: %v", err)
	}
	if _, err := fx.tokens.Verify(other); err != nil {
		t.Errorf("EndSession revoked an API token: %v", err)
	}
}

func TestAssetsAreGzippedWithSecurityHeaders(t *testing.T) {
	fx := newFixture(t)
	for _, path := range []string{"/", "/app/app.js", "/app/style.css"} {
		req, _ := http.NewRequest("GET", fx.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d, encoding %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(zr)
		if len(raw) == 0 {
			t.Errorf("%s: empty", path)
		}
		for h, want := range map[string]string{
			"Content-Security-Policy": "script-src 'self'",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
		} {
			if !strings.Contains(resp.Header.Get(h), want) {
				t.Errorf("%s: %s = %q, want %q", path, h, resp.Header.Get(h), want)
			}
		}
		if strings.Contains(resp.Header.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code", path)
		}
		// Revalidation costs a 304.
		req2, _ := http.NewRequest("GET", fx.srv.URL+path, nil)
		req2.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp2, err := http.DefaultTransport.RoundTrip(req2)
		if err != nil {
			t.Fatal(err)
		}
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", path, resp2.StatusCode)
		}
	}
	if resp := fx.do("GET", "/app/nothing.js", "", nil, nil); resp.StatusCode != 404 {
		t.Errorf("a missing asset: %d", resp.StatusCode)
	}
}

func TestIndexHasNoInlineScript(t *testing.T) {
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for i := strings.Index(s, "<script"); i >= 0; i = strings.Index(s[i+1:], "<script") + i + 1 {
		tag := s[i : i+strings.Index(s[i:], ">")+1]
		if !strings.Contains(tag, "src=") || !strings.HasPrefix(s[i+len(tag):], "</script>") {
			t.Errorf("inline script in index.html: %s", tag)
		}
		if strings.Index(s[i+1:], "<script") < 0 {
			break
		}
	}
	if strings.Contains(s, " on") && strings.Contains(s, "onclick=") {
		t.Error("inline event handler in index.html")
	}
}

func TestSessionFromALinkEndsWithTheTokenThatMadeIt(t *testing.T) {
	fx := newFixture(t)
	_, adminSecret, err := fx.tokens.Create("Quản trị huyện", access.Admin, "106", 0)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := fx.tokens.Verify(adminSecret)
	if err != nil {
		t.Fatal(err)
	}
	_, link, err := fx.tokens.CreateSignInLink(admin, "Văn phòng Đảng ủy", access.Editor, "03390", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fx.tokens.StartSession(link, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := fx.tokens.Verify(s.Secret); err != nil || c.Role != access.Editor || c.Unit != "03390" {
		t.Fatalf("the session: %+v, %v", c, err)
	}
	if _, err := fx.tokens.Store.RevokeAPIToken(admin.TokenID); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.tokens.Verify(s.Secret); !errors.Is(err, access.ErrUnauthenticated) {
		t.Errorf("the session outlived the revoked token that made its link: %v", err)
	}
}
