package node

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

// deadAddr is a loopback address nothing listens on: a parent out of reach.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// cutOff restarts tn with its parent out of reach.
func (tn *tnode) cutOff() (parent string) {
	tn.t.Helper()
	tn.stop()
	parent, tn.cfg.Parent = tn.cfg.Parent, deadAddr(tn.t)
	tn.run()
	return parent
}

// reconnect restarts tn with its parent at addr.
func (tn *tnode) reconnect(addr string) {
	tn.t.Helper()
	tn.stop()
	tn.cfg.Parent = addr
	tn.run()
}

func (tn *tnode) bundles() tonghopv1.BundleServiceClient {
	return tonghopv1.NewBundleServiceClient(tn.admin)
}

func wantCode(t *testing.T, what string, err error, code codes.Code) {
	t.Helper()
	if status.Code(err) != code {
		t.Fatalf("%s: %v, want %v", what, err, code)
	}
}

func digestsOf(subs []*tonghopv1.Submission) map[string]bool {
	out := map[string]bool{}
	for _, s := range subs {
		out[s.Digest] = true
	}
	return out
}

// TestBundleByFile: Thị trấn Tam Đường has no link to its district. It
// exports its outbox to a file; the district imports it, verifies and
// accepts it as over the network, and relays it to the province; the
// receipts file clears the commune's outbox. The same bundle imported again
// changes nothing; a truncated or tampered one is refused whole; receipts
// go only to the node they acknowledge.
func TestBundleByFile(t *testing.T) {
	ctx := context.Background()
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	commune := startNode(t, "03390", district)
	commune.cutOff()
	commune.put("2021", dv("dang_vien", "", "412"), dv("dang_vien", "nu", "150"), dv("dang_vien", "nam", "262"))
	first := commune.submit("2021")
	commune.put("2021", dv("dang_vien", "nu", "151"), dv("dang_vien", "nam", "261"))
	second := commune.submit("2021")
	if len(commune.outbox()) != 2 {
		t.Fatalf("commune outbox: %v", commune.outbox())
	}

	ex, err := commune.bundles().ExportBundle(ctx, &tonghopv1.ExportBundleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Manifest.From != "12/106/03390" || ex.Manifest.Entries != 2 || ex.Manifest.Kind != "envelopes" || ex.Remaining != 0 {
		t.Fatalf("manifest %v, remaining %d", ex.Manifest, ex.Remaining)
	}
	if len(commune.outbox()) != 2 {
		t.Fatal("exporting emptied the outbox")
	}

	// Truncated anywhere, or one byte changed anywhere: refused whole.
	for _, cut := range []int{len(ex.Bundle) - 1, len(ex.Bundle) - 22, len(ex.Bundle) / 2, 100} {
		_, err := district.bundles().ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: ex.Bundle[:cut]})
		wantCode(t, "a truncated bundle", err, codes.InvalidArgument)
	}
	for _, at := range []int{40, len(ex.Bundle) / 3, len(ex.Bundle) * 2 / 3, len(ex.Bundle) - 30} {
		tampered := append([]byte(nil), ex.Bundle...)
		tampered[at] ^= 0x01
		_, err := district.bundles().ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: tampered})
		wantCode(t, "a tampered bundle", err, codes.InvalidArgument)
	}
	if got := district.submissions("03390", true); len(got) != 0 {
		t.Fatalf("a refused bundle stored %d reports", len(got))
	}
	// A node may not import its own bundle, nor one from outside its subtree.
	_, err = commune.bundles().ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: ex.Bundle})
	wantCode(t, "the commune importing its own bundle", err, codes.PermissionDenied)

	im, err := district.bundles().ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: ex.Bundle})
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Results) != 2 || im.Results[0].Digest != first.Digest || im.Results[1].Digest != second.Digest {
		t.Fatalf("results %v", im.Results)
	}
	for _, r := range im.Results {
		if r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED {
			t.Fatalf("first import: %v", r)
		}
	}
	held := district.submissions("03390", true)
	if len(held) != 2 || !digestsOf(held)[first.Digest] || !digestsOf(held)[second.Digest] {
		t.Fatalf("the district holds %v", held)
	}
	// Relayed up over the network as if delivered by the commune.
	eventually(t, "the province to hold both revisions", func() bool {
		return len(province.submissions("03390", true)) == 2
	})

	again, err := district.bundles().ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: ex.Bundle})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again.Results {
		if r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE {
			t.Fatalf("second import: %v", r)
		}
	}
	if got := district.submissions("03390", true); len(got) != 2 {
		t.Fatalf("importing twice: the district holds %d reports", len(got))
	}

	// Receipts: not for the district itself, and not tampered with.
	_, err = district.bundles().ImportReceipts(ctx, &tonghopv1.ImportReceiptsRequest{Receipts: im.Receipts})
	wantCode(t, "receipts imported at the node that signed them", err, codes.FailedPrecondition)
	tampered := append([]byte(nil), im.Receipts...)
	tampered[len(tampered)/2] ^= 0x01
	_, err = commune.bundles().ImportReceipts(ctx, &tonghopv1.ImportReceiptsRequest{Receipts: tampered})
	wantCode(t, "tampered receipts", err, codes.InvalidArgument)
	_, err = commune.bundles().ImportReceipts(ctx, &tonghopv1.ImportReceiptsRequest{Receipts: ex.Bundle})
	wantCode(t, "a bundle of envelopes as receipts", err, codes.InvalidArgument)
	if len(commune.outbox()) != 2 {
		t.Fatal("refused receipts cleared the outbox")
	}

	cl, err := commune.bundles().ImportReceipts(ctx, &tonghopv1.ImportReceiptsRequest{Receipts: im.Receipts})
	if err != nil {
		t.Fatal(err)
	}
	if cl.Cleared != 2 || cl.AlreadyCleared != 0 || cl.Waiting != 0 || cl.Manifest.From != "12/106" {
		t.Fatalf("receipts: %v", cl)
	}
	if len(commune.outbox()) != 0 {
		t.Fatal("the outbox is not empty")
	}
	for _, s := range commune.submissions("03390", true) {
		if s.ForwardState != tonghopv1.ForwardState_FORWARD_STATE_DELIVERED {
			t.Fatalf("commune's revision %d is %v", s.Revision, s.ForwardState)
		}
	}
	// The second import's receipts (duplicates) clear nothing more.
	cl, err = commune.bundles().ImportReceipts(ctx, &tonghopv1.ImportReceiptsRequest{Receipts: again.Receipts})
	if err != nil || cl.Cleared != 0 || cl.AlreadyCleared != 2 {
		t.Fatalf("the duplicates' receipts: %v %v", cl, err)
	}
	_, err = commune.bundles().ExportBundle(ctx, &tonghopv1.ExportBundleRequest{})
	wantCode(t, "exporting an empty outbox", err, codes.FailedPrecondition)
}

