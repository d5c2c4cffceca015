// Command tonghop-bench benchmarks a national round at a root node, side by
// side with PostgreSQL. See tonghop-bench --help.
package main

import (
	"os"

	"github.com/tonghop/tonghop/internal/benchcmd"
	"github.com/tonghop/tonghop/internal/cli"
)

func main() {
	os.Exit(benchcmd.Main(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
