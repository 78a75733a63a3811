package lifecycle

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/guard"
	"github.com/scimtest/scimtest/simulator/transcript"
)

// statusCoder is implemented by the typed errors of simulator/okta and
// simulator/entra; an error without it counts as "no response".
type statusCoder interface {
	HTTPStatus() int
	SCIMType() string
}

// adminMessager is implemented by errors that know what the IdP's admin
// console would show ("Okta would report: ...", "Entra would report: ...").
type adminMessager interface {
	AdminMessage() string
}

// quarantiner is implemented by errors after which Entra would quarantine
// the provisioning job at once.
type quarantiner interface {
	QuarantineCause() bool
}

// statusOf returns the HTTP status and scimType carried by err; status 0
// means no response arrived.
func statusOf(err error) (int, string) {
	var sc statusCoder
	if errors.As(err, &sc) {
		return sc.HTTPStatus(), sc.SCIMType()
	}
	return 0, ""
}

// errKey classifies errors for the summary. Cause tells apart the
// failures without a response (a timeout, a refused redirect, a cut body),
// which share status 0.
type errKey struct {
	Status   int
	ScimType string
	Cause    string
}

// ErrorClass is one class of failed operations in a [Summary].
type ErrorClass struct {
	// Status is the HTTP status; 0 when no response arrived.
	Status int
	// ScimType is the scimType of the SCIM error body, if any.
	ScimType string
	// Cause names the class of a failure without a response ("timeout",
	// "refused by the guard", ...); empty when a response arrived.
	Cause string
	// Count is how many operations failed this way.
	Count int64
	// Kind is the operation kind of the first example.
	Kind Kind
	// Example is the first error of the class.
	Example string
	// Admin is what the IdP's admin would read for the first example.
	Admin string
}

// KindCount is the tally of one operation kind.
type KindCount struct {
	// Kind is the operation kind.
	Kind Kind
	// OK counts operations that succeeded.
	OK int64
	// Failed counts operations that failed.
	Failed int64
	// Skipped counts operations not attempted because an earlier step for
	// the same object failed.
	Skipped int64
	// NotRun counts operations never started because the run was stopped
	// (interrupted, or out of time).
	NotRun int64
}

// stats gathers a run's counters. Everything it holds is bounded by the
// number of operation kinds and error classes, never by the number of
// requests.
type stats struct {
	mu     sync.Mutex
	kinds  []Kind
	ops    map[Kind]*KindCount
	errs   map[errKey]*ErrorClass
	quar   atomic.Bool
	status map[int]int64

	// uncertain counts creates that may have happened unseen (see
	// [Summary].UncertainCreates).
	uncertain int64

	lat      histogram
	requests atomic.Int64
	noResp   atomic.Int64
}

func newStats() *stats {
	return &stats{ops: map[Kind]*KindCount{}, errs: map[errKey]*ErrorClass{}, status: map[int]int64{}}
}

// hook observes every HTTP attempt: latency and status.
func (s *stats) hook(ex transcript.Exchange) {
	s.requests.Add(1)
	if ex.Status == 0 {
		s.noResp.Add(1)
		return
	}
	s.lat.observe(ex.Duration)
	s.mu.Lock()
	s.status[ex.Status]++
	s.mu.Unlock()
}

// kind returns the tally of k, adding it in first-run order; s.mu is held.
func (s *stats) kind(k Kind) *KindCount {
	kc, ok := s.ops[k]
	if !ok {
		kc = &KindCount{Kind: k}
		s.ops[k] = kc
		s.kinds = append(s.kinds, k)
	}
	return kc
}

// notRun tallies n operations of kind k that never started.
func (s *stats) notRun(k Kind, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kind(k).NotRun += n
}

// record tallies the outcome of one operation.
func (s *stats) record(k Kind, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kc := s.kind(k)
	switch {
	case err == nil:
		kc.OK++
		return
	case errors.Is(err, ErrSkipped):
		kc.Skipped++
		return
	}
	kc.Failed++
	status, scimType := statusOf(err)
	if (k == KindCreateUser || k == KindPushGroup) && status < 300 {
		s.uncertain++
	}
	var q quarantiner
	if errors.As(err, &q) && q.QuarantineCause() {
		s.quar.Store(true)
	}
	key := errKey{Status: status, ScimType: scimType}
	example := err.Error()
	if status == 0 {
		// A failure without a response reads as the operation and one line
		// of diagnosis, not as net/http's error nested in the IdP's wording.
		key.Cause, example = noResponse(err)
	}
	ec, ok := s.errs[key]
	if !ok {
		ec = &ErrorClass{Status: status, ScimType: scimType, Cause: key.Cause, Kind: k, Example: example}
		// A guard refusal never reached the target: the IdP would have sent
		// the request and reports nothing of the kind, so it stays out of
		// the admin's view (the summary lists it under "Guard:").
		var am adminMessager
		if errors.As(err, &am) && !errors.Is(err, guard.ErrForeign) {
			ec.Admin = am.AdminMessage()
		}
		s.errs[key] = ec
	}
	ec.Count++
}

