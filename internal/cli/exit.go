package cli

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes, the same for every verb. See docs/exit-codes.md.
const (
	ExitOK         = 0 // clean, or verified
	ExitFindings   = 1 // findings at or above --fail-on, or verification failed
	ExitIncomplete = 2 // usage error, I/O error, or input that could not be fully scanned
)

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries an exit code with an optional message already printed.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// hinted is an error with advice for the user.
type hinted struct {
	err  error
	hint string
}

func (h hinted) Error() string { return h.err.Error() }
func (h hinted) Unwrap() error { return h.err }

// exitCode maps an error from a verb to the process exit code and prints
// it in the house style: "modelgate: error: ..." then "modelgate: hint: ...".
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "modelgate: error: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "modelgate: error: %v\n", err)
	var h hinted
	if errors.As(err, &h) {
		fmt.Fprintf(stderr, "modelgate: hint: %s\n", h.hint)
	}
	return ExitIncomplete
}
