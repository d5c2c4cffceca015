package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tonghop/tonghop/internal/period"
)

func rec(unit string, rev uint64) Submission {
	return Submission{
		Digest: fmt.Sprintf("sha256:%s-%d", unit, rev),
		Unit:   unit, DataSet: "tong_ket_nam", Period: "2021", Revision: rev,
		Signer: "12/106/" + unit,
	}
}

func in(r Submission) Incoming { return Incoming{Record: r, Envelope: []byte("env " + r.Digest)} }

func outcomes(rs []Result) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprint(r.Outcome)
	}
	return s
}

func TestPutSubmissionsOutcomes(t *testing.T) {
	s, _ := openTemp(t, Options{})
	res, err := s.PutSubmissions([]Incoming{in(rec("03390", 1)), in(rec("03390", 2)), in(rec("03394", 1))}, true)
	if err != nil {
		t.Fatal(err)
	}
	if outcomes(res) != "111" {
		t.Fatalf("first batch outcomes %v", res)
	}
	// Same envelope again: duplicate. Older revision: refused. Same revision,
	// other content: refused. Newer: accepted.
	other := rec("03390", 2)
	other.Digest = "sha256:other"
	res, err = s.PutSubmissions([]Incoming{in(rec("03390", 2)), in(rec("03390", 1).withDigest("sha256:old")), in(other), in(rec("03390", 3))}, true)
	if err != nil {
		t.Fatal(err)
	}
	if outcomes(res) != "2331" {
		t.Fatalf("second batch outcomes %v", res)
	}
	for _, i := range []int{1, 2} {
		if !errors.Is(res[i].Err, ErrStale) {
			t.Errorf("result %d: %v, want ErrStale", i, res[i].Err)
		}
	}
	// Every revision is kept; only the latest is listed by default.
	all, sup, _, err := s.Submissions(SubmissionFilter{Unit: "03390", WithSuperseded: true}, nil, 0)
	if err != nil || len(all) != 3 || !sup[0] || !sup[1] || sup[2] || all[2].Revision != 3 {
		t.Fatalf("all revisions: %+v %v %v", all, sup, err)
	}
	cur, _, _, _ := s.Submissions(SubmissionFilter{}, nil, 0)
	if len(cur) != 2 || cur[0].Unit != "03390" || cur[0].Revision != 3 || cur[1].Unit != "03394" {
		t.Fatalf("latest only: %+v", cur)
	}
	r, env, superseded, err := s.Submission("sha256:03390-1")
	if err != nil || r.Revision != 1 || string(env) != "env sha256:03390-1" || !superseded || r.Forward != Queued || r.ReceivedAt.IsZero() {
		t.Fatalf("Submission: %+v %q %v %v", r, env, superseded, err)
	}
	// Outbox: the four accepted, in the order accepted.
	entries, envs, err := s.Outbox(0)
	if err != nil || len(entries) != 4 {
		t.Fatalf("outbox: %v %v", entries, err)
	}
	want := []string{"sha256:03390-1", "sha256:03390-2", "sha256:03394-1", "sha256:03390-3"}
	for i, e := range entries {
		if e.Digest != want[i] || string(envs[i]) != "env "+want[i] {
			t.Errorf("outbox[%d] = %s, want %s", i, e.Digest, want[i])
		}
	}
}

func (r Submission) withDigest(d string) Submission { r.Digest = d; return r }

func TestSubmissionsPaging(t *testing.T) {
	s, _ := openTemp(t, Options{})
	var items []Incoming
	for _, u := range []string{"03390", "03394", "03400", "03405", "03406"} {
		items = append(items, in(rec(u, 1)))
	}
	if _, err := s.PutSubmissions(items, false); err != nil {
		t.Fatal(err)
	}
	var got []string
	var after []byte
	for {
		page, _, last, err := s.Submissions(SubmissionFilter{}, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			got = append(got, r.Unit)
		}
		if len(page) < 2 {
			break
		}
		after = last
	}
	if fmt.Sprint(got) != "[03390 03394 03400 03405 03406]" {
		t.Fatalf("pages gave %v", got)
	}
	if n, _ := s.OutboxLen(); n != 0 {
		t.Fatalf("not forwarding, but outbox has %d", n)
	}
	r, _, _, _ := s.Submission("sha256:03400-1")
	if r.Forward != Root {
		t.Fatalf("forward state %v, want Root", r.Forward)
	}
}

