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
	"github.com/tonghop/tonghop/internal/enrolment"
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

// reorganised is part of Lai Châu before 2025-07-01, as the official lists
// have it: Huyện Tam Đường (106) and two of its communes, Xã Bình Lư (03412)
// and Xã Sơn Bình (03413), all abolished on that day.
func reorganised() []hierarchy.Unit {
	end := hierarchy.Day(2025, time.July, 1)
	return []hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12", ValidTo: end},
		{Code: "03412", Name: "Xã Bình Lư", Level: "commune", Parent: "106", ValidTo: end},
		{Code: "03413", Name: "Xã Sơn Bình", Level: "commune", Parent: "106", ValidTo: end},
	}
}

func binhLuSources() []enrolment.Succession {
	day := hierarchy.Day(2025, time.July, 1)
	return []enrolment.Succession{
		{Old: "03412", New: "03390", Date: day},
		{Old: "03413", New: "03390", Date: day},
	}
}

// startDated is startNode with the units, the clock and the successions
// given.
func startDated(t *testing.T, unit string, parent *tnode, units []hierarchy.Unit, opts Options) *tnode {
	t.Helper()
	tn := &tnode{t: t, unit: unit, dir: t.TempDir()}
	opts.Logger = zaptest.NewLogger(t).Named(unit)
	if _, err := Init(tn.dir, unit, units, parent == nil, opts); err != nil {
		t.Fatal(err)
	}
	tn.cfg = config.Default()
	tn.cfg.DataDir = tn.dir
	tn.cfg.GRPCListen, tn.cfg.HTTPListen, tn.cfg.PeerListen = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
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

// TestRetirement takes real nodes on loopback through 2025-07-01 with an
// injected clock: Huyện Tam Đường and two of its communes report 2023 and
// 2024 under the old chain, with certificates that end with their units;
// on the day, the communes retire at the district and the district hands
// the report still in its outbox to the province and retires. The old
// envelopes verify at the province and offline, years on; the retired
// units' keys sign nothing more, and their nodes keep their history,
// read-only.
func TestRetirement(t *testing.T) {
	clk := &clock{t: hanoi(2025, time.March, 10, 9)}
	opts := Options{Clock: clk.Now, Successions: binhLuSources}
	units := reorganised()
	province := startDated(t, "12", nil, units, opts)
	district := startDated(t, "106", province, units, opts)
	end := hanoi(2025, time.July, 1, 0)
	if got := district.node.Identity().Leaf().NotAfter; !got.Equal(end) {
		t.Fatalf("the district's certificate ends %s, want the unit's end %s", got, end)
	}
	binhLu := startDated(t, "03412", district, units, opts)
	sonBinh := startDated(t, "03413", district, units, opts)

	// 2023 and 2024 under the old chain: dang_vien is a stock.
	old := map[string]map[string]string{
		"03412": {"2023": "118", "2024": "121"},
		"03413": {"2023": "96", "2024": "97"},
	}
	var oldDigests []string
	for _, c := range []*tnode{binhLu, sonBinh} {
		for _, p := range []string{"2023", "2024"} {
			c.put(p, dv("dang_vien", "", old[c.unit][p]))
			oldDigests = append(oldDigests, c.submit(p).Digest)
		}
	}
	eventually(t, "the communes' four reports at the province", func() bool {
		return len(province.submissions("03412", false))+len(province.submissions("03413", false)) == 4
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
	for _, c := range []*tnode{binhLu, sonBinh} {
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
	res, err := Retire(context.Background(), district.dir, province.node.PeerAddr(), "", Options{Clock: clk.Now, Logger: zaptest.NewLogger(t)})
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

	// The old envelopes verify offline against the province's root, a
	// year on and ten years on.
	root := province.node.Identity().Root()
	for _, at := range []time.Time{hanoi(2026, time.July, 1, 0), hanoi(2035, time.January, 1, 0)} {
		for _, d := range oldDigests {
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
	for _, raw := range [][]byte{late, backdated} {
		if _, err := province.nodeVerifier().Check(raw, nil); !errors.Is(err, submission.ErrNotAllowed) && !errors.Is(err, submission.ErrUnauthentic) {
			t.Fatalf("at the province, a report of the retired district: %v", err)
		}
	}
	if _, err := province.nodeVerifier().Check(backdated, nil); !errors.Is(err, submission.ErrNotAllowed) {
		t.Fatalf("at the province, a backdated report of the retired district: %v", err)
	}
	// Nor a commune's, whose chain passes through the revoked district.
	binhLuID, err := trust.Load(binhLu.dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := province.nodeVerifier().Check(signedAt(t, binhLuID, "03412", "2025S1", hanoi(2025, time.June, 30, 20)), nil); !errors.Is(err, submission.ErrNotAllowed) {
		t.Fatalf("at the province, a backdated report of a retired commune: %v", err)
	}
	// Nor can its certificate connect any more.
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
