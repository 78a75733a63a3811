package suites

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/simulator"
)

// probeError is why a run could not start: Error is the one line the CLI
// prints (cause and likely fix); it wraps [ErrUnreachable], and
// [ErrNotSCIM] when the target answered but not like SCIM.
type probeError struct {
	kinds []error
	msg   string
}

// Error is the one line the CLI prints.
func (e *probeError) Error() string { return e.msg }

// Unwrap returns the kinds, for errors.Is.
func (e *probeError) Unwrap() []error { return e.kinds }

// probe checks once, before any spec, that the target answers like a SCIM
// service provider and accepts the token, so a run that cannot work stops
// within seconds with one line naming the cause and the fix instead of
// failing every spec. hasToken tells whether a token was given at all.
//
// RFC 7644 §4 lets discovery be served without authentication, so a token
// refused everywhere else would pass the first check: the Users endpoint is
// asked once too. Only a refused token stops the run there; any other
// answer from /Users (or none) is left to the specs to judge, so a target
// that hangs on /Users still gets a report.
//
// A target may throttle the run's very first request (a rate-limit window
// another client of the same token opened): the probe honours a 429 or 503
// on /ServiceProviderConfig for up to wait in all (see [startWait]), longer
// than the run's own retry policy, rather than stop a run the target would
// serve a little later. wait <= 0 keeps c's policy.
func probe(ctx context.Context, c *simulator.Client, hasToken bool, wait time.Duration) error {
	const spc = "/ServiceProviderConfig"
	first := c
	if wait > 0 {
		first = c.WithRetry(simulator.RetryPolicy{MaxRetries: startRetries, MaxWait: wait})
	}
	before := c.Throttling().Waited
	resp, err := first.Get(ctx, spc)
	if err != nil {
		return &probeError{[]error{ErrUnreachable}, fmt.Sprintf("%v: %s", ErrUnreachable, simulator.Diagnose(err))}
	}
	if msg := refused(resp.Status, spc, hasToken); msg != "" {
		return &probeError{[]error{ErrUnreachable}, msg}
	}
	where := redactURL(c.BaseURL()) + spc
	if resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable {
		// Nothing else runs yet: what the gate counts was the probe's wait.
		// Not ErrNotSCIM: a throttling target may be SCIM, just busy.
		waited := c.Throttling().Waited - before
		return &probeError{[]error{ErrUnreachable}, throttledStart(where, resp, waited, wait)}
	}
	if resp.Status != http.StatusOK || !gjson.ValidBytes(resp.Body) {
		return &probeError{[]error{ErrUnreachable, ErrNotSCIM}, notSCIM(where, resp)}
	}
	// A lookup by userName (the request Okta's own credential test sends)
	// rather than a bare list: some providers refuse an unfiltered list
	// with 403, which must not read as a refused token.
	lookup := url.Values{"filter": {`userName eq "scimtest-probe"`}, "count": {"1"}}
	r, err := c.Do(ctx, simulator.Request{Path: "/Users", Query: lookup})
	if err == nil {
		if msg := refused(r.Status, "/Users", hasToken); msg != "" {
			return &probeError{[]error{ErrUnreachable}, msg}
		}
	}
	return nil
}

// Bounds of the wait for a throttled start (see [probe]).
const (
	// maxStartWait caps it: a target still throttling after a minute is
	// not a passing rate-limit window, and a run silent for longer at its
	// start looks hung.
	maxStartWait = time.Minute
	// startRetries caps the attempts within it, so a Retry-After of 0
	// cannot turn the start into a loop.
	startRetries = 10
)

// startWait is how long the probe waits for a throttled start in a run of
// timeout: a quarter of it, at most [maxStartWait], so the specs keep the
// bulk of the time ([bound] gives them at least half of it in all).
func startWait(timeout time.Duration) time.Duration {
	return min(maxStartWait, timeout/4)
}

