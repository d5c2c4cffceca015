package envelope

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleReceipt() Receipt {
	return Receipt{
		EnvelopeDigest: Digest([]byte("abc")),
		Unit:           "03390",
		DataSet:        "tong_ket_nam",
		Period:         "2021",
		Revision:       3,
		Status:         StatusAccepted,
		Receiver:       "107",
		ReceivedAt:     time.Date(2022, 1, 15, 8, 30, 0, 500, time.UTC),
	}
}

const sampleReceiptJSON = `{"version":1,"envelope_digest":"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",` +
	`"unit":"03390","data_set":"tong_ket_nam","period":"2021","revision":3,"status":"accepted","receiver":"107",` +
	`"received_at":"2022-01-15T08:30:00.000000500Z"}`

func TestReceiptRoundTrip(t *testing.T) {
	for _, status := range []string{StatusAccepted, StatusDuplicate} {
		r := sampleReceipt()
		r.Status = status
		raw, err := EncodeReceipt(r)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Replace(sampleReceiptJSON, `"accepted"`, `"`+status+`"`, 1); string(raw) != want {
			t.Errorf("EncodeReceipt =\n%s\nwant\n%s", raw, want)
		}
		got, err := DecodeReceipt(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("decode(encode(r)) = %+v, want %+v", got, r)
		}
	}
}

func TestEncodeReceiptRejects(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(*Receipt)
		contains string
	}{
		{"digest without prefix", func(r *Receipt) { r.EnvelopeDigest = strings.TrimPrefix(r.EnvelopeDigest, "sha256:") }, "envelope_digest"},
		{"digest upper case", func(r *Receipt) { r.EnvelopeDigest = strings.ToUpper(r.EnvelopeDigest) }, "envelope_digest"},
		{"digest short", func(r *Receipt) { r.EnvelopeDigest = r.EnvelopeDigest[:70] }, "envelope_digest: 63 characters"},
		{"digest uppercase hex", func(r *Receipt) { r.EnvelopeDigest = "sha256:" + strings.Repeat("A", 64) }, "envelope_digest: not lowercase hex"},
		{"empty unit", func(r *Receipt) { r.Unit = "" }, "unit: empty"},
		{"empty data set", func(r *Receipt) { r.DataSet = "" }, "data_set: empty"},
		{"empty period", func(r *Receipt) { r.Period = "" }, "period: empty"},
		{"revision 0", func(r *Receipt) { r.Revision = 0 }, "revision"},
		{"unknown status", func(r *Receipt) { r.Status = "ok" }, `status: "ok"`},
		{"empty status", func(r *Receipt) { r.Status = "" }, "status"},
		{"empty receiver", func(r *Receipt) { r.Receiver = "" }, "receiver: empty"},
		{"no time", func(r *Receipt) { r.ReceivedAt = time.Time{} }, "received_at: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleReceipt()
			tc.change(&r)
			_, err := EncodeReceipt(r)
			wantErr(t, err, ErrMalformed, tc.contains)
		})
	}
}

func TestDecodeReceiptRejects(t *testing.T) {
	valid := sampleReceiptJSON
	for _, tc := range []struct {
		name, raw, contains string
	}{
		{"unknown field", strings.Replace(valid, `"unit"`, `"note":"","unit"`, 1), `unknown field "note"`},
		{"version 2", strings.Replace(valid, `"version":1`, `"version":2`, 1), "version: 2 not supported"},
		{"white space", strings.Replace(valid, `,"unit"`, `, "unit"`, 1), "not in canonical form"},
		{"reordered", strings.Replace(valid, `"status":"accepted","receiver":"107"`, `"receiver":"107","status":"accepted"`, 1), "not in canonical form"},
		{"unknown status", strings.Replace(valid, `"accepted"`, `"rejected"`, 1), `status: "rejected"`},
		{"bad digest", strings.Replace(valid, `sha256:ba`, `sha256:BA`, 1), "envelope_digest: not lowercase hex"},
		{"time missing", strings.Replace(valid, `2022-01-15T08:30:00.000000500Z`, ``, 1), "received_at: missing"},
		{"time trimmed", strings.Replace(valid, `00.000000500Z`, `00.0000005Z`, 1), "not in canonical form"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeReceipt([]byte(tc.raw))
			wantErr(t, err, ErrMalformed, tc.contains)
		})
	}
}

