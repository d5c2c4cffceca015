package envelope

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that whatever it accepts
// survives VerifySignature without panicking, and that Marshal writes it in
// a form that parses back to the same envelope and is a fixed point.
func FuzzParse(f *testing.F) {
	pki := newTestPKI(f)
	key, chain := pki.leaf(f, 2, "03390")
	payload, err := EncodeSubmission(sampleSubmission())
	if err != nil {
		f.Fatal(err)
	}
	e, err := Sign(SubmissionType, payload, key, chain)
	if err != nil {
		f.Fatal(err)
	}
	raw, err := e.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(bytes.Replace(raw, []byte(`"payloadType"`), []byte(`"PayloadType"`), 1))
	f.Add([]byte(wireEnvelope("t", "aGk=", "k", "AQI=", b64(chain[0].Raw))))
	f.Add([]byte(`{"payloadType":"t\u0000\n\"\u00e9","payload":"","signatures":[{"keyid":"","sig":"","certificates":["` +
		b64(chain[0].Raw) + `","` + b64(chain[1].Raw) + `"]}]}`))
	f.Add([]byte(wireEnvelope("t", "aGk=", "k", "AQI=")))
	f.Add([]byte(`{"payloadType":"t","payload":"","signatures":[]}`))
	f.Add([]byte(`{"payloadType":"t","payload":"","signatures":[{},{}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[{"a":[1,2,{"b":null}]}]`))
	f.Add([]byte(strings.Repeat("[", 100)))

	f.Fuzz(func(t *testing.T, raw []byte) {
		// The fast path takes nothing the strict reader refuses, and reads
		// the same.
		if fast, ok := parseFast(raw); ok {
			strict, err := parseStrict(raw)
			if err != nil || !sameEnvelope(fast, strict) {
				t.Fatalf("fast path took an envelope the strict reader reads otherwise: %v", err)
			}
		}
		e, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error wraps neither ErrMalformed nor ErrTooLarge: %v", err)
			}
			return
		}
		if err := e.VerifySignature(); err != nil && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("VerifySignature error does not wrap ErrBadSignature: %v", err)
		}
		m1, err := e.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed envelope: %v", err)
		}
		if len(m1) > len(raw) {
			t.Fatalf("canonical form (%d bytes) longer than input (%d bytes)", len(m1), len(raw))
		}
		e2, err := Parse(m1)
		if err != nil {
			t.Fatalf("Parse(Marshal(e)): %v\n%s", err, m1)
		}
		if e2.PayloadType != e.PayloadType || !bytes.Equal(e2.Payload, e.Payload) {
			t.Fatalf("payload changed in round trip")
		}
		s, s2 := e.Signatures[0], e2.Signatures[0]
		if s.KeyID != s2.KeyID || !bytes.Equal(s.Sig, s2.Sig) || len(s.Chain) != len(s2.Chain) {
			t.Fatalf("signature changed in round trip")
		}
		for i := range s.Chain {
			if !bytes.Equal(s.Chain[i].Raw, s2.Chain[i].Raw) {
				t.Fatalf("certificate %d changed in round trip", i)
			}
		}
		m2, err := e2.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m1, m2) {
			t.Fatalf("Marshal not a fixed point:\n%s\n%s", m1, m2)
		}
	})
}

// FuzzDecodeSubmission checks that DecodeSubmission never panics and that
// whatever it accepts re-encodes to exactly the input.
func FuzzDecodeSubmission(f *testing.F) {
	f.Add([]byte(sampleSubmissionJSON))
	if raw, err := EncodeSubmission(bigSubmission(20)); err == nil {
		f.Add(raw)
	}
	f.Add([]byte(`{"version":1,"unit":"u","data_set":"d","period":"p","revision":1,"catalog_version":"","catalog_digest":"",` +
		`"signed_at":"2021-01-02T03:04:05.000000000Z","values":[],"sections":[]}`))
	f.Add([]byte(`{"version":1,"unit":"u","data_set":"d","period":"p","revision":18446744073709551615,"catalog_version":"\u0000\"\\",` +
		`"catalog_digest":"` + "\u2028" + `","signed_at":"9999-12-31T23:59:59.999999999Z","values":[{"element":"e","option":"","count":9223372036854775807}],"sections":[{"code":"c","text":""}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"version":1,"values":[{"element":"a","option":"","count":-1}]}`))

	f.Add([]byte(`{"version":1,"unit":"u","data_set":"d","period":"p","revision":2,"catalog_version":"","catalog_digest":"",` +
		`"signed_at":"2021-01-02T03:04:05.000000000Z","values":[],"sections":[],"overrides":[{"rule":"r","reason":"x\ty"}],` +
		`"accepted":[{"unit":"c","revision":1,"digest":"sha256:aa"}]}`))

	f.Fuzz(func(t *testing.T, raw []byte) {
		// The fast path accepts nothing the strict one refuses, and reads
		// the same.
		fast, fastOK := decodeSubmissionFast(raw)
		strict, strictErr := decodeSubmissionStrict(raw)
		if fastOK && (strictErr != nil || !reflect.DeepEqual(fast, strict)) {
			t.Fatalf("fast path read %+v; strict: %+v, %v", fast, strict, strictErr)
		}
		s, err := DecodeSubmission(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := EncodeSubmission(s)
		if err != nil {
			t.Fatalf("EncodeSubmission of a decoded submission: %v", err)
		}
		if !bytes.Equal(again, raw) {
			t.Fatalf("re-encoding differs:\n%q\n%q", raw, again)
		}
	})
}

// FuzzDecodeReceipt is FuzzDecodeSubmission for receipts.
func FuzzDecodeReceipt(f *testing.F) {
	f.Add([]byte(sampleReceiptJSON))
	f.Add([]byte(strings.Replace(sampleReceiptJSON, "accepted", "duplicate", 1)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := DecodeReceipt(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := EncodeReceipt(r)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("re-encoding differs (%v):\n%q\n%q", err, raw, again)
		}
	})
}

// FuzzDecodeRevocation is FuzzDecodeSubmission for revocation notices.
func FuzzDecodeRevocation(f *testing.F) {
	f.Add([]byte(sampleRevocationJSON))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := DecodeRevocation(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := EncodeRevocation(r)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("re-encoding differs (%v):\n%q\n%q", err, raw, again)
		}
	})
}

// sameEnvelope reports whether two parsed envelopes say the same.
func sameEnvelope(a, b *Envelope) bool {
	if a.PayloadType != b.PayloadType || !bytes.Equal(a.Payload, b.Payload) || len(a.Signatures) != len(b.Signatures) {
		return false
	}
	for i, s := range a.Signatures {
		t := b.Signatures[i]
		if s.KeyID != t.KeyID || !bytes.Equal(s.Sig, t.Sig) || len(s.Chain) != len(t.Chain) {
			return false
		}
		for j := range s.Chain {
			if !bytes.Equal(s.Chain[j].Raw, t.Chain[j].Raw) {
				return false
			}
		}
	}
	return true
}

// FuzzDecodeCatalogVersion is FuzzDecodeSubmission for published catalogue
// versions.
func FuzzDecodeCatalogVersion(f *testing.F) {
	f.Add([]byte(`{"version":1,"unit":"62","catalog_version":"2021.3-kt62.1","digest":"` + strings.Repeat("ab", 32) + `","extends":"` + strings.Repeat("0c", 32) + `","source":"dmVyc2lvbjogeAo=","published_at":"2024-01-02T03:04:05.000000006Z"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := DecodeCatalogVersion(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := EncodeCatalogVersion(v)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("re-encoding differs (%v):\n%q\n%q", err, raw, again)
		}
	})
}
