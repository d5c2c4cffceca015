package node

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// hanoi is a moment on Vietnam's clock.
func hanoi(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.FixedZone("ICT", 7*3600))
}

// reorganised is part of Lai Châu before and after 2025-07-01, as the
// official lists and mapping have it: Huyện Tam Đường (106) and three of
// its communes, Thị trấn Tam Đường (03390), Xã Bình Lư (03412) and Xã Sơn
// Bình (03413), all abolished on that day, and the new Xã Bình Lư formed
// whole from the three, directly under the province. It took the code
// 03390 of the town.
func reorganised() ([]hierarchy.Unit, []hierarchy.Change) {
	day := hierarchy.Day(2025, time.July, 1)
	units := []hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12", ValidTo: day},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106", ValidTo: day},
		{Code: "03412", Name: "Xã Bình Lư", Level: "commune", Parent: "106", ValidTo: day},
		{Code: "03413", Name: "Xã Sơn Bình", Level: "commune", Parent: "106", ValidTo: day},
		{Code: "03390", Name: "Xã Bình Lư", Level: "commune", Parent: "12", ValidFrom: day},
	}
	var changes []hierarchy.Change
	for _, old := range []hierarchy.Unit{units[2], units[3], units[4]} {
		changes = append(changes, hierarchy.Change{Old: old.Code, OldName: old.Name, New: "03390", NewName: "Xã Bình Lư", Level: "commune", Date: day})
	}
	return units, changes
}

// startDated is startNode with the units, the changes between maps and
// the clock given.
func startDated(t *testing.T, unit string, parent *tnode, units []hierarchy.Unit, changes []hierarchy.Change, opts Options) *tnode {
	t.Helper()
	tn := &tnode{t: t, unit: unit, dir: t.TempDir()}
	opts.Logger = zaptest.NewLogger(t).Named(unit)
	if _, err := Init(tn.dir, unit, units, parent == nil, opts); err != nil {
		t.Fatal(err)
	}
	if err := LoadMap(tn.dir, nil, changes, time.Time{}, opts); err != nil {
		t.Fatal(err)
	}
	tn.cfg = config.Default()
	tn.cfg.DataDir = tn.dir
	tn.cfg.GRPCListen, tn.cfg.HTTPListen, tn.cfg.PeerListen = keptAddrs(t)
	tn.cfg.SyncInterval = 20 * time.Millisecond
	if parent != nil {
		tn.enrollWith(parent, opts)
	}
	tn.runWith(opts)
	t.Cleanup(tn.stop)
	return tn
}

func (tn *tnode) enrollWith(parent *tnode, opts Options) trust.Identity {
	tn.t.Helper()
	tok, err := tonghopv1.NewChildrenServiceClient(parent.admin).CreateEnrollmentToken(context.Background(),
		&tonghopv1.CreateEnrollmentTokenRequest{UnitCode: tn.unit})
	if err != nil {
		tn.t.Fatalf("token for %s: %v", tn.unit, err)
	}
	id, err := Enroll(context.Background(), tn.dir, parent.node.PeerAddr(), tok.Token, opts)
	if err != nil {
		tn.t.Fatalf("enrolling %s: %v", tn.unit, err)
	}
	tn.cfg.Parent = parent.node.PeerAddr()
	return id
}

// runWith is run with options.
func (tn *tnode) runWith(opts Options) {
	tn.t.Helper()
	opts.Logger = zaptest.NewLogger(tn.t).Named(tn.unit)
	n, err := New(tn.cfg, opts)
	if err != nil {
		tn.t.Fatalf("starting %s: %v", tn.unit, err)
	}
	tn.node = n
	// Restarts keep their ports: children know their parent by address.
	tn.cfg.GRPCListen, tn.cfg.HTTPListen, tn.cfg.PeerListen = n.GRPCAddr(), n.HTTPAddr(), n.PeerAddr()
	ctx, cancel := context.WithCancel(context.Background())
	tn.cancel, tn.done = cancel, make(chan error, 1)
	go func() { tn.done <- n.Run(ctx) }()
	token, err := AdminToken(tn.dir)
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.admin, err = grpc.NewClient(n.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(access.Credentials(token)))
	if err != nil {
		tn.t.Fatal(err)
	}
}

// envelope returns the stored envelope of a submission at tn.
func (tn *tnode) envelope(digest string) []byte {
	tn.t.Helper()
	resp, err := tonghopv1.NewSubmissionServiceClient(tn.admin).GetSubmission(context.Background(),
		&tonghopv1.GetSubmissionRequest{Digest: digest})
	if err != nil {
		tn.t.Fatalf("%s: GetSubmission %s: %v", tn.unit, digest, err)
	}
	return resp.Envelope
}