// throttledStart says in one line why a throttled start ended the run,
// from what happened: the target asked to wait longer than the start
// waits (wait), or it kept answering 429 or 503 while scimtest waited as
// asked (waited in all).
func throttledStart(where string, resp *simulator.Response, waited, wait time.Duration) string {
	what := fmt.Sprintf("%s answered %d", where, resp.Status)
	if resp.Attempts > 1 {
		what = fmt.Sprintf("%s still answered %d after %d attempts and %s of waiting", where, resp.Status, resp.Attempts, reports.FormatDuration(waited))
	}
	fix := "try again later or raise the target's rate limit for this client"
	if resp.Status == http.StatusServiceUnavailable {
		fix = "the target is unavailable for now; try again later"
	}
	if d, ok := simulator.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && waited+d > wait {
		if resp.Attempts > 1 {
			// What it asks now may be short; the sum is what is too long.
			return fmt.Sprintf("%s, and asked to wait %s more (Retry-After), beyond the %s scimtest waits at the start: %s",
				what, reports.FormatDuration(d), reports.FormatDuration(wait), fix)
		}
		return fmt.Sprintf("%s and asked to wait %s (Retry-After), longer than scimtest waits at the start (%s): %s",
			what, reports.FormatDuration(d), reports.FormatDuration(wait), fix)
	}
	const cause = "the target is throttling or unavailable; try again later or lower the load on it"
	if resp.Attempts == 1 {
		return fmt.Sprintf("%s and was not retried within the %s scimtest waits at the start: %s", what, reports.FormatDuration(wait), cause)
	}
	return fmt.Sprintf("%s as asked (scimtest waits up to %s at the start): %s", what, reports.FormatDuration(wait), cause)
}

// refused returns the one-line message for a 401 or 403 on GET path, or "".
func refused(status int, path string, hasToken bool) string {
	if status != http.StatusUnauthorized && status != http.StatusForbidden {
		return ""
	}
	if !hasToken {
		return fmt.Sprintf("the target wants a token (%d on GET %s) and no token was given: pass --token or set $SCIMTEST_TOKEN", status, path)
	}
	return fmt.Sprintf("the target rejected the token (%d on GET %s): check --token or $SCIMTEST_TOKEN", status, path)
}

// notSCIM explains an answer to GET /ServiceProviderConfig that is not a
// SCIM configuration, on one line.
func notSCIM(where string, resp *simulator.Response) string {
	what := simulator.BodyKind(resp.Header.Get("Content-Type"), resp.Body)
	switch {
	case resp.Status == http.StatusNotFound && !gjson.ValidBytes(resp.Body):
		return fmt.Sprintf("%s answered 404 with %s: no SCIM service at this base path; check --target (SCIM base URLs usually end in /scim/v2)", where, what)
	case resp.Status == http.StatusNotFound:
		return fmt.Sprintf("%s answered 404%s: the target serves no /ServiceProviderConfig (RFC 7644 §4 requires it); check --target (SCIM base URLs usually end in /scim/v2)", where, jsonDetail(resp.Body))
	case resp.Status >= 500:
		return fmt.Sprintf("%s answered %d %s: the target failed to serve its configuration; its own log says why", where, resp.Status, snippet(resp.Body))
	case resp.Status == http.StatusOK:
		return fmt.Sprintf("%s answered 200 with %s, not JSON: %v; check --target (the base URL /ServiceProviderConfig hangs off)", where, what, ErrNotSCIM)
	}
	return fmt.Sprintf("%s answered %d %s: %v; check --target (the base URL /ServiceProviderConfig hangs off)", where, resp.Status, snippet(resp.Body), ErrNotSCIM)
}

// jsonDetail quotes the detail of a SCIM error body, else a short
// snippet of the body, with a leading space; "" for an empty body.
func jsonDetail(body []byte) string {
	if d := gjson.GetBytes(body, "detail"); d.Type == gjson.String && d.String() != "" {
		return fmt.Sprintf(" (detail %s)", snippet([]byte(d.String())))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return ""
	}
	return " " + snippet(body)
}
