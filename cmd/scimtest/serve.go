package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimtest/scimtest/reference"
)

func init() { register(newServeCmd) }

// serveFlags are the options of `scimtest serve`.
type serveFlags struct {
	addr      string
	token     string
	basePath  string
	seedUsers int
	quirks    []string
}

// shutdownTimeout bounds how long in-flight requests may finish after a
// signal.
const shutdownTimeout = 5 * time.Second

func newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the reference SCIM 2.0 provider",
		Long: `Run the reference SCIM 2.0 provider (RFC 7643/7644) in memory.

The bearer token comes from --token, else $SCIMTEST_TOKEN; without either a
random token is generated and printed once on stdout (it is never logged).
--quirk NAME (repeatable) switches on a known provider bug so you can check
that a client or test suite notices it; --quirk list prints them all.
Each request is logged to stderr. SIGINT or SIGTERM shuts down gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fl.StringVar(&f.token, "token", "", "bearer token clients must send (default $SCIMTEST_TOKEN, else generated)")
	fl.StringVar(&f.basePath, "base-path", reference.DefaultBasePath, "path the SCIM endpoints are mounted at")
	fl.IntVar(&f.seedUsers, "seed-users", 0, "pre-create this many users")
	fl.StringArrayVar(&f.quirks, "quirk", nil, "switch on a named provider bug (repeatable); \"list\" prints them")
	return cmd
}

// runServe serves until ctx ends or a signal arrives.
func runServe(ctx context.Context, stdout, stderr io.Writer, f serveFlags) error {
	for _, q := range f.quirks {
		if q == "list" {
			return printQuirks(stdout)
		}
	}
	if err := checkQuirks(f.quirks); err != nil {
		return err
	}
	if f.seedUsers < 0 {
		return fmt.Errorf("--seed-users must not be negative, got %d", f.seedUsers)
	}
	generated := false
	if f.token == "" {
		f.token = os.Getenv("SCIMTEST_TOKEN")
	}
	if f.token == "" {
		tok, err := randomToken()
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		f.token, generated = tok, true
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	h, err := reference.New(reference.Options{
		BasePath:  f.basePath,
		Token:     f.token,
		Quirks:    f.quirks,
		SeedUsers: f.seedUsers,
		Logger:    logger,
	})
	if err != nil {
		return usageErr("%w", err) // a bad --base-path
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("listen on %s: %w", f.addr, err)}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "serving SCIM 2.0 at http://%s%s\n", ln.Addr(), h.BasePath())
	if generated {
		fmt.Fprintf(stdout, "bearer token: %s\n", f.token)
	}
	if len(f.quirks) > 0 {
		fmt.Fprintf(stdout, "quirks on: %v\n", f.quirks)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return &exitError{code: exitUsage, err: fmt.Errorf("serve: %w", err)}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("shutdown: %w", err)}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return &exitError{code: exitUsage, err: fmt.Errorf("serve: %w", err)}
	}
	logger.Info("stopped")
	return nil
}

// checkQuirks refuses a quirk name the reference does not know, naming the
// command that lists them, before anything starts.
func checkQuirks(names []string) error {
	known := reference.Quirks()
	for _, n := range names {
		if !slices.ContainsFunc(known, func(q reference.Quirk) bool { return q.Name == n }) {
			return usageErr("--quirk %q: no such quirk (`scimtest serve --quirk list` lists them)", n)
		}
	}
	return nil
}

// printQuirks lists the reference's quirks for `serve --quirk list`.
func printQuirks(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "QUIRK\tBREAKS\tWHAT CHANGES")
	for _, q := range reference.Quirks() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", q.Name, q.Breaks, q.Description)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print quirks: %w", err)
	}
	return nil
}
