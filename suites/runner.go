package suites

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/guard"
)

// Errors returned by [Run] for runs that could not be made (exit 2).
var (
	// ErrUsage is a bad option: label filter, regexp, profile, capability.
	ErrUsage = errors.New("invalid options")
	// ErrUnreachable means the target could not be reached or is not SCIM.
	ErrUnreachable = errors.New("target unreachable")
)

// Options configure one conformance run.
type Options struct {
	// Target is what to test; Target.BaseURL is required.
	Target Target
	// Embedded records that the target is the in-process reference provider.
	Embedded bool
	// LabelFilter is an extra Ginkgo label filter, ANDed with the profile's.
	LabelFilter string
	// Focus and Skip are regexps on the spec's full text.
	Focus, Skip []string
	// Exclude keeps specs out of the run with a reason (see [Exclusion]);
	// one that matches no spec at all is a usage error.
	Exclude []Exclusion
	// Timeout bounds the whole run, cleanup and results included (0:
	// [DefaultTimeout]); see [RunGracePeriod] for how it is split.
	Timeout time.Duration
	// Version is the scimtest version recorded in the results.
	Version string
	// Console receives Ginkgo's own console report; nil discards it (the
	// CLI prints its summary from the results).
	Console io.Writer
	// Verbose makes the Ginkgo console report verbose.
	Verbose bool
	// NoColor disables colour in Ginkgo's output.
	NoColor bool
}

// failRecorder is the GinkgoTestingT of a run outside go test.
type failRecorder struct{ failed bool }

// Fail records that the suite failed.
func (f *failRecorder) Fail() { f.failed = true }

var (
	runMu   sync.Mutex
	results *reports.Results
)

