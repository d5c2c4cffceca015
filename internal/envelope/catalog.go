package envelope

import (
	"encoding/base64"
	"time"
)

// CatalogType is the DSSE payload type of a published catalogue version.
const CatalogType = "application/vnd.tonghop.catalog+json; version=1"

// CatalogVersion is a unit's publication of a catalogue version for its
// subtree, signed with the unit's key. It carries the YAML it was read
// from, which lists only what it adds to the version it extends: any node
// that knows that version rebuilds the same catalogue from it, and checks
// the digest. It travels down to the subtree like the other definitions,
// and up with the reports made with it, so that every level above reads
// them.
type CatalogVersion struct {
	// Unit is the publishing unit.
	Unit string
	// Version is the new version's name, e.g. "2021.3-kt62.1".
	Version string
	// Digest is the new catalogue's digest (catalog.Catalog.Digest).
	Digest string
	// Extends is the digest of the catalogue it extends.
	Extends string
	// Source is the YAML document, exactly as published.
	Source []byte
	// PublishedAt is when the unit signed it.
	PublishedAt time.Time
}

type wireCatalogVersion struct {
	Version        *int64 `json:"version"`
	Unit           string `json:"unit"`
	CatalogVersion string `json:"catalog_version"`
	Digest         string `json:"digest"`
	Extends        string `json:"extends"`
	Source         string `json:"source"`
	PublishedAt    string `json:"published_at"`
}

// EncodeCatalogVersion returns the canonical JSON encoding of v. It
// rejects an empty unit, version or source, digests that are not hex
// SHA-256 and a missing time; errors wrap ErrMalformed.
func EncodeCatalogVersion(v CatalogVersion) ([]byte, error) {
	const doc = "catalogue version"
	if err := checkKey(doc, "unit", v.Unit); err != nil {
		return nil, err
	}
	if err := checkKey(doc, "catalog_version", v.Version); err != nil {
		return nil, err
	}
	if err := checkHex(doc, "digest", v.Digest, 64); err != nil {
		return nil, err
	}
	if err := checkHex(doc, "extends", v.Extends, 64); err != nil {
		return nil, err
	}
	if len(v.Source) == 0 {
		return nil, malformed(doc, "source", "empty")
	}
	if err := checkTime(doc, "published_at", v.PublishedAt); err != nil {
		return nil, err
	}
	b := beginPayload(256 + len(v.Unit) + len(v.Version) + 2*len(v.Source))
	b = appendStringMember(b, "unit", v.Unit)
	b = appendStringMember(b, "catalog_version", v.Version)
	b = appendStringMember(b, "digest", v.Digest)
	b = appendStringMember(b, "extends", v.Extends)
	b = appendStringMember(b, "source", base64.StdEncoding.EncodeToString(v.Source))
	b = appendTimeMember(b, "published_at", v.PublishedAt)
	return append(b, '}'), nil
}

// DecodeCatalogVersion decodes a catalogue version, accepting only its
// canonical encoding. Errors wrap ErrMalformed and name the field.
func DecodeCatalogVersion(raw []byte) (CatalogVersion, error) {
	const doc = "catalogue version"
	var w wireCatalogVersion
	if err := decodeStrict(doc, raw, &w); err != nil {
		return CatalogVersion{}, err
	}
	if err := checkVersion(doc, w.Version); err != nil {
		return CatalogVersion{}, err
	}
	at, err := parseTime(doc, "published_at", w.PublishedAt)
	if err != nil {
		return CatalogVersion{}, err
	}
	src, err := base64.StdEncoding.Strict().DecodeString(w.Source)
	if err != nil {
		return CatalogVersion{}, malformed(doc, "source", "not base64: %v", err)
	}
	v := CatalogVersion{Unit: w.Unit, Version: w.CatalogVersion, Digest: w.Digest, Extends: w.Extends, Source: src, PublishedAt: at}
	canon, err := EncodeCatalogVersion(v)
	if err != nil {
		return CatalogVersion{}, err
	}
	if err := checkCanonical(doc, raw, canon); err != nil {
		return CatalogVersion{}, err
	}
	return v, nil
}
