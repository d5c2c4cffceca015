// Package api holds the generated code of the tonghop API (in tonghop/v1)
// and its OpenAPI document, produced from proto/ by `make generate`.
package api

import _ "embed"

// OpenAPI is the OpenAPI (Swagger 2.0) document of the REST API.
//
//go:embed openapi/tonghop.swagger.json
var OpenAPI []byte
