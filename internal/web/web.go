// Package web serves the web app every node offers on its HTTP port, and the
// browser's sign-in: an API token or a one-time sign-in link is exchanged at
// POST /session for a session held in an HttpOnly, SameSite=Strict cookie,
// which the REST API then accepts as it accepts a bearer token. The app is
// plain JavaScript modules, HTML and CSS embedded in the binary (no
// framework, no build step), and a client of the documented REST API only.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/tonghop/tonghop/internal/access"
)

//go:embed static
var static embed.FS

// CookieName is the session cookie of the node of unit. It names the unit
// because cookies do not tell ports apart: nodes side by side on one host
// (the demo's, on loopback) must not overwrite each other's session.
func CookieName(unit string) string { return "tonghop_session_" + unit }

// RequestHeader must be sent, with any value, on every write made with the
// session cookie: a page of another site cannot add a header to a request
// without a CORS preflight, which this server never grants.
const RequestHeader = "X-Tonghop-Request"

// DefaultSessionTTL is how long a browser session lasts when Server.SessionTTL
// is zero: a working day.
const DefaultSessionTTL = 12 * time.Hour

// Server serves the app and the sign-in exchange, and wraps the REST API so
// that it accepts the session cookie.
type Server struct {
	Tokens *access.Tokens
	// Unit is the node's unit, which names the cookie.
	Unit   string
	Logger *zap.Logger
	// SessionTTL bounds a session; 0 means DefaultSessionTTL.
	SessionTTL time.Duration

	assets map[string]asset
}

// asset is one embedded file, with its gzip form made once.
type asset struct {
	body, gz []byte
	ctype    string
	etag     string
}

// contentType is the media type of a file the app is made of, by its
// extension, named here rather than looked up: mime.TypeByExtension reads the
// system's tables into memory, about 0,5 MiB an idle node would keep for five
// names.
func contentType(ext string) string {
	switch ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}

// New builds the server and compresses the embedded assets. One compressor
// serves every file: each of gzip's writers holds about 1 MiB of tables, and
// a node's idle memory is what startup left on the heap.
func New(tokens *access.Tokens, unit string, log *zap.Logger) (*Server, error) {
	if log == nil {
		log = zap.NewNop()
	}
	s := &Server{Tokens: tokens, Unit: unit, Logger: log, assets: map[string]asset{}}
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		var gz bytes.Buffer
		zw.Reset(&gz)
		zw.Write(body)
		if err := zw.Close(); err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		s.assets[strings.TrimPrefix(p, "static/")] = asset{body: body, gz: gz.Bytes(), ctype: contentType(path.Ext(p)), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return s, err
}

// Register adds the app's page at / and its files under /app/ to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { s.serveAsset(w, r, "index.html") })
	mux.HandleFunc("GET /app/{file...}", func(w http.ResponseWriter, r *http.Request) { s.serveAsset(w, r, r.PathValue("file")) })
}

// SessionPath is where the browser signs in (POST) and out (DELETE).
const SessionPath = "/session"

// Session is the sign-in exchange, to serve at SessionPath.
func (s *Server) Session() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			s.signIn(w, r)
		case http.MethodDelete:
			s.signOut(w, r)
		default:
			w.Header().Set("Allow", "POST, DELETE")
			apiError(w, http.StatusMethodNotAllowed, 12, "method "+r.Method+" not allowed on "+SessionPath)
		}
	})
}

// AssetBytes is the size of every embedded file, raw and gzip'd, by name:
// what a first load transfers at most.
func (s *Server) AssetBytes() map[string][2]int {
	out := map[string][2]int{}
	for name, a := range s.assets {
		out[name] = [2]int{len(a.body), len(a.gz)}
	}
	return out
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := s.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	// Revalidated every time: an upgraded node serves its new app at once,
	// and an unchanged file costs a 304.
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// signInRequest is the body of POST /session.
type signInRequest struct {
	// Token is an API token or a sign-in link's secret.
	Token string `json:"token"`
}

// signInResponse describes the session opened; the secret is only in the
// cookie.
type signInResponse struct {
	Role      string    `json:"role"`
	UnitCode  string    `json:"unit_code"`
	Name      string    `json:"name"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiError answers in the gateway's error shape, so the app reads one kind
// of error.
func apiError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

// gRPC codes used in answers, as numbers in the gateway's error shape.
const (
	codeInvalidArgument  = 3
	codePermissionDenied = 7
	codeUnauthenticated  = 16
	codeInternal         = 13
)

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		apiError(w, http.StatusForbidden, codePermissionDenied, "a cross-site sign-in is refused")
		return
	}
	var req signInRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, codeInvalidArgument, "body: a JSON object {\"token\": \"…\"} is required")
		return
	}
	if strings.TrimSpace(req.Token) == "" {
		apiError(w, http.StatusBadRequest, codeInvalidArgument, "token: is required")
		return
	}
	ttl := s.SessionTTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	sess, err := s.Tokens.StartSession(strings.TrimSpace(req.Token), ttl)
	if errors.Is(err, access.ErrUnauthenticated) {
		apiError(w, http.StatusUnauthorized, codeUnauthenticated, err.Error())
		return
	}
	if err != nil {
		s.Logger.Error("opening a session", zap.Error(err))
		apiError(w, http.StatusInternalServerError, codeInternal, "the session could not be stored")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName(s.Unit), Value: sess.Secret, Path: "/",
		Expires: sess.Caller.ExpiresAt, MaxAge: int(sess.Caller.ExpiresAt.Sub(s.Tokens.Now()).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(signInResponse{
		Role: sess.Caller.Role.String(), UnitCode: sess.Caller.Unit, Name: sess.Caller.Name, ExpiresAt: sess.Caller.ExpiresAt,
	})
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		apiError(w, http.StatusForbidden, codePermissionDenied, "a cross-site sign-out is refused")
		return
	}
	if c, err := r.Cookie(CookieName(s.Unit)); err == nil {
		if err := s.Tokens.EndSession(c.Value); err != nil && !errors.Is(err, access.ErrForbidden) {
			s.Logger.Error("ending a session", zap.Error(err))
			apiError(w, http.StatusInternalServerError, codeInternal, "the session could not be ended")
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName(s.Unit), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
}

// sameOrigin says whether a request that changes something comes from this
// node's own pages: the custom header (which no other site can send without
// a preflight), and, where the browser states it, Sec-Fetch-Site or Origin.
func sameOrigin(r *http.Request) bool {
	if r.Header.Get(RequestHeader) == "" {
		return false
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	// The origin's host and port must be the node's; its scheme is not
	// compared, since a TLS-terminating proxy in front makes it https while
	// the node sees plain HTTP.
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// API wraps the REST gateway: a request with the session cookie and no
// Authorization header is sent on with the session as its bearer token, so
// roles and subtrees apply exactly as for any token (internal/server's
// table). A write with the cookie must come from this origin. The cookie
// itself goes no further.
func (s *Server) API(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(CookieName(s.Unit))
		if err == nil && r.Header.Get("Authorization") == "" {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if !sameOrigin(r) {
					apiError(w, http.StatusForbidden, codePermissionDenied, "a write with the session cookie must come from this node's own pages (header "+RequestHeader+")")
					return
				}
			}
			r.Header.Set("Authorization", "Bearer "+c.Value)
		}
		// No cookie goes further: not this node's session, nor those of
		// other nodes on the same host.
		r.Header.Del("Cookie")
		next.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy allows only this origin's scripts, styles and
// requests: no inline script, no other site, no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Headers sets the security headers of every answer of the HTTP port.
func Headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
