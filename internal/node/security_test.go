package node

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/trust"
)

// TestForgedRevocations: a district may revoke only certificates of its own
// children. Naming the root's serial, or carrying another district's
// certificate, is refused, and the province keeps working.
func TestForgedRevocations(t *testing.T) {
	h := startLaiChau(t)
	ctx := context.Background()
	district := *h.tamDuong.node.Identity()
	asDistrict := h.province.peerClient(district)
	notice := func(unit string, cert *x509.Certificate) []byte {
		payload, err := envelope.EncodeRevocation(envelope.Revocation{
			Serial: trust.SerialHex(cert), Unit: unit, IssuerFingerprint: trust.Fingerprint(district.Leaf()),
			Certificate: cert.Raw, Reason: "giả mạo", RevokedAt: time.Now().UTC(),
		})
		if err != nil {
			t.Fatal(err)
		}
		return signPayload(t, district, envelope.RevocationType, payload)
	}
	for _, c := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"the root's certificate, as if it were a commune's", notice("03390", h.province.node.Identity().Root()), "not one of unit 03390"},
		{"another district's certificate", notice("03390", h.tpLaiChau.node.Identity().Leaf()), "not one of unit 03390"},
		{"a commune of another district", notice("03386", h.quyetThang.node.Identity().Leaf()), "not in the subtree of 12/106"},
	} {
		before := h.province.fileHash()
		resp, err := asDistrict.Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{c.raw}})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r := resp.Results[0]
		if st := status.FromProto(r.Error); r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_REJECTED || st.Code() != codes.PermissionDenied || !strings.Contains(st.Message(), c.want) {
			t.Errorf("%s: %v %v", c.name, r.Outcome, st)
		}
		if h.province.fileHash() != before {
			t.Errorf("%s: the province's store changed", c.name)
		}
	}
	// The province and its other district still talk.
	h.quyetThang.put("2021", dv("dang_vien", "", "300"))
	h.quyetThang.submit("2021")
	eventually(t, "a report through the other district", func() bool { return len(h.province.submissions("03386", false)) == 1 })
	// A genuine revocation by the district of its own commune is accepted
	// at the province.
	if _, err := tonghopv1.NewChildrenServiceClient(h.tamDuong.admin).RevokeChild(ctx, &tonghopv1.RevokeChildRequest{UnitCode: "03394", Reason: "thật"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the genuine notice to travel up", func() bool { return len(h.tamDuong.outbox()) == 0 })
	if _, err := h.province.peerClient(*h.thenSin.node.Identity()).Deliver(ctx, &tonghopv1.DeliverRequest{}); err == nil {
		t.Error("the province still accepts a connection from the revoked commune")
	}
}

// TestRevocationReachesOpenConnections: a connection opened before its
// certificate was revoked can no longer renew or deliver.
func TestRevocationReachesOpenConnections(t *testing.T) {
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	ctx := context.Background()
	client := province.peerClient(*district.node.Identity())
	if _, err := client.Deliver(ctx, &tonghopv1.DeliverRequest{}); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	if _, err := tonghopv1.NewChildrenServiceClient(province.admin).RevokeChild(ctx, &tonghopv1.RevokeChildRequest{UnitCode: "106"}); err != nil {
		t.Fatal(err)
	}
	key, _ := trust.GenerateKey()
	csr, err := trust.NewCSR(key, []string{"12", "106"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Renew(ctx, &tonghopv1.RenewRequest{Csr: csr}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Renew on an open connection after revocation: %v, want PermissionDenied", err)
	}
	if _, err := client.Deliver(ctx, &tonghopv1.DeliverRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Deliver on an open connection after revocation: %v, want PermissionDenied", err)
	}
}

// TestOnlyDirectChildrenDeliver: a commune cannot skip its district.
func TestOnlyDirectChildrenDeliver(t *testing.T) {
	h := startLaiChau(t)
	commune := *h.thiTran.node.Identity()
	raw := signAs(t, commune, report("03390", 1, catalogDigest(t, h.province)))
	_, err := h.province.peerClient(commune).Deliver(context.Background(), &tonghopv1.DeliverRequest{Envelopes: [][]byte{raw}})
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "not a direct child") {
		t.Fatalf("a commune delivering to the province: %v", err)
	}
}

// TestTokenGoesOnlyToTheParent: a commune's token is refused by the child
// before anything is sent when the address is a sibling's, not its parent's.
func TestTokenGoesOnlyToTheParent(t *testing.T) {
	h := startLaiChau(t)
	tok, err := tonghopv1.NewChildrenServiceClient(h.tamDuong.admin).CreateEnrollmentToken(context.Background(), &tonghopv1.CreateEnrollmentTokenRequest{UnitCode: "03400"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Init(dir, "03400", units(), false, Options{}); err != nil {
		t.Fatal(err)
	}
	_, err = Enroll(context.Background(), dir, h.thiTran.node.PeerAddr(), tok.Token, Options{})
	if !errors.Is(err, trust.ErrUntrusted) {
		t.Fatalf("enrolling against a sibling: %v, want ErrUntrusted", err)
	}
	// The token was not spent: the real parent still takes it.
	if _, err := Enroll(context.Background(), dir, h.tamDuong.node.PeerAddr(), tok.Token, Options{}); err != nil {
		t.Fatalf("enrolling with the parent afterwards: %v", err)
	}
}

// TestDistrictCannotImpersonateItsCommune: a district is a CA for its
// subtree, so it can issue itself a certificate in its commune's name. The
// province, which knows the commune's key from its reports, refuses reports
// signed with any other key unless the commune's own key endorsed it.
func TestDistrictCannotImpersonateItsCommune(t *testing.T) {
	h := startLaiChau(t)
	ctx := context.Background()
	h.thiTran.put("2021", dv("dang_vien", "", "412"))
	h.thiTran.submit("2021")
	eventually(t, "the commune's genuine report at the province", func() bool { return len(h.province.submissions("03390", true)) == 1 })

	district := *h.tamDuong.node.Identity()
	key, _ := trust.GenerateKey()
	csr, err := trust.NewCSR(key, []string{"12", "106", "03390"}, "Thị trấn Tam Đường")
	if err != nil {
		t.Fatal(err)
	}
	chain, err := district.Issue(csr, []string{"12", "106", "03390"}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	impostor := trust.Identity{Key: key, Chain: chain}
	forged := signAs(t, impostor, report("03390", 2, catalogDigest(t, h.province)))

	before := h.province.fileHash()
	resp, err := h.province.peerClient(district).Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{forged}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Results[0]
	if st := status.FromProto(r.Error); r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_REJECTED || st.Code() != codes.PermissionDenied || !strings.Contains(st.Message(), "not a known key of the unit") {
		t.Fatalf("forged report: %v %v", r.Outcome, st)
	}
	if h.province.fileHash() != before {
		t.Fatal("the province's store changed")
	}
	// The impostor cannot endorse itself either: an endorsement must be
	// signed by a key the province already knows.
	payload, err := envelope.EncodeKeyEndorsement(envelope.KeyEndorsement{Unit: "03390", Certificate: chain[0].Raw, EndorsedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	selfEndorsed := signPayload(t, impostor, envelope.KeyType, payload)
	resp, err = h.province.peerClient(district).Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{selfEndorsed}})
	if err != nil {
		t.Fatal(err)
	}
	if st := status.FromProto(resp.Results[0].Error); st.Code() != codes.PermissionDenied {
		t.Fatalf("self-endorsed key: %v %v", resp.Results[0].Outcome, st)
	}
	if subs := h.province.submissions("03390", true); len(subs) != 1 {
		t.Fatalf("province holds %d reports of 03390, want the genuine one only", len(subs))
	}
}

// TestForeignCertificateAudited: a commune of another district connects to
// Tam Đường's peer port with its valid certificate; the district refuses it
// as not its child, and the refusal is in the district's audit log.
func TestForeignCertificateAudited(t *testing.T) {
	h := startLaiChau(t)
	foreign := *h.quyetThang.node.Identity() // 12/105/03386
	_, err := h.tamDuong.peerClient(foreign).Deliver(context.Background(), &tonghopv1.DeliverRequest{})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("a commune of 105 delivering to 106: %v", err)
	}
	log, err := tonghopv1.NewAccessServiceClient(h.tamDuong.admin).ListAudit(context.Background(), &tonghopv1.ListAuditRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log.Entries {
		if e.Caller == "node 12/105/03386" && e.Code == "PermissionDenied" && e.Method == tonghopv1.PeerService_Deliver_FullMethodName {
			return
		}
	}
	t.Fatalf("the refusal is not in the audit log: %v", log.Entries)
}
