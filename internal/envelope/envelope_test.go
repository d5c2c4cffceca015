package envelope

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPAE(t *testing.T) {
	for _, tc := range []struct {
		typ, body, want string
	}{
		// The DSSE specification's test vector.
		{"http://example.com/HelloWorld", "hello world", "DSSEv1 29 http://example.com/HelloWorld 11 hello world"},
		{"", "", "DSSEv1 0  0 "},
		// Lengths are in bytes, not characters.
		{"ư", "điểm", "DSSEv1 2 ư 7 điểm"},
		{"t", strings.Repeat("x", 1000), "DSSEv1 1 t 1000 " + strings.Repeat("x", 1000)},
	} {
		if got := string(PAE(tc.typ, []byte(tc.body))); got != tc.want {
			t.Errorf("PAE(%q, %.20q) = %.40q, want %.40q", tc.typ, tc.body, got, tc.want)
		}
	}
}

func TestMarshalWireForm(t *testing.T) {
	// Marshal does not parse certificates, so fake DER shows the layout.
	e := &Envelope{
		PayloadType: "t/<x>&\"y\"",
		Payload:     []byte("hi"),
		Signatures:  []Signature{{KeyID: "k", Sig: []byte{1, 2}, Chain: []*x509.Certificate{{Raw: []byte{1, 2, 3}}, {Raw: []byte{4}}}}},
	}
	got, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"payloadType":"t/<x>&\"y\"","payload":"aGk=","signatures":[{"keyid":"k","sig":"AQI=","certificates":["AQID","BA=="]}]}`
	if string(got) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", got, want)
	}
}

func TestSignRoundTrip(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	payload, err := EncodeSubmission(sampleSubmission())
	if err != nil {
		t.Fatal(err)
	}
	e, err := Sign(SubmissionType, payload, key, chain)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.VerifySignature(); err != nil {
		t.Fatalf("fresh envelope: %v", err)
	}
	raw, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) {
		t.Fatal("Marshal is not deterministic")
	}

	got, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.VerifySignature(); err != nil {
		t.Fatalf("parsed envelope: %v", err)
	}
	if got.PayloadType != SubmissionType || !bytes.Equal(got.Payload, payload) {
		t.Errorf("parsed %q %q, want %q %q", got.PayloadType, got.Payload, SubmissionType, payload)
	}
	if len(got.Signatures[0].Chain) != 2 || !got.Signer().Equal(chain[0]) || !got.Signatures[0].Chain[1].Equal(pki.ca) {
		t.Error("parsed chain differs from the signed one")
	}
	if want := fingerprint(chain[0]); got.Signatures[0].KeyID != want || len(want) != 64 {
		t.Errorf("keyid = %q, want %q", got.Signatures[0].KeyID, want)
	}
	reraw, err := got.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, reraw) {
		t.Errorf("Marshal(Parse(raw)) != raw:\n%s\n%s", reraw, raw)
	}
	s, err := DecodeSubmission(got.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if s.Unit != "03390" {
		t.Errorf("unit = %q", s.Unit)
	}
}

func TestSignCopiesInputs(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	payload := []byte(`{"a":1}`)
	e, err := Sign("t", payload, key, chain)
	if err != nil {
		t.Fatal(err)
	}
	payload[0] = 'X'
	chain[0] = pki.ca
	if err := e.VerifySignature(); err != nil {
		t.Fatalf("caller's later changes reached the envelope: %v", err)
	}
}

func TestSignRejects(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	otherKey, _ := pki.leaf(t, 3, "03391")
	for _, tc := range []struct {
		name     string
		typ      string
		key      []byte
		chain    []*x509.Certificate
		sentinel error
		contains string
	}{
		{"other key", "t", otherKey, chain, ErrKeyMismatch, "another key"},
		{"short key", "t", key[:10], chain, ErrKeyMismatch, "10 bytes"},
		{"CA certificate", "t", key, []*x509.Certificate{pki.ca}, ErrKeyMismatch, "another key"},
		{"ECDSA certificate", "t", key, []*x509.Certificate{pki.ecdsaLeaf(t)}, ErrKeyMismatch, "Ed25519"},
		{"no chain", "t", key, nil, ErrMalformed, "certificates"},
		{"nil certificate", "t", key, []*x509.Certificate{nil}, ErrMalformed, "certificates[0]"},
		{"long chain", "t", key, []*x509.Certificate{chain[0], pki.ca, pki.ca, pki.ca, pki.ca, pki.ca, pki.ca, pki.ca, pki.ca}, ErrMalformed, "9 certificates"},
		{"empty type", "", key, chain, ErrMalformed, "payloadType"},
		{"invalid UTF-8 type", "t\xff", key, chain, ErrMalformed, "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Sign(tc.typ, []byte("x"), tc.key, tc.chain)
			if e != nil {
				t.Error("envelope returned with error")
			}
			wantErr(t, err, tc.sentinel, tc.contains)
		})
	}
}

func TestVerifySignatureRejectsTampering(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	_, otherChain := pki.leaf(t, 3, "03391")
	signed := func(t *testing.T) *Envelope {
		e, err := Sign(SubmissionType, []byte(`{"version":1}`), key, chain)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, tc := range []struct {
		name     string
		tamper   func(*Envelope)
		contains string
	}{
		{"payload byte", func(e *Envelope) { e.Payload[3] ^= 1 }, "does not verify"},
		{"payload extended", func(e *Envelope) { e.Payload = append(e.Payload, ' ') }, "does not verify"},
		{"payload type", func(e *Envelope) { e.PayloadType = ReceiptType }, "does not verify"},
		{"signature byte", func(e *Envelope) { e.Signatures[0].Sig[10] ^= 0x80 }, "does not verify"},
		{"signature truncated", func(e *Envelope) { e.Signatures[0].Sig = e.Signatures[0].Sig[:63] }, "does not verify"},
		{"other leaf", func(e *Envelope) { e.Signatures[0].Chain[0] = otherChain[0] }, "keyid"},
		{"other leaf and its keyid", func(e *Envelope) {
			e.Signatures[0].Chain[0] = otherChain[0]
			e.Signatures[0].KeyID = fingerprint(otherChain[0])
		}, "does not verify"},
		{"keyid", func(e *Envelope) { e.Signatures[0].KeyID = strings.ToUpper(e.Signatures[0].KeyID) }, "keyid"},
		{"ECDSA leaf", func(e *Envelope) { e.Signatures[0].Chain[0] = pki.ecdsaLeaf(t) }, "Ed25519"},
		{"no chain", func(e *Envelope) { e.Signatures[0].Chain = nil }, "no signer"},
		{"no signatures", func(e *Envelope) { e.Signatures = nil }, "0 signatures"},
		{"two signatures", func(e *Envelope) { e.Signatures = append(e.Signatures, e.Signatures[0]) }, "2 signatures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := signed(t)
			tc.tamper(e)
			wantErr(t, e.VerifySignature(), ErrBadSignature, tc.contains)
		})
	}
}

// TestParseThenVerifyRejectsWireTampering changes the wire bytes, not the
// struct, as a relay on the path would.
func TestParseThenVerifyRejectsWireTampering(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	payload := []byte(`{"version":1,"count":5}`)
	e, err := Sign(SubmissionType, payload, key, chain)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Replace(raw, []byte(b64(payload)), []byte(b64([]byte(`{"version":1,"count":6}`))), 1)
	if bytes.Equal(forged, raw) {
		t.Fatal("test did not change the payload")
	}
	got, err := Parse(forged)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, got.VerifySignature(), ErrBadSignature, "does not verify")
}

func TestParseRejects(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	e, err := Sign("t", []byte("hello"), key, chain)
	if err != nil {
		t.Fatal(err)
	}
	p, sig, id := b64(e.Payload), b64(e.Signatures[0].Sig), e.Signatures[0].KeyID
	leaf, ca := b64(chain[0].Raw), b64(chain[1].Raw)
	valid := wireEnvelope("t", p, id, sig, leaf, ca)
	if _, err := Parse([]byte(valid)); err != nil {
		t.Fatalf("hand-written valid envelope: %v", err)
	}
	sigObj := `{"keyid":"` + id + `","sig":"` + sig + `","certificates":["` + leaf + `"]}`

	for _, tc := range []struct {
		name     string
		raw      string
		sentinel error
		contains string
	}{
		{"too large", valid + strings.Repeat(" ", MaxBytes), ErrTooLarge, "limit"},
		{"empty", "", ErrMalformed, "end of input"},
		{"not JSON", "hello", ErrMalformed, "invalid character"},
		{"array", "[]", ErrMalformed, "want an object"},
		{"invalid UTF-8", strings.Replace(valid, `"t"`, "\"t\xff\"", 1), ErrMalformed, "UTF-8"},
		{"unknown top-level member", strings.Replace(valid, `{"payloadType"`, `{"extra":1,"payloadType"`, 1), ErrMalformed, `unknown member "extra"`},
		{"unknown signature member", strings.Replace(valid, `{"keyid"`, `{"pub":"x","keyid"`, 1), ErrMalformed, `signatures[0]: unknown member "pub"`},
		{"differently cased member", strings.Replace(valid, `"payloadType"`, `"PayloadType"`, 1), ErrMalformed, `"PayloadType"`},
		{"duplicate member", strings.Replace(valid, `{"payloadType":"t"`, `{"payloadType":"t","payloadType":"t"`, 1), ErrMalformed, `duplicate member "payloadType"`},
		{"missing payload", `{"payloadType":"t","signatures":[` + sigObj + `]}`, ErrMalformed, `missing member "payload"`},
		{"missing keyid", strings.Replace(valid, `"keyid":"`+id+`",`, "", 1), ErrMalformed, `missing member "keyid"`},
		{"empty payload type", wireEnvelope("", p, id, sig, leaf), ErrMalformed, "payloadType: empty"},
		{"payload type not a string", strings.Replace(valid, `"payloadType":"t"`, `"payloadType":["t"]`, 1), ErrMalformed, "payloadType: got an array, want a string"},
		{"trailing data", valid + `{}`, ErrMalformed, "after envelope"},
		{"no signatures", `{"payloadType":"t","payload":"` + p + `","signatures":[]}`, ErrMalformed, "0 signatures"},
		{"null signatures", `{"payloadType":"t","payload":"` + p + `","signatures":null}`, ErrMalformed, "signatures: got null"},
		{"two signatures", `{"payloadType":"t","payload":"` + p + `","signatures":[` + sigObj + `,` + sigObj + `]}`, ErrMalformed, "more than one signature"},
		{"no certificate", wireEnvelope("t", p, id, sig), ErrMalformed, "certificates: empty"},
		{"nine certificates", wireEnvelope("t", p, id, sig, leaf, ca, ca, ca, ca, ca, ca, ca, ca), ErrMalformed, "more than 8"},
		{"bad base64 payload", wireEnvelope("t", "aGVsbG8*", id, sig, leaf), ErrMalformed, "payload: illegal base64"},
		{"unpadded base64", wireEnvelope("t", strings.TrimRight(p, "="), id, sig, leaf), ErrMalformed, "payload"},
		{"base64 with line break", wireEnvelope("t", p[:4]+"\n"+p[4:], id, sig, leaf), ErrMalformed, "line break"},
		{"base64 with non-zero padding bits", wireEnvelope("t", "aGVsbG9=", id, sig, leaf), ErrMalformed, "payload"},
		{"bad base64 signature", wireEnvelope("t", p, id, "%%%", leaf), ErrMalformed, "signatures[0].sig"},
		{"bad certificate DER", wireEnvelope("t", p, id, sig, leaf, b64([]byte{0x30, 0x03, 1, 2, 3})), ErrMalformed, "certificates[1]: x509"},
		{"certificate with trailing bytes", wireEnvelope("t", p, id, sig, b64(append(bytes.Clone(chain[0].Raw), 0))), ErrMalformed, "certificates[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse([]byte(tc.raw))
			if e != nil {
				t.Error("envelope returned with error")
			}
			wantErr(t, err, tc.sentinel, tc.contains)
			if tc.sentinel == ErrTooLarge && errors.Is(err, ErrMalformed) {
				t.Error("too large also reported as malformed")
			}
		})
	}
}

// TestParseAcceptsOtherLayouts checks that Parse is strict about content,
// not layout: another DSSE implementation may order members differently or
// indent, and the digest is taken over the bytes as received anyway.
func TestParseAcceptsOtherLayouts(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	e, err := Sign("t", []byte("hello"), key, chain)
	if err != nil {
		t.Fatal(err)
	}
	raw := "{\n  \"signatures\": [ {\"certificates\": [\"" + b64(chain[0].Raw) + "\"], \"sig\": \"" + b64(e.Signatures[0].Sig) +
		"\", \"keyid\": \"" + e.Signatures[0].KeyID + "\"} ],\n  \"payload\": \"aGVsbG8=\",\n  \"payloadType\": \"\\u0074\"\n}\n"
	got, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := got.VerifySignature(); err != nil {
		t.Fatal(err)
	}
}

func TestMarshalRejects(t *testing.T) {
	cert := &x509.Certificate{Raw: []byte{1}}
	sig := Signature{KeyID: "k", Sig: []byte{1}, Chain: []*x509.Certificate{cert}}
	for _, tc := range []struct {
		name     string
		e        Envelope
		sentinel error
		contains string
	}{
		{"no type", Envelope{Signatures: []Signature{sig}}, ErrMalformed, "payloadType"},
		{"no signatures", Envelope{PayloadType: "t"}, ErrMalformed, "0 signatures"},
		{"no chain", Envelope{PayloadType: "t", Signatures: []Signature{{KeyID: "k"}}}, ErrMalformed, "certificates"},
		{"invalid keyid", Envelope{PayloadType: "t", Signatures: []Signature{{KeyID: "\xff", Chain: sig.Chain}}}, ErrMalformed, "keyid"},
		{"too large", Envelope{PayloadType: "t", Payload: make([]byte, MaxBytes), Signatures: []Signature{sig}}, ErrTooLarge, "limit"},
		{"just too large", Envelope{PayloadType: "t", Payload: make([]byte, MaxBytes*3/4-20), Signatures: []Signature{sig}}, ErrTooLarge, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.e.Marshal()
			wantErr(t, err, tc.sentinel, tc.contains)
		})
	}
}

func TestDigest(t *testing.T) {
	// SHA-256 of "abc", FIPS 180-2 appendix B.1.
	const want = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := Digest([]byte("abc")); got != want {
		t.Errorf("Digest = %s, want %s", got, want)
	}
}

func TestSignerEmpty(t *testing.T) {
	if c := (&Envelope{}).Signer(); c != nil {
		t.Errorf("Signer of empty envelope = %v", c)
	}
}

// TestParseFastReadsWhatStrictReads: a signed envelope goes through the
// fast path (it is not dead code) and reads as the strict reader reads it;
// forms Marshal does not write (white space, another member order, a line
// break in base64, no certificate, an escape Marshal does not use) are left
// to the strict reader.
func TestParseFastReadsWhatStrictReads(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	payload, err := EncodeSubmission(sampleSubmission())
	if err != nil {
		t.Fatal(err)
	}
	e, err := Sign(SubmissionType, payload, key, chain)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	fast, ok := parseFast(raw)
	strict, err := parseStrict(raw)
	if !ok || err != nil || !sameEnvelope(fast, strict) {
		t.Fatalf("fast %v, strict %v", ok, err)
	}
	if err := fast.VerifySignature(); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"space": bytes.Replace(raw, []byte(`"payloadType":`), []byte(`"payloadType": `), 1),
		"member order": []byte(fmt.Sprintf(`{"payload":%q,"payloadType":%q,"signatures":[{"keyid":%q,"sig":%q,"certificates":[%q]}]}`,
			b64(e.Payload), e.PayloadType, e.Signatures[0].KeyID, b64(e.Signatures[0].Sig), b64(chain[0].Raw))),
		"line break":      bytes.Replace(raw, []byte(`","signatures"`), []byte(`\n","signatures"`), 1),
		"no certificates": bytes.Replace(raw, []byte(`"certificates":["`+b64(chain[0].Raw)+`","`+b64(chain[1].Raw)+`"]`), []byte(`"certificates":[]`), 1),
		"escaped solidus": bytes.Replace(raw, []byte(`"payloadType":"application/`), []byte(`"payloadType":"application\/`), 1),
	} {
		if bytes.Equal(bad, raw) {
			t.Fatalf("%s: test is broken", name)
		}
		if _, ok := parseFast(bad); ok {
			t.Errorf("%s: fast path took it", name)
		}
	}
}
