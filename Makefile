# Everything here is also what .ci/run does; nothing needs installing first.
BUF := go run github.com/bufbuild/buf/cmd/buf@v1.75.0

.PHONY: all generate lint breaking check-generated test demo

all: generate test

# generate regenerates api/ (Go code, gateway, OpenAPI) from proto/.
generate:
	$(BUF) lint
	rm -rf api/tonghop api/openapi
	$(BUF) generate
	$(BUF) build --exclude-source-info -o api/tonghop.binpb

# breaking fails when proto/ breaks the API recorded in api/tonghop.binpb.
breaking:
	$(BUF) breaking --against api/tonghop.binpb

# check-generated fails when api/ is not what proto/ generates.
check-generated:
	$(BUF) lint
	$(BUF) breaking --against api/tonghop.binpb
	@tmp=$$(mktemp -d) && $(BUF) generate --output $$tmp && \
	diff -r $$tmp/api/tonghop api/tonghop && diff -r $$tmp/api/openapi api/openapi && rm -rf $$tmp \
	  || { echo "api/ is stale: run 'make generate' and commit the result"; exit 1; }

test:
	go test -race ./...

demo:
	go run ./cmd/tonghop demo
