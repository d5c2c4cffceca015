// Package bundle owns transfer by file, for a unit with no usable link to
// its parent: the child exports its outbox to one file (for a USB stick or
// an e-mail attachment), any node on the path up imports it and accepts its
// envelopes exactly as it accepts a delivery over the network, and the
// parent's signed receipts come back in a second file that clears the
// child's outbox.
//
// A bundle is a ZIP archive (archive/zip, which any office computer can
// open) holding a signed manifest and the envelopes it lists. The manifest
// is a DSSE envelope signed by the node that wrote the bundle; it names
// every entry with its size and SHA-256. Reading checks the archive's own
// directory and checksums (a truncated file has none), the manifest's
// signature and chain, and that the entries are exactly those listed: a
// bundle that fails any check is refused whole, before anything is stored.
package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// ManifestType is the DSSE payload type of a bundle's manifest.
const ManifestType = "application/vnd.tonghop.bundle-manifest+json"

// Format is the version of the bundle layout written and read.
const Format = 1

// Kinds of bundle.
const (
	// Envelopes: reports and notices from a child's outbox, for a node above.
	Envelopes = "envelopes"
	// Receipts: the receipts a node signed for a bundle of envelopes, for
	// the child that exported it.
	Receipts = "receipts"
)

// MaxBytes bounds a bundle: it is read whole into memory, and travels
// through the administrators' API.
const MaxBytes = 4 << 20

// MaxEntries bounds the entries of one bundle.
const MaxEntries = 10000

// manifestName is the manifest's name in the archive; it comes first.
const manifestName = "manifest.dsse.json"

// ErrInvalid means a bundle was refused: truncated, tampered with, not a
// bundle, or signed by a key that does not verify. Nothing of it is used.
var ErrInvalid = errors.New("invalid bundle")