// TestBundleAndNetworkInEitherOrder: what arrives by file and by network
// ends in the same state, whichever comes first.
func TestBundleAndNetworkInEitherOrder(t *testing.T) {
	ctx := context.Background()
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	// Xã Thèn Sin: the file first, then the link comes back before the
	// receipts do. Xã Tả Lèng: the network first, then the file.
	fileFirst := startNode(t, "03394", district)
	netFirst := startNode(t, "03400", district)
	addr := fileFirst.cutOff()
	netFirst.cutOff()
	for _, c := range []*tnode{fileFirst, netFirst} {
		c.put("2021", dv("dang_vien", "", "90"), dv("dang_vien", "nu", "40"), dv("dang_vien", "nam", "50"))
		c.submit("2021")
		c.put("2021", dv("dang_vien", "", "91"), dv("dang_vien", "nam", "51"))
		c.submit("2021")
	}
	exports := map[string][]byte{}
	for _, c := range []*tnode{fileFirst, netFirst} {
		ex, err := c.bundles().ExportBundle(ctx, &tonghopv1.ExportBundleRequest{})
		if err != nil {
			t.Fatal(err)
		}
		exports[c.unit] = ex.Bundle
	}

	im, err := district.bundles().ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: exports["03394"]})
	if err != nil {
		t.Fatal(err)
	}
	fileFirst.reconnect(addr)
	eventually(t, "03394's outbox to drain over the network", func() bool { return len(fileFirst.outbox()) == 0 })
	cl, err := fileFirst.bundles().ImportReceipts(ctx, &tonghopv1.ImportReceiptsRequest{Receipts: im.Receipts})
	if err != nil || cl.Cleared != 0 || cl.AlreadyCleared != 2 {
		t.Fatalf("late receipts: %v %v", cl, err)
	}

	netFirst.reconnect(addr)
	eventually(t, "03400's outbox to drain over the network", func() bool { return len(netFirst.outbox()) == 0 })
	im, err = district.bundles().ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: exports["03400"]})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range im.Results {
		if r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE {
			t.Fatalf("the file after the network: %v", r)
		}
	}

	eventually(t, "the province to hold both communes' revisions", func() bool {
		return len(province.submissions("03394", true)) == 2 && len(province.submissions("03400", true)) == 2 && len(district.outbox()) == 0
	})
	for _, c := range []*tnode{fileFirst, netFirst} {
		for _, at := range []*tnode{c, district, province} {
			subs := at.submissions(c.unit, true)
			if len(subs) != 2 || subs[0].Revision != 1 || subs[1].Revision != 2 || !subs[0].Superseded || subs[1].Superseded {
				t.Fatalf("%s holds of %s: %v", at.unit, c.unit, subs)
			}
			want := tonghopv1.ForwardState_FORWARD_STATE_DELIVERED
			if at == province {
				want = tonghopv1.ForwardState_FORWARD_STATE_ROOT
			}
			for _, s := range subs {
				if s.ForwardState != want {
					t.Fatalf("%s's revision %d of %s is %v, want %v", at.unit, s.Revision, c.unit, s.ForwardState, want)
				}
			}
		}
	}
}

