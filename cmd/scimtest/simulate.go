package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator/lifecycle"
	"github.com/scimtest/scimtest/simulator/transcript"
)

func init() { register(newSimulateCmd) }

// simulateFlags are the flags of scimtest simulate.
type simulateFlags struct {
	target, token, dialect, transcript string
	runID, config                      string
	users, groups, members, conc       int
	rate                               float64
	seed                               int64
	keep                               bool
	timeout, requestTimeout            time.Duration
	tls                                tlsFlags
}

func newSimulateCmd() *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate okta|entra",
		Short: "Push an Okta- or Entra-style provisioning lifecycle through a target",
		Long: `Run a whole IdP provisioning lifecycle against the target: test credentials,
create users, update them, push groups, change memberships, rename,
deactivate, reactivate, import, and clean up (unless --keep). Ends with a
summary of operations, errors by status and scimType, latency percentiles,
throughput and what the IdP's admin would see.

Without --target it runs against the embedded reference provider. The
token comes from --token, else $SCIMTEST_TOKEN. The same --seed generates
the same users and groups. --config FILE reads target, token-env, timeout,
request-timeout, ca and insecure from a scimtest.yaml; flags override it.

Every created resource carries the run ID printed at the start. The run
never writes to a resource it did not create. --timeout bounds the whole
run: when it expires, or on ^C, the run stops, deletes what it created
(bounded; a second ^C aborts) and prints the summary. What is left (with
--keep, or after a failed cleanup) is removed by
scimtest cleanup --target URL --run-id ID.

Exit codes: 0 no operation failed, 1 some failed or the run ran out of
time, 2 could not run (bad flag, unreachable target, refused token),
130 interrupted.`,
		Args:      simulateArgs,
		ValidArgs: simulateIdPs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The file sets the flags themselves, so it comes before f is
			// copied.
			if _, err := applyConfigFile(cmd, f.config, &f.token, simulateConfigKeys...); err != nil {
				return err
			}
			return runSimulate(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "SCIM base URL of the target (default: the embedded reference provider)")
	fl.StringVar(&f.token, "token", "", "bearer token (default $SCIMTEST_TOKEN)")
	fl.StringVar(&f.dialect, "dialect", "", "okta: oin (default) or aiw; entra: default or compliant (aadOptscim062020)")
	fl.IntVar(&f.users, "users", 100, "number of users")
	fl.IntVar(&f.groups, "groups", 10, "number of groups")
	fl.IntVar(&f.members, "members-per-group", 10, "members per group")
	fl.IntVar(&f.conc, "concurrency", 8, "operations in flight")
	fl.Float64Var(&f.rate, "rate", 0, "maximum requests per second (0: unlimited)")
	fl.Int64Var(&f.seed, "seed", 1, "seed of the generated users and groups")
	fl.StringVar(&f.transcript, "transcript", "", "write every exchange to this file as HAR 1.2")
	fl.BoolVar(&f.keep, "keep", false, "keep the created users and groups (skip cleanup)")
	fl.DurationVar(&f.requestTimeout, "request-timeout", 60*time.Second, "bound for one HTTP request (60s, as Okta's socket timeout)")
	// --timeout bounds the whole run, as it does for `run`: one meaning
	// for one flag name across commands.
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "bound for the whole run (cleanup gets a short grace beyond it)")
	fl.StringVar(&f.runID, "run-id", "", "run ID carried by every created resource (default: random)")
	fl.StringVar(&f.config, "config", "", "scimtest.yaml with target, token-env, timeout, request-timeout, ca, insecure (flags override)")
	f.tls.register(cmd)
	return cmd
}

// simulateIdPs are the IdPs `simulate` can play.
var simulateIdPs = []string{"okta", "entra"}

// simulateArgs wants exactly one known IdP, and says which ones there are
// where cobra's own messages would not.
func simulateArgs(_ *cobra.Command, args []string) error {
	want := strings.Join(simulateIdPs, " or ")
	switch {
	case len(args) == 0:
		return fmt.Errorf("simulate: name the IdP to simulate: %s", want)
	case len(args) > 1:
		return fmt.Errorf("simulate: one IdP at a time (%s), got %q", want, args)
	case !slices.Contains(simulateIdPs, args[0]):
		return fmt.Errorf("simulate: unknown IdP %q (want %s)", args[0], want)
	}
	return nil
}

