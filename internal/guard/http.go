// Package guard refuses, at the node's edges, requests that no handler
// should have to read: over REST a path or query that is not UTF-8, a body
// that is not JSON or carries data after its JSON value, a body over the
// size limit however it is sent; over gRPC a message that is not valid
// wire format or holds a string that is not UTF-8. Each refusal is the
// caller's error — 400/InvalidArgument naming the field, 413, 415 — never
// an internal one, and is answered before the store is reached.
package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
)

// HTTP wraps the REST gateway. Routes are the gateway's path templates as
// the OpenAPI document lists them ("/v1/units/{code}"), so that a bad path
// segment is refused naming its field; maxBody bounds a request body.
func HTTP(next http.Handler, routes []string, maxBody int64) http.Handler {
	g := &httpGuard{next: next, max: maxBody}
	for _, r := range routes {
		g.routes = append(g.routes, strings.Split(strings.Trim(r, "/"), "/"))
	}
	return g
}

type httpGuard struct {
	next   http.Handler
	max    int64
	routes [][]string
}

// Routes returns the path templates of an OpenAPI (v2) document.
func Routes(openapi []byte) ([]string, error) {
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi, &doc); err != nil {
		return nil, fmt.Errorf("guard: the OpenAPI document: %w", err)
	}
	out := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		out = append(out, p)
	}
	return out, nil
}

func (g *httpGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if field, ok := g.badPath(r.URL.Path); !ok {
		refuse(w, codes.InvalidArgument, field, "is not valid UTF-8")
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		refuse(w, codes.InvalidArgument, "query", "is not a valid query string")
		return
	}
	for k, vs := range query {
		if !utf8.ValidString(k) {
			refuse(w, codes.InvalidArgument, "query", "holds a parameter name that is not valid UTF-8")
			return
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				refuse(w, codes.InvalidArgument, k, "is not valid UTF-8")
				return
			}
		}
	}
	if n := len(r.Header.Values("Authorization")); n > 1 {
		refuse(w, codes.Unauthenticated, "Authorization", fmt.Sprintf("appears %d times: send exactly one", n))
		return
	}
	if r.ContentLength > g.max {
		httpError(w, http.StatusRequestEntityTooLarge, codes.InvalidArgument, fmt.Sprintf("request body of %d bytes; at most %d", r.ContentLength, g.max))
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.max))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			httpError(w, http.StatusRequestEntityTooLarge, codes.InvalidArgument, fmt.Sprintf("request body over %d bytes", g.max))
			return
		case err != nil:
			httpError(w, http.StatusBadRequest, codes.InvalidArgument, "the request body could not be read")
			return
		}
		// A body without a Content-Type is read as JSON, as the gateway
		// always has; one that says it is anything else is refused, except
		// on the routes that take a file.
		upload := isUpload(r.URL.Path)
		if ct := r.Header.Get("Content-Type"); !upload && len(bytes.TrimSpace(body)) > 0 && ct != "" {
			if mt, params, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" ||
				params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8") {
				httpError(w, http.StatusUnsupportedMediaType, codes.InvalidArgument,
					fmt.Sprintf("Content-Type %q: request bodies are JSON, Content-Type: application/json", clip(r.Header.Get("Content-Type"))))
				return
			}
		}
		if !upload && len(bytes.TrimSpace(body)) > 0 {
			if off, trailing := trailingData(body); trailing {
				refuse(w, codes.InvalidArgument, "body", fmt.Sprintf("holds data after its JSON value, from byte %d: send one JSON value", off))
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	g.next.ServeHTTP(w, r)
}

// isUpload reports whether a route's body is a file (a google.api.HttpBody
// of any media type: a spreadsheet, a district's sheet for its communes, a
// DHIS2 data value set) rather than
// JSON.
func isUpload(path string) bool {
	return strings.HasSuffix(path, ":importSpreadsheet") || strings.HasSuffix(path, ":submit-sheet-on-behalf") ||
		strings.HasSuffix(path, "/dataValueSets:import")
}

// trailingData reports whether body holds anything but white space after
// its first JSON value, and from which byte. A body that is not JSON at all
// is the gateway's to refuse, naming what it expected.
func trailingData(body []byte) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return 0, false
	}
	off := dec.InputOffset()
	return off, len(bytes.TrimSpace(body[off:])) > 0
}

// badPath finds a path segment that is not UTF-8 and names the field the
// route puts it in ("unit_code"), or "path" where no route matches.
func (g *httpGuard) badPath(path string) (string, bool) {
	if utf8.ValidString(path) {
		return "", true
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if utf8.ValidString(s) {
			continue
		}
		for _, route := range g.routes {
			if name, ok := fieldAt(route, segs, i); ok {
				return name, false
			}
		}
		return "path", false
	}
	return "path", false
}

// fieldAt matches segs against route and names the variable at segment i.
func fieldAt(route, segs []string, i int) (string, bool) {
	if len(route) != len(segs) {
		return "", false
	}
	name := ""
	for j, t := range route {
		if !strings.HasPrefix(t, "{") {
			if t != segs[j] {
				return "", false
			}
			continue
		}
		end := strings.IndexByte(t, '}')
		if end < 0 {
			return "", false
		}
		if verb := t[end+1:]; verb != "" && !strings.HasSuffix(segs[j], verb) {
			return "", false
		}
		if j == i {
			name = strings.SplitN(t[1:end], "=", 2)[0]
		}
	}
	return name, name != ""
}

// maxEcho bounds what an answer repeats of the request.
const maxEcho = 200

func clip(s string) string {
	if len(s) <= maxEcho {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(s[:maxEcho], "") + "…"
}

// refuse answers as the gateway answers a gRPC error: the status as JSON,
// with the field violation for InvalidArgument.
func refuse(w http.ResponseWriter, code codes.Code, field, reason string) {
	st := status.New(code, field+": "+reason)
	if code == codes.InvalidArgument {
		if d, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: reason}}}); err == nil {
			st = d
		}
	}
	write(w, runtime.HTTPStatusFromCode(code), st)
}

func httpError(w http.ResponseWriter, httpStatus int, code codes.Code, msg string) {
	write(w, httpStatus, status.New(code, msg))
}

func write(w http.ResponseWriter, httpStatus int, st *status.Status) {
	body, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(st.Proto())
	if err != nil {
		body = []byte(`{"code":13,"message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	w.Write(body)
}
