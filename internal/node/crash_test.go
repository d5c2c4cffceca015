package node

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/store"
)

// helperConfigEnv names the configuration file of a node that the test
// binary, run again as TestHelperNodeProcess, serves until it is killed.
const helperConfigEnv = "TONGHOP_HELPER_CONFIG"

// procAddrs are the addresses a helper process bound, which it writes next
// to its configuration once its listeners are open.
type procAddrs struct {
	GRPC, HTTP, Peer string
}

func addrsFile(cfgPath string) string { return cfgPath + ".addrs" }

// TestHelperNodeProcess is not a test: it is the body of the node process
// that TestCrash… starts and kills.
func TestHelperNodeProcess(t *testing.T) {
	cfgPath := os.Getenv(helperConfigEnv)
	if cfgPath == "" {
		t.Skip("runs only as the node process of TestCrashedNodeLosesAndDuplicatesNothing")
	}
	// Should the test process die before killing us, its end of our stdin
	// closes: do not outlive it holding ports and the store.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	log, err := zap.NewDevelopment()
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(cfg, Options{Logger: log.Named(cfg.Unit)})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(procAddrs{GRPC: n.GRPCAddr(), HTTP: n.HTTPAddr(), Peer: n.PeerAddr()})
	if err != nil {
		t.Fatal(err)
	}
	// Renamed into place, so the test never reads half a file.
	tmp := addrsFile(cfgPath) + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, addrsFile(cfgPath)); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("Run returned before the process was killed: %v", n.Run(context.Background()))
}

// nodeProc is a node running in its own OS process.
type nodeProc struct {
	t       *testing.T
	dir     string
	cfgPath string
	logPath string
	addrs   procAddrs
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process is reaped
	admin   *grpc.ClientConn
}

// startProc initialises unit in a fresh directory, enrols it under parent
// and runs it in a child process.
func startProc(t *testing.T, unit string, parent *tnode) *nodeProc {
	t.Helper()
	p := &nodeProc{t: t, dir: t.TempDir()}
	p.cfgPath = filepath.Join(p.dir, "tonghop.yaml")
	p.logPath = filepath.Join(p.dir, "node.log")
	log := zaptest.NewLogger(t).Named(unit)
	if _, err := Init(p.dir, unit, units(), false, Options{Logger: log}); err != nil {
		t.Fatal(err)
	}
	tok, err := tonghopv1.NewChildrenServiceClient(parent.admin).CreateEnrollmentToken(context.Background(),
		&tonghopv1.CreateEnrollmentTokenRequest{UnitCode: unit})
	if err != nil {
		t.Fatalf("token for %s: %v", unit, err)
	}
	if _, err := Enroll(context.Background(), p.dir, parent.node.PeerAddr(), tok.Token, Options{Logger: log}); err != nil {
		t.Fatalf("enrolling %s: %v", unit, err)
	}
	cfg := config.Default()
	cfg.Unit, cfg.DataDir, cfg.Parent = unit, p.dir, parent.node.PeerAddr()
	// Every restart binds the same ports, because the child knows its parent
	// by address.
	cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = keptAddrs(t)
	p.writeConfig(cfg)
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			if out, err := os.ReadFile(p.logPath); err == nil {
				t.Logf("log of the %s process:\n%s", unit, out)
			}
		}
	})
	p.start()
	cfg.GRPCListen, cfg.HTTPListen, cfg.PeerListen = p.addrs.GRPC, p.addrs.HTTP, p.addrs.Peer
	p.writeConfig(cfg)
	return p
}

func (p *nodeProc) writeConfig(cfg config.Config) {
	p.t.Helper()
	raw, err := cfg.Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(p.cfgPath, raw, 0o600); err != nil {
		p.t.Fatal(err)
	}
}

