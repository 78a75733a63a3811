// Package lifecycle runs a whole IdP provisioning lifecycle against a SCIM
// target at scale: test the connection, create users, update them, push
// groups, change memberships, rename, deactivate, reactivate, import, and
// clean up. It drives the flows of simulator/okta or simulator/entra with
// bounded concurrency and an optional request rate, and ends with a
// [Summary]: operations by kind, errors by status and scimType, latency
// percentiles, throughput and what the IdP's admin would see.
//
// A run is safe against a target shared with real data and bounded against
// one that misbehaves: every request goes through a [guard.Guard], so no
// flow writes to a resource the run did not create; [Config].RunTimeout
// bounds the lifecycle, and after a stop (timeout or cancelled context) the
// run still deletes what it created within [Config].CleanupGrace. A
// connection test that cannot pass is a [*StartError] of one line.
//
// A run keeps no per-request records: fixtures are regenerated from the seed
// and the object index whenever a step needs them, latencies go into a
// fixed-size histogram, and exchanges stream to the caller's hook. Only the
// IdP's own client-side state (source object → SCIM id) grows with the
// number of users.
package lifecycle

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/guard"
	"github.com/scimtest/scimtest/simulator/transcript"
)

// Kind names one kind of operation in the summary.
type Kind string

// Operation kinds. Not every IdP runs every kind.
const (
	KindTestCredentials Kind = "test-credentials"
	KindCreateUser      Kind = "create-user"
	KindUpdateUser      Kind = "update-user"
	KindSetManager      Kind = "set-manager"
	KindPushGroup       Kind = "push-group"
	KindAddMembers      Kind = "add-members"
	KindRemoveMembers   Kind = "remove-members"
	KindRenameGroup     Kind = "rename-group"
	KindReadGroup       Kind = "read-group"
	KindDeactivateUser  Kind = "deactivate-user"
	KindReactivateUser  Kind = "reactivate-user"
	KindImportUsers     Kind = "import-users"
	KindImportGroups    Kind = "import-groups"
	KindDeleteGroup     Kind = "delete-group"
	KindDeleteUser      Kind = "delete-user"
)

// ErrSkipped is returned by a step that was not attempted because an earlier
// step for the same object failed; it is counted apart from failures.
var ErrSkipped = errors.New("skipped: an earlier step for this object failed")

// ErrUnreachable wraps a credential-test failure that got no response: the
// run cannot start.
var ErrUnreachable = errors.New("target unreachable")

// ErrUnauthorized wraps a credential-test failure with 401 or 403: the
// token is wrong, so the run cannot start.
var ErrUnauthorized = errors.New("target rejected the credentials")

// ErrNotSCIM wraps a credential-test failure whose answer is not SCIM JSON
// at all (an HTML or text page): the base URL is most likely wrong, so the
// run cannot start.
var ErrNotSCIM = errors.New("target does not answer SCIM")

// ErrTestFailed wraps a credential test the target answered with a SCIM
// 404, most likely at a wrong base path: the run cannot go on; [Run] still
// returns the summary of what the IdP's admin would see.
var ErrTestFailed = errors.New("credential test failed")

// ErrRunTimeout is the cause of a run stopped by [Config].RunTimeout.
var ErrRunTimeout = errors.New("the whole-run timeout was reached")

// Phase is one step of the lifecycle, run once per object index.
type Phase struct {
	// Kind is counted in the summary.
	Kind Kind
	// N is the number of operations.
	N int
	// Do runs operation i (0 ≤ i < N).
	Do func(ctx context.Context, i int) error
	// Sequential runs the operations one at a time, in order (imports page
	// through results).
	Sequential bool
}

// Driver adapts one IdP simulator to the runner.
type Driver interface {
	// TestCredentials runs the IdP's connection test.
	TestCredentials(ctx context.Context) error
	// Phases returns the lifecycle steps in order, cleanup excluded.
	Phases() []Phase
	// Cleanup returns the steps that delete what the run created; they
	// only touch objects the driver holds an id for.
	Cleanup() []Phase
	// Admin says what the IdP's admin would see after a run.
	Admin(s *Summary) []string
}

