// Package api holds the generated code of the tonghop API (in tonghop/v1)
// and its OpenAPI document, produced from proto/ by `make generate`.
package api

import (
	_ "embed"
	"encoding/json"
)

//go:embed openapi/tonghop.swagger.json
var openAPI []byte

// session documents the browser's sign-in (POST and DELETE /session),
// served by internal/web rather than generated from proto/: it exists only
// to set and clear the session cookie.
//
//go:embed session.swagger.json
var session []byte

// OpenAPI returns the OpenAPI (Swagger 2.0) document of the REST API, the
// browser's sign-in included.
func OpenAPI() []byte {
	var doc, extra map[string]any
	if json.Unmarshal(openAPI, &doc) != nil || json.Unmarshal(session, &extra) != nil {
		return append([]byte(nil), openAPI...)
	}
	paths, _ := doc["paths"].(map[string]any)
	more, _ := extra["paths"].(map[string]any)
	for p, v := range more {
		paths[p] = v
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return append([]byte(nil), openAPI...)
	}
	return out
}
