package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/tonghop/tonghop/internal/web"
)

// summaryWriter hands the demo's JSON summary, written in one piece, to
// the test while the demo keeps its nodes serving.
type summaryWriter chan []byte

func (w summaryWriter) Write(p []byte) (int, error) {
	w <- append([]byte(nil), p...)
	return len(p), nil
}

// TestDemoSignInLinksOpenSessions follows each sign-in link the demo
// prints while its nodes still serve, as a person clicking it would: each
// opens a session on a node that is running, valid on that node's clock.
func TestDemoSignInLinksOpenSessions(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(summaryWriter, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			DataDir: t.TempDir(), GRPCListen: "127.0.0.1:0", HTTPListen: "127.0.0.1:0",
			JSON: true, Out: out, Logger: zaptest.NewLogger(t),
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	var s Summary
	select {
	case b := <-out:
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("demo --json printed %q: %v", b, err)
		}
	case err := <-done:
		done <- err
		t.Fatalf("the demo ended before it printed its summary: %v", err)
	}
	if len(s.Tokens.SignIn) != 3 {
		t.Fatalf("sign-in links: %+v", s.Tokens.SignIn)
	}
	for _, l := range s.Tokens.SignIn {
		base, secret, ok := strings.Cut(l.URL, "/#dang-nhap=")
		if !ok {
			t.Fatalf("%s: link %q has no secret", l.UnitCode, l.URL)
		}
		req, err := http.NewRequest(http.MethodPost, base+web.SessionPath, strings.NewReader(`{"token":"`+secret+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(web.RequestHeader, "1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: the link's node does not answer: %v", l.UnitCode, l.Name, err)
		}
		var got struct {
			Role     string `json:"role"`
			UnitCode string `json:"unit_code"`
			Message  string `json:"message"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || got.UnitCode != l.UnitCode {
			t.Errorf("%s %s: signing in answered %d %+v (%v)", l.UnitCode, l.Name, resp.StatusCode, got, err)
		}
	}
}
