package envelope

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestKeyEndorsementRoundTrip(t *testing.T) {
	k := KeyEndorsement{Unit: "03390", Certificate: []byte{0x30, 0x03, 0x02, 0x01, 0x01}, EndorsedAt: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}
	raw, err := EncodeKeyEndorsement(k)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"unit":"03390","certificate":"MAMCAQE=","endorsed_at":"2024-01-02T03:04:05.000000006Z"}`
	if string(raw) != want {
		t.Fatalf("EncodeKeyEndorsement =\n%s\nwant\n%s", raw, want)
	}
	got, err := DecodeKeyEndorsement(raw)
	if err != nil || !reflect.DeepEqual(got, k) {
		t.Fatalf("decode(encode(k)) = %+v, %v", got, err)
	}
	for name, bad := range map[string]string{
		"unknown field": strings.Replace(want, `"unit"`, `"by":"x","unit"`, 1),
		"not canonical": strings.Replace(want, `{"version":1,`, `{"version":1, `, 1),
		"bad base64":    strings.Replace(want, `MAMCAQE=`, `MAMCAQE`, 1),
		"no unit":       strings.Replace(want, `"03390"`, `""`, 1),
	} {
		if _, err := DecodeKeyEndorsement([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