func TestAppendOwnSnapshotsAndNumbers(t *testing.T) {
	s, _ := openTemp(t, Options{})
	y := period.MustParse("2021")
	if err := s.PutValues(y, []Value{{Element: "dang_vien", Count: 2675}, {Element: "dang_vien", Option: "nu", Count: 884}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSection("tong_ket_nam", y, "II.1", "Ưu điểm"); err != nil {
		t.Fatal(err)
	}
	var seen []Snapshot
	sign := func(snap Snapshot) (Submission, []byte, error) {
		seen = append(seen, snap)
		r := rec("106", snap.Revision)
		return r, []byte("env"), nil
	}
	for i := 0; i < 2; i++ {
		if _, err := s.AppendOwn("106", "tong_ket_nam", y, true, sign); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 2 || seen[0].Revision != 1 || seen[1].Revision != 2 {
		t.Fatalf("revisions %+v", seen)
	}
	if len(seen[0].Values) != 2 || seen[0].Values[1].Count != 884 || len(seen[0].Sections) != 1 || seen[0].Sections[0].Text != "Ưu điểm" {
		t.Fatalf("snapshot %+v", seen[0])
	}
	// A failing signer stores nothing.
	_, err := s.AppendOwn("106", "tong_ket_nam", y, true, func(Snapshot) (Submission, []byte, error) {
		return Submission{}, nil, errors.New("key unavailable")
	})
	if err == nil {
		t.Fatal("failing signer: no error")
	}
	if n, _ := s.OutboxLen(); n != 2 {
		t.Fatalf("outbox %d, want 2", n)
	}
}

func TestCompleteDeliveries(t *testing.T) {
	s, _ := openTemp(t, Options{})
	if _, err := s.PutSubmissions([]Incoming{in(rec("03390", 1)), in(rec("03394", 1)), in(rec("03400", 1))}, true); err != nil {
		t.Fatal(err)
	}
	entries, _, _ := s.Outbox(0)
	err := s.CompleteDeliveries([]Delivery{
		{Seq: entries[0].Seq, Digest: entries[0].Digest, Done: Delivered, Receipt: []byte("receipt")},
		{Seq: entries[1].Seq, Digest: entries[1].Digest, Done: Rejected, Code: 9, Error: "stale"},
		{Seq: entries[2].Seq, Digest: entries[2].Digest, Error: "connection refused"},
	})
	if err != nil {
		t.Fatal(err)
	}
	left, _, _ := s.Outbox(0)
	if len(left) != 1 || left[0].Digest != "sha256:03400-1" || left[0].Attempts != 1 || left[0].LastError != "connection refused" {
		t.Fatalf("outbox after: %+v", left)
	}
	r, _, _, _ := s.Submission("sha256:03390-1")
	if r.Forward != Delivered || string(r.Receipt) != "receipt" {
		t.Fatalf("delivered record %+v", r)
	}
	r, _, _, _ = s.Submission("sha256:03394-1")
	if r.Forward != Rejected || r.ForwardCode != 9 || r.ForwardError != "stale" {
		t.Fatalf("rejected record %+v", r)
	}
	// Answering again for a completed entry changes nothing.
	if err := s.CompleteDeliveries([]Delivery{{Seq: entries[0].Seq, Digest: entries[0].Digest, Done: Rejected}}); err != nil {
		t.Fatal(err)
	}
	if r, _, _, _ = s.Submission("sha256:03390-1"); r.Forward != Delivered {
		t.Fatalf("completed entry changed: %+v", r)
	}
}

func TestEnrollTokenOnce(t *testing.T) {
	now := time.Date(2021, 10, 1, 0, 0, 0, 0, time.UTC)
	s, _ := openTemp(t, Options{})
	if err := s.PutToken("h1", Token{Unit: "03390", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutToken("h2", Token{Unit: "03394", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	issue := func(tk Token) (Issued, error) {
		return Issued{Serial: "s-" + tk.Unit, Unit: tk.Unit, NotBefore: now}, nil
	}
	// Two racing requests with one token: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = s.Enroll("h1", now, issue)
		}(i)
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("racing enrolments: %v, %v; want exactly one success", errs[0], errs[1])
	}
	if _, err := s.Enroll("h2", now.Add(2*time.Hour), issue); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("expired token: %v", err)
	}
	if _, err := s.Enroll("nope", now, issue); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("unknown token: %v", err)
	}
	pending, _ := s.PendingTokens(now)
	if pending["03394"] != 1 || pending["03390"] != 0 {
		t.Fatalf("pending %v", pending)
	}
	certs, _ := s.IssuedCerts()
	if len(certs) != 1 || certs[0].Unit != "03390" {
		t.Fatalf("issued %+v", certs)
	}
}

func TestRevocations(t *testing.T) {
	s, _ := openTemp(t, Options{})
	for _, c := range []Issued{{Serial: "a1", Fingerprint: "fa1", Unit: "03390"}, {Serial: "a2", Fingerprint: "fa2", Unit: "03390"}, {Serial: "b1", Fingerprint: "fb1", Unit: "03394"}} {
		if err := s.PutIssued(c); err != nil {
			t.Fatal(err)
		}
	}
	revoked, err := s.RevokeIssued("03390", "mất khóa", "fp106", true, func(cs []Issued) ([]Notice, error) {
		return []Notice{{Digest: "sha256:notice", Envelope: []byte("notice")}}, nil
	})
	if err != nil || len(revoked) != 2 {
		t.Fatalf("RevokeIssued: %v %v", revoked, err)
	}
	if _, err := s.RevokeIssued("03390", "again", "fp106", true, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking again: %v", err)
	}
	rs, _ := s.Revocations()
	if len(rs) != 2 || rs["fa1"].Reason != "mất khóa" || rs["fa2"].IssuerFingerprint != "fp106" || rs["fa1"].Serial != "a1" {
		t.Fatalf("revocations %v", rs)
	}
	entries, envs, _ := s.Outbox(0)
	if len(entries) != 1 || string(envs[0]) != "notice" {
		t.Fatalf("notice not queued: %v", entries)
	}
	// A relayed notice is stored once.
	for i, want := range []bool{true, false} {
		stored, err := s.PutRevocations([]Revocation{{Fingerprint: "fc1", Serial: "c1", Unit: "03386"}}, "sha256:n2", []byte("n2"), true)
		if err != nil || stored != want {
			t.Fatalf("PutRevocations #%d: %v %v", i, stored, err)
		}
	}
	if n, _ := s.OutboxLen(); n != 2 {
		t.Fatalf("outbox %d, want 2", n)
	}
}

// TestFirstReceiptKept: the proof of time stored with a report comes back
// with the record and with its outbox entry, for the parent; a report
// stored without one is judged by when this node received it.
func TestFirstReceiptKept(t *testing.T) {
	received := time.Date(2022, 1, 12, 2, 0, 0, 0, time.UTC)
	clock := received.Add(time.Hour)
	s, _ := openTemp(t, Options{Clock: func() time.Time { return clock }})
	proved := rec("03390", 1)
	proved.FirstReceipt, proved.FirstReceivedAt = []byte("receipt of the district"), received
	if _, err := s.PutSubmissions([]Incoming{in(proved), in(rec("03394", 1))}, true); err != nil {
		t.Fatal(err)
	}
	got, _, _, err := s.Submission(proved.Digest)
	if err != nil || string(got.FirstReceipt) != "receipt of the district" || !got.Received().Equal(received) {
		t.Fatalf("with a proof: receipt %q, received %s, %v; want %s", got.FirstReceipt, got.Received(), err, received)
	}
	bare, _, _, err := s.Submission(rec("03394", 1).Digest)
	if err != nil || bare.FirstReceipt != nil || !bare.FirstReceivedAt.IsZero() || !bare.Received().Equal(clock) {
		t.Fatalf("without a proof: receipt %q, received %s, %v; want this node's %s", bare.FirstReceipt, bare.Received(), err, clock)
	}
	entries, _, err := s.Outbox(0)
	if err != nil || len(entries) != 2 || string(entries[0].FirstReceipt) != "receipt of the district" || entries[1].FirstReceipt != nil {
		t.Fatalf("outbox: %+v %v", entries, err)
	}
}