// Summary is the outcome of a lifecycle run.
type Summary struct {
	// IdP is "okta" or "entra".
	IdP string
	// Ops tallies operations by kind, in the order they first ran.
	Ops []KindCount
	// Errors lists failed operations by status and scimType, most frequent first.
	Errors []ErrorClass
	// Requests counts HTTP attempts, retries included.
	Requests int64
	// NoResponse counts attempts that got no response (timeouts, resets).
	NoResponse int64
	// Statuses counts responses by HTTP status.
	Statuses map[int]int64
	// P50, P95 and P99 are request latency percentiles, accurate to 6.25%.
	P50, P95, P99 time.Duration
	// Elapsed is the wall time of the run.
	Elapsed time.Duration
	// Admin lists what the IdP's admin would see.
	Admin []string
	// Quarantine is true when Entra would quarantine the job.
	Quarantine bool
	// UncertainCreates counts creates that failed without a usable answer
	// (no response, or a 2xx the IdP could not read): the target may hold
	// these objects although the run never learned their ids.
	UncertainCreates int64
	// RunID marks every resource the run created; `scimtest cleanup
	// --run-id` finds leftovers by it.
	RunID string
	// Stopped says why the run ended before its work was done
	// ("interrupted", the whole-run timeout); empty when it was not.
	Stopped string
	// Throttling counts the target's 429 and 503 answers and the time the
	// client held requests back for them.
	Throttling simulator.ThrottleStats
	// Refused lists, once each and with how often when more than once, the
	// requests the guard refused because they would have changed a
	// resource the run did not create; RefusedTotal counts them all.
	Refused      []string
	RefusedTotal int
}

// Failed reports whether any operation failed.
func (s *Summary) Failed() bool {
	for _, k := range s.Ops {
		if k.Failed > 0 {
			return true
		}
	}
	return false
}

// Count returns the tally of kind k.
func (s *Summary) Count(k Kind) KindCount {
	for _, kc := range s.Ops {
		if kc.Kind == k {
			return kc
		}
	}
	return KindCount{Kind: k}
}

// NotRun sums the operations never started because the run was stopped.
func (s *Summary) NotRun() int64 {
	var n int64
	for _, k := range s.Ops {
		n += k.NotRun
	}
	return n
}

// Leftovers reports whether the run may have left resources on the target:
// cleanup was skipped (keep), stopped or failed for some object, or a
// create got no usable answer (the target may have created the object
// without the run learning its id).
func (s *Summary) Leftovers(keep bool) bool {
	if keep {
		return s.Count(KindCreateUser).OK+s.Count(KindPushGroup).OK > 0
	}
	for _, k := range []Kind{KindDeleteUser, KindDeleteGroup} {
		if c := s.Count(k); c.Failed+c.NotRun > 0 {
			return true
		}
	}
	return s.UncertainCreates > 0
}

// Totals sums the tallies of every kind.
func (s *Summary) Totals() (ok, failed, skipped int64) {
	for _, k := range s.Ops {
		ok += k.OK
		failed += k.Failed
		skipped += k.Skipped
	}
	return
}

// Throughput is requests per second over the whole run.
func (s *Summary) Throughput() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

func (s *stats) summary(idp string, elapsed time.Duration) *Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := &Summary{IdP: idp, Elapsed: elapsed, Requests: s.requests.Load(), NoResponse: s.noResp.Load(),
		Statuses: map[int]int64{}, P50: s.lat.quantile(0.50), P95: s.lat.quantile(0.95), P99: s.lat.quantile(0.99),
		Quarantine: s.quar.Load(), UncertainCreates: s.uncertain}
	for _, k := range s.kinds {
		sum.Ops = append(sum.Ops, *s.ops[k])
	}
	for _, ec := range s.errs {
		sum.Errors = append(sum.Errors, *ec)
	}
	sort.Slice(sum.Errors, func(i, j int) bool {
		a, b := sum.Errors[i], sum.Errors[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Status != b.Status {
			return a.Status < b.Status
		}
		return a.ScimType < b.ScimType
	})
	for k, v := range s.status {
		sum.Statuses[k] = v
	}
	return sum
}

