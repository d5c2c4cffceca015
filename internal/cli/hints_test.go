package cli

import (
	"context"
	"strings"
	"testing"
)

// TestAddrFromEnvironmentAndHints: $TONGHOP_ADDR points every command at a
// node; without a token, or without a node, the error says which flag or
// variable to set.
func TestAddrFromEnvironmentAndHints(t *testing.T) {
	addr := startNode(t)
	ctx := context.Background()
	t.Setenv("TONGHOP_ADDR", addr)
	if code, out, errOut := runCLI(t, ctx, "", "node"); code != 0 || !strings.Contains(out, "106") {
		t.Fatalf("node with $TONGHOP_ADDR: %d %q %q", code, out, errOut)
	}
	t.Setenv("TONGHOP_TOKEN", "")
	code, _, errOut := runCLI(t, ctx, "", "node")
	if code == 0 || !strings.Contains(errOut, "Unauthenticated") || !strings.Contains(errOut, "--token") || !strings.Contains(errOut, "$TONGHOP_TOKEN") {
		t.Errorf("node without a token: %d %q", code, errOut)
	}
	t.Setenv("TONGHOP_ADDR", "127.0.0.1:1")
	code, _, errOut = runCLI(t, ctx, "", "node", "--token", "thk1.x.y")
	if code == 0 || !strings.Contains(errOut, "no node answers at 127.0.0.1:1") || !strings.Contains(errOut, "--addr") || !strings.Contains(errOut, "$TONGHOP_ADDR") {
		t.Errorf("node with no node running: %d %q", code, errOut)
	}
}
