package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tonghop/tonghop/api"
	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
)

// The hostile probes: requests a hostile caller sends, by class, against a
// node on loopback. Each must be refused with its own code, name the field
// where there is one, and leave the store's file exactly as it was.

// rawCodec sends a message's bytes as they are, to put on the wire what no
// generated client would.
type rawCodec struct{}

type rawBytes []byte

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*rawBytes))}, nil
}
func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*rawBytes) = data.Materialize()
	return nil
}
func (rawCodec) Name() string { return "proto" }

var _ encoding.CodecV2 = rawCodec{}

// field appends a length-delimited field to b.
func wireField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// probe is one hostile request and the refusal it must draw.
type probe struct {
	class, name string
	// REST
	method, path, contentType, body string
	bodyReader                      func() io.Reader // a body of unknown length (chunked)
	headers                         map[string][]string
	wantHTTP                        int
	// gRPC
	call     func(ctx context.Context) error
	wantCode codes.Code
	// wantField is the field the refusal must name; empty: none.
	wantField string
	// maxAnswer bounds the size of the answer, in bytes; 0: 64 KiB.
	maxAnswer int
}

func (h *harness) probes(t *testing.T) []probe {
	values := "/v1/units/106/data-sets/tong_ket_nam/periods/2021/values"
	data := tonghopv1.NewDataServiceClient(h.conn)
	targets := tonghopv1.NewTargetServiceClient(h.conn)
	tokens := tonghopv1.NewAccessServiceClient(h.conn)
	raw := func(method string, b []byte) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			in, out := rawBytes(b), rawBytes(nil)
			return h.conn.Invoke(ctx, method, &in, &out, grpc.ForceCodecV2(rawCodec{}))
		}
	}
	putValues := tonghopv1.DataService_PutValues_FullMethodName
	goodValue := wireField(wireField(nil, 1, []byte("dang_vien")), 3, []byte("1"))
	setTarget := func(unit, indicator string, v float64) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			_, err := targets.SetTarget(ctx, &tonghopv1.SetTargetRequest{Target: &tonghopv1.Target{
				Indicator: indicator, UnitCode: unit, Period: "2025", Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: v,
			}})
			return err
		}
	}
	var ps []probe
	// Invalid UTF-8 in every REST route: in each path variable, and in a
	// query parameter.
	routes := restRoutes(t)
	for _, r := range routes {
		for i, seg := range r.segs {
			if !strings.HasPrefix(seg, "{") {
				continue
			}
			name := strings.TrimPrefix(seg[:strings.IndexByte(seg, '}')], "{")
			segs := append([]string(nil), r.segs...)
			segs[i] = "x%FF" + seg[strings.IndexByte(seg, '}')+1:]
			for j, s := range segs {
				if j != i && strings.HasPrefix(s, "{") {
					segs[j] = "106" + s[strings.IndexByte(s, '}')+1:]
				}
			}
			ps = append(ps, probe{class: "invalid UTF-8", name: r.method + " " + r.path + " with " + name,
				method: r.method, path: "/" + strings.Join(segs, "/"), contentType: "application/json", body: r.body,
				wantHTTP: http.StatusBadRequest, wantField: name})
		}
		segs := append([]string(nil), r.segs...)
		for j, s := range segs {
			if strings.HasPrefix(s, "{") {
				segs[j] = "106" + s[strings.IndexByte(s, '}')+1:]
			}
		}
		ps = append(ps, probe{class: "invalid UTF-8", name: r.method + " " + r.path + " with a query parameter",
			method: r.method, path: "/" + strings.Join(segs, "/") + "?period=%C0%AF", contentType: "application/json", body: r.body,
			wantHTTP: http.StatusBadRequest, wantField: "period"})
	}
	ps = append(ps,
		probe{class: "invalid UTF-8", name: "gRPC unit_code", call: raw(putValues, wireField(nil, 1, []byte("10\xff"))), wantCode: codes.InvalidArgument, wantField: "unit_code"},
		probe{class: "invalid UTF-8", name: "gRPC values[1].option", call: raw(putValues, wireField(wireField(wireField(nil, 1, []byte("106")), 4, goodValue), 4, wireField(goodValue, 2, []byte("n\xc3")))), wantCode: codes.InvalidArgument, wantField: "values[1].option"},
		probe{class: "bad wire format", name: "gRPC truncated field", call: raw(putValues, []byte{0x0a, 0x7f, 'x'}), wantCode: codes.InvalidArgument, wantField: "request"},
		probe{class: "bad wire format", name: "gRPC bad tag", call: raw(putValues, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), wantCode: codes.InvalidArgument, wantField: "request"},

		probe{class: "not a target", name: "NaN over gRPC", call: setTarget("03390", "so_dang_vien_ket_nap", math.NaN()), wantCode: codes.InvalidArgument, wantField: "target.value"},
		probe{class: "not a target", name: "+Inf over gRPC", call: setTarget("03390", "so_dang_vien_ket_nap", math.Inf(1)), wantCode: codes.InvalidArgument, wantField: "target.value"},
		probe{class: "not a target", name: "-Inf over gRPC", call: setTarget("03390", "so_dang_vien_ket_nap", math.Inf(-1)), wantCode: codes.InvalidArgument, wantField: "target.value"},
		probe{class: "not a target", name: "1e308 over gRPC", call: setTarget("03390", "so_dang_vien_ket_nap", 1e308), wantCode: codes.InvalidArgument, wantField: "target.value"},
		probe{class: "not a target", name: "a negative count", call: setTarget("03390", "so_dang_vien_ket_nap", -5), wantCode: codes.InvalidArgument, wantField: "target.value"},
		probe{class: "not a target", name: "-5 %", call: setTarget("03390", "ty_le_thon_co_chi_bo", -5), wantCode: codes.InvalidArgument, wantField: "target.value"},
		probe{class: "not a target", name: "101 %", call: setTarget("03390", "ty_le_thon_co_chi_bo", 101), wantCode: codes.InvalidArgument, wantField: "target.value"},
		probe{class: "not a target", name: "NaN over REST", method: "POST", path: "/v1/targets", contentType: "application/json",
			body: `{"indicator":"so_dang_vien_ket_nap","unit_code":"03390","period":"2025","direction":"DIRECTION_AT_LEAST","value":"NaN"}`, wantHTTP: http.StatusBadRequest, wantField: "target.value"},
		probe{class: "not a target", name: "Infinity over REST", method: "POST", path: "/v1/targets", contentType: "application/json",
			body: `{"indicator":"so_dang_vien_ket_nap","unit_code":"03390","period":"2025","direction":"DIRECTION_AT_LEAST","value":"Infinity"}`, wantHTTP: http.StatusBadRequest, wantField: "target.value"},

		probe{class: "trailing data", name: "two arrays", method: "PATCH", path: values, contentType: "application/json",
			body: `[{"data_element":"dang_vien","value":"1"}][{"data_element":"dang_vien","value":"2"}]`, wantHTTP: http.StatusBadRequest, wantField: "body"},
		probe{class: "trailing data", name: "an array and text", method: "PATCH", path: values, contentType: "application/json",
			body: `[{"data_element":"dang_vien","value":"1"}] xyz`, wantHTTP: http.StatusBadRequest, wantField: "body"},

		probe{class: "not JSON", name: "text/plain", method: "PATCH", path: values, contentType: "text/plain",
			body: `[{"data_element":"dang_vien","value":"1"}]`, wantHTTP: http.StatusUnsupportedMediaType},
		probe{class: "not JSON", name: "a form", method: "POST", path: "/v1/targets", contentType: "application/x-www-form-urlencoded",
			body: `indicator=dang_vien`, wantHTTP: http.StatusUnsupportedMediaType},
		probe{class: "not JSON", name: "JSON in latin-1", method: "PATCH", path: values, contentType: "application/json; charset=iso-8859-1",
			body: `[{"data_element":"dang_vien","value":"1"}]`, wantHTTP: http.StatusUnsupportedMediaType},

		probe{class: "duplicate credentials", name: "two Authorization headers", method: "PATCH", path: values, contentType: "application/json",
			body: `[{"data_element":"dang_vien","value":"1"}]`, headers: map[string][]string{"Authorization": {"Bearer " + h.token, "Bearer " + h.token}}, wantHTTP: http.StatusUnauthorized},
		probe{class: "duplicate credentials", name: "two authorization metadata entries", call: func(ctx context.Context) error {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+h.token)
			// The harness's token, then a second.
			_, err := data.PutValues(ctx, req("106", "2021", dv("dang_vien", "", "1")))
			return err
		}, wantCode: codes.Unauthenticated},

		probe{class: "oversized echo", name: "3 MB of bad values over gRPC", call: func(ctx context.Context) error {
			vals := make([]*tonghopv1.DataValue, 3000)
			for i := range vals {
				vals[i] = dv("dang_vien", "", strings.Repeat("x", 1000))
			}
			_, err := data.PutValues(ctx, req("106", "2021", vals...))
			return err
		}, wantCode: codes.InvalidArgument, wantField: "values[0].value"},
		probe{class: "oversized echo", name: "a 3 MB data element over REST", method: "PATCH", path: values, contentType: "application/json",
			body: `[{"data_element":"` + strings.Repeat("ả", 1<<20) + `","value":"1"}]`, wantHTTP: http.StatusBadRequest, wantField: "values[0].data_element"},

		probe{class: "oversized body", name: "5 MiB chunked", method: "PATCH", path: values, contentType: "application/json",
			bodyReader: func() io.Reader {
				return io.MultiReader(strings.NewReader("["), strings.NewReader(strings.Repeat(`{"data_element":"dang_vien","value":"1"},`, 5<<20/40)), strings.NewReader(`{}]`))
			}, wantHTTP: http.StatusRequestEntityTooLarge},
		probe{class: "oversized body", name: "5 MiB with its length", method: "PATCH", path: values, contentType: "application/json",
			body: "[" + strings.Repeat(`{"data_element":"dang_vien","value":"1"},`, 5<<20/40) + `{}]`, wantHTTP: http.StatusRequestEntityTooLarge},

		probe{class: "garbage page token", name: "units over REST", method: "GET", path: "/v1/units?page_token=garbage", wantHTTP: http.StatusBadRequest, wantField: "page_token"},
		probe{class: "garbage page token", name: "submissions over REST", method: "GET", path: "/v1/submissions?unit_code=106&page_token=AAAAAAAA", wantHTTP: http.StatusBadRequest, wantField: "page_token"},
		probe{class: "garbage page token", name: "audit over gRPC", call: func(ctx context.Context) error {
			_, err := tokens.ListAudit(ctx, &tonghopv1.ListAuditRequest{PageToken: "AAAAAAAAAAA"})
			return err
		}, wantCode: codes.InvalidArgument, wantField: "page_token"},

		probe{class: "unbounded token", name: "valid_days 106752", call: func(ctx context.Context) error {
			_, err := tokens.CreateToken(ctx, &tonghopv1.CreateTokenRequest{Name: "Văn phòng huyện ủy", Role: tonghopv1.Role_ROLE_VIEWER, UnitCode: "106", ValidDays: 106752})
			return err
		}, wantCode: codes.InvalidArgument, wantField: "valid_days"},
	)
	return ps
}

