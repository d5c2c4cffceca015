package nationalbench

import (
	"os"
	"testing"

	"github.com/tonghop/tonghop/internal/cli"
)

// AsTonghop makes the test binary run as tonghop: the benchmark starts its
// nodes as `tonghop serve` processes, and in its tests that is this binary
// again. Exported for the tests of package nationalbench_test, which share
// this binary.
const AsTonghop = "TONGHOP_NATIONALBENCH_AS_TONGHOP"

func TestMain(m *testing.M) {
	if os.Getenv(AsTonghop) == "1" {
		os.Exit(cli.Main(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
	}
	os.Exit(m.Run())
}
