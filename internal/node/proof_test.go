package node

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// fourLevels is the country above Tỉnh Lai Châu, so that a report passes
// two relays between its unit's parent and the root.
func fourLevels() []hierarchy.Unit {
	return append([]hierarchy.Unit{{Code: "VN", Name: "Việt Nam", Level: "country"}},
		slices.Collect(func(yield func(hierarchy.Unit) bool) {
			for _, u := range units() {
				if u.Code == "12" {
					u.Parent = "VN"
				}
				if !yield(u) {
					return
				}
			}
		})...)
}

// row returns the completeness row of unit at tn in round.
func (tn *tnode) row(round, unit string) *tonghopv1.UnitProgress {
	tn.t.Helper()
	for _, r := range tn.completeness(round, "").Units {
		if r.UnitCode == unit {
			return r
		}
	}
	tn.t.Fatalf("%s: no row for %s in round %s", tn.unit, unit, round)
	return nil
}

// TestLatenessByFirstReceipt: Thị trấn Tam Đường's clock is a day behind
// and signs its report "before the deadline" when it is an hour past it.
// Huyện Tam Đường, its parent, receives it then, and its signed receipt
// says so; the receipt travels up with the report through the province to
// the country, and every level counts the report late by it, not by the
// signer's signed_at. A relay cannot forge the receipt: the province
// handing the country its own receipt, or the district's with its time
// altered, or one for another report, is refused and changes nothing. A
// report the district enters on a unit's behalf is received when the
// district signed it; one relayed without its receipt counts as received
// when the country received it.
func TestLatenessByFirstReceipt(t *testing.T) {
	ctx := context.Background()
	start := hanoi(2022, time.January, 10, 9)
	deadline := start.Add(48 * time.Hour)
	above, below := &clock{t: start}, &clock{t: start}
	units := fourLevels()
	vn := startDated(t, "VN", nil, units, nil, Options{Clock: above.Now})
	province := startDated(t, "12", vn, units, nil, Options{Clock: above.Now})
	district := startDated(t, "106", province, units, nil, Options{Clock: above.Now})
	town := startDated(t, "03390", district, units, nil, Options{Clock: below.Now})

	opened, err := vn.reporting().OpenRound(ctx, &tonghopv1.OpenRoundRequest{
		UnitCode: "VN", DataSet: "tong_ket_nam", Period: "2021", Deadline: timestamppb.New(deadline),
	})
	if err != nil {
		t.Fatal(err)
	}
	round := opened.Round.Id
	eventually(t, "the round at the district", func() bool {
		_, err := district.reporting().GetCompleteness(ctx, &tonghopv1.GetCompletenessRequest{RoundId: round})
		return err == nil
	})

	// Entered on Thèn Sin's behalf by the district before the deadline.
	above.set(deadline.Add(-time.Hour))
	entered, err := district.onBehalf("03394", "2021", dv("dang_vien", "", "90"))
	if err != nil {
		t.Fatal(err)
	}
	// An hour past the deadline above; the town's clock says a day before.
	above.set(deadline.Add(time.Hour))
	below.set(deadline.Add(-24 * time.Hour))
	town.put("2021", dv("dang_vien", "", "412"))
	signed := town.submit("2021")
	eventually(t, "the town's report at the country", func() bool { return len(vn.submissions("03390", false)) == 1 })
	eventually(t, "Thèn Sin's report at the country", func() bool { return len(vn.submissions("03394", false)) == 1 })

	receivedAt := deadline.Add(time.Hour)
	for _, tn := range []*tnode{district, vn} {
		r := tn.row(round, "03390")
		if !r.Late || !r.FirstSignedAt.AsTime().Equal(deadline.Add(-24*time.Hour)) || !r.FirstReceivedAt.AsTime().Equal(receivedAt) {
			t.Errorf("%s: the town's report: late %v, signed %s, received %s; want late, signed a day before the deadline, received %s",
				tn.unit, r.Late, r.FirstSignedAt.AsTime(), r.FirstReceivedAt.AsTime(), receivedAt)
		}
		r = tn.row(round, "03394")
		if r.Late || !r.FirstReceivedAt.AsTime().Equal(deadline.Add(-time.Hour)) {
			t.Errorf("%s: Thèn Sin's report: late %v, received %s; want on time, received when entered", tn.unit, r.Late, r.FirstReceivedAt.AsTime())
		}
	}
	if c := vn.completeness(round, ""); c.Total.Late != 1 || c.Total.OnTime != 1 {
		t.Errorf("the country counts %d late, %d on time; want 1 and 1", c.Total.Late, c.Total.OnTime)
	}

	// The district's receipt, as the town and every level hold it.
	held, _, _, err := district.node.Store().Submission(signed.Digest)
	if err != nil {
		t.Fatal(err)
	}
	townRec, _, _, err := town.node.Store().Submission(signed.Digest)
	if err != nil {
		t.Fatal(err)
	}
	atVN, _, _, err := vn.node.Store().Submission(signed.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if held.FirstReceipt == nil || !bytes.Equal(townRec.Receipt, held.FirstReceipt) || !bytes.Equal(atVN.FirstReceipt, held.FirstReceipt) {
		t.Fatalf("the district's first receipt is not what the town and the country hold")
	}

	// The province, relaying, tries to make the report look on time.
	env := vn.envelope(signed.Digest)
	prov := province.node.Identity()
	early := envelope.Receipt{EnvelopeDigest: signed.Digest, Unit: "03390", DataSet: "tong_ket_nam", Period: "2021", Revision: 1,
		Status: envelope.StatusAccepted, Receiver: "106", ReceivedAt: deadline.Add(-24 * time.Hour).UTC()}
	ownReceipt := signReceipt(t, *prov, early)
	altered := alterTime(t, held.FirstReceipt, receivedAt, deadline.Add(-24*time.Hour))
	other := envelope.Receipt{EnvelopeDigest: entered.Digest, Unit: "03394", DataSet: "tong_ket_nam", Period: "2021", Revision: 1,
		Status: envelope.StatusAccepted, Receiver: "106", ReceivedAt: deadline.Add(-time.Hour).UTC()}
	peer := vn.peerClient(*prov)
	for _, c := range []struct {
		what, receipt, want string
	}{
		{"signed by the province", string(ownReceipt), "signed by VN/12, not by 03390's parent VN/12/106"},
		{"altered", string(altered), "first_receipt"},
		{"for another report", string(signReceipt(t, *prov, other)), "acknowledges " + entered.Digest},
	} {
		resp, err := peer.Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{env}, FirstReceipts: [][]byte{[]byte(c.receipt)}})
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		r := resp.Results[0]
		if r.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_REJECTED || codes.Code(r.Error.Code) != codes.Unauthenticated || !strings.Contains(r.Error.Message, c.want) {
			t.Errorf("a first receipt %s: %v %v, want refused naming %q", c.what, r.Outcome, r.Error, c.want)
		}
	}
	again, _, _, err := vn.node.Store().Submission(signed.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.FirstReceipt, held.FirstReceipt) || !again.FirstReceivedAt.Equal(receivedAt) || !vn.row(round, "03390").Late {
		t.Errorf("a refused receipt changed the country's record: received %s", again.FirstReceivedAt)
	}
	// Left out, the proof cannot make a report earlier: the country judges
	// a report that comes without one by when it received it itself.
	province.stop()
	town.put("2021", dv("dang_vien", "", "413"))
	second := town.submit("2021")
	eventually(t, "revision 2 at the district", func() bool { return len(district.submissions("03390", true)) == 2 })
	env2, err := district.node.Store().Envelope(second.Digest)
	if err != nil {
		t.Fatal(err)
	}
	above.set(deadline.Add(2 * time.Hour))
	resp, err := peer.Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{env2}})
	if err != nil || resp.Results[0].Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED {
		t.Fatalf("revision 2 without its receipt: %v %v", resp, err)
	}
	bare, _, _, err := vn.node.Store().Submission(second.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if bare.FirstReceipt != nil || !bare.Received().Equal(deadline.Add(2*time.Hour)) {
		t.Errorf("without a receipt: received %s, want the country's own %s", bare.Received(), deadline.Add(2*time.Hour))
	}
	// More receipts than envelopes is the caller's error, by field.
	_, err = peer.Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: [][]byte{env}, FirstReceipts: [][]byte{nil, nil}})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "first_receipts") {
		t.Errorf("two receipts for one envelope: %v", err)
	}
}

