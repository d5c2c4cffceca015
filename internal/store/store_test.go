package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap/zaptest"

	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
)

// fixedClock returns a clock that starts at a known instant and advances one
// second per call, so stamps are predictable and distinct.
func fixedClock() func() time.Time {
	t := time.Date(2021, 10, 14, 8, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func openTemp(t *testing.T, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	if opts.Logger == nil {
		opts.Logger = zaptest.NewLogger(t)
	}
	if opts.Clock == nil {
		opts.Clock = fixedClock()
	}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// laiChau is a small real slice of the 2024 hierarchy.
func laiChau() []hierarchy.Unit {
	return []hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
	}
}

func TestOpenNewFileHasCurrentSchema(t *testing.T) {
	s, _ := openTemp(t, Options{})
	v, err := s.SchemaVersion()
	if err != nil || v != SchemaVersion {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, SchemaVersion)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, b := range allBuckets() {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %q missing", b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTemp(t, Options{})
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return putVersion(tx.Bucket(bucketMeta), SchemaVersion+1)
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer file: err = %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenMigrates(t *testing.T) {
	s, path := openTemp(t, Options{})
	if err := s.PutUnits(laiChau()); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A failing migration leaves the file as it was: the previous version, data intact.
	failing := append(migrations(), migration{To: SchemaVersion + 1, Apply: func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketUnits).Delete([]byte("12")); err != nil {
			return err
		}
		return errors.New("disk says no")
	}})
	if _, err := Open(path, Options{migrations: failing}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("migrating to schema version %d", SchemaVersion+1)) {
		t.Fatalf("failing migration: err = %v", err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.SchemaVersion(); v != SchemaVersion {
		t.Fatalf("after failed migration version = %d, want %d", v, SchemaVersion)
	}
	if units, _ := s.Units(); len(units) != 4 {
		t.Fatalf("after failed migration %d units, want 4", len(units))
	}
	s.Close()

	// A good migration runs once and records its version.
	runs := 0
	good := append(migrations(), migration{To: SchemaVersion + 1, Apply: func(tx *bolt.Tx) error {
		runs++
		_, err := tx.CreateBucket([]byte("v7_extra"))
		return err
	}})
	for i := 0; i < 2; i++ {
		s, err := Open(path, Options{migrations: good})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if v, _ := s.SchemaVersion(); v != SchemaVersion+1 {
			t.Fatalf("version = %d, want %d", v, SchemaVersion+1)
		}
		s.Close()
	}
	if runs != 1 {
		t.Fatalf("migration ran %d times, want 1", runs)
	}
	// And the current program refuses the migrated file.
	if _, err := Open(path, Options{}); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("err = %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenLockedFile(t *testing.T) {
	_, path := openTemp(t, Options{})
	_, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
}

func TestIdentity(t *testing.T) {
	s, path := openTemp(t, Options{})
	if _, err := s.Identity(); !errors.Is(err, ErrNotInitialised) {
		t.Fatalf("Identity of new file: %v", err)
	}
	if err := s.SetIdentity("106"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetIdentity before units: %v, want ErrNotFound", err)
	}
	if err := s.PutUnits(laiChau()); err != nil {
		t.Fatal(err)
	}
	if err := s.SetIdentity("106"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetIdentity("106"); err != nil {
		t.Fatalf("same identity again: %v", err)
	}
	if err := s.SetIdentity("12"); !errors.Is(err, ErrIdentityChange) {
		t.Fatalf("other identity: %v, want ErrIdentityChange", err)
	}
	s.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id, err := s.Identity()
	if err != nil || id.UnitCode != "106" || id.CreatedAt.IsZero() {
		t.Fatalf("Identity after reopen = %+v, %v", id, err)
	}
}

func TestPutUnitsKeepsHistoryAndRefusesBadTrees(t *testing.T) {
	s, _ := openTemp(t, Options{})
	if err := s.PutUnits(laiChau()); err != nil {
		t.Fatal(err)
	}
	// An orphan is refused and nothing of the batch is written.
	err := s.PutUnits([]hierarchy.Unit{
		{Code: "03400", Name: "Xã Tả Lèng", Level: "commune", Parent: "106"},
		{Code: "99999", Name: "Xã Không Có", Level: "commune", Parent: "999"},
	})
	if !errors.Is(err, hierarchy.ErrInvalidTree) {
		t.Fatalf("orphan: err = %v, want ErrInvalidTree", err)
	}
	units, _ := s.Units()
	if len(units) != 4 {
		t.Fatalf("after refused batch: %d units, want 4", len(units))
	}
	// Closing a unit is an update, not a delete.
	closed := laiChau()[3]
	closed.ValidTo = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	if err := s.PutUnits([]hierarchy.Unit{closed}); err != nil {
		t.Fatal(err)
	}
	units, _ = s.Units()
	if len(units) != 4 {
		t.Fatalf("%d units, want 4", len(units))
	}
	got := units[1] // ordered by code: 03390, 03394, 106, 12
	if got.Code != "03394" || !got.ValidTo.Equal(closed.ValidTo) || !got.ValidFrom.IsZero() {
		t.Fatalf("closed unit = %+v", got)
	}
}

func TestValues(t *testing.T) {
	s, _ := openTemp(t, Options{})
	y2021 := period.MustParse("2021")
	y2020 := period.MustParse("2020")
	m202101 := period.MustParse("202101")
	if err := s.PutValues(y2021, []Value{
		{Element: "dang_vien", Count: 2675},
		{Element: "dang_vien", Option: "nu", Count: 881},
		{Element: "dang_vien", Option: "nam", Count: 1793},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutValues(y2020, []Value{{Element: "dang_vien", Count: 2600}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutValues(m202101, []Value{{Element: "dang_vien", Count: 1}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Values(y2021)
	if err != nil {
		t.Fatal(err)
	}
	want := []Value{
		{Element: "dang_vien", Count: 2675},
		{Element: "dang_vien", Option: "nam", Count: 1793},
		{Element: "dang_vien", Option: "nu", Count: 881},
	}
	if len(got) != len(want) {
		t.Fatalf("Values(2021) = %+v", got)
	}
	for i := range want {
		if got[i].Element != want[i].Element || got[i].Option != want[i].Option || got[i].Count != want[i].Count || got[i].UpdatedAt.IsZero() {
			t.Errorf("value %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Overwrite keeps one value per key.
	if err := s.PutValues(y2021, []Value{{Element: "dang_vien", Option: "nu", Count: 882}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Values(y2021)
	if len(got) != 3 || got[2].Count != 882 {
		t.Fatalf("after overwrite: %+v", got)
	}
	if err := s.DeleteValue(y2021, "dang_vien", "nam"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteValue(y2021, "dang_vien", "nam"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if got, _ = s.Values(y2021); len(got) != 2 {
		t.Fatalf("after delete: %+v", got)
	}
	if got, _ = s.Values(y2020); len(got) != 1 || got[0].Count != 2600 {
		t.Fatalf("2020 disturbed: %+v", got)
	}
}

// TestPutValuesAllOrNothing makes bbolt refuse the last value of a batch
// (a key over its size limit) and checks that none of the batch landed.
func TestPutValuesAllOrNothing(t *testing.T) {
	s, _ := openTemp(t, Options{})
	y := period.MustParse("2021")
	if err := s.PutValues(y, []Value{{Element: "dang_vien", Count: 10}}); err != nil {
		t.Fatal(err)
	}
	err := s.PutValues(y, []Value{
		{Element: "dang_vien", Count: 2675},
		{Element: "dang_vien", Option: "nu", Count: 881},
		{Element: "dang_vien", Option: strings.Repeat("x", bolt.MaxKeySize), Count: 1},
	})
	if err == nil {
		t.Fatal("oversized key accepted")
	}
	got, _ := s.Values(y)
	if len(got) != 1 || got[0].Count != 10 {
		t.Fatalf("after failed batch: %+v, want only the old total 10", got)
	}
}

func TestSections(t *testing.T) {
	s, _ := openTemp(t, Options{})
	y := period.MustParse("2021")
	if _, err := s.PutSection("tong_ket_nam", y, "II.1", "Ưu điểm"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSection("tong_ket_nam", y, "I.1", "Lãnh đạo, chỉ đạo"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSection("tong_ket_nam", period.MustParse("2020"), "I.1", "khác"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sections("tong_ket_nam", y)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Code != "I.1" || got[0].Text != "Lãnh đạo, chỉ đạo" || got[1].Code != "II.1" {
		t.Fatalf("Sections = %+v", got)
	}
	if err := s.DeleteSection("tong_ket_nam", y, "I.1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSection("tong_ket_nam", y, "I.1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestRealHierarchyRoundTrip(t *testing.T) {
	units, err := country.Units2024()
	if err != nil {
		t.Fatal(err)
	}
	s, path := openTemp(t, Options{})
	if err := s.PutUnits(units); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Units()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10806 {
		t.Fatalf("%d units after reopen, want 10806", len(got))
	}
	tree, err := hierarchy.NewTree(got)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := tree.Unit("00001"); !ok || u.Name != "Phường Phúc Xá" || u.Parent != "001" {
		t.Fatalf("unit 00001 = %+v, %v", u, ok)
	}
}

// TestMigrateV1File opens a file laid out as schema version 1 (before
// submissions existed) and checks that it gains the buckets of every later
// version and keeps its data.
func TestMigrateV1File(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketUnits, bucketValues, bucketSections} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketValues).Put(joinKey("2021", "dang_vien", ""), encodeValue(2675, time.Unix(0, 0))); err != nil {
			return err
		}
		return putVersion(tx.Bucket(bucketMeta), 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path, Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatalf("opening a version 1 file: %v", err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(); v != SchemaVersion {
		t.Fatalf("version after migration = %d, want %d", v, SchemaVersion)
	}
	vals, err := s.Values(period.MustParse("2021"))
	if err != nil || len(vals) != 1 || vals[0].Count != 2675 {
		t.Fatalf("values after migration: %v %v", vals, err)
	}
	s.db.View(func(tx *bolt.Tx) error {
		for _, b := range allBuckets() {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %s missing after migration", b)
			}
		}
		return nil
	})
}

// TestMovedUnitMarksRollupsForRebuild: roll-ups are summed along parents, so
// a unit given another parent marks them for rebuilding.
func TestMovedUnitMarksRollupsForRebuild(t *testing.T) {
	s, _ := openTemp(t, Options{})
	if err := s.Initialise("12", laiChau()); err != nil {
		t.Fatal(err)
	}
	if need, _ := s.NeedsRebuild(); need {
		t.Fatal("a new file needs no rebuild")
	}
	units := laiChau()
	units = append(units, hierarchy.Unit{Code: "105", Name: "Thành phố Lai Châu", Level: "district", Parent: "12"})
	if err := s.PutUnits(units); err != nil {
		t.Fatal(err)
	}
	if need, _ := s.NeedsRebuild(); need {
		t.Fatal("adding a unit is not a move")
	}
	moved := hierarchy.Unit{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "105"}
	if err := s.PutUnits([]hierarchy.Unit{moved}); err != nil {
		t.Fatal(err)
	}
	if need, _ := s.NeedsRebuild(); !need {
		t.Fatal("a moved unit did not mark the roll-ups for rebuild")
	}
}