// Write prints the summary as plain text.
func (s *Summary) Write(w io.Writer) error {
	var b strings.Builder
	ok, failed, skipped := s.Totals()
	fmt.Fprintf(&b, "scimtest simulate %s: %d operations ok, %d failed, %d skipped", s.IdP, ok, failed, skipped)
	if n := s.NotRun(); n > 0 {
		fmt.Fprintf(&b, ", %d not attempted", n)
	}
	fmt.Fprintf(&b, " in %s", s.Elapsed.Round(time.Millisecond))
	if s.RunID != "" {
		fmt.Fprintf(&b, " (run ID %s)", s.RunID)
	}
	b.WriteString("\n")
	if s.Stopped != "" {
		fmt.Fprintf(&b, "Stopped: %s; operations in flight failed and the rest were not attempted.\n", s.Stopped)
	}
	b.WriteString("\nOperations\n")
	for _, k := range s.Ops {
		fmt.Fprintf(&b, "  %-18s %8d ok", k.Kind, k.OK)
		if k.Failed > 0 {
			fmt.Fprintf(&b, " %8d failed", k.Failed)
		}
		if k.Skipped > 0 {
			fmt.Fprintf(&b, " %8d skipped", k.Skipped)
		}
		if k.NotRun > 0 {
			fmt.Fprintf(&b, " %8d not attempted", k.NotRun)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nRequests: %d (%.1f/s), %d without response\n", s.Requests, s.Throughput(), s.NoResponse)
	codes := make([]int, 0, len(s.Statuses))
	for c := range s.Statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "  HTTP %d: %d\n", c, s.Statuses[c])
	}
	fmt.Fprintf(&b, "Latency: p50 %s  p95 %s  p99 %s\n", fmtDur(s.P50), fmtDur(s.P95), fmtDur(s.P99))
	if t := s.Throttling; t.Throttled > 0 {
		fmt.Fprintf(&b, "Throttled: the target answered 429/503 %d times; %d retries, requests held back %s in total, %d gave up, %d not sent (Retry-After beyond the wait budget)\n",
			t.Throttled, t.Retries, t.Waited.Round(time.Millisecond), t.GaveUp, t.NotSent)
	}
	if s.RefusedTotal > 0 {
		fmt.Fprintf(&b, "Guard: refused %d requests that would have changed a resource this run did not create\n", s.RefusedTotal)
		for i, r := range s.Refused {
			if i == maxRefusedShown {
				fmt.Fprintf(&b, "  ... and %d more\n", len(s.Refused)-i)
				break
			}
			fmt.Fprintf(&b, "  %s\n", r)
		}
	}
	if len(s.Errors) > 0 {
		b.WriteString("\nErrors by status and scimType (first example of each)\n")
		for _, e := range s.Errors {
			status := "no response"
			if e.Cause != "" {
				status = e.Cause
			}
			if e.Status != 0 {
				status = fmt.Sprintf("HTTP %d", e.Status)
			}
			if e.ScimType != "" {
				status += " " + e.ScimType
			}
			fmt.Fprintf(&b, "  %-28s %8d  e.g. %s: %s\n", status, e.Count, e.Kind, e.Example)
		}
	}
	if len(s.Admin) > 0 {
		fmt.Fprintf(&b, "\nWhat an %s admin would see\n", adminName(s.IdP))
		for _, a := range s.Admin {
			fmt.Fprintf(&b, "  %s\n", a)
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// counted lists each distinct line of lines once, in first-seen order,
// with "(N times)" when it occurred more than once.
func counted(lines []string) []string {
	n := map[string]int{}
	var order []string
	for _, l := range lines {
		if n[l] == 0 {
			order = append(order, l)
		}
		n[l]++
	}
	for i, l := range order {
		if n[l] > 1 {
			order[i] = fmt.Sprintf("%s (%d times)", l, n[l])
		}
	}
	return order
}

// maxRefusedShown bounds the guard's refusals listed in the summary.
const maxRefusedShown = 5

func adminName(idp string) string {
	switch idp {
	case "okta":
		return "Okta"
	case "entra":
		return "Entra"
	}
	return idp
}

// fmtDur rounds a latency for display.
func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// adminErrors lists each error class the way the IdP's admin would meet it,
// with how often it happened, for both IdPs' [Driver.Admin] lines.
func (s *Summary) adminErrors() []string {
	var out []string
	for _, e := range s.Errors {
		if e.Admin != "" {
			out = append(out, fmt.Sprintf("%d× %s", e.Count, e.Admin))
		}
	}
	return out
}