// Config describes one run.
type Config struct {
	// IdP is "okta" or "entra".
	IdP string
	// Dialect is the Entra PATCH dialect ("default" or "compliant"); Okta
	// ignores it.
	Dialect string
	// BaseURL is the SCIM base URL of the target.
	BaseURL string
	// Token is the bearer token.
	Token string
	// Users, Groups and MembersPerGroup size the run.
	Users, Groups, MembersPerGroup int
	// Concurrency is the number of operations in flight; 0 means 1.
	Concurrency int
	// Rate caps requests per second; 0 means no cap.
	Rate float64
	// Seed fixes the fixture data.
	Seed int64
	// RunID marks every resource the run creates.
	RunID string
	// Keep skips the cleanup steps.
	Keep bool
	// Timeout bounds each request; 0 means the client default.
	Timeout time.Duration
	// RunTimeout bounds the lifecycle before cleanup; 0 means no bound.
	// When it expires (or ctx is cancelled), the operations in flight fail,
	// the rest are not attempted, and cleanup still runs within
	// CleanupGrace.
	RunTimeout time.Duration
	// CleanupGrace bounds cleanup once the run was stopped (RunTimeout or
	// ctx); 0 means [CleanupGrace](Timeout). Cleanup of a run that was not
	// stopped gets the same grace after RunTimeout.
	CleanupGrace time.Duration
	// Hook receives every exchange (for a HAR transcript); may be nil.
	Hook transcript.Hook
	// Progress receives a progress bar; nil draws none.
	Progress io.Writer
	// HTTPClient sends the requests; nil means a pooled client sized for
	// Concurrency.
	HTTPClient *http.Client
	// TLS configures the pooled client's TLS (a private CA, or no
	// verification); nil means Go's default. It is unused with HTTPClient.
	TLS *tls.Config
}

// validate refuses a configuration the run cannot start with.
func (c *Config) validate() error {
	switch {
	case c.IdP != "okta" && c.IdP != "entra":
		return fmt.Errorf("lifecycle: unknown IdP %q (want okta or entra)", c.IdP)
	case c.BaseURL == "":
		return errors.New("lifecycle: no target URL")
	case c.Users < 1:
		return fmt.Errorf("lifecycle: users must be at least 1, got %d", c.Users)
	case c.Groups < 0:
		return fmt.Errorf("lifecycle: groups must not be negative, got %d", c.Groups)
	case c.MembersPerGroup < 0:
		return fmt.Errorf("lifecycle: members per group must not be negative, got %d", c.MembersPerGroup)
	case c.MembersPerGroup > c.Users:
		return fmt.Errorf("lifecycle: members per group (%d) exceeds users (%d)", c.MembersPerGroup, c.Users)
	case c.Concurrency < 0:
		return fmt.Errorf("lifecycle: concurrency must not be negative, got %d", c.Concurrency)
	case c.Rate < 0:
		return fmt.Errorf("lifecycle: rate must not be negative, got %g", c.Rate)
	}
	if c.Concurrency == 0 {
		c.Concurrency = 1
	}
	return nil
}

