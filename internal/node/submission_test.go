package node

import (
	"context"
	"crypto/x509"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/trust"
)

// laiChau runs Tỉnh Lai Châu (root), Huyện Tam Đường with two communes,
// and Thành phố Lai Châu with one.
type laiChau struct {
	province, tamDuong, thiTran, thenSin, tpLaiChau, quyetThang *tnode
}

func startLaiChau(t *testing.T) *laiChau {
	h := &laiChau{}
	h.province = startNode(t, "12", nil)
	h.tamDuong = startNode(t, "106", h.province)
	h.tpLaiChau = startNode(t, "105", h.province)
	h.thiTran = startNode(t, "03390", h.tamDuong)
	h.thenSin = startNode(t, "03394", h.tamDuong)
	h.quyetThang = startNode(t, "03386", h.tpLaiChau)
	return h
}

func TestSubmissionTravelsUpAndVerifiesAtTheRoot(t *testing.T) {
	h := startLaiChau(t)
	h.thiTran.put("2021", dv("dang_vien", "", "412"), dv("dang_vien", "nu", "150"), dv("dang_vien", "nam", "262"))
	if _, err := tonghopv1.NewDataServiceClient(h.thiTran.admin).PutSection(context.Background(), &tonghopv1.PutSectionRequest{
		UnitCode: "03390", DataSet: "tong_ket_nam", Period: "2021", Section: "II.1", Content: &tonghopv1.SectionContent{Text: "Ưu điểm"},
	}); err != nil {
		t.Fatal(err)
	}
	sub := h.thiTran.submit("2021")
	if sub.Revision != 1 || sub.Signer != "12/106/03390" || sub.ValueCount != 3 || sub.SectionCount != 1 {
		t.Fatalf("own submission: %v", sub)
	}

	eventually(t, "the province holding the commune's report", func() bool { return len(h.province.submissions("03390", false)) == 1 })
	got, err := tonghopv1.NewSubmissionServiceClient(h.province.admin).GetSubmission(context.Background(), &tonghopv1.GetSubmissionRequest{Digest: sub.Digest})
	if err != nil {
		t.Fatal(err)
	}
	if got.Submission.ForwardState != tonghopv1.ForwardState_FORWARD_STATE_ROOT || len(got.Values) != 3 || got.Sections[0].Text != "Ưu điểm" {
		t.Fatalf("at the province: %v", got)
	}
	// The root verifies it on its own, trusting only its root certificate:
	// not the district that relayed it.
	env, err := envelope.Parse(got.Envelope)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.VerifySignature(); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(h.province.node.Identity().Root())
	path, err := trust.Verify(env.Signatures[0].Chain, roots, time.Now(), nil)
	if err != nil || strings.Join(path, "/") != "12/106/03390" {
		t.Fatalf("end-to-end verification: %v %v", path, err)
	}
	if envelope.Digest(got.Envelope) != sub.Digest {
		t.Fatal("the province holds other bytes than the commune signed")
	}
	// The commune and the district each got a verified receipt.
	eventually(t, "receipts down the line", func() bool {
		c := h.thiTran.submissions("03390", false)
		d := h.tamDuong.submissions("03390", false)
		return len(c) == 1 && c[0].ForwardState == tonghopv1.ForwardState_FORWARD_STATE_DELIVERED &&
			len(d) == 1 && d[0].ForwardState == tonghopv1.ForwardState_FORWARD_STATE_DELIVERED
	})
	if n := len(h.thiTran.outbox()) + len(h.tamDuong.outbox()); n != 0 {
		t.Fatalf("%d envelopes left in outboxes", n)
	}
}

// TestParentOutage stops the district for a while: the commune keeps
// signing and queuing; when the district returns, every revision arrives at
// the province exactly once, in revision order.
func TestParentOutage(t *testing.T) {
	h := startLaiChau(t)
	h.tamDuong.stop()

	for i, total := range []string{"400", "405", "412"} {
		h.thiTran.put("2021", dv("dang_vien", "", total))
		if s := h.thiTran.submit("2021"); s.Revision != uint64(i+1) {
			t.Fatalf("revision %d, want %d", s.Revision, i+1)
		}
	}
	eventually(t, "failed delivery attempts to be recorded", func() bool {
		ob := h.thiTran.outbox()
		return len(ob) == 3 && ob[0].Attempts >= 2 && ob[0].LastError != ""
	})

	h.tamDuong.run()
	eventually(t, "all three revisions at the province", func() bool {
		return len(h.province.submissions("03390", true)) == 3
	})
	subs := h.province.submissions("03390", true)
	for i, s := range subs {
		if s.Revision != uint64(i+1) || s.Superseded != (i < 2) {
			t.Errorf("province holds %v at %d", s, i)
		}
		if i > 0 && s.ReceivedAt.AsTime().Before(subs[i-1].ReceivedAt.AsTime()) {
			t.Errorf("revision %d arrived before revision %d", s.Revision, subs[i-1].Revision)
		}
	}
	eventually(t, "the commune's outbox to drain", func() bool { return len(h.thiTran.outbox()) == 0 })
}

