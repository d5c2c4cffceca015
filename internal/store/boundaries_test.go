package store

import (
	"encoding/json"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

var reorganisation = hierarchy.Day(2025, 7, 1)

// tamDuong2025 is 03390 twice: Thị trấn Tam Đường under district 106 until
// 2025-06-30, Xã Bình Lư under the province from 2025-07-01, with the two
// communes that joined it and one split commune of another district.
func tamDuong2025() ([]hierarchy.Unit, []hierarchy.Change) {
	end, day := reorganisation, reorganisation
	units := []hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province", ValidTo: end},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12", ValidTo: end},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106", ValidTo: end},
		{Code: "03412", Name: "Xã Bình Lư", Level: "commune", Parent: "106", ValidTo: end},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106", ValidTo: end},
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province", ValidFrom: day},
		{Code: "03390", Name: "Xã Bình Lư", Level: "commune", Parent: "12", ValidFrom: day},
		{Code: "03394", Name: "Xã Sin Suối Hồ", Level: "commune", Parent: "12", ValidFrom: day},
	}
	changes := []hierarchy.Change{
		{Old: "12", New: "12", OldName: "Tỉnh Lai Châu", NewName: "Tỉnh Lai Châu", Level: "province", Date: day},
		{Old: "03390", New: "03390", OldName: "Thị trấn Tam Đường", NewName: "Xã Bình Lư", Level: "commune", Date: day},
		{Old: "03412", New: "03390", OldName: "Xã Bình Lư", NewName: "Xã Bình Lư", Level: "commune", Date: day},
		{Old: "03394", New: "03394", OldName: "Xã Thèn Sin", NewName: "Xã Sin Suối Hồ", Level: "commune", Partial: true, Date: day},
		{Old: "03394", New: "03390", OldName: "Xã Thèn Sin", NewName: "Xã Bình Lư", Level: "commune", Partial: true, Date: day},
	}
	return units, changes
}

