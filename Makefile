# Everything here is also what .ci/run does; nothing needs installing first.
BUF := go run github.com/bufbuild/buf/cmd/buf@v1.75.0

.PHONY: all generate baseline breaking check-generated test demo

all: generate test

# generate regenerates api/ (Go code, gateway, OpenAPI) from proto/.
generate:
	$(BUF) lint
	rm -rf api/tonghop api/openapi
	$(BUF) generate

# baseline records the current API in api/tonghop.binpb, the image that
# `make breaking` and CI compare against. Run it only for a deliberate,
# reviewed API change: v1 grows by adding, never by changing.
baseline:
	$(BUF) build --exclude-source-info -o api/tonghop.binpb

# breaking fails when proto/ breaks the API recorded in api/tonghop.binpb.
breaking:
	$(BUF) breaking --against api/tonghop.binpb

# check-generated fails when api/ is not what proto/ generates.
check-generated:
	bash .ci/check-generated

test:
	go test -race ./...

demo:
	go run ./cmd/tonghop demo
