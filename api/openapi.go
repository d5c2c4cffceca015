// Package api holds the generated code of the tonghop API (in tonghop/v1)
// and its OpenAPI document, produced from proto/ by `make generate`.
package api

import _ "embed"

//go:embed openapi/tonghop.swagger.json
var openAPI []byte

// OpenAPI returns the OpenAPI (Swagger 2.0) document of the REST API.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }
