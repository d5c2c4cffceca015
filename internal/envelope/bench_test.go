package envelope

import "testing"

// submissionOfAbout returns a canonical submission payload of at least n
// bytes.
func submissionOfAbout(b *testing.B, n int) []byte {
	b.Helper()
	for values := 1; ; values++ {
		raw, err := EncodeSubmission(bigSubmission(values))
		if err != nil {
			b.Fatal(err)
		}
		if len(raw) >= n {
			return raw
		}
	}
}

func BenchmarkSign(b *testing.B) {
	pki := newTestPKI(b)
	key, chain := pki.leaf(b, 2, "03390")
	payload := submissionOfAbout(b, 4<<10)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := Sign(SubmissionType, payload, key, chain); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	pki := newTestPKI(b)
	key, chain := pki.leaf(b, 2, "03390")
	e, err := Sign(SubmissionType, submissionOfAbout(b, 4<<10), key, chain)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(e.Payload)))
	for b.Loop() {
		if err := e.VerifySignature(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseVerify is what a parent does with each envelope received.
func BenchmarkParseVerify(b *testing.B) {
	pki := newTestPKI(b)
	key, chain := pki.leaf(b, 2, "03390")
	e, err := Sign(SubmissionType, submissionOfAbout(b, 4<<10), key, chain)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := e.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		got, err := Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := got.VerifySignature(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSubmission(b *testing.B) {
	s := bigSubmission(300)
	for b.Loop() {
		if _, err := EncodeSubmission(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSubmission(b *testing.B) {
	raw, err := EncodeSubmission(bigSubmission(300))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := DecodeSubmission(raw); err != nil {
			b.Fatal(err)
		}
	}
}