// start runs the process and waits until it answers on its gRPC port.
func (p *nodeProc) start() {
	t := p.t
	t.Helper()
	if err := os.Remove(addrsFile(p.cfgPath)); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the child holds its own descriptor
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperNodeProcess$")
	cmd.Env = append(os.Environ(), helperConfigEnv+"="+p.cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if _, err := cmd.StdinPipe(); err != nil { // closed by Wait, or by our death
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	p.cmd, p.exited = cmd, exited
	go func() {
		cmd.Wait()
		close(exited)
	}()

	var raw []byte
	eventually(t, "the node process to bind its ports", func() bool {
		select {
		case <-exited:
			t.Fatalf("the node process exited at start: %v", cmd.ProcessState) // its log follows
		default:
		}
		raw, err = os.ReadFile(addrsFile(p.cfgPath))
		return err == nil
	})
	if err := json.Unmarshal(raw, &p.addrs); err != nil {
		t.Fatal(err)
	}
	token, err := AdminToken(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.admin, err = grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(access.Credentials(token))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the node process to answer", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := tonghopv1.NewNodeServiceClient(p.admin).GetNode(ctx, &tonghopv1.GetNodeRequest{})
		return err == nil
	})
}

// kill sends SIGKILL, with no chance to flush, close or say goodbye, and
// waits until the process is gone.
func (p *nodeProc) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Kill() // an error means it is already dead: killed before, or crashed
	<-p.exited
	if p.admin != nil {
		p.admin.Close()
	}
	p.cmd, p.admin = nil, nil
}

