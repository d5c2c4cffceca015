package node

import (
	"context"
	"errors"
	"strings"
	"testing"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/downlink"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

func (tn *tnode) revokedChain() []*tonghopv1.RevokedCertificate {
	tn.t.Helper()
	resp, err := tonghopv1.NewNodeServiceClient(tn.admin).GetNode(context.Background(), &tonghopv1.GetNodeRequest{})
	if err != nil {
		tn.t.Fatalf("%s: GetNode: %v", tn.unit, err)
	}
	return resp.Node.RevokedChain
}

// TestParentRevocationFlowsDown: the province revokes Huyện Tam Đường's
// certificate. The district learns it from the province although its own
// chain is the one revoked, and hands the signed notice down; Thị trấn Tam
// Đường learns that its parent's certificate was revoked, shows it, keeps
// it across a restart, refuses a receipt the district signed with it
// (that verified before), and takes no more definitions from the district.
func TestParentRevocationFlowsDown(t *testing.T) {
	ctx := context.Background()
	province := startNode(t, "12", nil)
	district := startNode(t, "106", province)
	town := startNode(t, "03390", district)

	town.put("2021", dv("dang_vien", "", "412"))
	s := town.submit("2021")
	eventually(t, "the district's receipt", func() bool {
		return town.submissions("03390", false)[0].ForwardState == tonghopv1.ForwardState_FORWARD_STATE_DELIVERED
	})
	rec, _, _, err := town.node.Store().Submission(s.Digest)
	if err != nil {
		t.Fatal(err)
	}
	parent := []string{"12", "106"}
	if _, err := submission.CheckReceipt(rec.Receipt, s.Digest, parent, town.node.verifier); err != nil {
		t.Fatalf("the district's receipt before the revocation: %v", err)
	}
	if got := town.revokedChain(); len(got) != 0 {
		t.Fatalf("revoked before anything was: %v", got)
	}

	districtCert := district.node.Identity().Leaf()
	if _, err := tonghopv1.NewChildrenServiceClient(province.admin).RevokeChild(ctx, &tonghopv1.RevokeChildRequest{
		UnitCode: "106", Reason: "Khoá bị lộ",
	}); err != nil {
		t.Fatal(err)
	}
	want := func(tn *tnode) func() bool {
		return func() bool {
			got := tn.revokedChain()
			return len(got) == 1 && got[0].UnitCode == "106" && got[0].Serial == trust.SerialHex(districtCert) &&
				got[0].Fingerprint == trust.Fingerprint(districtCert) && got[0].Reason == "Khoá bị lộ"
		}
	}
	eventually(t, "the district learning its own certificate is revoked", want(district))
	eventually(t, "the town learning its parent's certificate is revoked", want(town))

	_, err = submission.CheckReceipt(rec.Receipt, s.Digest, parent, town.node.verifier)
	if !errors.Is(err, submission.ErrBadReceipt) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("the district's receipt after the revocation: %v, want refused as revoked", err)
	}
	err = town.node.downlink.Sync(ctx)
	if !errors.Is(err, downlink.ErrParentRevoked) || !strings.Contains(err.Error(), trust.SerialHex(districtCert)) {
		t.Errorf("definitions from the revoked district: %v, want ErrParentRevoked naming serial %s", err, trust.SerialHex(districtCert))
	}

	// Kept in the town's bbolt file: known at once after a restart.
	town.stop()
	town.run()
	if !want(town)() {
		t.Errorf("after a restart the town shows %v", town.revokedChain())
	}
	if !town.node.verifier.Revocations.Revoked(districtCert) {
		t.Error("after a restart the town does not refuse the district's certificate")
	}
}
