package node

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
)

// units is a real slice of the 2024 hierarchy: Lai Châu, two districts and
// some communes of Tam Đường.
func units() []hierarchy.Unit {
	return []hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "105", Name: "Thành phố Lai Châu", Level: "district", Parent: "12"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
		{Code: "03400", Name: "Xã Tả Lèng", Level: "commune", Parent: "106"},
		{Code: "03386", Name: "Phường Quyết Thắng", Level: "commune", Parent: "105"},
	}
}

// harness is a running node of Huyện Tam Đường on loopback ports.
type harness struct {
	t      *testing.T
	node   *Node
	dir    string
	conn   *grpc.ClientConn
	data   tonghopv1.DataServiceClient
	base   string // REST base URL
	token  string // the node's first admin token
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T) *harness {
	t.Helper()
	return startWith(t, t.TempDir(), Options{})
}

// startWith is start with the node's data in dir and opts (the logger
// aside) as given; a dir that holds a node already is started again.
func startWith(t *testing.T, dir string, opts Options) *harness {
	t.Helper()
	log := zaptest.NewLogger(t)
	opts.Logger = log
	if _, err := os.Stat(filepath.Join(dir, "tonghop.db")); err != nil {
		if _, err := Init(dir, "106", units(), true, Options{Logger: log}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Unit = dir, "106"
	cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	n, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, node: n, dir: dir, cancel: cancel, done: make(chan error, 1), base: "http://" + n.HTTPAddr()}
	go func() { h.done <- n.Run(ctx) }()
	h.token, err = AdminToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	h.conn, err = grpc.NewClient(n.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(access.Credentials(h.token)))
	if err != nil {
		t.Fatal(err)
	}
	h.data = tonghopv1.NewDataServiceClient(h.conn)
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.conn.Close()
	h.cancel()
	h.cancel = nil
	if err := <-h.done; err != nil {
		h.t.Errorf("Run: %v", err)
	}
}

// fileHash is the SHA-256 of the node's bbolt file: equal hashes before and
// after a request prove the request changed nothing on disk.
func (h *harness) fileHash() [32]byte {
	h.t.Helper()
	raw, err := os.ReadFile(filepath.Join(h.dir, "tonghop.db"))
	if err != nil {
		h.t.Fatal(err)
	}
	return sha256.Sum256(raw)
}

func dv(element, option, value string) *tonghopv1.DataValue {
	return &tonghopv1.DataValue{DataElement: element, Option: option, Value: value}
}

func (h *harness) put(vals ...*tonghopv1.DataValue) error {
	_, err := h.data.PutValues(context.Background(), &tonghopv1.PutValuesRequest{
		UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Values: vals,
	})
	return err
}

// violations returns the field → description map of an InvalidArgument.
func violations(t *testing.T, err error) map[string]string {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		t.Fatalf("err = %v, want InvalidArgument", err)
	}
	out := map[string]string{}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.FieldViolations {
				out[v.Field] = v.Description
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("InvalidArgument without field violations: %v", err)
	}
	return out
}

