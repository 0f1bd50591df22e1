// Command modelgate makes machine-learning model files safe to store,
// share and load. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/modelgate/modelgate/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
