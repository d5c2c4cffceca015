package web_test

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
)

// axe is axe-core 4.14.1 (MPL-2.0, testdata/axe/LICENSE), injected into the
// pages to check them for accessibility.
//
//go:embed testdata/axe/axe.min.js
var axe string

// chromium finds the browser: $TONGHOP_CHROMIUM, or Debian's chromium.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TONGHOP_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium installed (apt-get install chromium, or set TONGHOP_CHROMIUM): the web app's browser tests are skipped")
	return ""
}

// tnode is one running node of the test hierarchy.
type tnode struct {
	code  string
	n     *node.Node
	admin *grpc.ClientConn
	url   string
}

type hier struct {
	t     *testing.T
	dir   string
	units []hierarchy.Unit
	ctx   context.Context
	nodes map[string]*tnode
	wg    sync.WaitGroup
}

func newHier(t *testing.T) *hier {
	raw, err := os.ReadFile(filepath.Join("..", "demo", "lai-chau-2024.csv"))
	if err != nil {
		t.Fatal(err)
	}
	units, err := hierarchy.ReadCSV(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &hier{t: t, dir: t.TempDir(), units: units, ctx: ctx, nodes: map[string]*tnode{}}
	t.Cleanup(func() { cancel(); h.wg.Wait() })
	return h
}

// start initialises, enrols and runs the node of code under parent, as an
// operator would with tonghop init, enroll and serve.
func (h *hier) start(code string, parent *tnode) *tnode {
	t := h.t
	dir := filepath.Join(h.dir, code)
	log := zap.NewNop()
	if testing.Verbose() {
		log = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)).Named(code)
	}
	if _, err := node.Init(dir, code, h.units, parent == nil, node.Options{Logger: log}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.SyncInterval = 200 * time.Millisecond
	if parent != nil {
		tok, err := tonghopv1.NewChildrenServiceClient(parent.admin).CreateEnrollmentToken(h.ctx, &tonghopv1.CreateEnrollmentTokenRequest{UnitCode: code})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := node.Enroll(h.ctx, dir, parent.n.PeerAddr(), tok.Token, node.Options{Logger: log}); err != nil {
			t.Fatal(err)
		}
		cfg.Parent = parent.n.PeerAddr()
	}
	n, err := node.New(cfg, node.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	h.wg.Add(1)
	go func() { defer h.wg.Done(); n.Run(h.ctx) }()
	secret, err := node.AdminToken(dir)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(n.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(access.Credentials(secret)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	tn := &tnode{code: code, n: n, admin: conn, url: "http://" + n.HTTPAddr()}
	h.nodes[code] = tn
	return tn
}

// link makes a one-time sign-in link on the node, as `tonghop tokens
// create --sign-in-link` does.
func (tn *tnode) link(t *testing.T, role tonghopv1.Role, unit, name string) string {
	t.Helper()
	resp, err := tonghopv1.NewAccessServiceClient(tn.admin).CreateToken(context.Background(), &tonghopv1.CreateTokenRequest{
		Name: name, Role: role, UnitCode: unit, SignInLink: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tn.url + "/#dang-nhap=" + resp.Secret
}

func (tn *tnode) token(t *testing.T, role tonghopv1.Role, unit string) string {
	t.Helper()
	resp, err := tonghopv1.NewAccessServiceClient(tn.admin).CreateToken(context.Background(), &tonghopv1.CreateTokenRequest{
		Name: "kiểm thử", Role: role, UnitCode: unit,
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Secret
}

func vals(kv ...any) []*tonghopv1.DataValue {
	var out []*tonghopv1.DataValue
	for i := 0; i < len(kv); i += 2 {
		el, opt, _ := strings.Cut(kv[i].(string), ".")
		out = append(out, &tonghopv1.DataValue{DataElement: el, Option: opt, Value: fmt.Sprint(kv[i+1])})
	}
	return out
}

// report enters and signs a unit's report through its node's API.
func (tn *tnode) report(t *testing.T, period string, v []*tonghopv1.DataValue) {
	t.Helper()
	ctx := context.Background()
	if _, err := tonghopv1.NewDataServiceClient(tn.admin).PutValues(ctx, &tonghopv1.PutValuesRequest{UnitCode: tn.code, DataSet: "tong_ket_nam", Period: period, Values: v}); err != nil {
		t.Fatal(err)
	}
	if _, err := tonghopv1.NewSubmissionServiceClient(tn.admin).Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: tn.code, DataSet: "tong_ket_nam", Period: period}); err != nil {
		t.Fatal(err)
	}
}

// patience is how long a step may take before the test gives up: long, for
// a machine whose two cores are busy with other work; a step that passes
// takes as long as it needs, never this long.
const patience = 60 * time.Second

// waitFor polls cond until it holds; the wait is on a condition, not a
// time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// browser drives one Chromium with a fresh profile.
type browser struct {
	t      *testing.T
	ctx    context.Context
	shots  string                   // directory for screenshots, or ""
	timing map[string]time.Duration // the page loaded and the screen shown
	render map[string]time.Duration // the screen alone: its API calls and rendering
	paint  map[string]time.Duration // until the frame after it was rendered
	// complete is, for the form, until its last part was built.
	complete map[string]time.Duration
	api      map[string]time.Duration // for the form, its API calls alone
}

func newBrowser(t *testing.T) *browser {
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	b := &browser{t: t, ctx: bctx, shots: os.Getenv("TONGHOP_SCREENSHOTS"), timing: map[string]time.Duration{}, render: map[string]time.Duration{},
		paint: map[string]time.Duration{}, complete: map[string]time.Duration{}, api: map[string]time.Duration{}}
	return b
}

// tab opens a new tab; closing it (the returned func) closes the page as a
// person closing the tab would.
func (b *browser) tab() (context.Context, func()) {
	ctx, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatal(err)
	}
	// Cancelling a tab's context closes the tab.
	return ctx, cancel
}

func (b *browser) run(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	c, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		b.fail(ctx, what, err)
	}
}

func (b *browser) fail(ctx context.Context, what string, err error) {
	b.t.Helper()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main')?.innerText.slice(0, 1500) + '\n[status] ' + (document.getElementById('status')?.innerText || '')`))
	b.t.Fatalf("%s: %v\npage:\n%s", what, err, text)
}

// eval evaluates a JavaScript expression in the page, awaiting a promise.
func eval[T any](b *browser, ctx context.Context, what, expr string) T {
	b.t.Helper()
	c, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail(ctx, what, err)
	}
	return v
}

// wait waits until the JavaScript expression is true.
func (b *browser) wait(ctx context.Context, what, js string) {
	b.t.Helper()
	c, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(patience-5*time.Second), chromedp.WithPollingInterval(25*time.Millisecond))); err != nil {
		b.fail(ctx, what, err)
	}
}