// Run runs the lifecycle described by cfg. It returns an error only when the
// run could not happen: a bad configuration, or a failed credential test
// that got no response ([ErrUnreachable]), a refused token
// ([ErrUnauthorized]) or a page that is not SCIM ([ErrNotSCIM]), each as a
// [*StartError] whose message is one line naming the cause and the fix. A
// credential test the target answered with a SCIM 404 ([ErrTestFailed])
// returns the summary (what the IdP's admin would see) and a StartError.
// Failed operations are in the summary.
//
// Every request goes through a [guard.Guard], so no flow can write to a
// resource the run did not create. When ctx is cancelled or RunTimeout
// expires, the run stops, cleans up what it created within CleanupGrace
// (unless Keep) and returns the summary, with [Summary].Stopped saying why.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	st := newStats()
	hc := cfg.HTTPClient
	if hc == nil {
		// The default transport keeps 2 idle connections per host, which
		// would make every concurrent request beyond two dial anew.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Concurrency
		tr.MaxIdleConns = cfg.Concurrency
		tr.TLSClientConfig = cfg.TLS
		hc = &http.Client{Transport: tr}
	}
	if cfg.Rate > 0 {
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		lim := newRateLimited(base, cfg.Rate)
		defer lim.stop()
		cp := *hc
		cp.Transport = lim
		hc = &cp
	}
	// The guard wraps the rate-limited client, so it sees every request a
	// flow sends, retries included, and a refused one never takes a slot. The run's marker
	// makes the resources it names the run's: a userName the target
	// rewrote, and the users of an earlier run with the same RunID, which
	// Okta links as it would in production.
	g := guard.New()
	if cfg.RunID != "" {
		g.Own(fixtures.Marker(cfg.RunID))
	}
	hc = g.Client(hc)
	probe := &firstAnswer{}
	hook := func(ex transcript.Exchange) {
		st.hook(ex)
		probe.see(ex)
		if cfg.Hook != nil {
			cfg.Hook(ex)
		}
	}
	driver, client, err := newDriver(cfg, hc, hook)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if cfg.RunTimeout > 0 {
		runCtx, cancel = context.WithTimeoutCause(ctx, cfg.RunTimeout, ErrRunTimeout)
	}
	defer cancel()

	probe.arm()
	err = driver.TestCredentials(runCtx)
	probe.disarm()
	if err != nil {
		if serr := startError(cfg.IdP, err, probe.exchange()); serr != nil {
			return nil, serr
		}
		// The IdP refuses to enable provisioning when its test fails, so
		// the run stops here and the summary says why; a 404 also makes it
		// a run that could not start (wrong base path).
		st.record(KindTestCredentials, err)
		return finish(st, driver, cfg, client, g, start), testFailed(cfg.IdP, err, probe.exchange())
	}
	st.record(KindTestCredentials, nil)

	phases := driver.Phases()
	var cleanup []Phase
	if !cfg.Keep {
		cleanup = driver.Cleanup()
	}
	var total int64
	for _, p := range append(phases[:len(phases):len(phases)], cleanup...) {
		total += int64(p.N)
	}
	bar := newBar(cfg.Progress, total)
	for _, p := range phases {
		runPhase(runCtx, p, cfg.Concurrency, st, bar)
	}
	stopped := stopReason(runCtx)
	if len(cleanup) > 0 {
		cctx, ccancel := cleanupContext(ctx, runCtx, cfg)
		for _, p := range cleanup {
			runPhase(cctx, p, cfg.Concurrency, st, bar)
		}
		if stopped == "" {
			stopped = stopReason(cctx)
		}
		ccancel()
	}
	if bar != nil {
		_ = bar.Finish() // a drawing error must not fail the run
		_, _ = io.WriteString(cfg.Progress, "\n")
	}
	s := finish(st, driver, cfg, client, g, start)
	s.Stopped = stopped
	return s, nil
}

// cleanupContext is the context cleanup runs in: not cancelled with ctx
// (an interrupted run still removes what it created), but ended
// CleanupGrace after runCtx ends, so a target that hangs cannot hold the
// run beyond its bound.
func cleanupContext(ctx, runCtx context.Context, cfg Config) (context.Context, context.CancelFunc) {
	grace := cfg.CleanupGrace
	if grace <= 0 {
		grace = CleanupGrace(cfg.Timeout)
	}
	cctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stop := context.AfterFunc(runCtx, func() {
		t := time.AfterFunc(grace, func() {
			cancel(fmt.Errorf("cleanup did not finish within %v: %w", grace, ErrRunTimeout))
		})
		context.AfterFunc(cctx, func() { t.Stop() })
	})
	return cctx, func() {
		stop()
		cancel(context.Canceled)
	}
}

