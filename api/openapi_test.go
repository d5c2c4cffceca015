package api

import (
	"encoding/json"
	"testing"
)

func TestOpenAPIDocumentsTheSignIn(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for path, methods := range map[string][]string{"/session": {"post", "delete"}, "/v1/caller": {"get"}, "/v1/node": {"get"}} {
		for _, m := range methods {
			if doc.Paths[path][m] == nil {
				t.Errorf("%s %s is not in the OpenAPI document", m, path)
			}
		}
	}
}
