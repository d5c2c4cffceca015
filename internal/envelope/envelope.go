// Package envelope owns the signed documents that nodes exchange: DSSE
// envelopes (the in-toto/sigstore "Dead Simple Signing Envelope") and the
// payloads they carry — submissions, receipts and revocation notices.
//
// An envelope is checked here only for its shape and for its signature
// against the first certificate of the chain it carries. Whether that
// certificate may speak for the unit named in the payload is a question of
// the chain of trust, answered by package trust.
//
// Payloads have exactly one encoding each: Encode functions write canonical
// JSON and Decode functions accept nothing else, so the same document always
// has the same bytes, the same signature input and the same digest.
package envelope

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxBytes is the largest envelope accepted, in wire bytes. A yearly
// submission of a few hundred values is a few tens of KiB; the limit bounds
// what an unauthenticated peer can make a node buffer and parse.
const MaxBytes = 4 << 20

// maxChain bounds the certificates carried with a signature: the hierarchy
// is at most a handful of levels deep, and each certificate costs a parse.
const maxChain = 8

var (
	// ErrMalformed reports bytes or a value that is not a well-formed
	// envelope, submission, receipt or revocation. The wrapping error says
	// which field is wrong and why.
	ErrMalformed = errors.New("envelope: malformed")
	// ErrTooLarge reports an envelope larger than MaxBytes.
	ErrTooLarge = errors.New("envelope: too large")
	// ErrBadSignature reports an envelope whose signature does not verify
	// with the key of the certificate it names.
	ErrBadSignature = errors.New("envelope: bad signature")
	// ErrKeyMismatch reports a signing key that is not the key certified by
	// the first certificate of the chain given to Sign.
	ErrKeyMismatch = errors.New("envelope: signing key does not match certificate")
)

// Envelope is a DSSE envelope: a payload of a declared type and the
// signatures over its pre-authentication encoding (see PAE).
//
// On the wire it is JSON with the DSSE field names:
//
//	{"payloadType":"…","payload":"<std base64>","signatures":[{"keyid":"<hex sha256 of leaf cert DER>","sig":"<std base64>","certificates":["<std base64 DER leaf>","<…issuer>",…]}]}
//
// The "certificates" member carries the signer's chain, leaf first, so any
// node can verify the envelope offline against its root; standard DSSE
// verifiers ignore the unknown member.
type Envelope struct {
	PayloadType string
	Payload     []byte
	Signatures  []Signature
}

// Signature is one DSSE signature with the signer's certificate chain.
type Signature struct {
	// KeyID is the lowercase hex SHA-256 of Chain[0]'s DER encoding.
	KeyID string
	// Sig is the Ed25519 signature over PAE(PayloadType, Payload).
	Sig []byte
	// Chain is the signer's certificate followed by its issuers.
	Chain []*x509.Certificate
}

// PAE returns the DSSE pre-authentication encoding of a payload, the bytes
// that are actually signed:
//
//	"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//
// where LEN is the byte length in ASCII decimal. Binding the type into the
// signed bytes stops a signature over one kind of document being replayed
// as another.
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, len("DSSEv1 ")+2*20+2+len(payloadType)+len(payload))
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, ' ')
	return append(b, payload...)
}

// Sign returns an envelope carrying payload, signed with the Ed25519 key
// and carrying chain (leaf first). chain[0] must certify key's public key,
// or Sign fails with ErrKeyMismatch: an envelope whose certificate does not
// match its signature would be rejected by every receiver. Sign copies
// payload and chain.
func Sign(payloadType string, payload []byte, key ed25519.PrivateKey, chain []*x509.Certificate) (*Envelope, error) {
	if err := checkPayloadType(payloadType); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if err := checkChain(chain); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: private key is %d bytes, want %d", ErrKeyMismatch, len(key), ed25519.PrivateKeySize)
	}
	pub, ok := chain[0].PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: certificate key is %T, want Ed25519", ErrKeyMismatch, chain[0].PublicKey)
	}
	if !pub.Equal(key.Public()) {
		return nil, fmt.Errorf("%w: certificate %q certifies another key", ErrKeyMismatch, chain[0].Subject.CommonName)
	}
	return &Envelope{
		PayloadType: payloadType,
		Payload:     bytes.Clone(payload),
		Signatures: []Signature{{
			KeyID: fingerprint(chain[0]),
			Sig:   ed25519.Sign(key, PAE(payloadType, payload)),
			Chain: slices.Clone(chain),
		}},
	}, nil
}