// Run tests the target once and returns the results. Ginkgo allows one
// RunSpecs per process, so Run can be called once per process. The error is
// non-nil only when the run could not be made ([ErrUsage], [ErrUnreachable]);
// a non-conformant target is a nil error and Results.Run.Conformant false.
func Run(ctx context.Context, opts Options) (*reports.Results, error) {
	sc, rc, err := configure(opts)
	if err != nil {
		return nil, err
	}
	t := opts.Target
	bnd := newBound(time.Now(), opts.Timeout, t.RequestTimeout)
	t.Require = append(append([]Capability(nil), t.Require...), Profiles[t.Profile].Requires...)
	if t.RunID == "" {
		return nil, fmt.Errorf("%w: empty run ID", ErrUsage)
	}
	exclusions, err := compileExclusions(opts.Exclude)
	if err != nil {
		return nil, err
	}
	if len(exclusions) > 0 {
		// Preview must come before RunSpecs and before the report writer
		// is registered (PreviewSpecs runs ReportAfterSuite nodes).
		tree, _ := Preview() // metadata errors fail their specs in the run
		if err := checkExclusionsMatch(exclusions, tree); err != nil {
			return nil, err
		}
	}
	auth := simulator.NoAuth
	if t.Token != "" {
		auth = simulator.Bearer(t.Token)
	}
	// Every request of the run goes through the guard, which refuses any
	// write naming a resource the run did not create (simulator/guard).
	// The run's marker makes resources carrying its run ID its own, also when
	// a target rewrites userName or a re-used --run-id links a run's users.
	g := guard.New().Own(fixtures.Marker(t.RunID))
	client, err := simulator.New(simulator.Options{
		BaseURL:    t.BaseURL,
		Auth:       auth,
		Timeout:    t.RequestTimeout,
		HTTPClient: g.Client(t.HTTPClient),
		Retry:      simulator.RetryPolicy{MaxRetries: 2, MaxWait: 10 * time.Second},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	pctx, cancel := context.WithDeadline(ctx, bnd.specsEnd)
	err = probe(pctx, client, t.Token != "", startWait(bnd.timeout))
	cancel()
	if err != nil {
		return nil, err
	}

	runMu.Lock()
	defer runMu.Unlock()
	setTarget(&t)
	setExclusions(exclusions)
	suiteClient = client
	results = nil
	started := time.Now()
	ReportAfterSuite("scimtest results", func(r types.Report) {
		res := convert(r, &t, opts, sc.LabelFilter, started)
		results = res
	})
	gomega.RegisterFailHandler(Fail)
	// A passing run with programmatic focus would otherwise os.Exit(197).
	if err := os.Setenv("GINKGO_EDITOR_INTEGRATION", "1"); err != nil {
		return nil, fmt.Errorf("set GINKGO_EDITOR_INTEGRATION: %w", err)
	}
	out := opts.Console
	if out == nil {
		out = io.Discard
	}
	formatter.ColorableStdOut = out
	if opts.NoColor {
		formatter.SingletonFormatter = formatter.New(formatter.ColorModeNone)
	}
	if sc.Timeout, err = bnd.specsTimeout(time.Now()); err != nil {
		return nil, err
	}
	sc.GracePeriod = bnd.grace
	RunSpecs(&failRecorder{}, "SCIM conformance", sc, rc, bnd.node())
	if results == nil {
		return nil, errors.New("suites: Ginkgo returned without a report")
	}
	results.Run.Throttle = throttleRecord(client.Throttling())
	results.Run.Refused = g.Refused()
	if results.Run.Interrupted != "" && strings.HasPrefix(results.Run.Interrupted, setupPrefix) {
		return results, fmt.Errorf("%w: %s", ErrUnreachable, strings.TrimPrefix(results.Run.Interrupted, setupPrefix))
	}
	return results, nil
}

// throttleRecord is the results' account of the target's 429 and 503
// answers (all copies of the run's client share the statistics); nil when
// the target never throttled.
func throttleRecord(s simulator.ThrottleStats) *reports.Throttle {
	if s.Throttled == 0 && s.GaveUp == 0 && s.NotSent == 0 {
		return nil
	}
	return &reports.Throttle{Throttled: s.Throttled, Retries: s.Retries, Waited: s.Waited, GaveUp: s.GaveUp, NotSent: s.NotSent}
}

// configure validates the options and builds the Ginkgo configuration from
// GinkgoConfiguration (a zero SuiteConfig makes Ginkgo exit the process).
func configure(opts Options) (types.SuiteConfig, types.ReporterConfig, error) {
	sc, rc := GinkgoConfiguration()
	t := opts.Target
	u, err := url.Parse(t.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return sc, rc, fmt.Errorf("%w: target %q is not an http(s) URL", ErrUsage, t.BaseURL)
	}
	filter, err := EffectiveFilter(t.Profile, opts.LabelFilter)
	if err != nil {
		return sc, rc, err
	}
	for _, re := range append(append([]string(nil), opts.Focus...), opts.Skip...) {
		if _, err := regexp.Compile(re); err != nil {
			return sc, rc, fmt.Errorf("%w: regexp %q: %v", ErrUsage, re, err)
		}
	}
	for _, c := range t.Require {
		if _, err := ParseCapability(string(c)); err != nil {
			return sc, rc, fmt.Errorf("%w: --require: %v", ErrUsage, err)
		}
	}
	sc.LabelFilter = filter
	sc.FocusStrings = opts.Focus
	sc.SkipStrings = opts.Skip
	sc.FailOnEmpty = true
	sc.RandomSeed = t.Seed
	if opts.Timeout > 0 {
		sc.Timeout = opts.Timeout
	}
	rc.NoColor = opts.NoColor
	rc.Verbose = opts.Verbose
	rc.Succinct = !opts.Verbose
	return sc, rc, nil
}

// EffectiveFilter combines the profile's label with an extra label filter and
// validates the result (an invalid filter makes Ginkgo exit the process).
func EffectiveFilter(profile, extra string) (string, error) {
	var parts []string
	switch profile {
	case "", "all":
	default:
		if _, ok := Profiles[profile]; !ok {
			return "", fmt.Errorf("%w: unknown profile %q (known: %s)", ErrUsage, profile, strings.Join(ProfileNames(), ", "))
		}
		parts = append(parts, profile)
	}
	if strings.TrimSpace(extra) != "" {
		parts = append(parts, "("+extra+")")
	}
	filter := strings.Join(parts, " && ")
	if _, err := types.ParseLabelFilter(filter); err != nil {
		return "", fmt.Errorf("%w: label filter %q: %s", ErrUsage, extra, oneLine(ansi.ReplaceAllString(err.Error(), "")))
	}
	return filter, nil
}

// ansi matches terminal colour sequences, which Ginkgo puts in its errors.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// oneLine joins the lines of a Ginkgo error into one, without its link.
func oneLine(msg string) string {
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "Learn more") {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, ": ")
}
