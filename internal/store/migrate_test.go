package store

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap/zaptest"

	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/review"
)

// testdata/schema7.db is a file written by the code of schema version 7, the
// version before this one, by the generator in testdata/schema7.go.txt: Huyện
// Tam Đường with its own values, Xã Thèn Sin's report received with a
// violation overridden and signed off, and the district's own report stating
// that sign-off, queued for the province.
func openSchema7(t *testing.T) *Store {
	t.Helper()
	raw, err := os.ReadFile("testdata/schema7.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{Logger: zaptest.NewLogger(t), Clock: fixedClock()})
	if err != nil {
		t.Fatalf("opening a file of schema 7: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrateSchema7File opens the file of the previous schema version,
// migrates it, and reads back everything the old code wrote.
func TestMigrateSchema7File(t *testing.T) {
	s := openSchema7(t)
	if v, err := s.SchemaVersion(); err != nil || v != SchemaVersion {
		t.Fatalf("schema version after opening = %d, %v; want %d", v, err, SchemaVersion)
	}

	got, env, superseded, err := s.Submission("sha256:3f1c0b")
	if err != nil {
		t.Fatal(err)
	}
	want := Submission{
		Digest: "sha256:3f1c0b", Unit: "03394", DataSet: "tong_ket_nam", Period: "2021", Revision: 2,
		CatalogVersion: "2021.2", SignedAt: time.Date(2021, 12, 15, 2, 30, 0, 0, time.UTC),
		ReceivedAt: time.Date(2021, 12, 20, 3, 0, 0, 0, time.UTC),
		Signer:     "106/03394", SignerFingerprint: "ab12", ValueCount: 2, SectionCount: 1,
		Forward:    Queued,
		Violations: []Violation{{Rule: "nu_le_tong", Importance: "error", Op: "<=", Message: "Đảng viên nữ không vượt quá tổng số", MessageEN: "women at most the total", Left: "119", Right: "118"}},
		Overrides:  []Override{{Rule: "nu_le_tong", Reason: "Số liệu đã được Ban Tổ chức xác nhận"}},
	}
	if !reflect.DeepEqual(got, want) || string(env) != "envelope of 03394" || superseded {
		t.Errorf("Xã Thèn Sin's report after migration:\n got %+v (envelope %q, superseded %v)\nwant %+v", got, env, superseded, want)
	}
	own, _, _, err := s.Submission("sha256:9e77aa")
	if err != nil {
		t.Fatal(err)
	}
	if wantAcc := []Acceptance{{Unit: "03394", Revision: 2, Digest: "sha256:3f1c0b"}}; !reflect.DeepEqual(own.Accepted, wantAcc) || own.Forward != Queued {
		t.Errorf("the district's own report states %+v, forward %v; want %+v, queued", own.Accepted, own.Forward, wantAcc)
	}

	rs, err := s.Reviews("tong_ket_nam", "2021", func(u string) bool { return u == "03394" })
	if err != nil || len(rs) != 1 || rs[0].State != review.Accepted || rs[0].AcceptedDigest != "sha256:3f1c0b" {
		t.Errorf("Xã Thèn Sin's sign-off after migration: %+v, %v", rs, err)
	}
	rounds, err := s.Rounds()
	if err != nil || len(rounds) != 1 {
		t.Fatalf("rounds after migration: %+v, %v", rounds, err)
	}
	r, err := s.Round(rounds[0].ID)
	if err != nil || r.Opener != "106" || r.Reference != "Công văn số 365-CV/TU ngày 23/9/2021" || !r.Deadline.Equal(time.Date(2021, 12, 31, 16, 59, 0, 0, time.UTC)) {
		t.Errorf("round after migration: %+v, %v", r, err)
	}
	p, _ := period.Parse("2021")
	vals, err := s.Values(p)
	if err != nil || len(vals) != 2 {
		t.Errorf("own values after migration: %+v, %v", vals, err)
	}
	entries, _, err := s.Outbox(0)
	if err != nil || len(entries) != 2 {
		t.Errorf("outbox after migration: %+v, %v", entries, err)
	}
	units, err := s.Units()
	if err != nil || len(units) != 3 {
		t.Fatalf("units after migration: %+v, %v", units, err)
	}
	h, err := s.History()
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := h.Unit("03394", time.Date(2021, 12, 20, 0, 0, 0, 0, time.UTC)); !ok || u.Name != "Xã Thèn Sin" || u.Parent != "106" {
		t.Errorf("Xã Thèn Sin in the migrated map: %+v, %v", u, ok)
	}
}

// TestSubmissionRecordBytes checks that the record types write exactly the
// bytes schema 7 wrote: the explicit names changed nothing on disk, so no
// new schema version was needed.
func TestSubmissionRecordBytes(t *testing.T) {
	s := openSchema7(t)
	err := s.db.View(func(tx *bolt.Tx) error {
		subs := tx.Bucket(bucketSubmissions)
		n := 0
		err := subs.ForEach(func(k, raw []byte) error {
			var r Submission
			if err := decodeSubmission(raw, &r); err != nil {
				return err
			}
			again, err := encodeSubmission(r)
			if err != nil {
				return err
			}
			if !bytes.Equal(again, raw) {
				t.Errorf("record %q:\nschema 7 wrote %s\n     now writes %s", k, raw, again)
			}
			n++
			return nil
		})
		if n != 2 {
			t.Errorf("%d submission records, want 2", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateKeepsCatalogVersions: a file from before catalogue versions
// gains their bucket, empty, and keeps a version published after.
func TestMigrateKeepsCatalogVersions(t *testing.T) {
	s := openSchema7(t)
	if vs, err := s.CatalogVersions(); err != nil || len(vs) != 0 {
		t.Fatalf("versions of a migrated file: %v, %v", vs, err)
	}
	v := CatalogVersion{Digest: "d1", Version: "2021.3-kt62.1", Unit: "62", Extends: "d0", Source: []byte("version: x\n"), Envelope: "sha256:e1"}
	for i, want := range []bool{true, false} {
		stored, err := s.PutCatalogVersion(v, []byte("{}"), true)
		if err != nil || stored != want {
			t.Fatalf("put #%d: stored %v, %v; want %v", i+1, stored, err, want)
		}
	}
	vs, err := s.CatalogVersions()
	if err != nil || len(vs) != 1 || vs[0].Unit != "62" || string(vs[0].Source) != "version: x\n" || vs[0].ReceivedAt.IsZero() {
		t.Fatalf("versions: %+v, %v", vs, err)
	}
	if raw, err := s.Envelope("sha256:e1"); err != nil || string(raw) != "{}" {
		t.Fatalf("publication: %q, %v", raw, err)
	}
}
