package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tonghop.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadOverDefaults(t *testing.T) {
	c, err := Load(write(t, "unit: \"106\"\ndata_dir: /var/lib/tonghop\nparent: 10.0.0.1:7400\nshutdown_timeout: 3s\nlog:\n  level: debug\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Unit != "106" || c.DataDir != "/var/lib/tonghop" || c.Parent != "10.0.0.1:7400" ||
		c.ShutdownTimeout != 3*time.Second || c.Log.Level != "debug" || c.Log.Format != "json" ||
		c.GRPCListen != DefaultGRPCListen || c.HTTPListen != DefaultHTTPListen {
		t.Fatalf("Load = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadEmptyFileKeepsDefaults(t *testing.T) {
	c, err := Load(write(t, "# nothing set yet\n"))
	if err != nil || c != Default() {
		t.Fatalf("Load(empty) = %+v, %v", c, err)
	}
}

func TestLoadRejectsUnknownKey(t *testing.T) {
	_, err := Load(write(t, "unit: \"106\"\ngrpc_listn: 127.0.0.1:1\n"))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "grpc_listn") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidateNamesKeys(t *testing.T) {
	c := Default()
	c.GRPCListen = "nohost"
	c.HTTPListen = "127.0.0.1:7400"
	c.Log.Format = "xml"
	c.ShutdownTimeout = 0
	err := c.Validate()
	for _, key := range []string{"data_dir", "grpc_listen", "log.format", "shutdown_timeout"} {
		if err == nil || !strings.Contains(err.Error(), key+":") {
			t.Errorf("Validate() = %v; want it to name %s", err, key)
		}
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("not ErrInvalid: %v", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c := Default()
	c.Unit, c.DataDir = "03390", "/srv/tonghop"
	raw, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(write(t, string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Fatalf("round trip: %+v != %+v", got, c)
	}
}

// TestDeployExamples keeps the example configurations in deploy/ loadable
// and valid, so they cannot rot.
func TestDeployExamples(t *testing.T) {
	for _, name := range []string{"province.yaml", "district.yaml", "commune.yaml"} {
		c, err := Load(filepath.Join("..", "..", "deploy", name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if c.Unit == "" || (name != "province.yaml") != (c.Parent != "") {
			t.Errorf("%s: unit %q parent %q", name, c.Unit, c.Parent)
		}
	}
}

func TestOffLoopbackNeedsTLS(t *testing.T) {
	c := Default()
	c.DataDir = "/srv/tonghop"
	c.HTTPListen = "0.0.0.0:7401"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "http_listen: 0.0.0.0:7401 is not a loopback address") {
		t.Fatalf("Validate() = %v", err)
	}
	c.AllowInsecureListen = true
	if err := c.Validate(); err != nil {
		t.Fatalf("with allow_insecure_listen: %v", err)
	}
	c.AllowInsecureListen = false
	c.TLSCertFile, c.TLSKeyFile = "/etc/tonghop/tls.crt", "/etc/tonghop/tls.key"
	if err := c.Validate(); err != nil {
		t.Fatalf("with TLS: %v", err)
	}
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "[::1]:1": true, "localhost:1": true, ":7400": false, "10.0.0.5:1": false} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%q) = %v", addr, !want)
		}
	}
}
