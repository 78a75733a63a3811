package suites

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/simulator/transcript"
	"github.com/scimtest/scimtest/suites/requirements"
)

// convert turns Ginkgo's report into the results model. Specs the selection
// (profile, label filter, focus, skip) left out are omitted; a failed SHOULD
// or MAY spec becomes a warning unless the run is strict.
func convert(r types.Report, t *Target, opts Options, filter string, started time.Time) *reports.Results {
	res := &reports.Results{
		SchemaVersion: reports.SchemaVersion,
		Run: reports.Run{
			Target:       redactURL(t.BaseURL),
			Embedded:     opts.Embedded,
			Profile:      t.Profile,
			LabelFilter:  filter,
			Seed:         r.SuiteConfig.RandomSeed,
			RunID:        t.RunID,
			Version:      opts.Version,
			Strict:       t.Strict,
			Capabilities: CapabilityMap(),
			Started:      started.UTC(),
			Finished:     time.Now().UTC(),
			Requirements: map[string]reports.Requirement{},
		},
	}
	if r.RunTime > 0 && !r.StartTime.IsZero() {
		res.Run.Started, res.Run.Finished = r.StartTime.UTC(), r.EndTime.UTC()
	}
	sel := newSelector(r.SuiteConfig)
	var setupFailure string
	ran := 0
	// What the run's timeout did, for the spec it stopped and for the run.
	timedOutMsg := timedOut(opts.Timeout, t.RequestTimeout)
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) && setupFailure == "" {
				setupFailure = strings.TrimSpace(sr.Failure.Message)
			}
			continue
		}
		if !sel.selected(sr) {
			continue
		}
		s := convertSpec(sr, t.Strict, timedOutMsg)
		if s.State != reports.StateSkipped {
			ran++
		}
		for _, id := range s.Requirements {
			if row, ok := requirements.Lookup(id); ok {
				res.Run.Requirements[id] = reports.Requirement{ID: row.ID, Section: row.Section, Keyword: row.Keyword, Level: row.Level, Text: row.Text}
			}
		}
		res.Specs = append(res.Specs, s)
	}
	switch {
	case strings.HasPrefix(setupFailure, setupPrefix):
		res.Run.Interrupted = setupFailure
	case slices.Contains(r.SpecialSuiteFailureReasons, suiteTimeoutElapsed):
		res.Run.Interrupted = timedOutMsg
		res.Run.TimedOut = true
	case setupFailure != "":
		res.Run.Interrupted = setupFailure
	case len(r.SpecialSuiteFailureReasons) > 0:
		res.Run.Interrupted = strings.Join(r.SpecialSuiteFailureReasons, "; ")
	}
	res.Run.Exclusions = exclusionCounts(res.Specs)
	res.Run.Conformant = ran > 0 && res.Run.Interrupted == ""
	for _, s := range res.Specs {
		if s.State == reports.StateFailed {
			res.Run.Conformant = false
		}
	}
	return res
}

// NotRunReason is the skip reason of a spec a stopped run (timeout, ^C)
// never reached.
const NotRunReason = "not run (the run was stopped before this spec)"

// suiteTimeoutElapsed is Ginkgo's special failure reason of a run that hit
// its suite timeout, and suiteTimeoutFailure the failure of the spec it
// stopped (ginkgo v2.34.0, internal/suite.go).
const (
	suiteTimeoutElapsed = "Suite Timeout Elapsed"
	suiteTimeoutFailure = "A suite timeout occurred"
)

// convertSpec converts one It; timedOut is what the run's timeout did, for
// the failure of the spec it stopped.
func convertSpec(sr types.SpecReport, strict bool, timedOut string) reports.Spec {
	m := metaFromLabels(sr.Labels())
	s := reports.Spec{
		Area:         m.Area,
		Name:         sr.FullText(),
		Labels:       sr.Labels(),
		Level:        string(m.Level),
		Requirements: m.Reqs,
		Duration:     sr.RunTime,
		Exchanges:    exchanges(sr.ReportEntries),
	}
	switch {
	case sr.State == types.SpecStatePassed:
		s.State = reports.StatePassed
	case sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending:
		s.State = reports.StateSkipped
		s.SkipReason = strings.TrimSpace(sr.Failure.Message)
		if s.SkipReason == "" {
			s.SkipReason = NotRunReason
		}
	default:
		s.State = reports.StateFailed
		if m.Valid && m.Level != MUST && !strict && sr.State == types.SpecStateFailed {
			s.State = reports.StateWarning
		}
		msg := strings.TrimSpace(sr.Failure.Message)
		if sr.State == types.SpecStatePanicked {
			msg = strings.TrimSpace(fmt.Sprintf("%s\npanic: %s", msg, sr.Failure.ForwardedPanic))
		}
		if sr.State == types.SpecStateTimedout && strings.HasPrefix(msg, suiteTimeoutFailure) {
			// Ginkgo's text says only that some timeout hit; say which, and
			// that the spec's cleanup still ran.
			msg = timedOut + "; this spec was running, its cleanup still ran"
			if af := sr.Failure.AdditionalFailure; af != nil && af.Failure.Message != "" {
				_, after, _ := strings.Cut(af.Failure.Message, "\n")
				if after = strings.TrimSpace(after); after != "" {
					msg += "\n" + after
				}
			}
		} else if sr.State != types.SpecStateFailed && sr.State != types.SpecStatePanicked {
			msg = strings.TrimSpace(fmt.Sprintf("%s: %s", sr.State, msg))
		}
		s.Failure = &reports.Failure{Message: msg, Location: sr.Failure.Location.String()}
		if first, _, _ := strings.Cut(msg, "\n"); strings.HasPrefix(first, preconditionPrefix) {
			s.Failure.Cause = statusCause(strings.TrimPrefix(first, preconditionPrefix))
		}
		noteThrottled(&s)
	}
	return s
}