// signAs signs a submission payload with id, as a node would.
func signAs(t *testing.T, id trust.Identity, s envelope.Submission) []byte {
	t.Helper()
	payload, err := envelope.EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	return signPayload(t, id, envelope.SubmissionType, payload)
}

func signPayload(t *testing.T, id trust.Identity, payloadType string, payload []byte) []byte {
	t.Helper()
	raw, err := envelope.Seal(payloadType, payload, id.Key, id.Chain)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func report(unit string, rev uint64, catalogDigest string) envelope.Submission {
	return envelope.Submission{
		Unit: unit, DataSet: "tong_ket_nam", Period: "2021", Revision: rev,
		CatalogVersion: "2021.1", CatalogDigest: catalogDigest, SignedAt: time.Now().UTC(),
		Values: []envelope.Value{{Element: "dang_vien", Count: 100}},
	}
}

// TestRejections delivers bad envelopes straight to the province and the
// district, as a child would, and checks each precise status and that the
// receiving store did not change by a byte.
func TestRejections(t *testing.T) {
	h := startLaiChau(t)
	ctx := context.Background()
	catDigest := catalogDigest(t, h.province)
	commune := *h.thiTran.node.Identity()
	otherCommune := *h.thenSin.node.Identity()
	district := *h.tamDuong.node.Identity()

	// A good report delivered first, so that "older revision" has a newer one.
	good2 := signAs(t, commune, report("03390", 2, catDigest))
	asDistrict := h.province.peerClient(district)
	deliver := func(c tonghopv1.PeerServiceClient, raw []byte) *tonghopv1.DeliveryResult {
		t.Helper()
		resp, err := c.Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{raw}})
		if err != nil {
			t.Fatalf("Deliver: %v", err)
		}
		return resp.Results[0]
	}
	if r := deliver(asDistrict, good2); r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED {
		t.Fatalf("good report: %v", r)
	}
	if r := deliver(asDistrict, good2); r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE || len(r.Receipt) == 0 {
		t.Fatalf("resent report: %v", r)
	}

	flip := func(raw []byte, at string) []byte {
		env, err := envelope.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		switch at {
		case "sig":
			env.Signatures[0].Sig[0] ^= 1
		case "payload":
			env.Payload = []byte(strings.Replace(string(env.Payload), `"count":100`, `"count":900`, 1))
		}
		out, err := env.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// The district relays the commune's report but rewrites it and signs it itself.
	altered := report("03390", 3, catDigest)
	altered.Values[0].Count = 900

	revokedReport := signAs(t, otherCommune, report("03394", 1, catDigest))
	if _, err := tonghopv1.NewChildrenServiceClient(h.tamDuong.admin).RevokeChild(ctx, &tonghopv1.RevokeChildRequest{UnitCode: "03394", Reason: "khóa bị lộ"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the revocation notice to reach the province", func() bool { return len(h.tamDuong.outbox()) == 0 })

	for _, c := range []struct {
		name string
		raw  []byte
		code codes.Code
		want string
	}{
		{"forged signature", flip(good2, "sig"), codes.Unauthenticated, "signature"},
		{"corrupted payload", flip(good2, "payload"), codes.Unauthenticated, "signature"},
		{"commune signing for another commune", signAs(t, commune, report("03394", 5, catDigest)), codes.PermissionDenied, "12/106/03390 signed a report of unit 03394"},
		{"district certificate for a unit outside its subtree", signAs(t, district, report("03386", 1, catDigest)), codes.PermissionDenied, "not in the subtree of 12/106"},
		{"district altering a commune's report", signAs(t, district, altered), codes.PermissionDenied, "12/106 signed a report of unit 03390"},
		{"revoked key", revokedReport, codes.PermissionDenied, "revoked"},
		{"older revision after a newer one", signAs(t, commune, report("03390", 1, catDigest)), codes.FailedPrecondition, "revision 1, stored 2"},
		{"revision 2^64−1", signAs(t, commune, report("03390", math.MaxUint64, catDigest)), codes.FailedPrecondition, "revision too far past the stored one: 03390 tong_ket_nam 2021 revision 18446744073709551615, stored 2"},
		{"a revision 1001 past the stored one", signAs(t, commune, report("03390", 1003, catDigest)), codes.FailedPrecondition, "revision too far past"},
		{"unknown catalogue version", signAs(t, commune, report("03390", 9, strings.Repeat("ab", 32))), codes.FailedPrecondition, "catalogue"},
		{"malformed payload", signPayload(t, commune, envelope.SubmissionType, []byte(`{"version":1,"unit":"03390"}`)), codes.InvalidArgument, "malformed"},
		{"invalid contents", signAs(t, commune, envelope.Submission{Unit: "03390", DataSet: "tong_ket_nam", Period: "2021Q1", Revision: 10, CatalogVersion: "2021.1", CatalogDigest: catDigest, SignedAt: time.Now().UTC()}), codes.InvalidArgument, "period"},
		{"over the size limit", oversized(good2), codes.InvalidArgument, "too large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := h.province.fileHash()
			r := deliver(asDistrict, c.raw)
			st := status.FromProto(r.Error)
			if r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_REJECTED || st.Code() != c.code || !strings.Contains(st.Message(), c.want) {
				t.Errorf("outcome %v, %s %q; want REJECTED, %s …%s…", r.Outcome, st.Code(), st.Message(), c.code, c.want)
			}
			if len(r.Receipt) != 0 {
				t.Error("a rejected envelope got a receipt")
			}
			if h.province.fileHash() != before {
				t.Error("the province's store changed")
			}
		})
	}
	// The district refuses the revoked commune too, at the TLS handshake or
	// on the envelope.
	if _, err := h.tamDuong.peerClient(otherCommune).Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{revokedReport}}); err == nil {
		t.Error("the district accepted a connection from a revoked commune")
	}
	// A node without a certificate cannot deliver at all.
	if _, err := h.province.peerClientNoCert().Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{good2}}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("delivery without a client certificate: %v", err)
	}
	// And the province still holds exactly one report of 03390.
	if subs := h.province.submissions("03390", true); len(subs) != 1 || subs[0].Revision != 2 {
		t.Errorf("province holds %v", subs)
	}
	if subs := h.province.submissions("03394", true); len(subs) != 0 {
		t.Errorf("province holds the revoked commune's report: %v", subs)
	}
}

