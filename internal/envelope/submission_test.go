package envelope

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEncodeSubmissionCanonical(t *testing.T) {
	s := sampleSubmission()
	got, err := EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != sampleSubmissionJSON {
		t.Errorf("EncodeSubmission =\n%s\nwant\n%s", got, sampleSubmissionJSON)
	}
	if !reflect.DeepEqual(s, sampleSubmission()) {
		t.Error("EncodeSubmission reordered the caller's slices")
	}
}

func TestEncodeSubmissionMinimal(t *testing.T) {
	s := Submission{Unit: "u", DataSet: "d", Period: "p", Revision: 1, SignedAt: time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC)}
	got, err := EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"version":1,"unit":"u","data_set":"d","period":"p","revision":1,"catalog_version":"","catalog_digest":"",` +
		`"signed_at":"2021-01-02T03:04:05.000000000Z","values":[],"sections":[]}`
	if string(got) != want {
		t.Errorf("EncodeSubmission =\n%s\nwant\n%s", got, want)
	}
	back, err := DecodeSubmission(got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("decoded %+v, want %+v", back, s)
	}
}

func TestEncodeSubmissionEscapes(t *testing.T) {
	s := Submission{Unit: "u", DataSet: "d", Period: "p", Revision: 1, SignedAt: time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC),
		Sections: []Section{{Code: "c", Text: "a\"b\\c\x00\x1f\b\f\t\r\n<>&\u2028\x7fđ😀"}}}
	got, err := EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `"text":"a\"b\\c\u0000\u001f\b\f\t\r\n<>&` + "\u2028\x7fđ😀" + `"`
	if !strings.Contains(string(got), want) {
		t.Errorf("EncodeSubmission =\n%s\nwant it to contain\n%s", got, want)
	}
	back, err := DecodeSubmission(got)
	if err != nil {
		t.Fatal(err)
	}
	if back.Sections[0].Text != s.Sections[0].Text {
		t.Errorf("text = %q, want %q", back.Sections[0].Text, s.Sections[0].Text)
	}
}

func TestEncodeSubmissionTimeInUTC(t *testing.T) {
	s := sampleSubmission()
	s.SignedAt = time.Date(2022, 1, 1, 6, 59, 58, 123456789, time.FixedZone("ICT", 7*3600))
	got, err := EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"signed_at":"2021-12-31T23:59:58.123456789Z"`) {
		t.Errorf("time not written in UTC: %s", got)
	}
}

func TestDecodeSubmissionRoundTrip(t *testing.T) {
	got, err := DecodeSubmission([]byte(sampleSubmissionJSON))
	if err != nil {
		t.Fatal(err)
	}
	if want := sortedSampleSubmission(); !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeSubmission =\n%+v\nwant\n%+v", got, want)
	}
	// decode(encode(s)) == s for a submission already in canonical order.
	s := sortedSampleSubmission()
	raw, err := EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeSubmission(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("decode(encode(s)) =\n%+v\nwant\n%+v", back, s)
	}
}

func TestEncodeSubmissionRejects(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(*Submission)
		contains string
	}{
		{"empty unit", func(s *Submission) { s.Unit = "" }, "unit: empty"},
		{"empty data set", func(s *Submission) { s.DataSet = "" }, "data_set: empty"},
		{"empty period", func(s *Submission) { s.Period = "" }, "period: empty"},
		{"revision 0", func(s *Submission) { s.Revision = 0 }, "revision"},
		{"no time", func(s *Submission) { s.SignedAt = time.Time{} }, "signed_at: missing"},
		{"year 10000", func(s *Submission) { s.SignedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "signed_at: year 10000"},
		{"negative count", func(s *Submission) { s.Values[1].Count = -1 }, "values[1].count: negative"},
		{"empty element", func(s *Submission) { s.Values[2].Element = "" }, "values[2].element: empty"},
		{"duplicate value", func(s *Submission) { s.Values = append(s.Values, Value{Element: "dan_so", Option: "nu", Count: 1}) }, `element "dan_so" option "nu" given twice`},
		{"duplicate section", func(s *Submission) { s.Sections = append(s.Sections, Section{Code: "han_che"}) }, `code "han_che" given twice`},
		{"empty section code", func(s *Submission) { s.Sections[0].Code = "" }, "sections[0].code: empty"},
		{"invalid UTF-8 text", func(s *Submission) { s.Sections[1].Text = "H\xe1" }, "sections[1].text: not valid UTF-8"},
		{"invalid UTF-8 option", func(s *Submission) { s.Values[0].Option = "\xc3" }, "values[0].option: not valid UTF-8"},
		{"invalid UTF-8 unit", func(s *Submission) { s.Unit = "\xff" }, "unit: not valid UTF-8"},
		{"invalid UTF-8 catalogue", func(s *Submission) { s.CatalogDigest = "\xff" }, "catalog_digest: not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sampleSubmission()
			tc.change(&s)
			_, err := EncodeSubmission(s)
			wantErr(t, err, ErrMalformed, tc.contains)
		})
	}
}

