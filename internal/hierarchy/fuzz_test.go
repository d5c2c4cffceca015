package hierarchy

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		smallCSV,
		"code,name,level,parent_code,valid_from,valid_to\n" +
			"12,Tỉnh Lai Châu,province,,2004-01-01,\n" +
			"106,Huyện Tam Đường,district,12,,2025-07-01\n" +
			"03390,\"Thị trấn Tam Đường, cũ\",commune,106,2008-01-01,2025-07-01\n",
		"\ufeffparent_code,code,level,name\r\n,01,province,\" Tỉnh \"\"A\"\"\"\r\n",
		"",
		"code,name,level\n01,Tỉnh A,province\n",
		"code,name,level,parent_code,extra\n",
		"code,name,level,parent_code\n01,Tỉnh A,province\n",
		"code,name,level,parent_code,valid_to\n01,Tỉnh A,province,,2025-02-30\n",
		"code,name,level,parent_code\n01,\"Tỉnh\nA\",province,\n",
		"code,name,level,parent_code\n01,T\xffnh,province,\n",
		"code,name,level,parent_code\na,Xã a,commune,b\nb,Xã b,commune,a\n",
		"code,name,level,parent_code\n01,Tỉnh \"A,province,\n",
		"code,name,level,parent_code\n\\.,x,y,\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		units, err := ReadCSV(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInvalidCSV) {
				t.Fatalf("error does not wrap ErrInvalidCSV: %v", err)
			}
			if units != nil {
				t.Fatalf("units returned with error %v", err)
			}
			return
		}
		// Whatever ReadCSV accepts is valid and writes back unchanged.
		var buf bytes.Buffer
		if err := WriteCSV(&buf, units); err != nil {
			t.Fatalf("WriteCSV refused what ReadCSV accepted: %v", err)
		}
		written := buf.String()
		back, err := ReadCSV(&buf)
		if err != nil {
			t.Fatalf("ReadCSV(WriteCSV(units)): %v\n%q", err, written)
		}
		if len(back) != len(units) {
			t.Fatalf("round trip: %d units, want %d", len(back), len(units))
		}
		for i := range units {
			if !back[i].Equal(units[i]) {
				t.Fatalf("round trip: unit %d = %+v, want %+v", i, back[i], units[i])
			}
		}

		tr, err := NewTree(units)
		if err != nil {
			if !errors.Is(err, ErrInvalidTree) {
				t.Fatalf("NewTree error does not wrap ErrInvalidTree: %v", err)
			}
			return
		}
		// An accepted tree writes out in its own order and reads back into
		// the same tree.
		buf.Reset()
		if err := WriteCSV(&buf, tr.Units()); err != nil {
			t.Fatal(err)
		}
		units2, err := ReadCSV(&buf)
		if err != nil {
			t.Fatal(err)
		}
		tr2, err := NewTree(units2)
		if err != nil {
			t.Fatalf("NewTree after round trip: %v", err)
		}
		u1, u2 := tr.Units(), tr2.Units()
		if len(u1) != len(u2) {
			t.Fatalf("tree round trip: %d units, want %d", len(u2), len(u1))
		}
		for i := range u1 {
			if !u1[i].Equal(u2[i]) || tr.Depth(u1[i].Code) != tr2.Depth(u2[i].Code) {
				t.Fatalf("tree round trip: unit %d = %+v, want %+v", i, u2[i], u1[i])
			}
			if len(tr.Path(u1[i].Code)) != tr.Depth(u1[i].Code)+1 {
				t.Fatalf("Path and Depth disagree for %q", u1[i].Code)
			}
		}
	})
}
