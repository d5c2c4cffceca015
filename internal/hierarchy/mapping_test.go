package hierarchy

import (
	"errors"
	"strings"
	"testing"
)

func TestReadMapping(t *testing.T) {
	day := Day(2025, 7, 1)
	in := "old_code,old_name,new_code,new_name,level,merge_type\n" +
		"03390,Thị trấn Tam Đường,03390,Xã Bình Lư,commune,full\n" +
		"03394,Xã Thèn Sin,03394,Xã Tả Lèng,commune,partial\n" +
		"03394,Xã Thèn Sin,03405,Xã Khun Há,commune,partial\n"
	ch, err := ReadMapping(strings.NewReader(in), day)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Old: "03390", OldName: "Thị trấn Tam Đường", New: "03390", NewName: "Xã Bình Lư", Level: "commune", Date: day},
		{Old: "03394", OldName: "Xã Thèn Sin", New: "03394", NewName: "Xã Tả Lèng", Level: "commune", Partial: true, Date: day},
		{Old: "03394", OldName: "Xã Thèn Sin", New: "03405", NewName: "Xã Khun Há", Level: "commune", Partial: true, Date: day},
	}
	if len(ch) != len(want) {
		t.Fatalf("%d changes, want %d", len(ch), len(want))
	}
	for i := range want {
		if ch[i] != want[i] {
			t.Errorf("change %d = %+v, want %+v", i, ch[i], want[i])
		}
	}
}

func TestReadMappingErrors(t *testing.T) {
	const header = "old_code,old_name,new_code,new_name,level,merge_type\n"
	for _, tc := range []struct{ name, in, want string }{
		{"header", "old,new\n", `line 1: header is "old,new"`},
		{"merge type", header + "01,Hà Nội,01,Hà Nội,province,whole\n", `line 2: merge_type: must be "full" or "partial", got "whole"`},
		{"code", header + " 01,Hà Nội,01,Hà Nội,province,full\n", "line 2: old_code: must contain only ASCII letters and digits"},
		{"full twice", header + "02,Hà Giang,08,Tuyên Quang,province,full\n02,Hà Giang,01,Hà Nội,province,full\n", "old unit 02 is full but has 2 rows"},
		{"partial once", header + "03394,Xã Thèn Sin,03394,Xã Tả Lèng,commune,partial\n", "old unit 03394 is partial but has 1 row"},
		{"mixed", header + "03394,Xã Thèn Sin,03394,Xã Tả Lèng,commune,partial\n03394,Xã Thèn Sin,03405,Xã Khun Há,commune,full\n", "old unit 03394 is full here and partial at line 2"},
		{"repeat", header + "03394,A,03394,B,commune,partial\n03394,A,03394,B,commune,partial\n", "03394 → 03394 repeats line 2"},
		{"width", header + "01,Hà Nội,01\n", "line 2: record has 3 fields, want 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadMapping(strings.NewReader(tc.in), Day(2025, 7, 1))
			if err == nil || !errors.Is(err, ErrInvalidCSV) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one wrapping ErrInvalidCSV containing %q", err, tc.want)
			}
		})
	}
}