func TestDecodeSubmissionRejects(t *testing.T) {
	valid := sampleSubmissionJSON
	swap := func(a, b string) string {
		if !strings.Contains(valid, a+b) {
			t.Fatalf("sample does not contain %s%s", a, b)
		}
		return strings.Replace(valid, a+b, b+a, 1)
	}
	for _, tc := range []struct {
		name, raw, contains string
	}{
		{"empty", "", "EOF"},
		{"null", "null", "version: missing"},
		{"unknown field", strings.Replace(valid, `"unit"`, `"extra":1,"unit"`, 1), `unknown field "extra"`},
		{"unknown field in value", strings.Replace(valid, `"count":0`, `"count":0,"note":""`, 1), `unknown field "note"`},
		{"version 2", strings.Replace(valid, `"version":1`, `"version":2`, 1), "version: 2 not supported"},
		{"version missing", strings.Replace(valid, `"version":1,`, ``, 1), "version: missing"},
		{"version as string", strings.Replace(valid, `"version":1`, `"version":"1"`, 1), "version: JSON string"},
		{"reordered keys", swap(`"unit":"03390",`, `"data_set":"tong_ket_nam",`), "not in canonical form"},
		{"version not first", swap(`"version":1,`, `"unit":"03390",`), "not in canonical form"},
		{"space after colon", strings.Replace(valid, `"unit":"03390"`, `"unit": "03390"`, 1), "first difference at byte 20"},
		{"trailing newline", valid + "\n", "not in canonical form"},
		{"trailing object", valid + "{}", "not in canonical form"},
		{"escaped non-ASCII", strings.Replace(valid, `Ưu`, `\u01afu`, 1), "not in canonical form"},
		{"escaped slash", strings.Replace(valid, `"2024.1"`, `"2024\/1"`, 1), "not in canonical form"},
		{"capitalised name", strings.Replace(valid, `"unit"`, `"Unit"`, 1), "not in canonical form"},
		{"duplicate name", strings.Replace(valid, `"unit":"03390"`, `"unit":"x","unit":"03390"`, 1), "not in canonical form"},
		{"unsorted values", swap(`{"element":"dan_so","option":"","count":10300},`, `{"element":"dan_so","option":"nu","count":5120},`), "not in canonical form"},
		{"unsorted sections", strings.Replace(valid, `[{"code":"han_che","text":"Hạn chế"},{"code":"uu_diem","text":"Ưu điểm: \"tốt\"\nhết"}]`,
			`[{"code":"uu_diem","text":"Ưu điểm: \"tốt\"\nhết"},{"code":"han_che","text":"Hạn chế"}]`, 1), "not in canonical form"},
		{"values null", `{"version":1,"unit":"u","data_set":"d","period":"p","revision":1,"catalog_version":"","catalog_digest":"",` +
			`"signed_at":"2021-01-02T03:04:05.000000000Z","values":null,"sections":[]}`, "not in canonical form"},
		{"values missing", `{"version":1,"unit":"u","data_set":"d","period":"p","revision":1,"catalog_version":"","catalog_digest":"",` +
			`"signed_at":"2021-01-02T03:04:05.000000000Z","sections":[]}`, "not in canonical form"},
		{"count as float", strings.Replace(valid, `"count":0`, `"count":0.0`, 1), "values.count: JSON number 0.0"},
		{"revision negative", strings.Replace(valid, `"revision":2`, `"revision":-2`, 1), "revision: JSON number -2"},
		{"time with offset", strings.Replace(valid, `2021-12-31T23:59:58.123456789Z`, `2022-01-01T06:59:58.123456789+07:00`, 1), "not in canonical form"},
		{"time without nanoseconds", strings.Replace(valid, `58.123456789Z`, `58.1234567Z`, 1), "not in canonical form"},
		{"time not RFC 3339", strings.Replace(valid, `2021-12-31T23:59:58.123456789Z`, `31/12/2021`, 1), `signed_at: "31/12/2021" is not an RFC 3339 time`},
		{"invalid UTF-8", strings.Replace(valid, `Hạn`, "H\xe1n", 1), "not valid UTF-8"},
		{"empty unit", strings.Replace(valid, `"unit":"03390"`, `"unit":""`, 1), "unit: empty"},
		{"revision 0", strings.Replace(valid, `"revision":2`, `"revision":0`, 1), "revision: 0"},
		{"negative count", strings.Replace(valid, `"count":5120`, `"count":-5120`, 1), "values[1].count: negative"},
		{"duplicate values", strings.Replace(valid, `{"element":"dan_so","option":"nu","count":5120}`, `{"element":"dan_so","option":"","count":5120}`, 1), `element "dan_so" option "" given twice`},
		{"duplicate sections", strings.Replace(valid, `"code":"uu_diem"`, `"code":"han_che"`, 1), `code "han_che" given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.raw == valid {
				t.Fatal("test input is the valid sample")
			}
			_, err := DecodeSubmission([]byte(tc.raw))
			wantErr(t, err, ErrMalformed, tc.contains)
		})
	}
}

// TestSubmissionOverridesAndAccepted: the two optional members encode
// sorted after sections, round-trip, are refused when empty, unnamed or
// repeated, and when present but empty (a second encoding).
func TestSubmissionOverridesAndAccepted(t *testing.T) {
	s := Submission{Unit: "106", DataSet: "d", Period: "2021", Revision: 2, SignedAt: time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC),
		Overrides: []Override{{Rule: "dang_vien/gioi_tinh/sum", Reason: "Số liệu giới tính chờ rà soát"}, {Rule: "dang_vien/balance", Reason: "Chuyển đến chưa cập nhật"}},
		Accepted:  []Acceptance{{Unit: "03403", Revision: 1, Digest: "sha256:bb"}, {Unit: "03394", Revision: 3, Digest: "sha256:aa"}},
	}
	got, err := EncodeSubmission(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"version":1,"unit":"106","data_set":"d","period":"2021","revision":2,"catalog_version":"","catalog_digest":"",` +
		`"signed_at":"2021-01-02T03:04:05.000000000Z","values":[],"sections":[],` +
		`"overrides":[{"rule":"dang_vien/balance","reason":"Chuyển đến chưa cập nhật"},{"rule":"dang_vien/gioi_tinh/sum","reason":"Số liệu giới tính chờ rà soát"}],` +
		`"accepted":[{"unit":"03394","revision":3,"digest":"sha256:aa"},{"unit":"03403","revision":1,"digest":"sha256:bb"}]}`
	if string(got) != want {
		t.Fatalf("EncodeSubmission =\n%s\nwant\n%s", got, want)
	}
	back, err := DecodeSubmission(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Overrides) != 2 || back.Overrides[0].Rule != "dang_vien/balance" || back.Accepted[1].Unit != "03403" || back.Accepted[1].Revision != 1 {
		t.Errorf("decoded %+v", back)
	}
	for _, tc := range []struct {
		name     string
		change   func(*Submission)
		contains string
	}{
		{"no reason", func(s *Submission) { s.Overrides[1].Reason = "  " }, "overrides[1].reason: empty"},
		{"no rule", func(s *Submission) { s.Overrides[0].Rule = "" }, "overrides[0].rule: empty"},
		{"rule twice", func(s *Submission) { s.Overrides[1].Rule = s.Overrides[0].Rule }, "given twice"},
		{"revision 0", func(s *Submission) { s.Accepted[0].Revision = 0 }, "accepted[0].revision: 0"},
		{"unit twice", func(s *Submission) { s.Accepted[1].Unit = "03403" }, `unit "03403" given twice`},
	} {
		c := s
		c.Overrides = slices.Clone(s.Overrides)
		c.Accepted = slices.Clone(s.Accepted)
		tc.change(&c)
		_, err := EncodeSubmission(c)
		wantErr(t, err, ErrMalformed, tc.contains)
	}
	if _, err := DecodeSubmission([]byte(strings.TrimSuffix(sampleSubmissionJSON, "}") + `,"overrides":[]}`)); err == nil {
		t.Error("an empty overrides member decoded")
	}
}

// TestFastDecodeReadsWhatStrictReads: every canonical submission of the
// tests, escapes and optional members included, goes through the fast path
// (it is not dead code) and reads exactly as the strict path reads it; the
// strict path's rejections are all refused by the fast one.
func TestFastDecodeReadsWhatStrictReads(t *testing.T) {
	subs := []Submission{sampleSubmission(), bigSubmission(137),
		{Unit: "u\x01\"\\", DataSet: "d\b\f\n\r\t", Period: "p", Revision: 18446744073709551615, SignedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			Values:    []Value{{Element: "e", Count: 9223372036854775807}, {Element: "e", Option: "Đảng viên nữ", Count: 0}},
			Overrides: []Override{{Rule: "r", Reason: "lý do\u2028"}}, Accepted: []Acceptance{{Unit: "03390", Revision: 4, Digest: "sha256:aa"}}},
	}
	for i, s := range subs {
		raw, err := EncodeSubmission(s)
		if err != nil {
			t.Fatal(err)
		}
		fast, ok := decodeSubmissionFast(raw)
		strict, err := decodeSubmissionStrict(raw)
		if !ok || err != nil || !reflect.DeepEqual(fast, strict) {
			t.Fatalf("%d: fast %v %+v\nstrict %v %+v", i, ok, fast, err, strict)
		}
	}
	for _, bad := range []string{
		strings.Replace(sampleSubmissionJSON, `"version":1`, `"version":2`, 1),
		strings.Replace(sampleSubmissionJSON, `"unit":"03390"`, `"unit": "03390"`, 1),
		strings.Replace(sampleSubmissionJSON, `"count":5120`, `"count":-5120`, 1),
		strings.Replace(sampleSubmissionJSON, `"count":5120`, `"count":05120`, 1),
		strings.Replace(sampleSubmissionJSON, `Ưu`, `\u01afu`, 1),
		strings.TrimSuffix(sampleSubmissionJSON, "}") + `,"overrides":[]}`,
		sampleSubmissionJSON + " ",
	} {
		if _, ok := decodeSubmissionFast([]byte(bad)); ok {
			t.Errorf("fast path took %q", bad)
		}
		if _, err := DecodeSubmission([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeSubmission(%q): %v", bad, err)
		}
	}
}