// screen opens a screen by its address and waits until it shows what
// ready says; it records how long that took.
func (b *browser) screen(ctx context.Context, name, url, ready string) {
	b.t.Helper()
	// The same address again would not load anything: go through a blank
	// page, as a person reloading would.
	if eval[string](b, ctx, "where the tab is", `location.href`) == url {
		b.run(ctx, "leaving "+url, chromedp.Navigate("about:blank"))
	}
	start := time.Now()
	b.run(ctx, "opening "+name, chromedp.Navigate(url))
	b.wait(ctx, name+" ready", ready)
	b.timing[name] = time.Since(start)
	b.wait(ctx, name+" painted", `document.documentElement.dataset.paintMs !== undefined`)
	b.render[name] = b.ms(ctx, "renderMs")
	b.paint[name] = b.ms(ctx, "paintMs")
	if eval[bool](b, ctx, "a form?", `document.querySelector('form.outline') !== null`) {
		b.wait(ctx, name+" built whole", `document.documentElement.dataset.formCompleteMs !== undefined`)
		b.complete[name] = b.ms(ctx, "formCompleteMs")
		b.api[name] = b.ms(ctx, "formApiMs")
	}
}

// ms reads one of the app's timings from the page's root element.
func (b *browser) ms(ctx context.Context, key string) time.Duration {
	b.t.Helper()
	var n int
	fmt.Sscan(eval[string](b, ctx, "timing "+key, `document.documentElement.dataset.`+key), &n)
	return time.Duration(n) * time.Millisecond
}

// timings logs how long each screen took, and the median and maximum of the
// screens and of the form alone.
func (b *browser) timings() {
	t := b.t
	names := make([]string, 0, len(b.timing))
	for name := range b.timing {
		names = append(names, name)
	}
	sort.Strings(names)
	var all, forms, paints, completes []time.Duration
	for _, name := range names {
		extra := ""
		if c, ok := b.complete[name]; ok {
			extra = fmt.Sprintf(" (its API calls %v); whole form built in %v", b.api[name], c)
			forms, completes = append(forms, b.render[name]), append(completes, c)
		}
		all, paints = append(all, b.render[name]), append(paints, b.paint[name])
		t.Logf("screen %-36s answered in %5v, painted in %5v; with the page loaded %v%s", name, b.render[name], b.paint[name], b.timing[name].Round(time.Millisecond), extra)
	}
	t.Logf("every screen: answered p50 %v max %v; painted p50 %v max %v (%d screens)", p50(all), slices.Max(all), p50(paints), slices.Max(paints), len(all))
	if len(forms) > 0 {
		t.Logf("the form: answered p50 %v max %v; built whole p50 %v max %v (%d loads)", p50(forms), slices.Max(forms), p50(completes), slices.Max(completes), len(forms))
	}
}