// checkSimulateFlags refuses values the run cannot start with, so the user
// gets one line instead of a failed run.
func checkSimulateFlags(f simulateFlags) error {
	switch {
	case f.users < 1:
		return fmt.Errorf("--users must be at least 1, got %d", f.users)
	case f.groups < 0:
		return fmt.Errorf("--groups must not be negative, got %d", f.groups)
	case f.members < 0 || f.members > f.users:
		return fmt.Errorf("--members-per-group must be between 0 and --users (%d), got %d", f.users, f.members)
	case f.conc < 1:
		return fmt.Errorf("--concurrency must be at least 1, got %d", f.conc)
	case f.rate < 0:
		return fmt.Errorf("--rate must not be negative, got %g", f.rate)
	case f.requestTimeout <= 0:
		return fmt.Errorf("--request-timeout must be positive, got %s", f.requestTimeout)
	case f.timeout <= 0:
		return fmt.Errorf("--timeout must be positive, got %s", f.timeout)
	}
	if f.runID != "" { // empty: a fresh one is made
		if err := fixtures.CheckRunID(f.runID); err != nil {
			return fmt.Errorf("--run-id %w", err)
		}
	}
	return nil
}

// runSimulate runs one lifecycle for idp and maps its outcome to an exit
// code.
func runSimulate(cmd *cobra.Command, idp string, f simulateFlags) (err error) {
	if !cmd.Flags().Changed("members-per-group") && f.members > f.users {
		// The default group size only applies where there are enough users.
		f.members = f.users
	}
	if err := checkSimulateFlags(f); err != nil {
		return err
	}
	tlsConfig, err := f.tls.config()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the run cleans up; a second one ends the
	// process at once, as the default handler would.
	context.AfterFunc(ctx, stop)

	if f.runID == "" {
		f.runID = fixtures.NewRunID()
	}
	cfg := lifecycle.Config{
		IdP: idp, Dialect: f.dialect, BaseURL: f.target, Token: f.token,
		Users: f.users, Groups: f.groups, MembersPerGroup: f.members, Concurrency: f.conc,
		Rate: f.rate, Seed: f.seed, RunID: f.runID, Keep: f.keep,
		Timeout: f.requestTimeout, RunTimeout: f.timeout, TLS: tlsConfig,
	}
	if cfg.Token == "" {
		cfg.Token = os.Getenv("SCIMTEST_TOKEN")
	}
	embedded := cfg.BaseURL == ""
	if embedded {
		ref, err := startEmbedded(nil)
		if err != nil {
			return err
		}
		defer ref.Close()
		cfg.BaseURL, cfg.Token = ref.URL, ref.Token
	} else if cfg.Token == "" {
		return errors.New("no token: pass --token or set SCIMTEST_TOKEN")
	}
	// The bar is drawn only on a terminal: in CI logs its redraws are noise.
	if isTerminal(cmd.ErrOrStderr()) {
		cfg.Progress = cmd.ErrOrStderr()
	}
	if f.transcript != "" {
		closeHAR, err := openTranscript(f.transcript, &cfg)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := closeHAR(); cerr != nil && err == nil {
				err = &exitError{code: exitUsage, err: cerr}
			}
		}()
	}
	out := cmd.OutOrStdout()
	// The run ID comes first, so even a killed run can be cleaned up.
	where := cfg.BaseURL
	if embedded {
		where += " (embedded reference)"
	}
	fmt.Fprintf(out, "scimtest simulate %s: %s, run ID %s\n", idp, where, cfg.RunID)

	// The run, its cleanup and the sweep all end within --timeout and one
	// cleanup grace.
	deadline := time.Now().Add(f.timeout + lifecycle.CleanupGrace(f.requestTimeout))
	sum, runErr := lifecycle.Run(ctx, cfg)
	if sum == nil {
		if ctx.Err() != nil {
			return &exitError{code: exitInterrupted, err: errors.New("interrupted before the run started")}
		}
		return runErr // configuration or unreachable target: exit 2
	}
	if werr := sum.Write(out); werr != nil {
		return &exitError{code: exitUsage, err: werr}
	}
	left := ""
	if !embedded && sum.Leftovers(f.keep) && (f.keep || !sweepLeftovers(out, cfg, sum, deadline)) {
		left = fmt.Sprintf("scimtest cleanup --target %s --run-id %s", f.target, cfg.RunID)
		fmt.Fprintf(out, "\nResources of run %s may remain on the target; remove them with:\n  %s\n", cfg.RunID, left)
	}
	_, failed, _ := sum.Totals()
	switch {
	case ctx.Err() != nil:
		return &exitError{code: exitInterrupted, err: withLeftovers("interrupted", left)}
	case runErr != nil:
		return &exitError{code: exitUsage, err: runErr}
	case sum.Stopped != "":
		return &exitError{code: exitNonConform, err: withLeftovers(fmt.Sprintf("stopped after --timeout %s: %s failed, %d not attempted",
			f.timeout, count(failed, "operation"), sum.NotRun()), left)}
	case sum.Failed():
		return &exitError{code: exitNonConform, err: withLeftovers(count(failed, "operation")+" failed", left)}
	}
	return nil
}