// Seal signs payload as [Sign] does and returns the envelope's wire form,
// which is what is stored and sent.
func Seal(payloadType string, payload []byte, key ed25519.PrivateKey, chain []*x509.Certificate) ([]byte, error) {
	env, err := Sign(payloadType, payload, key, chain)
	if err != nil {
		return nil, err
	}
	return env.Marshal()
}

// ReadSubmission parses an envelope and decodes the submission it carries,
// without verifying it: for envelopes a node verified before it stored
// them.
func ReadSubmission(raw []byte) (Submission, error) {
	env, err := Parse(raw)
	if err != nil {
		return Submission{}, err
	}
	return DecodeSubmission(env.Payload)
}

// Marshal returns the wire form of e. The same envelope always gives the
// same bytes (fixed member order, no insignificant whitespace, minimal
// string escapes), and Parse accepts whatever Marshal returns. It fails if e
// has a shape Parse would reject, and with ErrTooLarge above MaxBytes.
func (e *Envelope) Marshal() ([]byte, error) {
	if err := checkPayloadType(e.PayloadType); err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	if len(e.Signatures) != 1 {
		return nil, fmt.Errorf("%w: marshal: %d signatures, want exactly 1", ErrMalformed, len(e.Signatures))
	}
	s := e.Signatures[0]
	if !utf8.ValidString(s.KeyID) {
		return nil, fmt.Errorf("%w: marshal: keyid is not valid UTF-8", ErrMalformed)
	}
	if err := checkChain(s.Chain); err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}

	enc := base64.StdEncoding
	size := 96 + 2*len(e.PayloadType) + enc.EncodedLen(len(e.Payload)) + 2*len(s.KeyID) + enc.EncodedLen(len(s.Sig))
	for _, c := range s.Chain {
		size += enc.EncodedLen(len(c.Raw)) + 3
	}
	if size > 2*MaxBytes { // surely too large: do not allocate for it
		return nil, fmt.Errorf("%w: marshal: about %d bytes, limit %d", ErrTooLarge, size, MaxBytes)
	}
	b := make([]byte, 0, size)
	b = append(b, `{"payloadType":`...)
	b = appendString(b, e.PayloadType)
	b = append(b, `,"payload":"`...)
	b = enc.AppendEncode(b, e.Payload)
	b = append(b, `","signatures":[{"keyid":`...)
	b = appendString(b, s.KeyID)
	b = append(b, `,"sig":"`...)
	b = enc.AppendEncode(b, s.Sig)
	b = append(b, `","certificates":[`...)
	for i, c := range s.Chain {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = enc.AppendEncode(b, c.Raw)
		b = append(b, '"')
	}
	b = append(b, "]}]}"...)
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("%w: marshal: %d bytes, limit %d", ErrTooLarge, len(b), MaxBytes)
	}
	return b, nil
}

// Parse decodes an envelope from its wire form, strictly: at most MaxBytes
// (else ErrTooLarge), valid UTF-8 JSON holding one object with exactly the
// DSSE members (no unknown, duplicate or differently cased names, nothing
// after it), a non-empty payloadType, canonical padded standard base64,
// exactly one signature (version 1 of the protocol) and 1 to 8 certificates
// that each parse as X.509. Other errors wrap ErrMalformed and say what is
// wrong. Parse does not verify the signature; see VerifySignature.
//
// Strictness matters because every node on the path parses the same bytes:
// input that one parser reads differently from another is a way to show a
// verifier one document and a store another.
func Parse(raw []byte) (*Envelope, error) {
	if len(raw) > MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(raw), MaxBytes)
	}
	if !utf8.Valid(raw) {
		// encoding/json would silently replace invalid bytes with U+FFFD.
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrMalformed)
	}
	if e, ok := parseFast(raw); ok {
		return e, nil
	}
	return parseStrict(raw)
}