// Manifest says what a bundle holds and who wrote it.
type Manifest struct {
	Format int    `json:"format"`
	Kind   string `json:"kind"`
	// From is the unit path of the node that wrote and signed the bundle.
	From string `json:"from"`
	// For is, in a receipts bundle, the unit path of the node whose
	// envelopes it acknowledges; empty in a bundle of envelopes.
	For       string    `json:"for,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Entries   []Entry   `json:"entries"`
}

// Entry is one file of a bundle.
type Entry struct {
	Name   string `json:"name"`
	Size   int    `json:"size"`
	Digest string `json:"digest"` // envelope.Digest of the bytes
}

// Bundle is a bundle that was read and verified.
type Bundle struct {
	Manifest Manifest
	// Signer is the unit path of the verified manifest signer, which
	// equals Manifest.From.
	Signer []string
	// Items are the entries' bytes, in manifest order.
	Items [][]byte
}

// Write writes a bundle of kind holding items, signed by id, to w. forPath
// is the acknowledged node's unit path in a receipts bundle.
func Write(w io.Writer, kind string, items [][]byte, forPath []string, id trust.Identity, now time.Time) (Manifest, error) {
	if len(items) > MaxEntries {
		return Manifest{}, fmt.Errorf("bundle: %d entries, at most %d", len(items), MaxEntries)
	}
	m := Manifest{Format: Format, Kind: kind, From: strings.Join(id.Path(), "/"), For: strings.Join(forPath, "/"), CreatedAt: now.UTC().Truncate(time.Second)}
	for i, it := range items {
		m.Entries = append(m.Entries, Entry{Name: fmt.Sprintf("%s/%05d.dsse.json", kind, i+1), Size: len(it), Digest: envelope.Digest(it)})
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return Manifest{}, err
	}
	signed, err := envelope.Seal(ManifestType, payload, id.Key, id.Chain)
	if err != nil {
		return Manifest{}, fmt.Errorf("bundle: signing the manifest: %w", err)
	}
	archive, err := assemble(signed, m, items)
	if err != nil {
		return Manifest{}, err
	}
	_, err = w.Write(archive)
	return m, err
}

// assemble lays out the archive: the manifest first, then the entries,
// stored, stamped with the manifest's time. The layout depends on nothing
// else, so Read can rebuild it and refuse a file whose framing was altered
// even where ZIP itself would not notice.
func assemble(signed []byte, m Manifest, items [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name string, data []byte) error {
		// Stored, not deflated: the envelopes are mostly base64, and a
		// stored entry can be checked by eye in any archive tool.
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: m.CreatedAt})
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	}
	if err := put(manifestName, signed); err != nil {
		return nil, err
	}
	for i, it := range items {
		if err := put(m.Entries[i].Name, it); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeManifest reads a manifest's payload, strictly.
func decodeManifest(payloadType string, payload []byte) (Manifest, error) {
	var m Manifest
	if payloadType != ManifestType {
		return m, fmt.Errorf("payload type %q, want %q", payloadType, ManifestType)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	err := dec.Decode(&m)
	return m, err
}

// Read verifies a bundle: the archive is whole, its manifest is signed by
// a chain to roots valid at now and not revoked, and its entries are
// exactly those the manifest lists, with their sizes and digests. Any
// failure is an error wrapping ErrInvalid that says what is wrong.
func Read(data []byte, roots *x509.CertPool, now time.Time, revoked trust.Revoked) (Bundle, error) {
	bad := func(format string, args ...any) (Bundle, error) {
		return Bundle{}, fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxBytes {
		return bad("%d bytes, at most %d", len(data), MaxBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		// A truncated archive has lost its directory, at the end.
		return bad("not a whole bundle (truncated, or not a bundle): %v", err)
	}
	if len(zr.File) == 0 || zr.File[0].Name != manifestName {
		return bad("the first file is not %s", manifestName)
	}
	if len(zr.File) > MaxEntries+1 {
		return bad("%d files, at most %d", len(zr.File), MaxEntries+1)
	}
	files := make([][]byte, len(zr.File))
	for i, f := range zr.File {
		if f.UncompressedSize64 > envelope.MaxBytes {
			return bad("%s: %d bytes, at most %d", f.Name, f.UncompressedSize64, envelope.MaxBytes)
		}
		rc, err := f.Open()
		if err != nil {
			return bad("%s: %v", f.Name, err)
		}
		// ReadAll reaches the end, where archive/zip checks the CRC-32.
		b, err := io.ReadAll(io.LimitReader(rc, envelope.MaxBytes+1))
		rc.Close()
		if err != nil {
			return bad("%s: %v", f.Name, err)
		}
		files[i] = b
	}
	o, err := submission.Open(files[0], submission.Opening[Manifest]{
		Decode: decodeManifest,
		At:     func(Manifest) (time.Time, error) { return now, nil },
		Verify: func(chain []*x509.Certificate, at time.Time) ([]string, error) {
			return trust.Verify(chain, roots, at, revoked)
		},
	})
	switch {
	case errors.Is(err, trust.ErrUntrusted), errors.Is(err, trust.ErrRevoked):
		return bad("manifest signer: %v", submission.Cause(err))
	case err != nil:
		return bad("manifest: %v", submission.Cause(err))
	}
	m, signer := o.Payload, o.SignerPath
	switch {
	case m.Format != Format:
		return bad("manifest: format %d, this node reads %d", m.Format, Format)
	case m.Kind != Envelopes && m.Kind != Receipts:
		return bad("manifest: unknown kind %q", m.Kind)
	case m.From != strings.Join(signer, "/"):
		return bad("manifest: says it is from %s but is signed by %s", m.From, strings.Join(signer, "/"))
	case len(m.Entries) != len(files)-1:
		return bad("manifest lists %d entries, the bundle holds %d", len(m.Entries), len(files)-1)
	}
	seen := make(map[string]bool, len(m.Entries))
	for i, e := range m.Entries {
		f, b := zr.File[i+1], files[i+1]
		switch {
		case f.Name != e.Name:
			return bad("entry %d is %s, the manifest lists %s", i+1, f.Name, e.Name)
		case len(b) != e.Size:
			return bad("%s: %d bytes, the manifest says %d", e.Name, len(b), e.Size)
		case envelope.Digest(b) != e.Digest:
			return bad("%s: digest %s, the manifest says %s", e.Name, envelope.Digest(b), e.Digest)
		case seen[e.Digest]:
			return bad("%s: %s listed twice", e.Name, e.Digest)
		}
		seen[e.Digest] = true
	}
	again, err := assemble(files[0], m, files[1:])
	if err != nil || !bytes.Equal(again, data) {
		return bad("the archive around the entries was altered")
	}
	return Bundle{Manifest: m, Signer: slices.Clone(signer), Items: files[1:]}, nil
}