// oversized pads a signed envelope's JSON past envelope.MaxBytes with
// whitespace: the bytes no signer would produce, which a receiver must
// refuse before reading them.
func oversized(raw []byte) []byte {
	pad := make([]byte, envelope.MaxBytes)
	for i := range pad {
		pad[i] = ' '
	}
	return append(append([]byte{'{'}, pad...), raw[1:]...)
}

func catalogDigest(t *testing.T, tn *tnode) string {
	t.Helper()
	resp, err := tonghopv1.NewNodeServiceClient(tn.admin).GetNode(context.Background(), &tonghopv1.GetNodeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Node.CatalogDigest
}

func (tn *tnode) fileHash() [32]byte {
	return (&harness{t: tn.t, dir: tn.dir}).fileHash()
}

// TestEnrolmentTokens: a token serves once, only for its unit, and only for
// a direct child.
func TestEnrolmentTokens(t *testing.T) {
	province := startNode(t, "12", nil)
	ctx := context.Background()
	children := tonghopv1.NewChildrenServiceClient(province.admin)
	if _, err := children.CreateEnrollmentToken(ctx, &tonghopv1.CreateEnrollmentTokenRequest{UnitCode: "03390"}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("token for a grandchild: %v", err)
	}
	tok, err := children.CreateEnrollmentToken(ctx, &tonghopv1.CreateEnrollmentTokenRequest{UnitCode: "106"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Init(dir, "105", units(), false, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Enroll(ctx, dir, province.node.PeerAddr(), tok.Token, Options{}); err == nil || !strings.Contains(err.Error(), "the token is for unit 106") {
		t.Fatalf("106's token used by 105: %v", err)
	}
	dir106 := t.TempDir()
	if _, err := Init(dir106, "106", units(), false, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Enroll(ctx, dir106, province.node.PeerAddr(), tok.Token, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Enroll(ctx, dir106, province.node.PeerAddr(), tok.Token, Options{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("token used twice: %v", err)
	}
	list, err := children.ListChildren(ctx, &tonghopv1.ListChildrenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var enrolled []string
	for _, c := range list.Children {
		if len(c.Certificates) > 0 {
			enrolled = append(enrolled, c.UnitCode)
		}
	}
	if !slices.Equal(enrolled, []string{"106"}) || len(list.Children) != 2 {
		t.Fatalf("children: %v", list.Children)
	}
	// A token pinned to another root is refused by the child before it
	// sends anything.
	tok2, err := children.CreateEnrollmentToken(ctx, &tonghopv1.CreateEnrollmentTokenRequest{UnitCode: "105"})
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Split(tok2.Token, ".")
	bad[2] = strings.Repeat("0", 64)
	if _, err := Enroll(ctx, dir, province.node.PeerAddr(), strings.Join(bad, "."), Options{}); !errors.Is(err, trust.ErrUntrusted) {
		t.Fatalf("enrolment with a wrong root fingerprint: %v, want ErrUntrusted", err)
	}
	// The unspent token still works with the right root.
	if _, err := Enroll(ctx, dir, province.node.PeerAddr(), tok2.Token, Options{}); err != nil {
		t.Fatalf("enrolment after the refused attempt: %v", err)
	}
}