func p50(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// retype selects what a cell holds and types over it, as a person does.
func (b *browser) retype(ctx context.Context, sel, keys string) {
	b.t.Helper()
	eval[bool](b, ctx, "selecting "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.focus(); e.select(); return true })()`, sel))
	b.run(ctx, "typing into "+sel, chromedp.SendKeys(chromedp.CSS(sel), keys))
}

// paste pastes text into the focused cell, as Excel's clipboard gives it.
func (b *browser) paste(ctx context.Context, text string) {
	b.t.Helper()
	eval[bool](b, ctx, "pasting", `(() => {
		const dt = new DataTransfer(); dt.setData('text/plain', `+js(text)+`);
		document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
		return true })()`)
}

// cells is what the node holds for the unit's yearly report of period, as
// "element" or "element.option" → value.
func cells(t *testing.T, tn *tnode, period string) map[string]string {
	t.Helper()
	r, err := tonghopv1.NewDataServiceClient(tn.admin).GetValues(context.Background(), &tonghopv1.GetValuesRequest{UnitCode: tn.code, DataSet: "tong_ket_nam", Period: period})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, v := range r.Values {
		k := v.DataElement
		if v.Option != "" {
			k += "." + v.Option
		}
		out[k] = v.Value
	}
	return out
}

// submissionsOf lists the submissions tn holds of unit's yearly report of 2021.
func submissionsOf(t *testing.T, tn *tnode, unit string) []*tonghopv1.Submission {
	t.Helper()
	r, err := tonghopv1.NewSubmissionServiceClient(tn.admin).ListSubmissions(context.Background(), &tonghopv1.ListSubmissionsRequest{UnitCode: unit, DataSet: "tong_ket_nam", Period: "2021"})
	if err != nil {
		t.Fatal(err)
	}
	return r.Submissions
}

// text is the text of the first element matching a CSS selector.
func (b *browser) text(ctx context.Context, sel string) string {
	b.t.Helper()
	return eval[string](b, ctx, "reading "+sel, fmt.Sprintf(`(document.querySelector(%q)?.innerText || '')`, sel))
}

func (b *browser) shot(ctx context.Context, name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.fail(ctx, "screenshot "+name, err)
	}
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// axeCheck runs axe-core on the page and fails on any serious or critical
// violation.
func (b *browser) axeCheck(ctx context.Context, screen string) {
	b.t.Helper()
	type result struct {
		Violations []struct {
			ID     string `json:"id"`
			Impact string `json:"impact"`
			Help   string `json:"help"`
			Nodes  []struct {
				Target []any `json:"target"`
			} `json:"nodes"`
		} `json:"violations"`
	}
	eval[bool](b, ctx, "injecting axe", axe+";true")
	res := eval[result](b, ctx, "axe on "+screen, `axe.run(document, {resultTypes: ['violations']}).then(r => ({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => ({target: n.target}))}))}))`)
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("%s: accessibility (%s) %s: %s at %v", screen, v.Impact, v.ID, v.Help, v.Nodes)
		} else {
			b.t.Logf("%s: accessibility (%s) %s: %s at %v", screen, v.Impact, v.ID, v.Help, v.Nodes)
		}
	}
}

// fetchStatus makes a request from the page, as its own script would, and
// returns the HTTP status.
func (b *browser) fetchStatus(ctx context.Context, method, path, body string, appHeader bool) int {
	b.t.Helper()
	hdr := `{'Content-Type': 'application/json'}`
	if appHeader {
		hdr = `{'Content-Type': 'application/json', 'X-Tonghop-Request': '1'}`
	}
	js := fmt.Sprintf(`fetch(%q, {method: %q, headers: %s, credentials: 'same-origin'%s}).then(r => r.status)`, path, method, hdr, map[bool]string{true: ", body: " + fmt.Sprintf("%q", body), false: ""}[body != ""])
	return eval[int](b, ctx, "fetch "+path, js)
}

// restStatus makes the same request over REST with a bearer token.
func restStatus(t *testing.T, method, url, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// js quotes s for a JavaScript expression.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestWholeRoundInTheBrowser(t *testing.T) {
	b := newBrowser(t)
	h := newHier(t)
	prov := h.start("12", nil)
	d106 := h.start("106", prov)
	c03390 := h.start("03390", d106)
	d105 := h.start("105", prov)
	c03386 := h.start("03386", d105)
	ctx := context.Background()

	// The year before, entered and signed through the API: last year's
	// figures beside each cell, and the stocks to balance against.
	c03390.report(t, "2020", vals("dang_vien", 2600, "dang_vien.nam", 1750, "dang_vien.nu", 850))
	d106.report(t, "2020", vals("dang_vien", 400, "dang_vien.nam", 280, "dang_vien.nu", 120))
	// The province opens the round and sets a target for its districts.
	if _, err := tonghopv1.NewReportingServiceClient(prov.admin).OpenRound(ctx, &tonghopv1.OpenRoundRequest{
		UnitCode: "12", DataSet: "tong_ket_nam", Period: "2021",
		Deadline: timestamppb.New(time.Now().Add(30 * 24 * time.Hour)), Reference: "Công văn số 365-CV/TU ngày 23/9/2021",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := tonghopv1.NewTargetServiceClient(prov.admin).SetTarget(ctx, &tonghopv1.SetTargetRequest{Target: &tonghopv1.Target{
		Indicator: "ty_le_dang_vien_nu", Level: "district", Period: "2021", Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 35,
		Note: "Nghị quyết Đại hội Đảng bộ tỉnh",
	}}); err != nil {
		t.Fatal(err)
	}
	// Thành phố Lai Châu reports in full, through the API.
	c03386.report(t, "2021", vals("dang_vien", 300, "dang_vien.nam", 180, "dang_vien.nu", 120))
	d105.report(t, "2021", vals("dang_vien", 200, "dang_vien.nam", 130, "dang_vien.nu", 70))
	waitFor(t, "the commune to learn of the round", func() bool {
		r, err := tonghopv1.NewReportingServiceClient(c03390.admin).ListDue(ctx, &tonghopv1.ListDueRequest{UnitCode: "03390"})
		return err == nil && len(r.Due) == 1
	})

	// The commune signs in with its one-time link.
	commune, closeCommune := b.tab()
	var firstLoad loadMeter
	firstLoad.init()
	if err := chromedp.Listen(commune, firstLoad.event); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(commune, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	b.screen(commune, "due", c03390.link(t, tonghopv1.Role_ROLE_APPROVER, "03390", "Văn phòng Đảng ủy Thị trấn Tam Đường"),
		`document.querySelector('main table') && document.querySelector('main').innerText.includes('Công văn số 365-CV/TU')`)
	firstLoad.report(t)
	if got := b.text(commune, "main table"); !strings.Contains(got, "chưa nộp") {
		t.Errorf("what is due: %q, want the round not submitted", got)
	}
	hash := eval[string](b, commune, "reading the address", `location.hash`)
	if strings.Contains(hash, "thk1") {
		t.Errorf("the sign-in secret stays in the address bar: %s", hash)
	}
	cookies := eval[string](b, commune, "reading cookies", `document.cookie`)
	if cookies != "" {
		t.Errorf("script can read cookies: %q", cookies)
	}
	b.axeCheck(commune, "due")
	b.shot(commune, "1-viec-can-lam")

	// The form, laid out like the outline, with last year's figures.
	b.run(commune, "opening the form", chromedp.Click(chromedp.CSS(`main a.button`)))
	b.wait(commune, "the form", `document.querySelector('input[data-key="dang_vien|"]') !== null`)
	if got := b.text(commune, "#el-dang_vien"); !strings.Contains(got, "2.600") || !strings.Contains(got, "1.750") {
		t.Errorf("the members' table does not show last year's 2.600 and 1.750: %q", got)
	}
	// Vietnamese-style numbers typed, Enter to move on, a block pasted from
	// Excel: the labels, this year's column (Nam 1.791, Nữ 883: one member
	// short of 2.675) and last year's. Only this year's figures go in, into
	// Nam and Nữ.
	b.run(commune, "typing the total",
		chromedp.SendKeys(chromedp.CSS(`input[data-key="dang_vien|"]`), "2.675"+kb.Enter))
	focused := eval[string](b, commune, "where focus went", `document.activeElement.dataset.key`)
	if focused != "dang_vien|nam" {
		t.Errorf("Enter moved focus to %q, want dang_vien|nam", focused)
	}
	b.paste(commune, "Nam\t1.791\t1.750\r\nNữ\t883\t850\r\n")
	afterNu := eval[string](b, commune, "the cell after Nữ", `(() => { const c = [...document.querySelectorAll('input.num')]; return c[c.findIndex(e => e.dataset.key === 'dang_vien|nu') + 1].value })()`)
	if afterNu != "" {
		t.Errorf("the pasted block spilled into the cell after Nữ: %q", afterNu)
	}
	b.run(commune, "typing admissions", chromedp.SendKeys(chromedp.CSS(`input[data-key="ket_nap|"]`), "75"+kb.Enter))
	want := "Nam + Nữ = 2.674, tổng số 2.675"
	b.wait(commune, "the broken sex breakdown flagged", `document.getElementById('el-dang_vien-v').innerText.includes(`+js(want)+`)`)
	if got := b.text(commune, "#checks"); !strings.Contains(got, "Lỗi (1)") || !strings.Contains(got, want) {
		t.Errorf("the checks panel: %q, want one error with %q", got, want)
	}
	invalid := eval[bool](b, commune, "marked cells", `document.querySelector('input[data-key="dang_vien|nu"]').getAttribute('aria-invalid') === 'true'`)
	if !invalid {
		t.Error("the Nữ cell is not marked invalid")
	}
	eval[bool](b, commune, "showing the members' table", `document.getElementById('el-dang_vien').scrollIntoView(); scrollBy(0, -8); true`)
	b.shot(commune, "2-nhap-loi-gioi-tinh")
	// The figure fixed.
	b.retype(commune, `input[data-key="dang_vien|nu"]`, "884"+kb.Enter)
	b.wait(commune, "the error gone", `document.getElementById('checks').innerText.includes('không vi phạm')`)
	waitFor(t, "the pasted figures stored", func() bool {
		return cells(t, c03390, "2021")["dang_vien.nam"] == "1791" && cells(t, c03390, "2021")["dang_vien.nu"] == "884"
	})
	if got := cells(t, c03390, "2021"); got["dang_vien"] != "2675" || got["dang_vien.chinh_thuc"] != "" {
		t.Errorf("after the block was pasted the node holds %v, want dang_vien 2675 and nothing in chinh_thuc", got)
	}

	// A section written, the tab closed at once, the tab opened again.
	section := "Đảng ủy thị trấn đã lãnh đạo, chỉ đạo kiện toàn 12 chi bộ trực thuộc; chất lượng sinh hoạt chi bộ được nâng lên."
	b.run(commune, "writing I.1", chromedp.SendKeys(chromedp.CSS(`#sec-I-1`), section))
	b.axeCheck(commune, "entry form")
	closeCommune()
	commune, closeCommune = b.tab()
	defer closeCommune()
	formURL := c03390.url + "/#/nhap/tong_ket_nam/2021"
	b.screen(commune, "entry form", formURL, `document.getElementById('sec-I-1') !== null`)
	b.wait(commune, "the section back after closing the tab", `document.getElementById('sec-I-1').value === `+js(section))
	waitFor(t, "the node to hold the section", func() bool {
		r, err := tonghopv1.NewDataServiceClient(c03390.admin).ListSections(ctx, &tonghopv1.ListSectionsRequest{UnitCode: "03390", DataSet: "tong_ket_nam", Period: "2021"})
		return err == nil && len(r.Sections) == 1 && r.Sections[0].Text == section
	})

	// Sign and send; the outbox until the district's receipt.
	b.run(commune, "signing", chromedp.Click(chromedp.CSS(`#sign-send`)))
	b.wait(commune, "the district's receipt", `(document.getElementById('forward-state')?.innerText || '').includes('Cấp trên đã nhận')`)
	b.shot(commune, "3-da-gui")

	// The district sees it arrive and returns it with a comment.
	district, closeDistrict := b.tab()
	defer closeDistrict()
	b.screen(district, "sign-in (district)", d106.link(t, tonghopv1.Role_ROLE_APPROVER, "106", "Ban Tổ chức Huyện ủy Tam Đường"), `document.querySelector('#nav a[href="#/tien-do"]') !== null`)
	b.screen(district, "completeness board (district)", d106.url+"/#/tien-do/12.tong_ket_nam.2021", `document.querySelector('tr[data-unit="03390"] a') !== null`)
	if got := b.text(district, `tr[data-unit="03390"]`); !strings.Contains(got, "đã nộp, chờ duyệt") {
		t.Errorf("the district's board row: %q", got)
	}
	b.screen(district, "child's report", d106.url+"/#/bao-cao/03390/tong_ket_nam/2021", `document.getElementById('verified') !== null`)
	if got := b.text(district, "main"); !strings.Contains(got, "12 › 106 › 03390") || !strings.Contains(got, "kiểm chứng") || !strings.Contains(got, "2.675") {
		t.Errorf("the child's report lacks its signer chain, verification or figures: %q", got[:min(len(got), 600)])
	}
	b.axeCheck(district, "child's report")
	b.shot(district, "4-bao-cao-cua-xa")
	comment := "Đề nghị bổ sung số đảng viên dự bị"
	b.run(district, "returning", chromedp.SendKeys(chromedp.CSS(`#review-comment`), comment), chromedp.Click(chromedp.CSS(`#do-return`)))
	b.wait(district, "returned", `document.getElementById('review-state')?.innerText === 'bị trả lại'`)

	// The commune sees the comment, revises and sends again.
	b.screen(commune, "due, returned", c03390.url+"/#/", `document.querySelector('main table') !== null`)
	// The due list is shown again until the district's return has come
	// down; the refresh still pending when it has is called off, so that
	// nothing redraws the page under the next steps.
	b.wait(commune, "the parent's comment and the returned state", `(() => {
		const row = document.querySelector('main table')?.innerText || '';
		if (row.includes(`+js(comment)+`) && row.includes('bị trả lại')) { clearTimeout(window.refreshDue); return true; }
		if (!window.refreshDue) window.refreshDue = setTimeout(() => { window.refreshDue = 0; dispatchEvent(new HashChangeEvent('hashchange')) }, 100);
		return false })()`)
	b.screen(commune, "entry form, returned", formURL, `document.getElementById('parent-comment') !== null`)
	// A column pasted from Excel fills the cells below: full and
	// probationary members.
	eval[bool](b, commune, "focusing full members", `(() => { document.querySelector('input[data-key="dang_vien|chinh_thuc"]').focus(); return true })()`)
	b.paste(commune, "2.600\r\n75\r\n")
	b.wait(commune, "saved with no error", `document.getElementById('checks').innerText.includes('không vi phạm') && (document.getElementById('status').innerText.includes('Đã lưu'))`)
	if got := cells(t, c03390, "2021"); got["dang_vien.chinh_thuc"] != "2600" || got["dang_vien.du_bi"] != "75" {
		t.Errorf("after the column was pasted the node holds %v, want chinh_thuc 2600 and du_bi 75", got)
	}
	b.run(commune, "signing again", chromedp.Click(chromedp.CSS(`#sign-send`)))
	b.wait(commune, "revision 2 received", `(document.getElementById('forward-state')?.innerText || '').includes('Lần gửi 2') && document.getElementById('forward-state').innerText.includes('Cấp trên đã nhận')`)

	// The district accepts revision 2, then signs its own report.
	b.screen(district, "child's report, revision 2", d106.url+"/#/bao-cao/03390/tong_ket_nam/2021", `(document.getElementById('do-accept')?.innerText || '').includes('Lần gửi 2')`)
	b.run(district, "accepting", chromedp.Click(chromedp.CSS(`#do-accept`)))
	b.wait(district, "accepted", `document.getElementById('review-state')?.innerText === 'đã duyệt'`)
	d106.report(t, "2021", vals("dang_vien", 410, "dang_vien.nam", 285, "dang_vien.nu", 125, "ket_nap", 10))
	waitFor(t, "the province to hold Tam Đường's report", func() bool {
		r, err := tonghopv1.NewSubmissionServiceClient(prov.admin).ListSubmissions(ctx, &tonghopv1.ListSubmissionsRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"})
		return err == nil && len(r.Submissions) == 1
	})

	// The province's completeness board and a chart of the districts
	// against the target.
	province, closeProvince := b.tab()
	defer closeProvince()
	b.screen(province, "sign-in (province)", prov.link(t, tonghopv1.Role_ROLE_ADMIN, "12", "Ban Tổ chức Tỉnh ủy Lai Châu"), `document.querySelector('#nav') && !document.getElementById('nav').hidden`)
	b.screen(province, "completeness board", prov.url+"/#/tien-do/12.tong_ket_nam.2021", `document.querySelector('tr[data-unit="03390"]') !== null`)
	if got := b.text(province, `tr[data-unit="03390"]`); !strings.Contains(got, "đã duyệt") {
		t.Errorf("the province's row for Thị trấn Tam Đường: %q, want accepted", got)
	}
	// Lai Châu: 8 districts and 106 communes expected; 2 districts and 2
	// communes have reported; Thị trấn Tam Đường accepted by its district.
	board := b.text(province, "table.board")
	for _, row := range []string{"huyện\t8\t2\t25,00%", "xã\t106\t2\t1,89%"} {
		if !strings.Contains(board, row) {
			t.Errorf("the board lacks %q:\n%s", row, board)
		}
	}
	b.axeCheck(province, "completeness board")
	b.shot(province, "5-tien-do-tinh")
	b.screen(province, "roll-up chart", prov.url+"/#/tong-hop?indicator=ty_le_dang_vien_nu&unit=12&period=2021", `document.querySelector('#ranked-chart svg') !== null`)
	// Female members: Tam Đường (125 + 884) / (410 + 2.675) = 32,71%;
	// Thành phố Lai Châu (70 + 120) / (200 + 300) = 38,00%; the target 35%.
	chart := b.text(province, "#ranked-chart")
	svgText := eval[string](b, province, "chart text", `[...document.querySelectorAll('#ranked-chart svg text')].map(e => e.textContent).join('|')`)
	for _, want := range []string{"106 Huyện Tam Đường", "32,71%", "105 Thành phố Lai Châu", "38,00%", "35,00%"} {
		if !strings.Contains(svgText, want) {
			t.Errorf("the chart lacks %q: %s %s", want, svgText, chart)
		}
	}
	targets := eval[int](b, province, "chart marks", `document.querySelectorAll('#ranked-chart svg line.target').length`)
	missed := eval[int](b, province, "chart marks", `document.querySelectorAll('#ranked-chart svg rect.miss').length`)
	if targets == 0 || missed != 1 {
		t.Errorf("the chart has %d target lines and %d bars below target, want some and 1", targets, missed)
	}
	table := b.text(province, "table.rollup")
	if !strings.Contains(table, "1.009\t3.085\t32,71%\t≥ 35,00%\t-2,29") {
		t.Errorf("the roll-up table lacks Tam Đường's row (1.009 of 3.085, 32,71%%, -2,29 points):\n%s", table)
	}
	b.checkRollupCSV(province)
	b.axeCheck(province, "roll-up")
	b.shot(province, "6-bieu-do-so-voi-chi-tieu")

	// On a phone: the board fits the screen's width, the tables scroll on
	// their own, and it stays accessible.
	b.run(province, "a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.screen(province, "completeness board (phone)", prov.url+"/#/tien-do/12.tong_ket_nam.2021", `document.querySelector('tr[data-unit="03390"]') !== null`)
	if wide := eval[bool](b, province, "page width", `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
		t.Error("on a phone the board is wider than the screen")
	}
	b.axeCheck(province, "completeness board (phone)")
	b.shot(province, "7-dien-thoai")
	b.run(province, "back to a desktop", chromedp.ResetViewport())
	// In English.
	b.run(province, "switching to English", chromedp.Click(chromedp.CSS(`#lang`)))
	b.wait(province, "the board in English", `document.querySelector('main h1')?.innerText === 'Completeness' && document.querySelector('#nav').innerText.includes('Roll-ups')`)
	if got := b.text(province, `tr[data-unit="03390"]`); !strings.Contains(got, "accepted") {
		t.Errorf("in English the row reads %q", got)
	}
	b.run(province, "switching back", chromedp.Click(chromedp.CSS(`#lang`)))
	b.wait(province, "the board in Vietnamese", `document.querySelector('main h1')?.innerText === 'Tiến độ nộp báo cáo'`)

	// Forbidden actions, refused in the browser as over REST.
	valuesPath := "/v1/units/03390/data-sets/tong_ket_nam/periods/2021/values"
	body := `[{"data_element":"ket_nap","value":"76"}]`
	// A write with the cookie but without the app's header (what a page of
	// another site could send) is refused.
	if st := b.fetchStatus(commune, "PATCH", valuesPath, body, false); st != http.StatusForbidden {
		t.Errorf("a write with the cookie and no X-Tonghop-Request: %d, want 403", st)
	}
	viewer, closeViewer := b.tab()
	defer closeViewer()
	b.screen(viewer, "sign-in (viewer)", c03390.link(t, tonghopv1.Role_ROLE_VIEWER, "03390", "Chuyên viên xem"), `document.querySelector('main table') !== null`)
	viewerToken := c03390.token(t, tonghopv1.Role_ROLE_VIEWER, "03390")
	if br, rest := b.fetchStatus(viewer, "PATCH", valuesPath, body, true), restStatus(t, "PATCH", c03390.url+valuesPath, viewerToken, body); br != http.StatusForbidden || rest != br {
		t.Errorf("a viewer's write: browser %d, REST %d, want 403 both", br, rest)
	}
	b.screen(viewer, "entry form (viewer)", formURL, `document.querySelector('input[data-key="ket_nap|"]') !== null`)
	b.retype(viewer, `input[data-key="ket_nap|"]`, "76"+kb.Enter)
	b.wait(viewer, "the refusal shown", `document.getElementById('status').innerText.includes('editor')`)
	// Another subtree: Tam Đường's approver asks for Thành phố Lai Châu's
	// commune.
	distToken := d106.token(t, tonghopv1.Role_ROLE_APPROVER, "106")
	other := "/v1/units/03386/data-sets/tong_ket_nam/periods/2021/violations"
	if br, rest := b.fetchStatus(district, "GET", other, "", false), restStatus(t, "GET", d106.url+other, distToken, ""); br != http.StatusForbidden || rest != br {
		t.Errorf("another subtree's unit: browser %d, REST %d, want 403 both", br, rest)
	}
	r, err := tonghopv1.NewDataServiceClient(c03390.admin).GetValues(ctx, &tonghopv1.GetValuesRequest{UnitCode: "03390", DataSet: "tong_ket_nam", Period: "2021", DataElement: "ket_nap"})
	if err != nil || len(r.Values) != 1 || r.Values[0].Value != "75" {
		t.Errorf("after the refused writes ket_nap is %v (%v), want 75", r.GetValues(), err)
	}

	// Entry on behalf: Xã Thèn Sin runs no node, so its district enters,
	// checks and signs its report from the board. Nam 70 + Nữ 49 is one
	// short of 120: the node will not sign that error without a reason.
	b.screen(district, "board, to enter on behalf", d106.url+"/#/tien-do/12.tong_ket_nam.2021", `document.querySelector('tr[data-unit="03394"] a.proxy') !== null`)
	b.run(district, "entering on behalf", chromedp.Click(chromedp.CSS(`tr[data-unit="03394"] a.proxy`)))
	b.wait(district, "the form on behalf", `document.getElementById('proxy-sign') !== null && document.querySelector('input[data-key="dang_vien|"]') !== null`)
	if got := b.text(district, "#proxy-note"); !strings.Contains(got, "ký thay bởi 106") {
		t.Errorf("the form on behalf does not say who signs: %q", got)
	}
	b.run(district, "typing the total on behalf", chromedp.SendKeys(chromedp.CSS(`input[data-key="dang_vien|"]`), "120"+kb.Enter))
	b.paste(district, "Nam\t70\r\nNữ\t49\r\n")
	// The tab closed and opened again: the figures come back from the
	// draft kept in the browser.
	closeDistrict()
	district, closeDistrict = b.tab()
	defer closeDistrict()
	b.screen(district, "entry on behalf, reopened", d106.url+"/#/nhap-thay/03394/tong_ket_nam/2021",
		`document.querySelector('input[data-key="dang_vien|nu"]')?.value === '49' && document.querySelector('input[data-key="dang_vien|"]').value === '120'`)
	if got := b.text(district, "#proxy-note"); !strings.Contains(got, "bản nháp") {
		t.Errorf("the reopened form on behalf does not say it shows a draft: %q", got)
	}
	b.run(district, "signing on behalf", chromedp.Click(chromedp.CSS(`#proxy-sign`)))
	b.wait(district, "the blocking error", `document.querySelector('#proxy-blocking .override input') !== null`)
	if got := b.text(district, "#proxy-blocking"); !strings.Contains(got, "119") || !strings.Contains(got, "120") {
		t.Errorf("the blocking error does not show both sides, 119 and 120: %q", got)
	}
	if n := len(submissionsOf(t, d106, "03394")); n != 0 {
		t.Errorf("a refused signing stored %d submissions", n)
	}
	reason := "Biên bản của chi bộ ghi 119 đảng viên, còn 1 hồ sơ chuyển đến"
	b.axeCheck(district, "entry on behalf")
	eval[bool](b, district, "showing the error", `document.getElementById('sign').scrollIntoView({block: 'end'}); true`)
	b.shot(district, "8-nhap-thay")
	b.run(district, "a reason to keep it", chromedp.SendKeys(chromedp.CSS(`#proxy-blocking .override input`), reason),
		chromedp.Click(chromedp.CSS(`#proxy-sign`)))
	b.wait(district, "signed on behalf", `(document.getElementById('proxy-done')?.innerText || '').includes('Đã ký thay: Lần gửi 1')`)
	subs := submissionsOf(t, d106, "03394")
	if len(subs) != 1 || subs[0].EnteredBy != "106" || subs[0].ValueCount != 3 {
		t.Fatalf("after signing on behalf the district holds %v, want one revision entered by 106 with 3 values", subs)
	}
	kept := false
	for _, v := range subs[0].Violations {
		kept = kept || v.Overridden && v.OverrideReason == reason
	}
	if !kept {
		t.Errorf("the override's reason is not in the signed report: %v", subs[0].Violations)
	}
	if draft := eval[bool](b, district, "the draft", `Object.keys(localStorage).some(k => k.startsWith('tonghop:proxy:'))`); draft {
		t.Error("the draft is kept after the node signed it")
	}
	b.screen(district, "board after entry on behalf", d106.url+"/#/tien-do/12.tong_ket_nam.2021", `document.querySelector('tr[data-unit="03394"] .badge.proxy') !== null`)

	// Signing out ends the session.
	b.run(viewer, "signing out", chromedp.Click(chromedp.CSS(`#signout`)))
	b.wait(viewer, "the sign-in form", `document.getElementById('token') !== null`)
	if st := b.fetchStatus(viewer, "GET", "/v1/caller", "", false); st != http.StatusUnauthorized {
		t.Errorf("after signing out: %d, want 401", st)
	}

	b.timings()
}

// loadMeter sums the bytes a tab transfers, as the network reports them
// (compressed, headers included).
type loadMeter struct {
	mu      sync.Mutex
	total   int64
	byURL   map[string]float64
	pending map[network.RequestID]string
}

func (m *loadMeter) init() {
	m.byURL, m.pending = map[string]float64{}, map[network.RequestID]string{}
}

func (m *loadMeter) event(ev any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		m.pending[e.RequestID] = e.Request.URL
	case *network.EventLoadingFinished:
		m.byURL[m.pending[e.RequestID]] += e.EncodedDataLength
		m.total += int64(e.EncodedDataLength)
	}
}

func (m *loadMeter) report(t *testing.T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var app, api float64
	for u, n := range m.byURL {
		if strings.Contains(u, "/v1/") || strings.HasSuffix(u, "/session") {
			api += n
		} else {
			app += n
		}
	}
	t.Logf("first load: %.1f KiB transferred in all (%.1f KiB the app's files, %.1f KiB API answers), %d requests", float64(m.total)/1024, app/1024, api/1024, len(m.byURL))
	if m.total > 250<<10 {
		t.Errorf("first load transferred %d bytes, over the 250 KiB budget", m.total)
	}
}

// checkRollupCSV downloads the roll-up's CSV as a person would, and reads the
// file as a spreadsheet does: UTF-8 with a byte-order mark (so that Excel
// shows "Huyện Tam Đường"), a header, plain numbers with a decimal point.
func (b *browser) checkRollupCSV(ctx context.Context) {
	t := b.t
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
	}); err != nil {
		t.Fatal(err)
	}
	b.run(ctx, "downloading the CSV", chromedp.Click(chromedp.CSS(`main button.csv`)))
	file := filepath.Join(dir, "ty_le_dang_vien_nu-12-2021.csv")
	waitFor(t, "the CSV downloaded", func() bool { _, err := os.Stat(file); return err == nil })
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(raw, []byte("\ufeff"))
	if !ok {
		t.Errorf("the CSV has no byte-order mark: Excel would misread its Vietnamese: %q", raw[:min(len(raw), 40)])
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not read as CSV: %v\n%s", err, body)
	}
	head := "unit_code,unit_name,period,numerator,denominator,value,target,difference,share_of_plan,change_from_baseline,met"
	if len(recs) == 0 || strings.Join(recs[0], ",") != head {
		t.Fatalf("the CSV's header: %v, want %s", recs[:min(len(recs), 1)], head)
	}
	byUnit := map[string][]string{}
	for _, r := range recs[1:] {
		byUnit[r[0]] = r
	}
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Errorf("%q does not read as a number", s)
		}
		return f
	}
	// Tam Đường: (125 + 884) / (410 + 2.675) = 32,7066…%, 2,2934 points
	// under 35; Thành phố Lai Châu: 190 / 500 = 38%, 3 points over; the
	// province: 1.199 / 3.585 = 33,4449…%.
	for _, w := range []struct {
		unit, name  string
		num, den    float64
		value, diff float64
		met         string
	}{
		{"106", "Huyện Tam Đường", 1009, 3085, 100 * 1009.0 / 3085, 100*1009.0/3085 - 35, "0"},
		{"105", "Thành phố Lai Châu", 190, 500, 38, 3, "1"},
	} {
		r, ok := byUnit[w.unit]
		if !ok {
			t.Errorf("the CSV has no row for %s:\n%s", w.unit, body)
			continue
		}
		if r[1] != w.name || r[2] != "2021" || num(r[3]) != w.num || num(r[4]) != w.den || math.Abs(num(r[5])-w.value) > 1e-9 ||
			num(r[6]) != 35 || math.Abs(num(r[7])-w.diff) > 1e-9 || r[10] != w.met {
			t.Errorf("the CSV's row for %s: %q, want %s, 2021, %v / %v = %v, target 35, %+v, met %s", w.unit, r, w.name, w.num, w.den, w.value, w.diff, w.met)
		}
	}
	if r, ok := byUnit["12"]; !ok || num(r[3]) != 1199 || num(r[4]) != 3585 || math.Abs(num(r[5])-100*1199.0/3585) > 1e-9 {
		t.Errorf("the CSV's row for the province: %q, want 1199 / 3585", r)
	}
}