// stored reads a killed node's store directly: its submissions of unit and
// its outbox, as they were left on disk.
func (p *nodeProc) stored(unit string) (subs map[string]bool, outbox []string) {
	t := p.t
	t.Helper()
	if p.cmd != nil {
		t.Fatal("reading the store of a running node")
	}
	st, err := store.Open(filepath.Join(p.dir, store.FileName), store.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, _, _, err := st.Submissions(store.SubmissionFilter{Unit: unit, WithSuperseded: true}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	subs = map[string]bool{}
	for _, r := range recs {
		subs[r.Digest] = true
	}
	entries, _, err := st.Outbox(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		outbox = append(outbox, e.Digest)
	}
	return subs, outbox
}

// startChild is startNode for a node whose parent runs in another process.
func startChild(t *testing.T, unit string, parent *nodeProc) *tnode {
	t.Helper()
	tn := &tnode{t: t, unit: unit, dir: t.TempDir()}
	log := zaptest.NewLogger(t).Named(unit)
	if _, err := Init(tn.dir, unit, units(), false, Options{Logger: log}); err != nil {
		t.Fatal(err)
	}
	tok, err := tonghopv1.NewChildrenServiceClient(parent.admin).CreateEnrollmentToken(context.Background(),
		&tonghopv1.CreateEnrollmentTokenRequest{UnitCode: unit})
	if err != nil {
		t.Fatalf("token for %s: %v", unit, err)
	}
	if _, err := Enroll(context.Background(), tn.dir, parent.addrs.Peer, tok.Token, Options{Logger: log}); err != nil {
		t.Fatalf("enrolling %s: %v", unit, err)
	}
	tn.cfg = config.Default()
	tn.cfg.DataDir = tn.dir
	tn.cfg.GRPCListen, tn.cfg.HTTPListen, tn.cfg.PeerListen = keptAddrs(t)
	tn.cfg.Parent = parent.addrs.Peer
	tn.run()
	t.Cleanup(tn.stop)
	return tn
}

// listAll lists every submission of unit held by the node behind conn,
// superseded revisions included, page by page.
func listAll(ctx context.Context, conn *grpc.ClientConn, unit string) ([]*tonghopv1.Submission, error) {
	var out []*tonghopv1.Submission
	req := &tonghopv1.ListSubmissionsRequest{UnitCode: unit, IncludeSuperseded: true, PageSize: 1000}
	for {
		resp, err := tonghopv1.NewSubmissionServiceClient(conn).ListSubmissions(ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, resp.Submissions...)
		if resp.NextPageToken == "" {
			return out, nil
		}
		req.PageToken = resp.NextPageToken
	}
}

func mustListAll(t *testing.T, conn *grpc.ClientConn, unit string) []*tonghopv1.Submission {
	t.Helper()
	subs, err := listAll(context.Background(), conn, unit)
	if err != nil {
		t.Fatalf("ListSubmissions of %s: %v", unit, err)
	}
	return subs
}

func outbox(t *testing.T, conn *grpc.ClientConn) []string {
	t.Helper()
	resp, err := tonghopv1.NewSubmissionServiceClient(conn).ListOutbox(context.Background(), &tonghopv1.ListOutboxRequest{})
	if err != nil {
		t.Fatalf("ListOutbox: %v", err)
	}
	var out []string
	for _, e := range resp.Entries {
		out = append(out, e.Digest)
	}
	return out
}

func countIn(digests []string, set map[string]bool) int {
	n := 0
	for _, d := range digests {
		if set[d] {
			n++
		}
	}
	return n
}

// TestCrashedNodeLosesAndDuplicatesNothing kills the district's process
// with SIGKILL three times: holding reports it acknowledged to the commune
// but could not yet forward; in the middle of relaying them to the
// province; in the middle of receiving them from the commune. After each
// restart every report reaches the province exactly once, in revision
// order, and every node holds the receipt for it.
func TestCrashedNodeLosesAndDuplicatesNothing(t *testing.T) {
	// Reports signed in phase A, in phase B before and during the crash,
	// and in phase C.
	const n, m1, m2, m3 = 200, 250, 50, 100

	province := startNode(t, "12", nil)
	district := startProc(t, "106", province)
	commune := startChild(t, "03390", district)
	commune.put("2021", dv("dang_vien", "", "412"), dv("dang_vien", "nu", "150"), dv("dang_vien", "nam", "262"))

	// Each Submit signs the next revision of the same report: a revision
	// lost, duplicated or delivered out of order shows in the province's
	// list (an older revision after a newer one is refused there).
	var digests []string
	submit := func() {
		t.Helper()
		s := commune.submit("2021")
		if s.Revision != uint64(len(digests)+1) {
			t.Fatalf("commune signed revision %d, want %d", s.Revision, len(digests)+1)
		}
		digests = append(digests, s.Digest)
	}

	// afterKill checks on the dead district's own disk that it kept
	// everything it acknowledged: every report for which the commune holds
	// the district's verified receipt. It logs what will be resent to a
	// node that already holds it, to show which window the kill hit.
	afterKill := func() {
		t.Helper()
		held, districtOutbox := district.stored("03390")
		acked := 0
		var lost []uint64
		for _, s := range mustListAll(t, commune.admin, "03390") {
			if s.ForwardState != tonghopv1.ForwardState_FORWARD_STATE_DELIVERED {
				continue
			}
			acked++
			if !held[s.Digest] {
				lost = append(lost, s.Revision)
			}
		}
		if len(lost) > 0 {
			t.Errorf("the district acknowledged %d revisions but lost them in the crash: %v", len(lost), lost)
		}
		atProvince := map[string]bool{}
		for _, s := range mustListAll(t, province.admin, "03390") {
			atProvince[s.Digest] = true
		}
		communeOutbox := outbox(t, commune.admin)
		t.Logf("killed: the commune held %d receipts from the district and %d in its outbox (%d of them held by the district); "+
			"the district held %d reports, %d in its outbox (%d of them held by the province)",
			acked, len(communeOutbox), countIn(communeOutbox, held),
			len(held), len(districtOutbox), countIn(districtOutbox, atProvince))
	}

	// delivered waits for both outboxes to drain, then checks that the
	// province holds each signed report exactly once, in revision order,
	// and that every node down the line holds the receipt for it.
	delivered := func() {
		t.Helper()
		eventually(t, "both outboxes to drain", func() bool {
			return len(outbox(t, commune.admin)) == 0 && len(outbox(t, district.admin)) == 0
		})
		// Nothing is queued anywhere now: what the province holds is final.
		got := mustListAll(t, province.admin, "03390")
		if len(got) != len(digests) {
			t.Fatalf("the province holds %d reports of 03390; the commune signed %d", len(got), len(digests))
		}
		for i, s := range got {
			if s.Digest != digests[i] || s.Revision != uint64(i+1) || s.Superseded != (i < len(got)-1) ||
				s.ForwardState != tonghopv1.ForwardState_FORWARD_STATE_ROOT {
				t.Fatalf("the province's report %d: %v; want revision %d, digest %s", i, s, i+1, digests[i])
			}
			if i > 0 && s.ReceivedAt.AsTime().Before(got[i-1].ReceivedAt.AsTime()) {
				t.Errorf("revision %d reached the province before revision %d", s.Revision, got[i-1].Revision)
			}
		}
		for _, c := range []struct {
			name string
			conn *grpc.ClientConn
		}{{"commune", commune.admin}, {"district", district.admin}} {
			subs := mustListAll(t, c.conn, "03390")
			if len(subs) != len(digests) {
				t.Fatalf("the %s holds %d reports; want %d", c.name, len(subs), len(digests))
			}
			for _, s := range subs {
				if s.ForwardState != tonghopv1.ForwardState_FORWARD_STATE_DELIVERED {
					t.Fatalf("the %s's revision %d is %v", c.name, s.Revision, s.ForwardState)
				}
			}
		}
	}

	// Phase A: with the province away, the district acknowledges every
	// report and queues it; then it dies holding all of them.
	province.stop()
	for range n {
		submit()
	}
	eventually(t, "the district to acknowledge all and hold all", func() bool {
		return len(outbox(t, commune.admin)) == 0 && len(outbox(t, district.admin)) == n
	})
	district.kill()
	if _, queued := district.stored("03390"); len(queued) != n {
		t.Fatalf("the killed district's outbox holds %d; it had acknowledged %d", len(queued), n)
	}
	province.run() // nothing reaches it until the district is back
	afterKill()
	district.start()
	delivered()

	// Phase B: the district holds m1 acknowledged reports when the
	// province returns, and dies the moment the province holds any of
	// them: in the middle of relaying, likely between the province's commit
	// and its own record of the receipts, so that it resends what the
	// province already holds.
	province.stop()
	for range m1 {
		submit()
	}
	eventually(t, "the district to acknowledge and hold phase B", func() bool {
		return len(outbox(t, commune.admin)) == 0 && len(outbox(t, district.admin)) == m1
	})
	province.run()
	held := 0
	for deadline := time.Now().Add(30 * time.Second); held <= n; {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the province to receive a report of phase B")
		}
		// No pause between polls: the window is milliseconds wide.
		held = len(mustListAll(t, province.admin, "03390"))
	}
	district.kill()
	if held < n+m1 {
		t.Logf("killed mid-delivery: the province held %d of %d", held, n+m1)
	} else {
		t.Logf("not caught mid-delivery: the province held all %d when the district was killed", held)
	}
	afterKill()
	// The commune goes on signing while its parent is dead: these wait in
	// its own outbox and go behind the district's backlog.
	for range m2 {
		submit()
	}
	district.start()
	delivered()

	// Phase C: the district dies while the commune streams reports to it,
	// as soon as it has acknowledged one: a receipt sent just before the
	// kill must name a report on its disk.
	type signed struct {
		digest string
		err    error
	}
	results := make(chan signed, m3)
	go func() {
		c := tonghopv1.NewSubmissionServiceClient(commune.admin)
		for range m3 {
			resp, err := c.Submit(context.Background(), &tonghopv1.SubmitRequest{UnitCode: "03390", DataSet: "tong_ket_nam", Period: "2021"})
			if err != nil {
				results <- signed{err: err}
				continue
			}
			results <- signed{digest: resp.Submission.Digest}
		}
	}()
	before := len(digests)
	eventually(t, "the district to acknowledge a report of phase C", func() bool {
		acked := 0
		for _, s := range mustListAll(t, commune.admin, "03390") {
			if s.ForwardState == tonghopv1.ForwardState_FORWARD_STATE_DELIVERED {
				acked++
			}
		}
		return acked > before
	})
	district.kill()
	afterKill()
	for range m3 {
		r := <-results
		if r.err != nil {
			t.Fatalf("Submit: %v", r.err)
		}
		digests = append(digests, r.digest)
	}
	district.start()
	delivered()
	t.Logf("the province holds revisions 1…%d of 03390, each once", len(digests))
}
