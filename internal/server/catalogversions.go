package server

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/wire"
)

// maxCatalogSource bounds a published version's YAML: the built-in
// catalogue is about 60 KB.
const maxCatalogSource = 1 << 20

// PublishCatalog publishes a catalogue version for the node's subtree.
func (s *catalogService) PublishCatalog(ctx context.Context, req *tonghopv1.PublishCatalogRequest) (*tonghopv1.PublishCatalogResponse, error) {
	switch {
	case req.Source == "":
		return nil, invalid.Field("source", "missing: the YAML of the version to publish")
	case len(req.Source) > maxCatalogSource:
		return nil, invalid.Field("source", "%d bytes, more than the %d a catalogue version may have", len(req.Source), maxCatalogSource)
	case !utf8.ValidString(req.Source):
		return nil, invalid.Field("source", "not valid UTF-8")
	}
	c, err := s.subs.PublishCatalog([]byte(req.Source))
	if err != nil {
		return nil, catalogInvalid(err)
	}
	versions := s.subs.Verifier.Versions
	base, _, _ := versions.Lookup(c.Extends())
	p := catalog.Published{Path: s.subs.Verifier.Tree.Path(s.subs.Verifier.Self), Catalog: c}
	return &tonghopv1.PublishCatalogResponse{Version: wire.CatalogVersionToProto(p, base, s.subs.Verifier.Now(), versions.InForce().Digest() == c.Digest())}, nil
}

// catalogInvalid turns what is wrong with a catalogue's YAML into a
// violation of the request's source field, at the path and line of the
// offending value.
func catalogInvalid(err error) error {
	var ve *catalog.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	field := "source"
	if ve.Path != "" {
		field += "." + ve.Path
	}
	reason := ve.Err.Error()
	if ve.Line > 0 {
		reason = fmt.Sprintf("%s (line %d)", reason, ve.Line)
	}
	return invalid.Field(field, "%s", reason)
}

// ListCatalogVersions lists the catalogue versions known here.
func (s *catalogService) ListCatalogVersions(ctx context.Context, _ *tonghopv1.ListCatalogVersionsRequest) (*tonghopv1.ListCatalogVersionsResponse, error) {
	recs, err := s.subs.Store.CatalogVersions()
	if err != nil {
		return nil, err
	}
	versions := s.subs.Verifier.Versions
	inForce := versions.InForce()
	resp := &tonghopv1.ListCatalogVersionsResponse{InForceVersion: inForce.Version(), InForceDigest: inForce.Digest()}
	for _, r := range recs {
		c, path, ok := versions.Lookup(r.Digest)
		if !ok || path == nil {
			continue // kept, but not rebuilt here: its base is unknown
		}
		base, _, _ := versions.Lookup(r.Extends)
		resp.Versions = append(resp.Versions, wire.CatalogVersionToProto(catalog.Published{Path: path, Catalog: c}, base, r.PublishedAt, c.Digest() == inForce.Digest()))
	}
	return resp, nil
}