// parseStrict is Parse through encoding/json's tokenizer, which names what
// is wrong with an envelope not in the form Marshal writes.
func parseStrict(raw []byte) (*Envelope, error) {
	r := &tokenReader{dec: json.NewDecoder(bytes.NewReader(raw))}
	var e Envelope
	err := r.object("envelope", []string{"payloadType", "payload", "signatures"}, func(key string) error {
		switch key {
		case "payloadType":
			s, err := r.str(key)
			e.PayloadType = s
			return err
		case "payload":
			b, err := r.base64(key)
			e.Payload = b
			return err
		case "signatures":
			return r.array(key, func(i int) error {
				if i > 0 {
					return fmt.Errorf("%w: signatures: more than one signature (protocol version 1 allows exactly one)", ErrMalformed)
				}
				s, err := r.signature(fmt.Sprintf("signatures[%d]", i))
				e.Signatures = append(e.Signatures, s)
				return err
			})
		default:
			return fmt.Errorf("%w: unknown member %q", ErrMalformed, key)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	if e.PayloadType == "" {
		return nil, fmt.Errorf("%w: payloadType: empty", ErrMalformed)
	}
	if len(e.Signatures) != 1 {
		return nil, fmt.Errorf("%w: signatures: %d signatures, want exactly 1", ErrMalformed, len(e.Signatures))
	}
	return &e, nil
}

// VerifySignature checks that the single signature verifies over
// PAE(PayloadType, Payload) with the Ed25519 public key of Chain[0], and that
// KeyID is that certificate's fingerprint. It says nothing about whether
// the certificate is trusted. Errors wrap ErrBadSignature.
func (e *Envelope) VerifySignature() error {
	if len(e.Signatures) != 1 {
		return fmt.Errorf("%w: %d signatures, want exactly 1", ErrBadSignature, len(e.Signatures))
	}
	s := e.Signatures[0]
	leaf := e.Signer()
	if leaf == nil {
		return fmt.Errorf("%w: no signer certificate", ErrBadSignature)
	}
	pub, ok := leaf.PublicKey.(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize { // ed25519.Verify panics on a short key
		return fmt.Errorf("%w: signer key is %T, want Ed25519", ErrBadSignature, leaf.PublicKey)
	}
	// The key ID is checked, not just trusted, so that an index built on
	// key IDs can never point at a certificate other than the signer's.
	if fp := fingerprint(leaf); s.KeyID != fp {
		return fmt.Errorf("%w: keyid %q is not the signer certificate's fingerprint %s", ErrBadSignature, s.KeyID, fp)
	}
	if !ed25519.Verify(pub, PAE(e.PayloadType, e.Payload), s.Sig) {
		return fmt.Errorf("%w: signature does not verify with key of %q", ErrBadSignature, leaf.Subject.CommonName)
	}
	return nil
}

// Signer returns the signer's certificate, the first of the chain carried
// with the signature, or nil if there is none.
func (e *Envelope) Signer() *x509.Certificate {
	if len(e.Signatures) == 0 || len(e.Signatures[0].Chain) == 0 {
		return nil
	}
	return e.Signatures[0].Chain[0]
}

// Digest returns the content address of an envelope: "sha256:" followed by
// the lowercase hex SHA-256 of its wire bytes. It is taken over the bytes as
// received, not a re-encoding, so that every node names an envelope alike
// and resending it is recognised as a duplicate.
func Digest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// fingerprint returns the lowercase hex SHA-256 of a certificate's DER.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

func checkPayloadType(t string) error {
	if t == "" {
		return fmt.Errorf("%w: payloadType: empty", ErrMalformed)
	}
	if !utf8.ValidString(t) {
		// JSON cannot carry it unchanged, so the signed type and the
		// transmitted one would differ.
		return fmt.Errorf("%w: payloadType: not valid UTF-8", ErrMalformed)
	}
	return nil
}

func checkChain(chain []*x509.Certificate) error {
	if len(chain) == 0 || len(chain) > maxChain {
		return fmt.Errorf("%w: certificates: %d certificates, want 1 to %d", ErrMalformed, len(chain), maxChain)
	}
	for i, c := range chain {
		if c == nil || len(c.Raw) == 0 {
			return fmt.Errorf("%w: certificates[%d]: missing DER", ErrMalformed, i)
		}
	}
	return nil
}

// tokenReader walks an envelope token by token. The decoder's struct mode
// is not used because it matches names case-insensitively and lets a
// duplicate member silently override the first.
type tokenReader struct {
	dec *json.Decoder
}

func (r *tokenReader) token(path string) (json.Token, error) {
	tok, err := r.dec.Token()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: %s: unexpected end of input", ErrMalformed, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, path, err)
	}
	return tok, nil
}

// object reads an object, calling member for each name so that it reads the
// value. Names must be unique, and each of required must be present.
func (r *tokenReader) object(path string, required []string, member func(key string) error) error {
	if err := r.delim(path, '{', "an object"); err != nil {
		return err
	}
	var keys []string
	for r.dec.More() {
		tok, err := r.token(path)
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok { // the decoder's own grammar check should make this unreachable
			return fmt.Errorf("%w: %s: member name is %s", ErrMalformed, path, describe(tok))
		}
		if slices.Contains(keys, key) {
			return fmt.Errorf("%w: %s: duplicate member %q", ErrMalformed, path, key)
		}
		keys = append(keys, key)
		if err := member(key); err != nil {
			return err
		}
	}
	if err := r.delim(path, '}', "end of object"); err != nil {
		return err
	}
	for _, k := range required {
		if !slices.Contains(keys, k) {
			return fmt.Errorf("%w: %s: missing member %q", ErrMalformed, path, k)
		}
	}
	return nil
}

// array reads an array, calling elem for each element so that it reads it.
func (r *tokenReader) array(path string, elem func(i int) error) error {
	if err := r.delim(path, '[', "an array"); err != nil {
		return err
	}
	for i := 0; r.dec.More(); i++ {
		if err := elem(i); err != nil {
			return err
		}
	}
	return r.delim(path, ']', "end of array")
}

func (r *tokenReader) delim(path string, want json.Delim, what string) error {
	tok, err := r.token(path)
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: %s: got %s, want %s", ErrMalformed, path, describe(tok), what)
	}
	return nil
}

func (r *tokenReader) str(path string) (string, error) {
	tok, err := r.token(path)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s: got %s, want a string", ErrMalformed, path, describe(tok))
	}
	return s, nil
}

// base64 reads a string of canonical padded standard base64. The decoder
// would also skip line breaks and accept non-zero padding bits; both give
// the same bytes several spellings, so both are refused.
func (r *tokenReader) base64(path string) ([]byte, error) {
	s, err := r.str(path)
	if err != nil {
		return nil, err
	}
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return nil, fmt.Errorf("%w: %s: line break in base64 at byte %d", ErrMalformed, path, i)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, path, err)
	}
	return b, nil
}