// noteThrottled tells, in a failed spec's message, that its last request
// was still throttled after the client's retries: the failure may be the
// target's rate limit rather than the rule the spec checks. Such failures
// share one root cause in the report.
func noteThrottled(s *reports.Spec) {
	n := len(s.Exchanges)
	if n == 0 || s.Failure == nil {
		return
	}
	last := s.Exchanges[n-1]
	if last.Status != http.StatusTooManyRequests && last.Status != http.StatusServiceUnavailable {
		return
	}
	attempts := 0
	for i := n - 1; i >= 0; i-- {
		e := s.Exchanges[i]
		if e.Method != last.Method || e.URL != last.URL || e.Status != last.Status {
			break
		}
		attempts++
	}
	tries := "1 attempt"
	if attempts > 1 {
		tries = fmt.Sprintf("%d attempts", attempts)
	}
	// Retry-After may have asked for more than a request waits (the
	// client's MaxWait), so the message claims no waiting it cannot prove.
	s.Failure.Message += fmt.Sprintf("\nthrottled: the target still answered %d to %s %s after %s (scimtest retries within its wait budget as Retry-After asks); this failure may be its rate limit, not the rule (lower the load or raise the limit)",
		last.Status, last.Method, last.URL, tries)
	if s.Failure.Cause == "" {
		s.Failure.Cause = fmt.Sprintf("throttled by the target: %d after retries", last.Status)
	}
}

// causeDigits strips ids and names from a precondition message so that the
// same root cause on different resources groups together.
var causeStatus = regexp.MustCompile(`answered (\d{3})`)

// statusCause reduces a precondition message to "create user: 500"-like text.
func statusCause(msg string) string {
	what, _, _ := strings.Cut(msg, ":")
	if m := causeStatus.FindStringSubmatch(msg); m != nil {
		return what + " failed: " + m[1]
	}
	return what + " failed"
}

// exchanges extracts the "http" report entries. The value is the original
// Go value in-process and a map after a JSON round trip; marshalling and
// unmarshalling handles both.
func exchanges(entries types.ReportEntries) []transcript.Exchange {
	var out []transcript.Exchange
	for _, e := range entries {
		if e.Name != "http" {
			continue
		}
		raw, err := json.Marshal(e.GetRawValue())
		if err != nil {
			continue
		}
		var ex transcript.Exchange
		if err := json.Unmarshal(raw, &ex); err != nil {
			continue
		}
		out = append(out, ex)
	}
	return out
}

// redactURL drops credentials from a URL written to the report.
func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.Index(s[i+3:], "@"); at >= 0 && !strings.Contains(s[i+3:i+3+at], "/") {
			return s[:i+3] + s[i+3+at+1:]
		}
	}
	return s
}

// selector tells whether the run's selection (label filter, focus, skip)
// picked a spec, so specs left out are not reported as skipped.
type selector struct {
	filter      types.LabelFilter
	focus, skip []*regexp.Regexp
}

func newSelector(sc types.SuiteConfig) selector {
	var s selector
	if f, err := types.ParseLabelFilter(sc.LabelFilter); err == nil {
		s.filter = f
	}
	for _, re := range sc.FocusStrings {
		if c, err := regexp.Compile(re); err == nil {
			s.focus = append(s.focus, c)
		}
	}
	for _, re := range sc.SkipStrings {
		if c, err := regexp.Compile(re); err == nil {
			s.skip = append(s.skip, c)
		}
	}
	return s
}

func (s selector) selected(sr types.SpecReport) bool {
	if s.filter != nil && !s.filter(sr.Labels()) {
		return false
	}
	text := sr.FullText()
	if len(s.focus) > 0 {
		hit := false
		for _, re := range s.focus {
			hit = hit || re.MatchString(text)
		}
		if !hit {
			return false
		}
	}
	for _, re := range s.skip {
		if re.MatchString(text) {
			return false
		}
	}
	return true
}

// SpecInfo describes one spec of the tree, for listings.
type SpecInfo struct {
	// Name is the spec's full text.
	Name string
	// Area, Level and Requirements come from the spec's Meta.
	Area  string
	Level string
	// Requirements are the requirement IDs the spec checks.
	Requirements []string
	// Needs are the capabilities the spec depends on.
	Needs []string
	// Labels are all the spec's labels.
	Labels []string
}

// Preview walks the spec tree without running anything (no target needed)
// and returns every spec. Like RunSpecs it may only be called before Run in
// a process, and it runs no report writer (Run registers that).
func Preview() ([]SpecInfo, error) {
	sc, rc := GinkgoConfiguration()
	rc.Succinct = true
	gomega.RegisterFailHandler(Fail)
	rep := PreviewSpecs("SCIM conformance", sc, rc)
	registerGate() // PreviewSpecs dropped it; see registerGate
	var out []SpecInfo
	for _, sr := range rep.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		m := metaFromLabels(sr.Labels())
		info := SpecInfo{Name: sr.FullText(), Area: m.Area, Level: string(m.Level), Requirements: m.Reqs, Labels: sr.Labels()}
		for _, c := range m.Needs {
			info.Needs = append(info.Needs, string(c))
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if errs := MetaErrors(); len(errs) > 0 {
		return out, fmt.Errorf("spec metadata: %s", strings.Join(errs, "\n"))
	}
	return out, nil
}
