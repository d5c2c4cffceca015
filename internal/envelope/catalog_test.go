package envelope

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCatalogVersionRoundTrip(t *testing.T) {
	d1, d2 := strings.Repeat("ab", 32), strings.Repeat("0c", 32)
	v := CatalogVersion{Unit: "62", Version: "2021.3-kt62.1", Digest: d1, Extends: d2, Source: []byte("version: x\n"), PublishedAt: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}
	raw, err := EncodeCatalogVersion(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"unit":"62","catalog_version":"2021.3-kt62.1","digest":"` + d1 + `","extends":"` + d2 + `","source":"dmVyc2lvbjogeAo=","published_at":"2024-01-02T03:04:05.000000006Z"}`
	if string(raw) != want {
		t.Fatalf("EncodeCatalogVersion =\n%s\nwant\n%s", raw, want)
	}
	got, err := DecodeCatalogVersion(raw)
	if err != nil || !reflect.DeepEqual(got, v) {
		t.Fatalf("decode(encode(v)) = %+v, %v", got, err)
	}
	for name, bad := range map[string]string{
		"unknown field": strings.Replace(want, `"unit"`, `"by":"x","unit"`, 1),
		"not canonical": strings.Replace(want, `{"version":1,`, `{"version":1, `, 1),
		"bad base64":    strings.Replace(want, `dmVyc2lvbjogeAo=`, `dmVyc2lvbjogeAo`, 1),
		"no source":     strings.Replace(want, `"dmVyc2lvbjogeAo="`, `""`, 1),
		"short digest":  strings.Replace(want, d1, d1[:10], 1),
		"no unit":       strings.Replace(want, `"62"`, `""`, 1),
	} {
		if _, err := DecodeCatalogVersion([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