// route is one REST route of the OpenAPI document.
type route struct {
	method, path, body string
	segs               []string
}

// restRoutes lists every REST route, with a body that is valid JSON for
// those that take one.
func restRoutes(t *testing.T) []route {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var out []route
	for p, methods := range doc.Paths {
		for m := range methods {
			r := route{method: strings.ToUpper(m), path: p, segs: strings.Split(strings.Trim(p, "/"), "/")}
			switch r.method {
			case "PATCH":
				r.body = `[]`
			case "POST", "PUT":
				r.body = `{}`
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// TestHostileProbes sends every probe and checks its answer, the field it
// names, the size of the answer, and that the store's file is unchanged.
func TestHostileProbes(t *testing.T) {
	h := start(t)
	if err := h.put(dv("dang_vien", "", "120")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	before := h.fileHash()
	tally := map[string]map[string]int{}
	for _, p := range h.probes(t) {
		var answer string
		var size int
		var fields []string
		if p.call != nil {
			err := p.call(ctx)
			st := status.Convert(err)
			answer = st.Code().String()
			size = len(st.Message())
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.FieldViolations {
						fields = append(fields, v.Field)
						size += len(v.Field) + len(v.Description)
					}
				}
			}
			if st.Code() != p.wantCode {
				t.Errorf("%s: %s: %v, want %s", p.class, p.name, err, p.wantCode)
			}
		} else {
			var body io.Reader = strings.NewReader(p.body)
			if p.bodyReader != nil {
				body = p.bodyReader()
			}
			r, err := http.NewRequest(p.method, h.base+p.path, body)
			if err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			if p.bodyReader != nil {
				r.ContentLength = -1 // sent chunked
			}
			r.Header.Set("Authorization", "Bearer "+h.token)
			for k, vs := range p.headers {
				r.Header[k] = vs
			}
			if p.contentType != "" {
				r.Header.Set("Content-Type", p.contentType)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answer, size = fmt.Sprint(resp.StatusCode), len(raw)
			var st struct {
				Details []struct {
					FieldViolations []struct{ Field string } `json:"field_violations"`
				} `json:"details"`
			}
			json.Unmarshal(raw, &st)
			for _, d := range st.Details {
				for _, v := range d.FieldViolations {
					fields = append(fields, v.Field)
				}
			}
			if resp.StatusCode != p.wantHTTP {
				t.Errorf("%s: %s: HTTP %d %s, want %d", p.class, p.name, resp.StatusCode, bytes.TrimSpace(raw[:min(len(raw), 300)]), p.wantHTTP)
			}
		}
		if p.wantField != "" && (len(fields) == 0 || fields[0] != p.wantField) {
			t.Errorf("%s: %s: fields %v, want %s named first", p.class, p.name, fields, p.wantField)
		}
		if max := cmpOr(p.maxAnswer, 64<<10); size > max {
			t.Errorf("%s: %s: an answer of %d bytes", p.class, p.name, size)
		}
		if now := h.fileHash(); now != before {
			t.Errorf("%s: %s changed the store's file", p.class, p.name)
			before = now
		}
		if tally[p.class] == nil {
			tally[p.class] = map[string]int{}
		}
		tally[p.class][answer]++
	}
	classes := make([]string, 0, len(tally))
	for c := range tally {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		t.Logf("%-22s %v", c, tally[c])
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// TestRevokingATokenRevokesWhatItMade: a token made with another stops
// working when the other is revoked, through every making between.
func TestRevokingATokenRevokesWhatItMade(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	as := func(token string) tonghopv1.AccessServiceClient {
		conn, err := grpc.NewClient(h.node.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(access.Credentials(token)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return tonghopv1.NewAccessServiceClient(conn)
	}
	mk := func(c tonghopv1.AccessServiceClient, name string) *tonghopv1.CreateTokenResponse {
		resp, err := c.CreateToken(ctx, &tonghopv1.CreateTokenRequest{Name: name, Role: tonghopv1.Role_ROLE_ADMIN, UnitCode: "106"})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	deputy := mk(as(h.token), "Phó văn phòng")
	clerk := mk(as(deputy.Secret), "Chuyên viên")
	script := mk(as(clerk.Secret), "Tập lệnh báo cáo")
	if _, err := as(script.Secret).ListTokens(ctx, &tonghopv1.ListTokensRequest{}); err != nil {
		t.Fatalf("the last token before any revocation: %v", err)
	}
	if _, err := as(h.token).RevokeToken(ctx, &tonghopv1.RevokeTokenRequest{Id: deputy.Token.Id}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []*tonghopv1.CreateTokenResponse{deputy, clerk, script} {
		if _, err := as(tok.Secret).ListTokens(ctx, &tonghopv1.ListTokensRequest{}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("token %s (%s) after its maker's revocation: %v, want Unauthenticated", tok.Token.Id, tok.Token.Name, err)
		}
	}
	if _, err := as(h.token).ListTokens(ctx, &tonghopv1.ListTokensRequest{}); err != nil {
		t.Errorf("the first admin token: %v", err)
	}
}

// TestRESTWritesZeroValues: REST answers carry every field, zero values
// included, so a client reading "met" or "parent_address" gets false or "",
// not nothing.
func TestRESTWritesZeroValues(t *testing.T) {
	h := start(t)
	r, _ := http.NewRequest("GET", h.base+"/v1/outbox", nil)
	r.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if v, ok := got["parent_address"]; !ok || v != "" {
		t.Errorf("GET /v1/outbox at the root = %v, want parent_address \"\" written out", got)
	}
	if v, ok := got["entries"].([]any); !ok || len(v) != 0 {
		t.Errorf("GET /v1/outbox at the root = %v, want entries []", got)
	}
}
