// Cross-checks against go-securesystemslib's DSSE implementation: our
// envelopes verify with an independent verifier, and theirs with ours.

package envelope

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// leafVerifier is a dsse.Verifier for the key of a leaf certificate,
// written independently of the package under test.
type leafVerifier struct {
	keyID string
	pub   ed25519.PublicKey
}

func (v leafVerifier) KeyID() (string, error)   { return v.keyID, nil }
func (v leafVerifier) Public() crypto.PublicKey { return v.pub }
func (v leafVerifier) Verify(_ context.Context, data, sig []byte) error {
	if !ed25519.Verify(v.pub, data, sig) {
		return errors.New("ed25519: invalid signature")
	}
	return nil
}

// leafSigner is a dsse.Signer with a leaf key.
type leafSigner struct {
	leafVerifier
	key ed25519.PrivateKey
}

func (s leafSigner) Sign(_ context.Context, data []byte) ([]byte, error) {
	return ed25519.Sign(s.key, data), nil
}

func TestPAEMatchesDSSELibrary(t *testing.T) {
	for _, tc := range []struct{ typ, body string }{
		{"http://example.com/HelloWorld", "hello world"},
		{"", ""},
		{SubmissionType, sampleSubmissionJSON},
	} {
		if got, want := PAE(tc.typ, []byte(tc.body)), dsse.PAE(tc.typ, []byte(tc.body)); string(got) != string(want) {
			t.Errorf("PAE(%q) = %q, library says %q", tc.typ, got, want)
		}
	}
}

func TestOurEnvelopeVerifiesWithDSSELibrary(t *testing.T) {
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
	// The hash of the DER, computed here rather than by the package.
	keyID := Digest(chain[0].Raw)[len("sha256:"):]
	v, err := dsse.NewEnvelopeVerifier(leafVerifier{keyID: keyID, pub: chain[0].PublicKey.(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}

	var lib dsse.Envelope // ignores the certificates member, as DSSE allows
	if err := json.Unmarshal(raw, &lib); err != nil {
		t.Fatal(err)
	}
	accepted, err := v.Verify(t.Context(), &lib)
	if err != nil {
		t.Fatalf("library rejects our envelope: %v", err)
	}
	if len(accepted) != 1 || accepted[0].KeyID != keyID {
		t.Errorf("accepted %+v, want one key %s", accepted, keyID)
	}

	// The library must notice a change, or the check above proves nothing.
	lib.PayloadType = ReceiptType
	if _, err := v.Verify(t.Context(), &lib); err == nil {
		t.Error("library accepts an envelope with a changed payload type")
	}
}

func TestDSSELibraryEnvelopeVerifiesWithOurs(t *testing.T) {
	pki := newTestPKI(t)
	key, chain := pki.leaf(t, 2, "03390")
	payload, err := EncodeSubmission(sampleSubmission())
	if err != nil {
		t.Fatal(err)
	}
	keyID := Digest(chain[0].Raw)[len("sha256:"):]
	signer, err := dsse.NewEnvelopeSigner(leafSigner{leafVerifier{keyID: keyID, pub: key.Public().(ed25519.PublicKey)}, key})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := signer.SignPayload(t.Context(), SubmissionType, payload)
	if err != nil {
		t.Fatal(err)
	}

	// Add the certificates member the library knows nothing about. The
	// indentation and member order are the library's own, not ours.
	type sigWithChain struct {
		dsse.Signature
		Certificates [][]byte `json:"certificates"` // encoding/json writes std base64
	}
	wire := struct {
		PayloadType string         `json:"payloadType"`
		Payload     string         `json:"payload"`
		Signatures  []sigWithChain `json:"signatures"`
	}{lib.PayloadType, lib.Payload, []sigWithChain{{lib.Signatures[0], [][]byte{chain[0].Raw, chain[1].Raw}}}}
	raw, err := json.MarshalIndent(wire, "", "  ")
	if err != nil {
		t.Fatal(err)
	}

	e, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse of library envelope: %v\n%s", err, raw)
	}
	if err := e.VerifySignature(); err != nil {
		t.Fatalf("library envelope does not verify: %v", err)
	}
	if string(e.Payload) != string(payload) {
		t.Error("payload differs")
	}

	e.Payload[0] = '['
	if err := e.VerifySignature(); !errors.Is(err, ErrBadSignature) {
		t.Errorf("changed library envelope: %v, want ErrBadSignature", err)
	}
}