func sampleRevocation() Revocation {
	return Revocation{
		Serial:            "1f3a",
		Unit:              "03390",
		IssuerFingerprint: strings.Repeat("0a", 32),
		Certificate:       []byte{0x30, 0x03, 0x02, 0x01, 0x01},
		Reason:            "Máy tính bị mất",
		RevokedAt:         time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC),
	}
}

const sampleRevocationJSON = `{"version":1,"serial":"1f3a","unit":"03390",` +
	`"issuer_fingerprint":"0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a",` +
	`"certificate":"MAMCAQE=","reason":"Máy tính bị mất","revoked_at":"2023-05-06T07:08:09.000000000Z"}`

func TestRevocationRoundTrip(t *testing.T) {
	r := sampleRevocation()
	raw, err := EncodeRevocation(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != sampleRevocationJSON {
		t.Errorf("EncodeRevocation =\n%s\nwant\n%s", raw, sampleRevocationJSON)
	}
	got, err := DecodeRevocation(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("decode(encode(r)) = %+v, want %+v", got, r)
	}

	r.Reason = ""
	raw, err = EncodeRevocation(r)
	if err != nil {
		t.Fatalf("empty reason: %v", err)
	}
	if got, err := DecodeRevocation(raw); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("empty reason: decoded %+v, %v", got, err)
	}
}

func TestEncodeRevocationRejects(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(*Revocation)
		contains string
	}{
		{"empty serial", func(r *Revocation) { r.Serial = "" }, "serial: empty"},
		{"zero serial", func(r *Revocation) { r.Serial = "0" }, "serial"},
		{"leading zero", func(r *Revocation) { r.Serial = "01f3a" }, "leading zero"},
		{"upper-case serial", func(r *Revocation) { r.Serial = "1F3A" }, "not lowercase hex"},
		{"prefixed serial", func(r *Revocation) { r.Serial = "0x1f3a" }, "serial"},
		{"long serial", func(r *Revocation) { r.Serial = strings.Repeat("f", 41) }, "41 hex digits"},
		{"empty unit", func(r *Revocation) { r.Unit = "" }, "unit: empty"},
		{"short fingerprint", func(r *Revocation) { r.IssuerFingerprint = "0a" }, "issuer_fingerprint: 2 characters"},
		{"fingerprint with prefix", func(r *Revocation) { r.IssuerFingerprint = "sha256:" + r.IssuerFingerprint[7:] }, "issuer_fingerprint: not lowercase hex"},
		{"no certificate", func(r *Revocation) { r.Certificate = nil }, "certificate: empty"},
		{"invalid UTF-8 reason", func(r *Revocation) { r.Reason = "M\xe1y" }, "reason: not valid UTF-8"},
		{"no time", func(r *Revocation) { r.RevokedAt = time.Time{} }, "revoked_at: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRevocation()
			tc.change(&r)
			_, err := EncodeRevocation(r)
			wantErr(t, err, ErrMalformed, tc.contains)
		})
	}
}

func TestDecodeRevocationRejects(t *testing.T) {
	valid := sampleRevocationJSON
	for _, tc := range []struct {
		name, raw, contains string
	}{
		{"unknown field", strings.Replace(valid, `"unit"`, `"by":"x","unit"`, 1), `unknown field "by"`},
		{"version 2", strings.Replace(valid, `"version":1`, `"version":2`, 1), "version: 2 not supported"},
		{"serial as number", strings.Replace(valid, `"serial":"1f3a"`, `"serial":7994`, 1), "serial: JSON number"},
		{"leading zero serial", strings.Replace(valid, `"1f3a"`, `"01f3a"`, 1), "leading zero"},
		{"escaped text", strings.Replace(valid, `Máy`, `M\u00e1y`, 1), "not in canonical form"},
		{"indented", strings.Replace(valid, `{"version"`, "{\n  \"version\"", 1), "not in canonical form"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRevocation([]byte(tc.raw))
			wantErr(t, err, ErrMalformed, tc.contains)
		})
	}
}