func TestUnitVersionsAndChanges(t *testing.T) {
	s, path := openTemp(t, Options{})
	units, changes := tamDuong2025()
	if err := s.Initialise("12", units); err != nil {
		t.Fatal(err)
	}
	if err := s.PutChanges(changes); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(path, Options{Clock: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.History()
	if err != nil {
		t.Fatal(err)
	}
	if vs := h.Versions("03390"); len(vs) != 2 || vs[0].Name != "Thị trấn Tam Đường" || vs[1].Name != "Xã Bình Lư" {
		t.Fatalf("versions of 03390: %+v", vs)
	}
	if got, _ := s.Changes(); len(got) != len(changes) {
		t.Errorf("%d changes read back, want %d", len(got), len(changes))
	}
	// A change naming a unit that does not exist changes nothing.
	bad := hierarchy.Change{Old: "03999", New: "03390", OldName: "Xã Không Có", NewName: "Xã Bình Lư", Level: "commune", Date: reorganisation}
	if err := s.PutChanges([]hierarchy.Change{bad}); !errors.Is(err, hierarchy.ErrInvalidHistory) {
		t.Errorf("PutChanges(unknown old unit) = %v, want ErrInvalidHistory", err)
	}
	// Two versions of one code on a common day are refused.
	overlap := hierarchy.Unit{Code: "03390", Name: "Xã Bình Lư", Level: "commune", Parent: "12", ValidFrom: hierarchy.Day(2025, 1, 1)}
	if err := s.PutUnits([]hierarchy.Unit{overlap}); !errors.Is(err, hierarchy.ErrInvalidHistory) {
		t.Errorf("PutUnits(overlapping version) = %v, want ErrInvalidHistory", err)
	}
	if got, _ := s.Units(); len(got) != len(units) {
		t.Errorf("%d units after refused puts, want %d", len(got), len(units))
	}
}

func TestSplitWeights(t *testing.T) {
	s, _ := openTemp(t, Options{})
	units, changes := tamDuong2025()
	if err := s.Initialise("12", units); err != nil {
		t.Fatal(err)
	}
	if err := s.PutChanges(changes); err != nil {
		t.Fatal(err)
	}
	ok := SplitWeights{Old: "03394", Date: reorganisation, Weights: map[string]int64{"03394": 3, "03390": 1},
		Basis: "đảng viên ngày 30/6/2025", Reason: "Biên bản bàn giao", DeclaredBy: "ban-to-chuc-12"}
	for _, tc := range []struct {
		name  string
		edit  func(w *SplitWeights)
		field string
	}{
		{"not split", func(w *SplitWeights) { w.Old = "03412" }, "old_code"},
		{"no such split", func(w *SplitWeights) { w.Date = hierarchy.Day(2024, 1, 1) }, "old_code"},
		{"missing part", func(w *SplitWeights) { w.Weights = map[string]int64{"03394": 3} }, "weights"},
		{"other unit", func(w *SplitWeights) { w.Weights = map[string]int64{"03394": 3, "03390": 1, "12": 1} }, "weights"},
		{"negative", func(w *SplitWeights) { w.Weights = map[string]int64{"03394": -3, "03390": 1} }, "weights"},
		{"all zero", func(w *SplitWeights) { w.Weights = map[string]int64{"03394": 0, "03390": 0} }, "weights"},
		{"basis", func(w *SplitWeights) { w.Basis = " " }, "basis"},
		{"who", func(w *SplitWeights) { w.DeclaredBy = "" }, "declared_by"},
	} {
		w := ok
		w.Weights = map[string]int64{"03394": 3, "03390": 1}
		tc.edit(&w)
		_, err := s.PutSplitWeights(w)
		var we *WeightsError
		if !errors.As(err, &we) || we.Field != tc.field || !errors.Is(err, ErrBadWeights) {
			t.Errorf("%s: err = %v, want a WeightsError on %s", tc.name, err, tc.field)
		}
	}
	if all, _ := s.AllSplitWeights(); len(all) != 0 {
		t.Fatalf("refused declarations were stored: %+v", all)
	}
	got, err := s.PutSplitWeights(ok)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.AllSplitWeights()
	if err != nil || len(all) != 1 {
		t.Fatalf("AllSplitWeights = %+v, %v", all, err)
	}
	w := all[0]
	if w.Old != "03394" || !w.Date.Equal(reorganisation) || w.Weights["03394"] != 3 || w.Weights["03390"] != 1 ||
		w.Basis != ok.Basis || w.Reason != ok.Reason || w.DeclaredBy != "ban-to-chuc-12" || !w.DeclaredAt.Equal(got.DeclaredAt) || w.DeclaredAt.IsZero() {
		t.Errorf("stored %+v", w)
	}
}

// A file of schema version 7 keeps its units by code alone; the migration
// to 8 moves them to code and first day, and a reused code can then be
// added beside them.
func TestMigrationRekeysUnits(t *testing.T) {
	s, path := openTemp(t, Options{})
	// Take the file back to version 7: without the buckets of 8.
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range bucketsV8() {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		if err := putVersion(tx.Bucket(bucketMeta), 7); err != nil {
			return err
		}
		for _, u := range laiChau() {
			raw, _ := json.Marshal(unitRecord{Name: u.Name, Level: u.Level, Parent: u.Parent})
			if err := tx.Bucket(bucketUnits).Put([]byte(u.Code), raw); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyUnitCode, []byte("12"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Units()
	if err != nil || len(got) != len(laiChau()) {
		t.Fatalf("Units after migration = %+v, %v", got, err)
	}
	for i, u := range got {
		if want := laiChau()[i]; !u.Equal(want) {
			// laiChau is sorted by level, Units by code: find it.
			found := false
			for _, w := range laiChau() {
				found = found || u.Equal(w)
			}
			if !found {
				t.Errorf("unit %+v was not in the file", u)
			}
		}
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketUnits).Get([]byte("12")) != nil {
			t.Error("the old key 12 is still there")
		}
		if tx.Bucket(bucketUnits).Get([]byte("12\x00")) == nil {
			t.Error("no key 12\\x00 after the migration")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The node's 2024 units end, the 2025 ones begin: both are kept.
	closed := hierarchy.Supersede(laiChau(), []hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "03390", Name: "Xã Bình Lư", Level: "commune", Parent: "12"},
	}, reorganisation)
	if err := s.PutUnits(closed); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Units(); len(got) != len(laiChau())+2 {
		t.Errorf("%d units after superseding, want %d", len(got), len(laiChau())+2)
	}
}
