package node

import (
	"context"
	"testing"
	"time"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/trust"
)

// TestCertificateRenewsItself: nineteen months after Huyện Tam Đường
// enrolled, its two-year certificate has less than a third of its life
// left. Running, the district renews it from the province by itself, with
// no token: a new key, certified over the mutual-TLS link with the old
// certificate, endorsed by the old key, saved, and in use from the next
// report on, which the province accepts. The province lists both
// certificates, and a renewed certificate is not renewed again.
func TestCertificateRenewsItself(t *testing.T) {
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	old := *district.node.Identity()
	district.put("2021", dv("dang_vien", "", "2675"))
	first := district.submit("2021")
	eventually(t, "the first report at the province", func() bool { return len(province.submissions("106", true)) == 1 })

	later := func() time.Time { return time.Now().Add(19 * 30 * 24 * time.Hour) }
	district.stop()
	province.stop()
	province.runWith(Options{Clock: later})
	district.runWith(Options{Clock: later})
	eventually(t, "the district to renew its certificate", func() bool {
		return trust.SerialHex(district.node.Identity().Leaf()) != trust.SerialHex(old.Leaf())
	})
	renewed := *district.node.Identity()
	if renewed.Key.Equal(old.Key) {
		t.Fatal("renewal kept the old key")
	}
	if got, want := renewed.Leaf().NotAfter, later().Add(2*365*24*time.Hour); got.Before(want.Add(-time.Hour)) || got.After(want) {
		t.Fatalf("the renewed certificate ends %s, want about %s", got, want)
	}
	saved, err := trust.Load(district.dir)
	if err != nil || trust.SerialHex(saved.Leaf()) != trust.SerialHex(renewed.Leaf()) {
		t.Fatalf("the renewed identity on disk: %v %v", saved.Leaf().SerialNumber, err)
	}

	district.put("2021", dv("dang_vien", "", "2676"))
	second := district.submit("2021")
	eventually(t, "the report signed with the renewed key at the province", func() bool { return len(province.submissions("106", true)) == 2 })
	subs := province.submissions("106", true)
	if subs[0].Digest != first.Digest || subs[1].Digest != second.Digest ||
		subs[1].SignerFingerprint != trust.Fingerprint(renewed.Leaf()) || subs[0].SignerFingerprint != trust.Fingerprint(old.Leaf()) {
		t.Fatalf("the province holds %v", subs)
	}
	children, err := tonghopv1.NewChildrenServiceClient(province.admin).ListChildren(context.Background(), &tonghopv1.ListChildrenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range children.Children {
		if c.UnitCode == "106" && (len(c.Certificates) != 2 || !c.Enrolled) {
			t.Fatalf("the province lists 106 with %d certificates, enrolled %v", len(c.Certificates), c.Enrolled)
		}
	}
}