func signReceipt(t *testing.T, id trust.Identity, r envelope.Receipt) []byte {
	t.Helper()
	payload, err := envelope.EncodeReceipt(r)
	if err != nil {
		t.Fatal(err)
	}
	return signPayload(t, id, envelope.ReceiptType, payload)
}

// alterTime moves a signed receipt's received_at from one time to another,
// keeping its signature.
func alterTime(t *testing.T, raw []byte, from, to time.Time) []byte {
	t.Helper()
	env, err := envelope.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	stamp := func(at time.Time) []byte { return []byte(`"received_at":"` + at.UTC().Format("2006-01-02T15:04:05")) }
	if !bytes.Contains(env.Payload, stamp(from)) {
		t.Fatalf("receipt %s does not say %s", env.Payload, from)
	}
	env.Payload = bytes.Replace(env.Payload, stamp(from), stamp(to), 1)
	out, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFutureSignedAtRefused: a commune whose clock runs more than
// submission.FutureSkew ahead of its district's signs a report "in the
// future"; the district refuses it with PermissionDenied saying so, and
// stores and relays nothing. Within the allowance the next revision is
// accepted, and counts as received when the district received it.
func TestFutureSignedAtRefused(t *testing.T) {
	base := hanoi(2022, time.January, 10, 9)
	above, below := &clock{t: base}, &clock{t: base}
	province := startDated(t, "12", nil, units(), nil, Options{Clock: above.Now})
	district := startDated(t, "106", province, units(), nil, Options{Clock: above.Now})
	town := startDated(t, "03390", district, units(), nil, Options{Clock: below.Now})

	below.set(base.Add(submission.FutureSkew + time.Minute))
	town.put("2021", dv("dang_vien", "", "412"))
	refused := town.submit("2021")
	eventually(t, "the district's answer", func() bool {
		return town.submissions("03390", false)[0].ForwardState == tonghopv1.ForwardState_FORWARD_STATE_REJECTED
	})
	got := town.submissions("03390", false)[0].ForwardError
	want := "signed_at 2022-01-10T02:06:00Z is ahead of this node's clock (2022-01-10T02:00:00Z)"
	if codes.Code(got.Code) != codes.PermissionDenied || !strings.Contains(got.Message, want) {
		t.Errorf("the district's refusal: %v %q, want PermissionDenied saying %q", codes.Code(got.Code), got.Message, want)
	}
	if n := len(district.submissions("03390", true)); n != 0 {
		t.Errorf("the district stored %d reports of the town", n)
	}
	if n := len(district.outbox()); n != 0 {
		t.Errorf("the district queued %d envelopes", n)
	}

	below.set(base.Add(submission.FutureSkew - time.Minute))
	accepted := town.submit("2021")
	eventually(t, "revision 2 at the province", func() bool { return len(province.submissions("03390", true)) == 1 })
	rec, _, _, err := province.node.Store().Submission(accepted.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Revision != 2 || !rec.FirstReceivedAt.Equal(base) || !rec.SignedAt.Equal(base.Add(submission.FutureSkew-time.Minute)) {
		t.Errorf("within the allowance: revision %d, signed %s, received %s; want 2, signed 4 minutes ahead, received %s", rec.Revision, rec.SignedAt, rec.FirstReceivedAt, base)
	}
	if refused.Digest == accepted.Digest {
		t.Fatal("the same envelope twice")
	}
}