// TestEntryFormBuiltInParts holds back the browser's idle time, in which the
// form builds its later parts, so that only what the keyboard or a paste
// needs gets built: Enter and Tab from the last cell built, and a column
// pasted there, reach the cells that follow in the whole form.
func TestEntryFormBuiltInParts(t *testing.T) {
	b := newBrowser(t)
	h := newHier(t)
	c := h.start("03390", nil)
	tab, closeTab := b.tab()
	defer closeTab()
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.requestIdleCallback = () => 0;`,
	}); err != nil {
		t.Fatal(err)
	}
	b.run(tab, "signing in", chromedp.Navigate(c.link(t, tonghopv1.Role_ROLE_APPROVER, "03390", "Văn phòng Đảng ủy")))
	b.wait(tab, "signed in", `document.querySelector('#nav') !== null && !document.getElementById('nav').hidden`)
	formURL := c.url + "/#/nhap/tong_ket_nam/2021"
	// open opens the form afresh and returns the key of the last cell of
	// its first parts, and how many cells they have.
	open := func(what string) (string, int) {
		t.Helper()
		b.run(tab, "leaving", chromedp.Navigate("about:blank"))
		b.run(tab, "opening the form", chromedp.Navigate(formURL))
		b.wait(tab, "the form's first parts", `document.documentElement.dataset.renderMs !== undefined && document.querySelector('input.num') !== null`)
		if eval[bool](b, tab, "built whole?", `document.documentElement.dataset.formCompleteMs !== undefined`) {
			t.Fatalf("%s: the whole form was built before anything needed it", what)
		}
		key := eval[string](b, tab, "the last cell built", `[...document.querySelectorAll('input.num')].at(-1).dataset.key`)
		n := eval[int](b, tab, "cells built", `document.querySelectorAll('input.num').length`)
		return key, n
	}
	after := func(key string, k int) string {
		t.Helper()
		b.wait(tab, "the form built whole", `document.documentElement.dataset.formCompleteMs !== undefined`)
		keys := eval[[]string](b, tab, "every cell", `[...document.querySelectorAll('input.num')].map(e => e.dataset.key)`)
		i := slices.Index(keys, key)
		if i < 0 || i+k >= len(keys) {
			t.Fatalf("cell %s is not followed by %d cells in %v", key, k, keys)
		}
		return keys[i+k]
	}
	sel := func(key string) string { return `input[data-key="` + key + `"]` }

	last, first := open("Enter")
	b.run(tab, "Enter on the last cell built", chromedp.SendKeys(chromedp.CSS(sel(last)), kb.Enter))
	want := after(last, 1)
	total := eval[int](b, tab, "cells", `document.querySelectorAll('input.num').length`)
	t.Logf("the form answers with %d of its %d cells built", first, total)
	if first >= total {
		t.Errorf("the first parts hold all %d cells", total)
	}
	if got := eval[string](b, tab, "focus", `document.activeElement.dataset.key || ''`); got != want {
		t.Errorf("Enter on %s moved focus to %q, want %s", last, got, want)
	}

	last, _ = open("Tab")
	b.run(tab, "Tab on the last cell built", chromedp.SendKeys(chromedp.CSS(sel(last)), kb.Tab))
	after(last, 1)
	if ok := eval[bool](b, tab, "focus", `(() => { const a = document.activeElement, l = document.querySelector(`+js(sel(last))+`);
		return a.closest('form.outline') !== null && !!(l.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING) })()`); !ok {
		t.Errorf("Tab from %s left the form: focus on %s", last, eval[string](b, tab, "focus", `document.activeElement.outerHTML.slice(0, 120)`))
	}

	last, _ = open("paste")
	eval[bool](b, tab, "focusing the last cell built", `(() => { document.querySelector(`+js(sel(last))+`).focus(); return true })()`)
	b.paste(tab, "7\r\n8\r\n9\r\n")
	second, third := after(last, 1), after(last, 2)
	key := func(k string) string { el, opt, _ := strings.Cut(k, "|"); return strings.TrimSuffix(el+"."+opt, ".") }
	waitFor(t, "the pasted column stored", func() bool {
		got := cells(t, c, "2021")
		return got[key(last)] == "7" && got[key(second)] == "8" && got[key(third)] == "9"
	})
}
