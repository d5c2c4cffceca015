// Command tonghop runs a node of the hierarchy (tonghop serve) and is the
// administrator's command line for it. See tonghop --help.
package main

import (
	"os"

	"github.com/tonghop/tonghop/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