func TestPutGetDeleteValues(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	if err := h.put(dv("dang_vien", "", "2675"), dv("dang_vien", "nu", "884"), dv("dang_vien", "nam", "1791"), dv("thon_to_dan_pho", "", "126")); err != nil {
		t.Fatal(err)
	}
	resp, err := h.data.GetValues(ctx, &tonghopv1.GetValuesRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	// Catalogue order: thôn before đảng viên, a total before its options,
	// options in breakdown order (nam before nu).
	var got []string
	for _, v := range resp.Values {
		got = append(got, v.DataElement+"."+v.Option+"="+v.Value)
	}
	want := "thon_to_dan_pho.=126 dang_vien.=2675 dang_vien.nam=1791 dang_vien.nu=884"
	if strings.Join(got, " ") != want {
		t.Fatalf("GetValues = %v\nwant %v", got, want)
	}
	if _, err := h.data.DeleteValue(ctx, &tonghopv1.DeleteValueRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", DataElement: "dang_vien", Option: "nu"}); err != nil {
		t.Fatal(err)
	}
	_, err = h.data.DeleteValue(ctx, &tonghopv1.DeleteValueRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", DataElement: "dang_vien", Option: "nu"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("second delete: %v, want NotFound", err)
	}
	resp, _ = h.data.GetValues(ctx, &tonghopv1.GetValuesRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", DataElement: "dang_vien"})
	if len(resp.Values) != 2 {
		t.Fatalf("after delete: %v", resp.Values)
	}
}

// TestBadInputChangesNothing sends each kind of bad input and checks the
// exact field named, the code, and that the file did not change by a byte.
func TestBadInputChangesNothing(t *testing.T) {
	h := start(t)
	if err := h.put(dv("dang_vien", "", "2675")); err != nil {
		t.Fatal(err)
	}
	before := h.fileHash()
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		req   *tonghopv1.PutValuesRequest
		field string
		words string // part of the reason
	}{
		{"unknown element", req("106", "2021", dv("dang_vien", "", "1"), dv("so_dang_vien", "", "5")), "values[1].data_element", `unknown data element "so_dang_vien"`},
		{"wrong breakdown option", req("106", "2021", dv("dang_vien", "female", "881")), "values[0].option", `no breakdown option "female"`},
		{"option of another element", req("106", "2021", dv("thon_to_dan_pho", "nu", "3")), "values[0].option", "thon_to_dan_pho has no breakdown option"},
		{"negative count", req("106", "2021", dv("dang_vien", "nu", "-3")), "values[0].value", "negative"},
		{"text in a count", req("106", "2021", dv("dang_vien", "", "hai nghìn")), "values[0].value", "not a whole number"},
		{"thousands separator", req("106", "2021", dv("dang_vien", "", "2.675")), "values[0].value", "plain digits"},
		{"decimal", req("106", "2021", dv("dang_vien", "", "26.5")), "values[0].value", "plain digits"},
		{"empty value", req("106", "2021", dv("dang_vien", "", "")), "values[0].value", "is required"},
		{"too large", req("106", "2021", dv("dang_vien", "", "99999999999")), "values[0].value", "too large"},
		{"bad period", req("106", "2021Q5", dv("dang_vien", "", "1")), "period", "quarter must be 1-4"},
		{"period of wrong type", req("106", "2021Q3", dv("dang_vien", "", "1")), "period", "yearly"},
		{"another unit", req("03390", "2021", dv("dang_vien", "", "1")), "unit_code", "not this node's unit"},
		{"unknown unit", req("99999", "2021", dv("dang_vien", "", "1")), "unit_code", "not this node's unit"},
		{"duplicate in batch", req("106", "2021", dv("dang_vien", "", "1"), dv("dang_vien", "", "2")), "values[1]", "repeats values[0]"},
		{"no values", req("106", "2021"), "values", "at least one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.data.PutValues(ctx, c.req)
			v := violations(t, err)
			if reason, ok := v[c.field]; !ok || !strings.Contains(reason, c.words) {
				t.Errorf("violations = %v; want %s: …%s…", v, c.field, c.words)
			}
			if h.fileHash() != before {
				t.Fatal("the store file changed")
			}
		})
	}
	// The good value of a mixed batch was not stored either.
	resp, err := h.data.GetValues(ctx, &tonghopv1.GetValuesRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Values) != 1 || resp.Values[0].Value != "2675" {
		t.Fatalf("values after rejected batches: %v", resp.Values)
	}
}