func (r *tokenReader) signature(path string) (Signature, error) {
	var s Signature
	err := r.object(path, []string{"keyid", "sig", "certificates"}, func(key string) error {
		switch key {
		case "keyid":
			id, err := r.str(path + ".keyid")
			s.KeyID = id
			return err
		case "sig":
			b, err := r.base64(path + ".sig")
			s.Sig = b
			return err
		case "certificates":
			return r.array(path+".certificates", func(i int) error {
				p := fmt.Sprintf("%s.certificates[%d]", path, i)
				if i >= maxChain {
					return fmt.Errorf("%w: %s: more than %d certificates", ErrMalformed, p, maxChain)
				}
				der, err := r.base64(p)
				if err != nil {
					return err
				}
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return fmt.Errorf("%w: %s: %w", ErrMalformed, p, err)
				}
				s.Chain = append(s.Chain, c)
				return nil
			})
		default:
			return fmt.Errorf("%w: %s: unknown member %q", ErrMalformed, path, key)
		}
	})
	if err != nil {
		return s, err
	}
	if len(s.Chain) == 0 {
		return s, fmt.Errorf("%w: %s.certificates: empty, want the signer's certificate", ErrMalformed, path)
	}
	return s, nil
}

// end checks that nothing but white space follows the envelope.
func (r *tokenReader) end() error {
	tok, err := r.dec.Token()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: after envelope: %w", ErrMalformed, err)
	}
	return fmt.Errorf("%w: after envelope: unexpected %s", ErrMalformed, describe(tok))
}

func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return "'" + t.String() + "'"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}