// TestCrashDuringBundleImport kills the district's process with SIGKILL in
// the middle of importing a commune's bundle. Whatever it had stored stays
// stored; importing the same file again after the restart accepts exactly
// what was missing and finds the rest already held; the receipts then
// clear the commune's outbox, and the province receives every revision
// exactly once, in order.
func TestCrashDuringBundleImport(t *testing.T) {
	const n = 600 // two transactions of an import
	ctx := context.Background()
	province := startNode(t, "12", nil)
	district := startProc(t, "106", province)
	commune := startChild(t, "03390", district)
	commune.cutOff()
	commune.put("2021", dv("dang_vien", "", "412"), dv("dang_vien", "nu", "150"), dv("dang_vien", "nam", "262"))
	var digests []string
	for range n {
		digests = append(digests, commune.submit("2021").Digest)
	}
	ex, err := commune.bundles().ExportBundle(ctx, &tonghopv1.ExportBundleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Manifest.Entries != n || ex.Remaining != 0 {
		t.Fatalf("exported %d, %d remaining; want all %d in one bundle (%d bytes)", ex.Manifest.Entries, ex.Remaining, n, len(ex.Bundle))
	}
	t.Logf("%d envelopes in a bundle of %d bytes", n, len(ex.Bundle))

	type answer struct {
		resp *tonghopv1.ImportBundleResponse
		err  error
	}
	answered := make(chan answer, 1)
	conn := district.admin
	go func() {
		resp, err := tonghopv1.NewBundleServiceClient(conn).ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: ex.Bundle})
		answered <- answer{resp, err}
	}()
	eventually(t, "the district to store part of the bundle", func() bool {
		subs, err := listAll(ctx, conn, "03390")
		return err == nil && len(subs) > 0
	})
	district.kill()
	a := <-answered
	held, _ := district.stored("03390")
	if a.err == nil {
		// The import answered before the kill: all of it was acknowledged.
		t.Logf("killed after the import answered: the district held %d of %d", len(held), n)
		if len(held) != n {
			t.Fatalf("the district acknowledged %d envelopes but kept %d", n, len(held))
		}
	} else {
		t.Logf("killed during the import (%v): the district held %d of %d", status.Code(a.err), len(held), n)
	}

	district.start()
	im, err := tonghopv1.NewBundleServiceClient(district.admin).ImportBundle(ctx, &tonghopv1.ImportBundleRequest{Bundle: ex.Bundle})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range im.Results {
		want := tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED
		if held[digests[i]] {
			want = tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE
		}
		if r.Digest != digests[i] || r.Outcome != want {
			t.Fatalf("after the restart, revision %d: %v, want %v", i+1, r, want)
		}
	}
	cl, err := commune.bundles().ImportReceipts(ctx, &tonghopv1.ImportReceiptsRequest{Receipts: im.Receipts})
	if err != nil || cl.Cleared != n || cl.Waiting != 0 {
		t.Fatalf("receipts: %v %v", cl, err)
	}
	eventually(t, "the district's outbox to drain to the province", func() bool { return len(outbox(t, district.admin)) == 0 })
	got := mustListAll(t, province.admin, "03390")
	if len(got) != n {
		t.Fatalf("the province holds %d revisions; the commune signed %d", len(got), n)
	}
	for i, s := range got {
		if s.Digest != digests[i] || s.Revision != uint64(i+1) {
			t.Fatalf("the province's revision %d: %v", i+1, s)
		}
	}
}