func TestEveryViolationReportedAtOnce(t *testing.T) {
	h := start(t)
	_, err := h.data.PutValues(context.Background(), req("106", "2021",
		dv("dang_vien", "", "2675"), dv("dang_vien", "nu", "-1"), dv("xyz", "", "abc"), dv("dang_vien", "nam", "x")))
	v := violations(t, err)
	for _, f := range []string{"values[1].value", "values[2].data_element", "values[2].value", "values[3].value"} {
		if _, ok := v[f]; !ok {
			t.Errorf("missing violation of %s in %v", f, v)
		}
	}
	if len(v) != 4 {
		t.Errorf("%d violations, want 4: %v", len(v), v)
	}
}

func req(unit, period string, vals ...*tonghopv1.DataValue) *tonghopv1.PutValuesRequest {
	return &tonghopv1.PutValuesRequest{UnitCode: unit, DataSet: "tong_ket_nam", Period: period, Values: vals}
}

func TestSections(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	for _, code := range []string{"III.1", "I.2.1"} {
		if _, err := h.data.PutSection(ctx, &tonghopv1.PutSectionRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Section: code, Content: &tonghopv1.SectionContent{Text: "Nội dung " + code}}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := h.data.ListSections(ctx, &tonghopv1.ListSectionsRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Sections) != 2 || resp.Sections[0].Section != "I.2.1" || resp.Sections[1].Text != "Nội dung III.1" {
		t.Fatalf("ListSections = %v (want outline order I.2.1, III.1)", resp.Sections)
	}
	before := h.fileHash()
	_, err = h.data.PutSection(ctx, &tonghopv1.PutSectionRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Section: "IV.9", Content: &tonghopv1.SectionContent{Text: "x"}})
	if v := violations(t, err); !strings.Contains(v["section"], `no section "IV.9"`) {
		t.Fatalf("violations = %v", v)
	}
	_, err = h.data.PutSection(ctx, &tonghopv1.PutSectionRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Section: "II.1", Content: &tonghopv1.SectionContent{Text: strings.Repeat("ả", 1<<19)}})
	if v := violations(t, err); v["content.text"] == "" {
		t.Fatalf("violations = %v", v)
	}
	if h.fileHash() != before {
		t.Fatal("rejected sections changed the file")
	}
	if _, err := h.data.DeleteSection(ctx, &tonghopv1.DeleteSectionRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Section: "I.2.1"}); err != nil {
		t.Fatal(err)
	}
}