// sweepLeftovers deletes what still carries the run's marker after a run
// whose cleanup could not delete everything by id: a create that got no
// usable answer may still have stored its resource. It runs only when
// cleanup was not cut off (a target that hangs would hang the sweep too),
// and before deadline, and reports whether it found nothing more of the run.
func sweepLeftovers(out io.Writer, cfg lifecycle.Config, sum *lifecycle.Summary, deadline time.Time) bool {
	for _, k := range []lifecycle.Kind{lifecycle.KindDeleteUser, lifecycle.KindDeleteGroup} {
		if sum.Count(k).NotRun > 0 {
			return false
		}
	}
	budget := time.Until(deadline)
	if budget <= 0 {
		return false
	}
	n, err := sweepAfterStop(cfg.BaseURL, cfg.Token, tlsClient(cfg.TLS), cfg.Timeout, budget, cfg.RunID, false)
	if err != nil {
		if n > 0 {
			fmt.Fprintf(out, "\nSweep of run %s: deleted %s more carrying its run ID, then %s\n", cfg.RunID, count(int64(n), "resource"), oneLineErr(err))
		} else {
			fmt.Fprintf(out, "\nSweep of run %s: %s\n", cfg.RunID, oneLineErr(err))
		}
		return false
	}
	// A filter answer proves no more than this: a target may answer an
	// empty list to a filter it does not support.
	fmt.Fprintf(out, "\nSweep of run %s: deleted %s more carrying its run ID; no other resource carrying run ID %s was found\n", cfg.RunID, count(int64(n), "resource"), cfg.RunID)
	return true
}

// count is "1 operation", "3 operations".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// withLeftovers adds the cleanup command to a one-line outcome when the run
// may have left resources behind.
func withLeftovers(msg, cleanup string) error {
	if cleanup == "" {
		return errors.New(msg)
	}
	return fmt.Errorf("%s; leftovers: %s", msg, cleanup)
}

// openTranscript streams every exchange to path as HAR 1.2, so a long run
// never holds its transcript in memory. The returned func finishes the
// document and reports the first write error.
func openTranscript(path string, cfg *lifecycle.Config) (func() error, error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("transcript: %w", err)
	}
	buf := bufio.NewWriterSize(file, 256<<10)
	har := transcript.NewHARWriter(buf, "scimtest/"+version)
	var once sync.Once
	var first error
	cfg.Hook = func(ex transcript.Exchange) {
		if err := har.Add(ex); err != nil {
			once.Do(func() { first = err })
		}
	}
	return func() error {
		errs := []error{first, har.Close(), buf.Flush(), file.Close()}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("transcript %s: %w", path, err)
		}
		return nil
	}, nil
}