// TestTransition takes real nodes on loopback through 2025-07-01 with an
// injected clock. Huyện Tam Đường and three of its communes report 2023 and
// 2024 under the old chain, with certificates that end with their units.
// On the day the communes retire at the district, and the district hands
// the report still in its outbox to the province and retires. The new Xã
// Bình Lư, which took the town's code 03390, enrols directly with the
// province, fetches its sources' reports and reports 2025: its first
// report is balanced against the three sources' 2024 members, not against
// the town's alone. Old and new envelopes verify at the province and
// offline, years on; the retired units' keys sign nothing more, and their
// nodes keep their history, read-only.
func TestTransition(t *testing.T) {
	clk := &clock{t: hanoi(2025, time.March, 10, 9)}
	opts := Options{Clock: clk.Now}
	units, changes := reorganised()
	province := startDated(t, "12", nil, units, changes, opts)
	district := startDated(t, "106", province, units, nil, opts)
	end := hanoi(2025, time.July, 1, 0)
	if got := district.node.Identity().Leaf().NotAfter; !got.Equal(end) {
		t.Fatalf("the district's certificate ends %s, want the unit's end %s", got, end)
	}
	town := startDated(t, "03390", district, units, nil, opts)
	binhLu := startDated(t, "03412", district, units, nil, opts)
	sonBinh := startDated(t, "03413", district, units, nil, opts)
	if got := town.node.Identity().Leaf().DNSNames[0]; got != "03390.106.12.tonghop.internal" {
		t.Fatalf("the town's certificate names %s", got)
	}

	// 2023 and 2024 under the old chain: dang_vien is a stock.
	old := map[string]map[string]string{
		"03390": {"2023": "405", "2024": "412"},
		"03412": {"2023": "118", "2024": "121"},
		"03413": {"2023": "96", "2024": "97"},
	}
	var oldDigests []string
	communes := []*tnode{town, binhLu, sonBinh}
	for _, c := range communes {
		for _, p := range []string{"2023", "2024"} {
			c.put(p, dv("dang_vien", "", old[c.unit][p]))
			oldDigests = append(oldDigests, c.submit(p).Digest)
		}
	}
	eventually(t, "the communes' six reports at the province", func() bool {
		return len(province.submissions("03390", false))+len(province.submissions("03412", false))+len(province.submissions("03413", false)) == 6
	})

	// The province is down when the district signs its own 2024 report:
	// it waits in the district's outbox past the end of the unit.
	province.stop()
	district.put("2024", dv("dang_vien", "", "2675"))
	districtReport := district.submit("2024")
	oldDigests = append(oldDigests, districtReport.Digest)
	if n := len(district.outbox()); n != 1 {
		t.Fatalf("the district's outbox holds %d entries, want its own report", n)
	}

	// 2025-07-01, 08:00: the communes retire at the district, then the
	// district at the province.
	clk.set(hanoi(2025, time.July, 1, 8))
	for _, c := range communes {
		c.stop()
		res, err := Retire(context.Background(), c.dir, district.node.PeerAddr(), "Nghị quyết 1670/NQ-UBTVQH15", opts)
		if err != nil {
			t.Fatalf("retiring %s: %v", c.unit, err)
		}
		if len(res.RevokedSerials) != 1 || !strings.Contains(res.Reason, "kết thúc ngày 2025-06-30") {
			t.Fatalf("retiring %s: %+v", c.unit, res)
		}
	}
	if n := len(district.outbox()); n != 1 {
		t.Fatalf("the district's outbox holds %d entries, want its report alone (an ended district signs no notice)", n)
	}
	district.stop()
	province.runWith(opts)
	res, err := Retire(context.Background(), district.dir, province.node.PeerAddr(), "", opts)
	if err != nil {
		t.Fatalf("retiring the district: %v", err)
	}
	if len(res.RevokedSerials) != 1 || res.Retirement.Parent != "12" || len(res.Refused) != 0 {
		t.Fatalf("retiring the district: %+v", res)
	}
	got := province.submissions("106", false)
	if len(got) != 1 || got[0].Digest != districtReport.Digest {
		t.Fatalf("the province holds %v of 106, want the report drained from its outbox", got)
	}
	if revoked, err := province.node.Store().Revocations(); err != nil || len(revoked) != 1 {
		t.Fatalf("the province knows %d revocations (%v), want the district's", len(revoked), err)
	}

	// The retired district keeps its history, read-only.
	district.runWith(opts)
	if got := district.submissions("03412", false); len(got) != 2 {
		t.Fatalf("the retired district shows %d reports of 03412, want 2", len(got))
	}
	_, err = tonghopv1.NewDataServiceClient(district.admin).PutValues(context.Background(), &tonghopv1.PutValuesRequest{
		UnitCode: "106", DataSet: "tong_ket_nam", Period: "2025", Values: []*tonghopv1.DataValue{dv("dang_vien", "", "1")},
	})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(status.Convert(err).Message(), "retired") {
		t.Fatalf("writing at a retired node: %v", err)
	}
	if _, err := Retire(context.Background(), district.dir, province.node.PeerAddr(), "", opts); err == nil {
		t.Fatal("a revoked district retired twice")
	}
	district.stop()

	// 2025-07-02: the new Xã Bình Lư, a new node, enrols directly with the
	// province: its certificate names 12/03390, not the town's path.
	clk.set(hanoi(2025, time.July, 2, 9))
	newBinhLu := &tnode{t: t, unit: "03390", dir: t.TempDir()}
	u, err := Init(newBinhLu.dir, "03390", units, false, opts)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "Xã Bình Lư" || u.Parent != "12" {
		t.Fatalf("init of 03390 on 2025-07-02 gave %+v", u)
	}
	newBinhLu.cfg = config.Default()
	newBinhLu.cfg.DataDir = newBinhLu.dir
	newBinhLu.cfg.GRPCListen, newBinhLu.cfg.HTTPListen, newBinhLu.cfg.PeerListen = keptAddrs(t)
	id := newBinhLu.enrollWith(province, opts)
	if got := trust.JoinPath(id.Path()); got != "12/03390" || id.Leaf().DNSNames[0] != "03390.12.tonghop.internal" {
		t.Fatalf("the new commune's certificate names %s (%v)", got, id.Leaf().DNSNames)
	}
	// Its predecessors' history: what the province holds that they signed.
	src, err := FetchSources(context.Background(), newBinhLu.dir, province.node.PeerAddr(), "", opts)
	if err != nil {
		t.Fatalf("FetchSources: %v", err)
	}
	var srcCodes []string
	for _, s := range src.Units {
		srcCodes = append(srcCodes, s.UnitCode)
	}
	if strings.Join(srcCodes, " ") != "03390 03412 03413" || len(src.Reports) != 6 {
		t.Fatalf("sources %v with %d reports, want the town, Bình Lư and Sơn Bình with 6", srcCodes, len(src.Reports))
	}
	var members2024 int64
	for _, r := range src.Reports {
		if s := r.Verified.Submission; s.Period == "2024" {
			if !strings.HasPrefix(trust.JoinPath(r.Verified.SignerPath), "12/106/") {
				t.Fatalf("a source report signed by %v", r.Verified.SignerPath)
			}
			members2024 += s.Values[0].Count
		}
	}
	if members2024 != 412+121+97 {
		t.Fatalf("the sources' 2024 members sum to %d, want 630", members2024)
	}

	// Its first report: 630 members at the start (its sources' at the end
	// of 2024), 12 admitted, 2 died: 640. Key continuity starts a new line
	// for the new unit, though the town's key is known for the code.
	newBinhLu.runWith(opts)
	t.Cleanup(newBinhLu.stop)
	newBinhLu.put("2025", dv("dang_vien", "", "640"), dv("ket_nap", "", "12"), dv("tu_tran", "", "2"),
		dv("chuyen_den", "", "0"), dv("khai_tru", "", "0"), dv("xoa_ten", "", "0"), dv("xin_ra_khoi_dang", "", "0"),
		dv("huy_quyet_dinh_ket_nap", "", "0"), dv("chuyen_di", "", "0"))
	first := newBinhLu.submit("2025")
	eventually(t, "the new commune's 2025 report at the province", func() bool { return len(province.submissions("03390", false)) == 3 })
	balance := func(digest string) *tonghopv1.Violation {
		for _, s := range province.submissions("03390", true) {
			if s.Digest != digest {
				continue
			}
			if s.Signer != "12/03390" {
				t.Fatalf("the province stored the 2025 report signed by %s", s.Signer)
			}
			for _, v := range s.Violations {
				if v.Rule == "can_doi_dang_vien" {
					return v
				}
			}
			return nil
		}
		t.Fatalf("no report %s at the province", digest)
		return nil
	}
	if v := balance(first.Digest); v != nil {
		t.Fatalf("the balanced first report breaks %s: %s %s %s", v.Rule, v.Left, v.Operator, v.Right)
	}
	// A revision with ten members more does not balance against the
	// sources: the province says so, with the sources' figure.
	newBinhLu.put("2025", dv("dang_vien", "", "650"))
	second := newBinhLu.submit("2025")
	eventually(t, "the revision at the province", func() bool { return len(province.submissions("03390", true)) == 4 })
	if v := balance(second.Digest); v == nil || v.Left != "650" || v.Right != "640" {
		t.Fatalf("the unbalanced revision: %+v, want 650 == 640", v)
	}

	// Old and new envelopes verify offline against the province's root,
	// a year on and ten years on.
	root := province.node.Identity().Root()
	for _, at := range []time.Time{hanoi(2026, time.July, 1, 0), hanoi(2035, time.January, 1, 0)} {
		for _, d := range append(oldDigests, first.Digest, second.Digest) {
			if _, err := submission.VerifyOffline(province.envelope(d), root, at); err != nil {
				t.Fatalf("offline at %s, %s: %v", at.Format(time.DateOnly), d, err)
			}
		}
	}

	// A retired unit's key signs nothing more: a report it signs today is
	// refused for its time (after its certificate's end), one it backdates
	// for being revoked, here and offline for the first.
	districtID, err := trust.Load(district.dir)
	if err != nil {
		t.Fatal(err)
	}
	late := signedAt(t, districtID, "106", "2025", clk.Now())
	if _, err := submission.VerifyOffline(late, root, clk.Now()); !errors.Is(err, submission.ErrUnauthentic) {
		t.Fatalf("offline, a report the retired district signs after its end: %v", err)
	}
	backdated := signedAt(t, districtID, "106", "2025S1", hanoi(2025, time.June, 30, 20))
	if _, err := province.nodeVerifier().Check(late, nil); !errors.Is(err, submission.ErrNotAllowed) && !errors.Is(err, submission.ErrUnauthentic) {
		t.Fatalf("at the province, a report the retired district signs after its end: %v", err)
	}
	if _, err := province.nodeVerifier().Check(backdated, nil); !errors.Is(err, submission.ErrNotAllowed) {
		t.Fatalf("at the province, a backdated report of the retired district: %v", err)
	}
	// Nor a commune's, whose chain passes through the revoked district,
	// nor the town's old key for the new commune that took its code.
	townID, err := trust.Load(town.dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := province.nodeVerifier().Check(signedAt(t, townID, "03390", "2025S1", hanoi(2025, time.June, 30, 20)), nil); !errors.Is(err, submission.ErrNotAllowed) {
		t.Fatalf("at the province, a backdated report of the retired town: %v", err)
	}
	if _, err := province.nodeVerifier().Check(signedAt(t, townID, "03390", "2025", clk.Now()), nil); err == nil {
		t.Fatal("the town's key signed for the new Xã Bình Lư")
	}
	// Nor can the district's certificate connect any more.
	if _, err := province.peerClientAt(districtID, clk.Now).Deliver(context.Background(), &tonghopv1.DeliverRequest{Envelopes: [][]byte{backdated}}); err == nil {
		t.Fatal("the retired district delivered")
	}
}

// signedAt signs a one-value report of unit for period as id, at time at.
func signedAt(t *testing.T, id trust.Identity, unit, period string, at time.Time) []byte {
	t.Helper()
	cat := catalog.Default()
	return signAs(t, id, envelope.Submission{
		Unit: unit, DataSet: "tong_ket_nam", Period: period, Revision: 1,
		CatalogVersion: cat.Version(), CatalogDigest: cat.Digest(), SignedAt: at.UTC(),
		Values: []envelope.Value{{Element: "dang_vien", Count: 2675}},
	})
}

func (tn *tnode) nodeVerifier() *submission.Verifier { return tn.node.verifier }

// peerClientAt is peerClient with the client's clock given.
func (tn *tnode) peerClientAt(id trust.Identity, now func() time.Time) tonghopv1.PeerServiceClient {
	tn.t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(id.Root())
	conn, err := grpc.NewClient(tn.node.PeerAddr(), grpc.WithTransportCredentials(credentials.NewTLS(
		trust.ClientTLS(id, roots, tn.node.Identity().Path(), now))))
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.t.Cleanup(func() { conn.Close() })
	return tonghopv1.NewPeerServiceClient(conn)
}