// TestREST drives the gateway: the JSON shapes, and each gRPC code mapped to
// its HTTP status with the field violations in the body.
func TestREST(t *testing.T) {
	h := start(t)
	do := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		r, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+h.token)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, path, raw)
		}
		return resp.StatusCode, m
	}
	values := "/v1/units/106/data-sets/tong_ket_nam/periods/2021/values"

	code, body := do("PATCH", values, `[{"data_element":"dang_vien","value":"2675"},{"data_element":"dang_vien","option":"nu","value":"884"}]`)
	if code != 200 || body["stored"] != float64(2) {
		t.Fatalf("PUT values: %d %v", code, body)
	}
	code, body = do("GET", values, "")
	vals, _ := body["values"].([]any)
	if code != 200 || len(vals) != 2 || vals[0].(map[string]any)["value"] != "2675" || vals[1].(map[string]any)["option"] != "nu" {
		t.Fatalf("GET values: %d %v", code, body)
	}

	before := h.fileHash()
	code, body = do("PATCH", values, `[{"data_element":"dang_vien","value":"-3"}]`)
	if code != http.StatusBadRequest || !strings.Contains(jsonString(body), `"field":"values[0].value"`) {
		t.Fatalf("negative count over REST: %d %s", code, jsonString(body))
	}
	code, _ = do("PATCH", "/v1/units/03390/data-sets/tong_ket_nam/periods/2021/values", `[{"data_element":"dang_vien","value":"3"}]`)
	if code != http.StatusBadRequest {
		t.Fatalf("another unit over REST: %d", code)
	}
	code, _ = do("PATCH", "/v1/units/106/data-sets/tong_ket_nam/periods/20x1/values", `[{"data_element":"dang_vien","value":"3"}]`)
	if code != http.StatusBadRequest {
		t.Fatalf("bad period over REST: %d", code)
	}
	if h.fileHash() != before {
		t.Fatal("rejected REST writes changed the file")
	}
	code, _ = do("DELETE", values+"/dang_vien?option=du_bi", "")
	if code != http.StatusNotFound {
		t.Fatalf("DELETE of an absent value: %d, want 404", code)
	}
	code, _ = do("DELETE", values+"/dang_vien?option=nu", "")
	if code != http.StatusOK {
		t.Fatalf("DELETE: %d", code)
	}

	code, body = do("GET", "/v1/node", "")
	node, _ := body["node"].(map[string]any)
	if code != 200 || node["unit_code"] != "106" || node["unit_name"] != "Huyện Tam Đường" || node["level"] != "district" || node["parent_code"] != "12" {
		t.Fatalf("GET /v1/node: %d %v", code, body)
	}
	code, body = do("GET", "/v1/units?parent_code=106", "")
	if code != 200 || body["total_size"] != float64(3) {
		t.Fatalf("GET /v1/units?parent_code=106: %d %v", code, body)
	}
	code, body = do("GET", "/v1/units/03390", "")
	anc, _ := body["ancestors"].([]any)
	if code != 200 || len(anc) != 2 || anc[0].(map[string]any)["code"] != "12" {
		t.Fatalf("GET /v1/units/03390: %d %v", code, body)
	}
	if code, _ = do("GET", "/v1/units/99999", ""); code != http.StatusNotFound {
		t.Fatalf("unknown unit: %d, want 404", code)
	}
	if code, _ = do("GET", "/v1/units?page_size=-1", ""); code != http.StatusBadRequest {
		t.Fatalf("bad page size: %d, want 400", code)
	}
	code, body = do("GET", "/v1/catalog/data-elements/dang_vien", "")
	if code != 200 || body["data_element"].(map[string]any)["nature"] != "NATURE_STOCK" {
		t.Fatalf("GET data element: %d %v", code, body)
	}
	if code, _ = do("GET", "/v1/catalog/indicators/khong_co", ""); code != http.StatusNotFound {
		t.Fatalf("unknown indicator: %d", code)
	}
}

func jsonString(m map[string]any) string {
	raw, _ := json.Marshal(m)
	return string(raw)
}

