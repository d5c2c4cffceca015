package node

import (
	"context"
	"testing"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/trust"
)

// TestKeyRotation: a commune rotates its key. The parent certifies the new
// key over mutual TLS with the old certificate; reports signed before and
// after both reach the province and verify; the district lists both
// certificates; revoking the commune revokes both.
func TestKeyRotation(t *testing.T) {
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	commune := startNode(t, "03390", district)
	ctx := context.Background()

	commune.put("2021", dv("dang_vien", "", "400"))
	first := commune.submit("2021")
	oldID := *commune.node.Identity()
	eventually(t, "the first report at the province", func() bool { return len(province.submissions("03390", true)) == 1 })

	commune.stop()
	newID, err := RotateKey(ctx, commune.dir, district.node.PeerAddr(), Options{})
	if err != nil {
		t.Fatalf("RotateKey: %v", err)
	}
	if trust.SerialHex(newID.Leaf()) == trust.SerialHex(oldID.Leaf()) || newID.Key.Equal(oldID.Key) {
		t.Fatal("rotation kept the old key or certificate")
	}
	commune.run()
	if got := commune.node.Identity(); trust.Fingerprint(got.Leaf()) != trust.Fingerprint(newID.Leaf()) {
		t.Fatal("the restarted node does not use the new certificate")
	}
	commune.put("2021", dv("dang_vien", "", "405"))
	second := commune.submit("2021")
	eventually(t, "the second report at the province", func() bool { return len(province.submissions("03390", true)) == 2 })
	subs := province.submissions("03390", true)
	if subs[0].Digest != first.Digest || subs[1].Digest != second.Digest || subs[0].SignerFingerprint == subs[1].SignerFingerprint {
		t.Fatalf("province holds %v", subs)
	}

	children, err := tonghopv1.NewChildrenServiceClient(district.admin).ListChildren(ctx, &tonghopv1.ListChildrenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var certs int
	for _, c := range children.Children {
		if c.UnitCode == "03390" {
			certs = len(c.Certificates)
		}
	}
	if certs != 2 {
		t.Fatalf("the district lists %d certificates of 03390, want 2", certs)
	}
	revoked, err := tonghopv1.NewChildrenServiceClient(district.admin).RevokeChild(ctx, &tonghopv1.RevokeChildRequest{UnitCode: "03390", Reason: "đổi khóa"})
	if err != nil || len(revoked.Revoked) != 2 {
		t.Fatalf("RevokeChild: %v %v", revoked, err)
	}
}
