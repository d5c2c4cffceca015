package hierarchy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := Unit{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", ok, err)
	}
	with := func(f func(*Unit)) Unit { u := ok; f(&u); return u }
	for _, c := range []struct {
		name  string
		unit  Unit
		field string // "" = valid
	}{
		{"root", with(func(u *Unit) { u.Parent = "" }), ""},
		{"letters in code", with(func(u *Unit) { u.Code = "HN01" }), ""},
		{"32-byte code", with(func(u *Unit) { u.Code = strings.Repeat("9", 32) }), ""},
		{"dated", with(func(u *Unit) { u.ValidFrom, u.ValidTo = Day(2020, 1, 1), Day(2025, 7, 1) }), ""},
		{"only valid_to", with(func(u *Unit) { u.ValidTo = Day(2025, 7, 1) }), ""},
		{"level with underscore", with(func(u *Unit) { u.Level = "special_zone" }), ""},
		{"name with surrounding spaces kept", with(func(u *Unit) { u.Name = " Xã A " }), ""},

		{"empty code", with(func(u *Unit) { u.Code = "" }), "code"},
		{"33-byte code", with(func(u *Unit) { u.Code = strings.Repeat("9", 33) }), "code"},
		{"code with space", with(func(u *Unit) { u.Code = "03390 " }), "code"},
		{"code with dash", with(func(u *Unit) { u.Code = "03-390" }), "code"},
		{"code non-ASCII digit", with(func(u *Unit) { u.Code = "０1" }), "code"},
		{"empty name", with(func(u *Unit) { u.Name = "" }), "name"},
		{"blank name", with(func(u *Unit) { u.Name = "  " }), "name"},
		{"invalid UTF-8 name", with(func(u *Unit) { u.Name = "X\xe3 A" }), "name"},
		{"name with newline", with(func(u *Unit) { u.Name = "Xã\nA" }), "name"},
		{"long name", with(func(u *Unit) { u.Name = strings.Repeat("a", 513) }), "name"},
		{"empty level", with(func(u *Unit) { u.Level = "" }), "level"},
		{"level with space", with(func(u *Unit) { u.Level = "commune " }), "level"},
		{"parent with space", with(func(u *Unit) { u.Parent = " 106" }), "parent"},
		{"own parent", with(func(u *Unit) { u.Parent = u.Code }), "parent"},
		{"valid_from not midnight", with(func(u *Unit) { u.ValidFrom = time.Date(2025, 7, 1, 1, 0, 0, 0, time.UTC) }), "valid_from"},
		{"valid_to not UTC", with(func(u *Unit) { u.ValidTo = time.Date(2025, 7, 1, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600)) }), "valid_to"},
		{"valid_to year 10000", with(func(u *Unit) { u.ValidTo = Day(10000, 1, 1) }), "valid_to"},
		{"valid_to equals valid_from", with(func(u *Unit) { u.ValidFrom, u.ValidTo = Day(2025, 7, 1), Day(2025, 7, 1) }), "valid_to"},
		{"valid_to before valid_from", with(func(u *Unit) { u.ValidFrom, u.ValidTo = Day(2025, 7, 1), Day(2020, 1, 1) }), "valid_to"},
	} {
		err := c.unit.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: Validate = %v, want nil", c.name, err)
			}
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: Validate = %v, want a *FieldError", c.name, err)
			continue
		}
		if fe.Field != c.field || fe.Reason == "" {
			t.Errorf("%s: Validate = %+v, want field %q with a reason", c.name, fe, c.field)
		}
		if want := c.field + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error %q does not start with %q", c.name, err, want)
		}
	}
}

func TestActiveOn(t *testing.T) {
	u := Unit{ValidFrom: Day(2020, 1, 1), ValidTo: Day(2025, 7, 1)}
	for _, c := range []struct {
		day  time.Time
		want bool
	}{
		{Day(2019, 12, 31), false},
		{Day(2020, 1, 1), true},
		{Day(2025, 6, 30), true},
		{time.Date(2025, 6, 30, 23, 59, 59, 999, time.UTC), true},
		{Day(2025, 7, 1), false},
		{time.Date(2025, 7, 1, 0, 30, 0, 0, time.FixedZone("ICT", 7*3600)), false},
		{time.Date(2025, 6, 30, 23, 0, 0, 0, time.FixedZone("ICT", 7*3600)), true},
	} {
		if got := u.ActiveOn(c.day); got != c.want {
			t.Errorf("ActiveOn(%s) = %v, want %v", c.day, got, c.want)
		}
	}
	if !(Unit{}).ActiveOn(Day(1, 1, 1)) || !(Unit{}).ActiveOn(Day(9999, 12, 31)) {
		t.Error("a unit without dates is not active always")
	}
}

func TestParseDate(t *testing.T) {
	for s, want := range map[string]time.Time{
		"2025-07-01": Day(2025, 7, 1),
		"2024-02-29": Day(2024, 2, 29),
		"0001-01-02": Day(1, 1, 2),
		"9999-12-31": Day(9999, 12, 31),
	} {
		got, err := ParseDate(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
		if back := FormatDate(got); back != s {
			t.Errorf("FormatDate(ParseDate(%q)) = %q", s, back)
		}
	}
	for _, s := range []string{
		"", "2025-7-1", "2025-07-1", "25-07-01", "2025/07/01", "01/07/2025", " 2025-07-01",
		"2025-07-01 ", "2025-13-01", "2025-00-10", "2025-02-29", "2025-04-31", "2025-07-00",
		"0000-01-01", "0001-01-01", "+025-07-01", "-025-07-01", "2025-07-01T00:00:00Z", "２025-07-01",
	} {
		if got, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", s, got)
		}
	}
	if got := FormatDate(time.Time{}); got != "" {
		t.Errorf("FormatDate(zero) = %q, want empty", got)
	}
}