func TestListUnitsPages(t *testing.T) {
	h := start(t)
	client := tonghopv1.NewHierarchyServiceClient(h.conn)
	var codes []string
	req := &tonghopv1.ListUnitsRequest{PageSize: 3}
	for page := 0; ; page++ {
		resp, err := client.ListUnits(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.TotalSize != 7 {
			t.Fatalf("total_size = %d", resp.TotalSize)
		}
		for _, u := range resp.Units {
			codes = append(codes, u.Code)
		}
		if resp.NextPageToken == "" {
			break
		}
		if page > 3 {
			t.Fatal("paging does not end")
		}
		req.PageToken = resp.NextPageToken
	}
	if got := strings.Join(codes, ","); got != "03386,03390,03394,03400,105,106,12" {
		t.Fatalf("units over pages = %s", got)
	}
	resp, err := client.ListUnits(context.Background(), &tonghopv1.ListUnitsRequest{Level: "district"})
	if err != nil || len(resp.Units) != 2 {
		t.Fatalf("districts: %v %v", resp, err)
	}
	_, err = client.ListUnits(context.Background(), &tonghopv1.ListUnitsRequest{Level: "hamlet", AsOf: "2025-13-01", PageToken: "!!"})
	v := violations(t, err)
	if v["level"] == "" || v["as_of"] == "" || v["page_token"] == "" {
		t.Fatalf("violations = %v", v)
	}
}

// TestHealthReflectionMetrics checks what operators and grpcurl rely on.
func TestHealthReflectionMetrics(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	hc, err := healthpb.NewHealthClient(h.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "tonghop.v1.DataService"})
	if err != nil || hc.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v %v", hc, err)
	}

	stream, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	r, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, s := range r.GetListServicesResponse().GetService() {
		listed[s.Name] = true
	}
	for _, want := range []string{"tonghop.v1.NodeService", "tonghop.v1.CatalogService", "tonghop.v1.HierarchyService", "tonghop.v1.DataService", "grpc.health.v1.Health"} {
		if !listed[want] {
			t.Errorf("reflection does not list %s: %v", want, listed)
		}
	}
	stream.CloseSend()

	get := func(path string) (int, string) {
		resp, err := http.Get(h.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	if _, err := tonghopv1.NewNodeServiceClient(h.conn).GetNode(ctx, &tonghopv1.GetNodeRequest{}); err != nil {
		t.Fatal(err)
	}
	code, body := get("/metrics")
	if code != 200 || !strings.Contains(body, `tonghop_grpc_requests_total{code="OK",method="/tonghop.v1.NodeService/GetNode"} 1`) {
		t.Fatalf("/metrics: %d, GetNode not counted:\n%s", code, grepLines(body, "tonghop_grpc_requests_total"))
	}
	if code, body := get("/openapi.json"); code != 200 || !strings.Contains(body, "/v1/units/{unit_code}/data-sets/{data_set}/periods/{period}/values") {
		t.Fatalf("/openapi.json: %d", code)
	}
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestGracefulShutdown cancels a running node: Run returns, both ports
// close, and the store is released so another node can open it.
func TestGracefulShutdown(t *testing.T) {
	h := start(t)
	grpcAddr, httpAddr := h.node.GRPCAddr(), h.node.HTTPAddr()
	h.stop()
	for _, addr := range []string{grpcAddr, httpAddr} {
		if _, err := (&http.Client{Timeout: time.Second}).Get("http://" + addr + "/healthz"); err == nil {
			t.Errorf("%s still answers after shutdown", addr)
		}
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = h.dir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	n, err := New(cfg, Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatalf("reopening after shutdown: %v", err)
	}
	n.Close()
}

func TestNewRefusesWrongUnitAndUninitialisedDir(t *testing.T) {
	h := start(t)
	h.stop()
	cfg := config.Default()
	cfg.DataDir, cfg.Unit, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = h.dir, "03390", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	if _, err := New(cfg, Options{}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "belongs to unit 106") {
		t.Fatalf("wrong unit: %v", err)
	}
	cfg.DataDir, cfg.Unit = t.TempDir(), ""
	if _, err := New(cfg, Options{}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "tonghop init") {
		t.Fatalf("uninitialised: %v", err)
	}
}

// TestRESTRefusals covers requests the gateway must refuse rather than
// misread: a form POST (which grpc-gateway would otherwise turn into a GET
// answering 200), a wrong method, a body of the wrong shape, a body too large.
func TestRESTRefusals(t *testing.T) {
	h := start(t)
	values := h.base + "/v1/units/106/data-sets/tong_ket_nam/periods/2021/values"
	before := h.fileHash()
	send := func(method, url, contentType string, body io.Reader) int {
		t.Helper()
		r, err := http.NewRequest(method, url, body)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+h.token)
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name, method, contentType, body string
		want                            int
	}{
		{"form POST", "POST", "application/x-www-form-urlencoded", `[{"data_element":"dang_vien","value":"1"}]`, http.StatusUnsupportedMediaType},
		{"PUT on the values", "PUT", "application/json", `[{"data_element":"dang_vien","value":"1"}]`, http.StatusMethodNotAllowed},
		{"object instead of array", "PATCH", "application/json", `{"unit_code":"03390","values":[{"data_element":"dang_vien","value":"1"}]}`, http.StatusBadRequest},
		{"not JSON", "PATCH", "application/json", `dang_vien=1`, http.StatusBadRequest},
	} {
		if got := send(c.method, values, c.contentType, strings.NewReader(c.body)); got != c.want {
			t.Errorf("%s: HTTP %d, want %d", c.name, got, c.want)
		}
	}
	big := "[" + strings.Repeat(`{"data_element":"dang_vien","value":"1"},`, MaxRequestBytes/40) + `{"data_element":"dang_vien","value":"1"}]`
	if got := send("PATCH", values, "application/json", strings.NewReader(big)); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: HTTP %d, want 413", got)
	}
	if h.fileHash() != before {
		t.Fatal("a refused request changed the file")
	}
}

// TestShutdownTimeoutStopsHard holds a stream open so that a graceful stop
// cannot finish: Run must still return once the shutdown timeout passes,
// cutting the stream.
func TestShutdownTimeoutStopsHard(t *testing.T) {
	dir := t.TempDir()
	log := zaptest.NewLogger(t)
	if _, err := Init(dir, "106", units(), true, Options{Logger: log}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = dir, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.ShutdownTimeout = 100 * time.Millisecond
	n, err := New(cfg, Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()

	conn, err := grpc.NewClient(n.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	watch, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first watch answer: %v %v", first, err)
	}
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if took := time.Since(start); took < cfg.ShutdownTimeout {
		t.Errorf("Run returned after %v, before the shutdown timeout: the open stream was not waited for", took)
	}
	// The stream sees NOT_SERVING, then is cut.
	for {
		msg, err := watch.Recv()
		if err != nil {
			break
		}
		if msg.Status == healthpb.HealthCheckResponse_SERVING {
			t.Fatal("still SERVING during shutdown")
		}
	}
}

// TestRESTNeedsToken: without a token REST answers 401; a viewer's token
// reads but may not write (403); health and metrics stay open.
func TestRESTNeedsToken(t *testing.T) {
	h := start(t)
	viewer, err := tonghopv1.NewAccessServiceClient(h.conn).CreateToken(context.Background(), &tonghopv1.CreateTokenRequest{
		Name: "chuyên viên", Role: tonghopv1.Role_ROLE_VIEWER, UnitCode: "106",
	})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, token, body string) int {
		r, _ := http.NewRequest(method, h.base+path, strings.NewReader(body))
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	values := "/v1/units/106/data-sets/tong_ket_nam/periods/2021/values"
	for _, c := range []struct {
		method, path, token, body string
		want                      int
	}{
		{"GET", "/v1/node", "", "", http.StatusUnauthorized},
		{"GET", "/v1/node", "thk1.0000000000000000.AAAA", "", http.StatusUnauthorized},
		{"GET", "/v1/node", viewer.Secret, "", http.StatusOK},
		{"GET", values, viewer.Secret, "", http.StatusOK},
		{"PATCH", values, viewer.Secret, `[{"data_element":"dang_vien","value":"1"}]`, http.StatusForbidden},
		{"PATCH", values, h.token, `[{"data_element":"dang_vien","value":"1"}]`, http.StatusOK},
		{"GET", "/healthz", "", "", http.StatusOK},
		{"GET", "/metrics", "", "", http.StatusOK},
	} {
		if got := call(c.method, c.path, c.token, c.body); got != c.want {
			t.Errorf("%s %s (token %.8s…): %d, want %d", c.method, c.path, c.token, got, c.want)
		}
	}
	// The refused write and the accepted one are both in the audit log.
	log, err := tonghopv1.NewAccessServiceClient(h.conn).ListAudit(context.Background(), &tonghopv1.ListAuditRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, e := range log.Entries {
		if e.Method == tonghopv1.DataService_PutValues_FullMethodName {
			codes = append(codes, e.Code)
		}
	}
	if strings.Join(codes, ",") != "OK,PermissionDenied" {
		t.Fatalf("audited PutValues calls, newest first: %v", codes)
	}
}
