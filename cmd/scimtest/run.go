package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/suites"
)

func init() { register(newRunCmd) }

// runFlags are the options of `scimtest run`.
type runFlags struct {
	target         string
	token          string
	profile        string
	labelFilter    string
	focus, skip    []string
	require        []string
	strict         bool
	seed           int64
	timeout        time.Duration
	requestTimeout time.Duration
	tls            tlsFlags
	out            string
	verbose        bool
	runID          string
	quirks         []string
	config         string
	exclude        []suites.Exclusion
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the SCIM 2.0 conformance suites against a target",
		Long: `Run the SCIM 2.0 conformance suites against a service provider.

Without --target the reference provider is started in-process on a free
loopback port and tested (the embedded default). The token comes from
--token, else $SCIMTEST_TOKEN. Reports (report.html, summary.md, junit.xml,
results.json, exchanges.har) go to --out.

--timeout bounds the whole run, cleanup and reports included. When it
elapses the running spec is stopped (it fails), the rest are skipped, and
the grace period — min(30s, max(2×--request-timeout, 5s)), at most half of
--timeout, taken from its end — is left for the DELETEs of what the run
created, a sweep of its run ID, and writing the reports. A timed-out run
exits 1: it did not show that the target conforms. ^C stops a run the
same way and exits 130.

--config FILE reads the settings of a CI job from YAML: target, token-env
(the name of the environment variable holding the token; a token itself is
never read from the file), profile, label-filter, require, exclude (a list
of {spec, reason}: a requirement ID or a regexp on spec names; excluded
specs are skipped and listed with the reason in the report; one that
matches no spec is an error), timeout, request-timeout, out, strict, seed,
ca, insecure. A flag given on the command line wins over the file; a
relative out or ca is relative to the file's directory.

Exit codes: 0 conformant, 1 not conformant or timed out, 2 could not run
(bad flag, unreachable target, token refused), 130 interrupted (the report
is still written).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := applyConfigFile(cmd, f.config, &f.token, runConfigKeys...)
			if err != nil {
				return err
			}
			f.exclude = cfg.exclusions()
			if !cmd.Flags().Changed("seed") {
				f.seed = time.Now().UnixNano()%1_000_000 + 1
			}
			return runRun(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "SCIM base URL, e.g. https://example.com/scim/v2 (default: the embedded reference provider)")
	fl.StringVar(&f.token, "token", "", "bearer token (default $SCIMTEST_TOKEN)")
	fl.StringVar(&f.profile, "profile", "rfc", "spec selection: "+strings.Join(suites.ProfileNames(), ", "))
	fl.StringVar(&f.labelFilter, "label-filter", "", "Ginkgo label filter ANDed with the profile, e.g. 'users && MUST'")
	fl.StringArrayVar(&f.focus, "focus", nil, "run only specs whose full name matches this regexp (repeatable)")
	fl.StringArrayVar(&f.skip, "skip", nil, "skip specs whose full name matches this regexp (repeatable)")
	fl.StringSliceVar(&f.require, "require", nil, "capabilities whose absence fails specs instead of skipping them (patch,bulk,filter,sort,etag,...)")
	fl.BoolVar(&f.strict, "strict", false, "SHOULD and MAY failures fail the run too")
	fl.Int64Var(&f.seed, "seed", 0, "seed for fixture data and spec order (default: random, recorded in the report)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "bound for the whole run, cleanup and reports included (a timed-out run exits 1)")
	fl.DurationVar(&f.requestTimeout, "request-timeout", 30*time.Second, "bound for one HTTP request")
	f.tls.register(cmd)
	fl.StringVar(&f.out, "out", "scimtest-report", "directory for the reports")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "list every spec, not only failures")
	fl.StringVar(&f.runID, "run-id", "", "run ID carried by every created resource (default: random)")
	fl.StringVar(&f.config, "config", "", "YAML file with the job's settings (keys: the flags above, token-env, exclude); flags given here win")
	fl.StringArrayVar(&f.quirks, "quirk", nil, "embedded reference only: switch on a named provider bug (repeatable; names: scimtest serve --quirk list)")
	return cmd
}

// runRun runs the suites once and maps the outcome to an exit code.
func runRun(ctx context.Context, stdout, stderr io.Writer, f runFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	start := time.Now()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if f.timeout <= 0 || f.requestTimeout <= 0 {
		return usageErr("--timeout and --request-timeout must be positive (got %v and %v)", f.timeout, f.requestTimeout)
	}
	if f.target != "" && len(f.quirks) > 0 {
		return usageErr("--quirk applies only to the embedded reference (no --target)")
	}
	if err := checkQuirks(f.quirks); err != nil {
		return err
	}
	if _, err := suites.EffectiveFilter(f.profile, f.labelFilter); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	var caps []suites.Capability
	for _, r := range f.require {
		c, err := suites.ParseCapability(strings.TrimSpace(r))
		if err != nil {
			return usageErr("--require: %w", err)
		}
		caps = append(caps, c)
	}
	if f.token == "" {
		f.token = os.Getenv("SCIMTEST_TOKEN")
	}
	if f.runID == "" {
		f.runID = fixtures.NewRunID()
	} else if err := fixtures.CheckRunID(f.runID); err != nil {
		return usageErr("--run-id %w", err)
	}
	httpClient, err := f.tls.client()
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}

	embedded := f.target == ""
	if embedded {
		ref, err := startEmbedded(f.quirks)
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		defer ref.Close()
		f.target, f.token = ref.URL, ref.Token
	}

	res, err := suites.Run(ctx, suites.Options{
		Target: suites.Target{
			BaseURL: strings.TrimRight(f.target, "/"), Token: f.token, HTTPClient: httpClient,
			RequestTimeout: f.requestTimeout, Profile: f.profile, Require: caps, Strict: f.strict,
			Seed: f.seed, RunID: f.runID,
		},
		Embedded:    embedded,
		LabelFilter: f.labelFilter,
		Focus:       f.focus,
		Skip:        f.skip,
		Exclude:     f.exclude,
		Timeout:     f.timeout,
		Version:     version,
		NoColor:     !isTerminal(stdout),
	})
	if err != nil && res == nil {
		if ctx.Err() != nil { // ^C before the specs started
			return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted before the run started")}
		}
		return &exitError{code: exitUsage, err: err}
	}
	// A run stopped (^C, --timeout) during discovery has no spec reports
	// either: only a run that was not stopped with none means the selection
	// is empty (Ginkgo then says "Detected no specs ran" in Interrupted).
	interrupted := strings.Contains(res.Run.Interrupted, "Interrupted")
	stopped := interrupted || res.Run.TimedOut
	if len(res.Specs) == 0 && err == nil && !stopped {
		return usageErr("no spec matches the selection (profile %q, label filter %q, focus %q, skip %q)", f.profile, f.labelFilter, f.focus, f.skip)
	}
	if err == nil && !stopped && allExcluded(res) {
		return usageErr("the configuration's exclude list excludes every selected spec (%d): nothing was tested", len(res.Specs))
	}
	if werr := reports.WriteAll(f.out, res); werr != nil {
		fmt.Fprintln(stderr, "scimtest:", werr)
	}
	// A failure message may quote what the target returned, a password
	// included; the console gets the redaction the report files get.
	shown := reports.Redact(res)
	printSummary(stdout, shown, f.verbose, f.out)
	leftovers := fmt.Sprintf("run ID %s: `scimtest cleanup --run-id %s` removes leftovers", f.runID, f.runID)
	if !embedded && err == nil {
		// The specs' DeferCleanup ignores a failed DELETE, and a create cut
		// short may have stored a resource no spec learned the id of: every
		// run against a real target sweeps its run ID before it ends.
		swept := sweepAfterRun(f, httpClient, start, stopped)
		switch {
		case stopped:
			leftovers = swept
		case swept != "":
			fmt.Fprintln(stdout, swept)
		}
	}
	switch {
	case err != nil:
		return &exitError{code: exitUsage, err: err}
	case interrupted:
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: %s (%s)", shown.Run.Interrupted, leftovers)}
	case res.Run.TimedOut && len(res.Specs) == 0:
		return &exitError{code: exitNonConform, err: fmt.Errorf("%s: the time ran out during discovery, before any spec; raise --timeout, or lower --request-timeout if a discovery request hangs (%s)", shown.Run.Interrupted, leftovers)}
	case res.Run.TimedOut:
		return &exitError{code: exitNonConform, err: fmt.Errorf("%s: %d specs did not run; raise --timeout (%s)", shown.Run.Interrupted, notRun(res), leftovers)}
	case !res.Run.Conformant:
		return &exitError{code: exitNonConform}
	}
	return nil
}

// allExcluded reports whether every spec of res was kept out by the
// configuration's exclude list.
func allExcluded(res *reports.Results) bool {
	for _, s := range res.Specs {
		if s.State != reports.StateSkipped || !strings.HasPrefix(s.SkipReason, suites.ExcludedPrefix) {
			return false
		}
	}
	return true
}

// sweepAfterRun deletes, after a run against an external target, whatever
// still carries its run ID: a DELETE of the specs' cleanup the target
// refused, or a create cut short by ^C or --timeout after the target
// stored the resource. It takes at most the grace period and never goes
// past --timeout. It returns what to tell about what remains: for a
// stopped run, the part of the final message; for a finished one, a line
// of its own, "" when the sweep found nothing. Words are chosen to claim
// no more than a filter answer proves: the target may answer an empty list
// to a filter it does not support.
func sweepAfterRun(f runFlags, hc *http.Client, start time.Time, stopped bool) string {
	hint := fmt.Sprintf("`scimtest cleanup --run-id %s` removes leftovers", f.runID)
	budget := min(suites.RunGracePeriod(f.timeout, f.requestTimeout), time.Until(start.Add(f.timeout)))
	if budget <= 0 {
		return fmt.Sprintf("run ID %s: no time left to sweep; %s", f.runID, hint)
	}
	n, err := sweepAfterStop(f.target, f.token, hc, f.requestTimeout, budget, f.runID, !stopped)
	switch {
	case err != nil && n > 0:
		return fmt.Sprintf("run ID %s: swept %s, then %s; %s", f.runID, count(int64(n), "leftover resource"), oneLineErr(err), hint)
	case err != nil:
		return fmt.Sprintf("run ID %s: %s; %s", f.runID, oneLineErr(err), hint)
	case stopped && n > 0:
		return fmt.Sprintf("run ID %s: deleted %s after the stop", f.runID, count(int64(n), "leftover resource"))
	case stopped:
		return fmt.Sprintf("run ID %s: after the stop, no resource carrying run ID %s was found", f.runID, f.runID)
	case n > 0:
		return fmt.Sprintf("swept %s of run %s that the specs' cleanup could not delete", count(int64(n), "leftover resource"), f.runID)
	}
	return ""
}

// oneLineErr is err's text on one line.
func oneLineErr(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// printNotices writes what the reader must know besides the specs: the
// target throttled the run, the configuration excluded specs, scimtest
// refused requests that would have touched data the run did not create.
func printNotices(w io.Writer, r reports.Run) {
	if t := r.Throttle.Sentence(); t != "" {
		fmt.Fprintf(w, "\n%s\n", t)
	}
	for _, e := range r.Exclusions {
		fmt.Fprintf(w, "\nExcluded by configuration: %s", e.Line())
	}
	if len(r.Exclusions) > 0 {
		fmt.Fprintln(w)
	}
	if len(r.Refused) > 0 {
		fmt.Fprintf(w, "\nRefused %d request(s) that would have changed data this run did not create:\n", len(r.Refused))
		for _, l := range r.Refused {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}

// notRun counts the specs a stopped run skipped before reaching them.
func notRun(res *reports.Results) int {
	n := 0
	for _, s := range res.Specs {
		if s.State == reports.StateSkipped && s.SkipReason == suites.NotRunReason {
			n++
		}
	}
	return n
}

// printSummary writes one line per area, then the failures and warnings
// with their reasons; verbose lists every spec. res must be redacted
// already (see [reports.Redact]).
func printSummary(w io.Writer, res *reports.Results, verbose bool, out string) {
	r := res.Run
	where := r.Target
	if r.Embedded {
		where += " (embedded reference)"
	}
	fmt.Fprintf(w, "scimtest %s: %s, profile %s, seed %d, run ID %s\n\n", r.Version, where, r.Profile, r.Seed, r.RunID)
	c := res.Counts()
	for _, area := range c.Areas() {
		t := c.ByArea[area]
		fmt.Fprintf(w, "  %-16s %3d passed  %3d failed  %3d warnings  %3d skipped\n", area, t.Passed, t.Failed, t.Warnings, t.Skipped)
	}
	fmt.Fprintln(w)
	for _, s := range res.Specs {
		show := s.State == reports.StateFailed || s.State == reports.StateWarning
		if !show && !verbose {
			continue
		}
		fmt.Fprintf(w, "%-8s [%s %s] %s\n", strings.ToUpper(s.State), s.Area, s.Level, s.Name)
		switch {
		case s.Failure != nil:
			for _, line := range strings.Split(s.Failure.Message, "\n") {
				fmt.Fprintf(w, "         %s\n", line)
			}
			if s.Failure.Location != "" {
				fmt.Fprintf(w, "         at %s\n", s.Failure.Location)
			}
		case s.SkipReason != "" && verbose:
			fmt.Fprintf(w, "         %s\n", s.SkipReason)
		}
	}
	printNotices(w, r)
	verdict := "CONFORMANT"
	if !r.Conformant {
		verdict = "NOT CONFORMANT"
	}
	if r.Interrupted != "" {
		verdict += " (" + r.Interrupted + ")"
	}
	fmt.Fprintf(w, "\n%s: %d passed, %d failed, %d warnings, %d skipped in %v. Reports in %s\n",
		verdict, c.Passed, c.Failed, c.Warnings, c.Skipped, res.Duration().Round(time.Millisecond), out)
}