// CleanupGrace is the default bound of cleanup after a stopped run: two
// request timeouts, at least 5s, so a DELETE that hangs once still leaves
// time for the others. A zero requestTimeout means the client default.
func CleanupGrace(requestTimeout time.Duration) time.Duration {
	if requestTimeout <= 0 {
		requestTimeout = simulator.DefaultTimeout
	}
	return max(2*requestTimeout, 5*time.Second)
}

// stopReason says why ctx ended before the run's work did; empty when it
// did not.
func stopReason(ctx context.Context) string {
	if ctx.Err() == nil {
		return ""
	}
	if cause := context.Cause(ctx); errors.Is(cause, ErrRunTimeout) {
		return cause.Error()
	}
	return "interrupted"
}

// finish turns the run's stats into its summary: throttling, the guard's
// refusals and what the IdP's admin would see.
func finish(st *stats, d Driver, cfg Config, c *simulator.Client, g *guard.Guard, start time.Time) *Summary {
	s := st.summary(cfg.IdP, time.Since(start))
	s.RunID = cfg.RunID
	s.Throttling = c.Throttling()
	s.RefusedTotal, s.Refused = g.RefusedCount(), counted(g.Refused())
	s.Admin = d.Admin(s)
	return s
}

// newBar draws on w with github.com/schollz/progressbar/v3: it is
// maintained, throttles its redraws (cheap at thousands of updates a
// second) and needs no terminal setup. The caller passes a nil w when
// stderr is not a terminal, so CI logs stay clean.
func newBar(w io.Writer, total int64) *progressbar.ProgressBar {
	if w == nil {
		return nil
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("ops"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
	)
}

// runPhase runs p's operations on up to conc workers. Once ctx ends, no
// further operation starts: they are counted as not attempted, and an
// operation that fails because ctx ended says so instead of quoting the
// cancelled request.
func runPhase(ctx context.Context, p Phase, conc int, st *stats, bar *progressbar.ProgressBar) {
	if bar != nil {
		bar.Describe(fmt.Sprintf("%-16s", p.Kind))
	}
	if p.Sequential {
		conc = 1
	}
	if conc > p.N {
		conc = p.N
	}
	var next, attempted atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= p.N || ctx.Err() != nil {
					return
				}
				attempted.Add(1)
				err := safeDo(ctx, p, i)
				if err != nil && ctx.Err() != nil && !errors.Is(err, ErrSkipped) {
					// Only a request left without an answer was cut by the
					// stop; a status the target sent stays the reason.
					if status, _ := statusOf(err); status == 0 {
						err = &stoppedError{reason: stopReason(ctx), err: err}
					}
				}
				st.record(p.Kind, err)
				if bar != nil {
					_ = bar.Add(1) // drawing errors are cosmetic
				}
			}
		}()
	}
	wg.Wait()
	if left := int64(p.N) - attempted.Load(); left > 0 {
		st.notRun(p.Kind, left)
		if bar != nil {
			_ = bar.Add64(left) // the bar still ends at its total
		}
	}
}

// safeDo runs one operation, turning a panic in a flow into a failure of
// that operation rather than a crash of the whole run.
func safeDo(ctx context.Context, p Phase, i int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s #%d: panic: %v", p.Kind, i, r)
		}
	}()
	return p.Do(ctx, i)
}

// newDriver builds the IdP driver and the client it sends through, whose
// throttling counters the summary reports.
func newDriver(cfg Config, hc *http.Client, hook transcript.Hook) (Driver, *simulator.Client, error) {
	opts := simulator.Options{
		BaseURL:    cfg.BaseURL,
		Auth:       simulator.Bearer(cfg.Token),
		Timeout:    cfg.Timeout,
		HTTPClient: hc,
		Hook:       hook,
	}
	switch cfg.IdP {
	case "entra":
		return newEntraDriver(cfg, opts)
	case "okta":
		return newOktaDriver(cfg, opts)
	}
	return nil, nil, fmt.Errorf("lifecycle: unknown IdP %q", cfg.IdP)
}
