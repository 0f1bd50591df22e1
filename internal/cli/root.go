// Package cli is the modelgate command line: one file per verb, exit codes
// in one place (exit.go). It parses flags, calls one library entry point
// per verb and prints the result.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Version is the modelgate version, set at build time with
// -ldflags "-X github.com/modelgate/modelgate/internal/cli.Version=...".
var Version = "dev"

// Run executes the command line args (without the program name) and
// returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && isUsage(err) {
		fmt.Fprintf(stderr, "modelgate: error: %v\nmodelgate: hint: run 'modelgate %s--help' for usage\n", err, verbOf(root, args))
		return ExitIncomplete
	}
	return exitCode(err, stderr)
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "modelgate",
		Short: "Make machine-learning model files safe to store, share and load",
		Long: `modelgate finds code execution in model files without running them.

It reads pickles, joblib files and their compressed forms the way CPython's
unpickler would, and reports every import and call by default-deny policy.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newScanCmd(), newPolicyCmd())
	return root
}

// isUsage reports whether err is a command-line mistake: ours, or one of
// cobra's (unknown command, unknown flag, wrong arguments).
func isUsage(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "accepts ") ||
		strings.HasPrefix(msg, "invalid argument")
}

// verbOf returns "VERB " for the verb args name, or "".
func verbOf(root *cobra.Command, args []string) string {
	if c, _, err := root.Find(args); err == nil && c != root {
		return c.Name() + " "
	}
	return ""
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
