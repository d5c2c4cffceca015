package submission

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/trust"
)

// Opening says how to open one kind of envelope; [Open] does it, the same
// steps for every kind.
type Opening[T any] struct {
	// Decode reads the payload of the envelope's type, and refuses a type
	// it does not take.
	Decode func(payloadType string, payload []byte) (T, error)
	// At is the moment the signer's chain is judged at, given the payload:
	// a report as of when it was signed, a receipt as of now. An error
	// refuses the envelope as it is.
	At func(T) (time.Time, error)
	// Verify verifies the signer's chain (leaf first) as of at and returns
	// the signer's unit path; trust.Verify with roots and revocations.
	Verify func(chain []*x509.Certificate, at time.Time) ([]string, error)
}

// Opened is an envelope whose signature and signer's chain verified, with
// its payload decoded.
type Opened[T any] struct {
	Payload     T
	PayloadType string
	// Chain is the signer's chain as the envelope carries it, leaf first.
	Chain []*x509.Certificate
	// SignerPath is the signer's unit path, root first.
	SignerPath        []string
	SignerFingerprint string
	Digest            string
	// At is the moment the chain was judged at.
	At time.Time
}

// Open reads an envelope the one way every kind of envelope is read: parse
// it, verify its signature, decode its payload, and verify the signer's
// chain as of the moment the payload gives. The order is fixed so that no
// payload is trusted before its signature verifies, and no chain is judged
// before the time it is judged at is known. Errors wrap ErrMalformed
// (parse, decode), ErrUnauthentic (signature, chain) or ErrNotAllowed (a
// revoked certificate in the chain); an error of At is returned as it is.
// [Cause] gives the error without the step's sentinel.
func Open[T any](raw []byte, o Opening[T]) (Opened[T], error) {
	env, err := envelope.Parse(raw)
	if err != nil {
		return Opened[T]{}, &openError{ErrMalformed, err}
	}
	if err := env.VerifySignature(); err != nil {
		return Opened[T]{}, &openError{ErrUnauthentic, err}
	}
	payload, err := o.Decode(env.PayloadType, env.Payload)
	if err != nil {
		return Opened[T]{}, &openError{ErrMalformed, err}
	}
	at, err := o.At(payload)
	if err != nil {
		return Opened[T]{}, err
	}
	chain := env.Signatures[0].Chain
	path, err := o.Verify(chain, at)
	switch {
	case errors.Is(err, trust.ErrRevoked):
		return Opened[T]{}, &openError{ErrNotAllowed, err}
	case err != nil:
		return Opened[T]{}, &openError{ErrUnauthentic, err}
	}
	return Opened[T]{
		Payload: payload, PayloadType: env.PayloadType, Chain: chain,
		SignerPath: path, SignerFingerprint: trust.Fingerprint(chain[0]), Digest: envelope.Digest(raw), At: at,
	}, nil
}

// Cause is an error of [Open] without the sentinel of the step that failed,
// for callers that name the failure with a sentinel of their own.
func Cause(err error) error {
	if e, ok := errors.AsType[*openError](err); ok {
		return e.err
	}
	return err
}

// openError is a step's sentinel and the error that made the step fail,
// read as "sentinel: cause" and matching both.
type openError struct{ step, err error }

func (e *openError) Error() string   { return e.step.Error() + ": " + e.err.Error() }
func (e *openError) Unwrap() []error { return []error{e.step, e.err} }

// only decodes payloads of one type with decode, and refuses any other.
func only[T any](payloadType string, decode func([]byte) (T, error)) func(string, []byte) (T, error) {
	return func(t string, payload []byte) (T, error) {
		if t != payloadType {
			var zero T
			return zero, fmt.Errorf("payload type %q is not %q", t, payloadType)
		}
		return decode(payload)
	}
}

// fixed judges every envelope at one moment.
func fixed[T any](at time.Time) func(T) (time.Time, error) {
	return func(T) (time.Time, error) { return at, nil }
}

// chainAt verifies chains with trust.Verify against roots and revoked.
func chainAt(roots *x509.CertPool, revoked trust.Revoked) func([]*x509.Certificate, time.Time) ([]string, error) {
	return func(chain []*x509.Certificate, at time.Time) ([]string, error) {
		return trust.Verify(chain, roots, at, revoked)
	}
}
