package hierarchy

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

const smallCSV = `code,name,level,parent_code
01,Thành phố Hà Nội,province,
001,Quận Ba Đình,district,01
00001,Phường Phúc Xá,commune,001
`

func TestReadCSV(t *testing.T) {
	units, err := ReadCSV(strings.NewReader(smallCSV))
	if err != nil {
		t.Fatal(err)
	}
	want := []Unit{
		{Code: "01", Name: "Thành phố Hà Nội", Level: "province"},
		{Code: "001", Name: "Quận Ba Đình", Level: "district", Parent: "01"},
		{Code: "00001", Name: "Phường Phúc Xá", Level: "commune", Parent: "001"},
	}
	checkUnits(t, units, want)
}

func TestReadCSVOptionalColumns(t *testing.T) {
	// Columns by name in any order, CRLF line endings, a BOM, a quoted name
	// with a comma, and validity dates that may be empty.
	in := "\ufeffvalid_to,parent_code,name,code,level,valid_from\r\n" +
		",,\"Tỉnh Lai Châu, mới\",12,province,2004-01-01\r\n" +
		"2025-07-01,12,Huyện Tam Đường,106,district,\r\n"
	units, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Unit{
		{Code: "12", Name: "Tỉnh Lai Châu, mới", Level: "province", ValidFrom: Day(2004, 1, 1)},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12", ValidTo: Day(2025, 7, 1)},
	}
	checkUnits(t, units, want)

	onlyFrom := "code,name,level,parent_code,valid_from\n01,Tỉnh A,province,,2025-07-01\n"
	units, err = ReadCSV(strings.NewReader(onlyFrom))
	if err != nil {
		t.Fatal(err)
	}
	checkUnits(t, units, []Unit{{Code: "01", Name: "Tỉnh A", Level: "province", ValidFrom: Day(2025, 7, 1)}})
}

func TestReadCSVHeaderOnly(t *testing.T) {
	units, err := ReadCSV(strings.NewReader("code,name,level,parent_code\n"))
	if err != nil || len(units) != 0 {
		t.Errorf("ReadCSV(header only) = %v, %v; want no units, no error", units, err)
	}
}

func TestReadCSVRejects(t *testing.T) {
	const h = "code,name,level,parent_code\n"
	for _, c := range []struct {
		name, in string
		want     string // the error text starts with it
	}{
		{"empty input", "", "line 1: empty input"},
		{"missing column", "code,name,level\n01,Tỉnh A,province\n", "line 1: parent_code: missing required column"},
		{"missing column after blank lines", "\n\ncode,name,parent_code\n", "line 3: level: missing required column"},
		{"unknown column", "code,name,level,parent_code,population\n", "line 1: population: unknown column"},
		{"header cell with space", "code, name,level,parent_code\n", "line 1:  name: unknown column"},
		{"upper-case header", "CODE,name,level,parent_code\n", "line 1: CODE: unknown column"},
		{"repeated column", "code,name,level,parent_code,code\n", "line 1: code: repeated column"},
		{"too few fields", h + "01,Tỉnh A,province,\n02,Tỉnh B,province\n", "line 3: record has 3 fields, want 4"},
		{"too many fields", h + "01,Tỉnh A,province,,\n", "line 2: record has 5 fields, want 4"},
		{"bad date", "code,name,level,parent_code,valid_from,valid_to\n01,Tỉnh A,province,,2025-02-30,\n",
			`line 2: valid_from: "2025-02-30" is not a date`},
		{"date in another format", "code,name,level,parent_code,valid_to\n01,Tỉnh A,province,,01/07/2025\n",
			`line 2: valid_to: "01/07/2025" is not a date`},
		{"dates reversed", "code,name,level,parent_code,valid_from,valid_to\n01,Tỉnh A,province,,2025-07-01,2020-01-01\n",
			"line 2: valid_to: 2020-01-01 must be after valid_from 2025-07-01"},
		{"code with spaces", h + "01,Tỉnh A,province,\n 02,Tỉnh B,province,\n", `line 3: code: must contain only ASCII letters and digits, got " 02"`},
		{"empty code", h + ",Tỉnh A,province,\n", "line 2: code: must not be empty"},
		{"empty name", h + "01,,province,\n", "line 2: name: must not be empty"},
		{"invalid UTF-8", h + "01,T\xe1nh A,province,\n", "line 2: name: must be valid UTF-8"},
		{"empty level", h + "01,Tỉnh A,,\n", "line 2: level: must not be empty"},
		{"bad parent", h + "001,Quận A,district,0 1\n", "line 2: parent_code: must contain only ASCII letters and digits"},
		{"own parent", h + "01,Tỉnh A,province,01\n", "line 2: parent_code: must differ from code"},
		{"name spanning lines", h + "01,\"Tỉnh\nA\",province,\n02,Tỉnh B,province,\n", "line 2: name: must not contain control characters"},
		{"bare quote", h + "01,Tỉnh \"A\",province,\n", "line 2: bare \" in non-quoted-field (at byte 11"},
		{"unterminated quote", h + "01,\"Tỉnh A,province,\n", "line 2: extraneous or missing \" in quoted-field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			units, err := ReadCSV(strings.NewReader(c.in))
			if err == nil {
				t.Fatalf("ReadCSV accepted it: %+v", units)
			}
			if !errors.Is(err, ErrInvalidCSV) {
				t.Errorf("error %q does not wrap ErrInvalidCSV", err)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %q\ndoes not start with %q", err, c.want)
			}
			if units != nil {
				t.Errorf("ReadCSV returned units with an error: %+v", units)
			}
		})
	}
}

func TestReadCSVCollectsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("code,name,level,parent_code\n01,Tỉnh A,province,\n")
	for range 20 {
		b.WriteString("0 2,Tỉnh B,province,\n")
	}
	_, err := ReadCSV(strings.NewReader(b.String()))
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxCSVErrors {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), maxCSVErrors, err)
	}
	if !strings.HasPrefix(lines[0], "line 3: code: ") || !strings.HasPrefix(lines[9], "line 12: code: ") {
		t.Errorf("errors do not name lines 3…12:\n%v", err)
	}
	var ce *CSVError
	if !errors.As(err, &ce) || ce.Line != 3 || ce.Column != "code" {
		t.Errorf("errors.As(*CSVError) = %+v, want line 3, column code", ce)
	}
}

func TestReadCSVReaderFailure(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := ReadCSV(iotest.TimeoutReader(strings.NewReader(smallCSV))) // second read fails
	if err == nil {
		t.Fatal("no error from a failing reader")
	}
	_, err = ReadCSV(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || errors.Is(err, ErrInvalidCSV) {
		t.Errorf("error = %v; want it to wrap the reader's error, not ErrInvalidCSV", err)
	}
}

func TestWriteCSV(t *testing.T) {
	units := []Unit{
		{Code: "01", Name: "Thành phố Hà Nội", Level: "province"},
		{Code: "001", Name: `Quận "Ba Đình", cũ`, Level: "district", Parent: "01"},
		{Code: "00001", Name: " Phường Phúc Xá", Level: "commune", Parent: "001"},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, units); err != nil {
		t.Fatal(err)
	}
	want := "code,name,level,parent_code\n" +
		"01,Thành phố Hà Nội,province,\n" +
		"001,\"Quận \"\"Ba Đình\"\", cũ\",district,01\n" +
		"00001,\" Phường Phúc Xá\",commune,001\n"
	if got := buf.String(); got != want {
		t.Errorf("WriteCSV wrote\n%s\nwant\n%s", got, want)
	}
	back, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	checkUnits(t, back, units)
}

func TestWriteCSVDates(t *testing.T) {
	units := []Unit{
		{Code: "01", Name: "Tỉnh A", Level: "province"},
		{Code: "02", Name: "Tỉnh B", Level: "province", ValidFrom: Day(2004, 1, 1), ValidTo: Day(2025, 7, 1)},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, units); err != nil {
		t.Fatal(err)
	}
	want := "code,name,level,parent_code,valid_from,valid_to\n" +
		"01,Tỉnh A,province,,,\n" +
		"02,Tỉnh B,province,,2004-01-01,2025-07-01\n"
	if got := buf.String(); got != want {
		t.Errorf("WriteCSV wrote\n%s\nwant\n%s", got, want)
	}
	back, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	checkUnits(t, back, units)
}

func TestWriteCSVRefusesInvalid(t *testing.T) {
	var buf bytes.Buffer
	err := WriteCSV(&buf, []Unit{
		{Code: "01", Name: "Tỉnh A", Level: "province"},
		{Code: "02", Name: "Tỉnh\r\nB", Level: "province"},
	})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "name" {
		t.Errorf("WriteCSV error = %v, want a *FieldError for name", err)
	}
	if buf.Len() != 0 {
		t.Errorf("WriteCSV wrote %q before refusing", buf.String())
	}
}

func checkUnits(t *testing.T, got, want []Unit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d units, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("unit %d = %+v\nwant      %+v", i, got[i], want[i])
		}
	}
}
