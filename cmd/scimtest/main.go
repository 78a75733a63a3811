// Command scimtest tests SCIM 2.0 service providers for conformance with
// RFC 7643/7644 and for interoperability with Okta and Microsoft Entra ID.
//
//	scimtest run --target URL       run the conformance suites (embedded reference without --target)
//	scimtest serve                  run the reference SCIM 2.0 provider
//	scimtest simulate okta|entra    push an IdP-style provisioning load through a target
//	scimtest report --from FILE     regenerate reports from results.json
//	scimtest cleanup --run-id ID    delete what an interrupted run left on a target
//	scimtest requirements           print the RFC requirement matrix and its coverage
//
// Exit codes: 0 success (conformant), 1 not conformant (or the run timed
// out), 2 could not run (bad flags, unreachable target, token refused),
// 130 interrupted.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes shared by every command.
const (
	exitOK          = 0
	exitNonConform  = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// exitError carries a process exit code up to main. A command returns one
// when the outcome is not a plain usage error (which exits 2).
type exitError struct {
	code int
	err  error // nil means: exit silently with code
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr is a bad invocation: exit 2 with the message.
func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// subcommands holds the constructors registered by each command's file, so
// every command lives in a file of its own (serve.go, run.go, ...).
var subcommands []func() *cobra.Command

// register adds a subcommand constructor; called from init functions.
func register(newCmd func() *cobra.Command) { subcommands = append(subcommands, newCmd) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "scimtest",
		Short: "SCIM 2.0 conformance tester, Okta/Entra simulator and reference provider",
		Long: `scimtest tests SCIM 2.0 service providers for conformance with RFC 7643/7644
and for interoperability with Okta and Microsoft Entra ID.

Commands that talk to a target take --target (the SCIM base URL) and
--token (default $SCIMTEST_TOKEN); run and simulate use the embedded
reference provider without --target.

Exit codes: 0 success, 1 the target does not conform, the run timed out,
or an operation failed, 2 scimtest could not run (bad flag, unreachable
target, token refused), 130 interrupted.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	return root
}

// isTerminal reports whether w is a terminal (colour only then).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func main() {
	os.Exit(execute(os.Args[1:]))
}

// execute runs the CLI with args and returns the process exit code.
func execute(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "scimtest:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "scimtest:", err)
	return exitUsage
}
