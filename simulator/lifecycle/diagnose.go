package lifecycle

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/entra"
	"github.com/scimtest/scimtest/simulator/guard"
	"github.com/scimtest/scimtest/simulator/okta"
	"github.com/scimtest/scimtest/simulator/transcript"
)

// StartError is a failed credential test after which the run cannot start:
// no response ([ErrUnreachable]), a refused token ([ErrUnauthorized]) or an
// answer that is not SCIM ([ErrNotSCIM]). Its message is one line: the
// IdP's test, the cause and the likely fix.
type StartError struct {
	// Test names the IdP's connection test, e.g. Okta's "Test API Credentials".
	Test string
	// Reason is "<cause>: <likely fix>".
	Reason string
	// Kind is ErrUnreachable, ErrUnauthorized, ErrNotSCIM or ErrTestFailed.
	Kind error
	// Err is the flow's error.
	Err error
}

// Error reads `Okta's "Test API Credentials" failed: <cause>: <fix>`.
func (e *StartError) Error() string { return e.Test + " failed: " + e.Reason }

// Unwrap returns the kind and the flow's error, for errors.Is.
func (e *StartError) Unwrap() []error { return []error{e.Kind, e.Err} }

// testName is the admin console's name for the IdP's connection test.
func testName(idp string) string {
	if idp == "entra" {
		return `Entra's "Test Connection"`
	}
	return `Okta's "Test API Credentials"`
}

// startError classifies a failed credential test; nil means the target
// answered in SCIM and the failure belongs in the summary (the IdP would
// show it to its admin). ex is the last exchange of the test.
func startError(idp string, err error, ex *transcript.Exchange) error {
	status, _ := statusOf(err)
	se := &StartError{Test: testName(idp), Err: err}
	switch {
	case status == 0:
		se.Kind, se.Reason = ErrUnreachable, simulator.Diagnose(err)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		se.Kind = ErrUnauthorized
		se.Reason = fmt.Sprintf("the target rejected the token (HTTP %d): check --token or SCIMTEST_TOKEN", status)
	default:
		what := notSCIM(ex)
		if what == "" {
			return nil
		}
		se.Kind = ErrNotSCIM
		se.Reason = fmt.Sprintf("%s answered HTTP %d with %s, not SCIM JSON: check the base path in --target (it usually ends in /scim/v2)",
			requestLine(ex), status, what)
	}
	return se
}

// testFailed is the [StartError] of a credential test the target answered
// in SCIM JSON with 404: most likely the base path is wrong (a SCIM server
// mounted elsewhere answers its own 404 there), so the run cannot start.
// Any other failed test is the target's fault, not the set-up's: nil, and
// the summary says what the IdP's admin would see.
func testFailed(idp string, err error, ex *transcript.Exchange) error {
	if status, _ := statusOf(err); status != http.StatusNotFound {
		return nil
	}
	line, detail := "the request", ""
	if ex != nil {
		line = requestLine(ex)
		if d := gjson.Get(ex.ResponseBody, "detail"); d.Type == gjson.String && d.String() != "" {
			detail = fmt.Sprintf(" (detail %q)", oneLine(d.String(), 160))
		}
	}
	return &StartError{Test: testName(idp), Kind: ErrTestFailed, Err: err,
		Reason: fmt.Sprintf("%s answered HTTP 404%s: check the base path in --target (it usually ends in /scim/v2)", line, detail)}
}

// oneLine folds s to a single line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// notSCIM describes a response that is no SCIM answer at all (an HTML
// page, text, an empty 404); empty when it looks like JSON.
func notSCIM(ex *transcript.Exchange) string {
	if ex == nil {
		return ""
	}
	body := strings.TrimSpace(ex.ResponseBody)
	kind := simulator.BodyKind(http.Header(ex.ResponseHeader).Get("Content-Type"), []byte(body))
	switch {
	case kind == "an HTML page":
		return kind
	case body == "" && ex.Status != http.StatusNotFound:
		return "" // an empty answer is SCIM's to judge (a 204, say)
	case strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["):
		return "" // JSON, possibly cut at the recording cap
	}
	return kind
}

// requestLine is "GET /scim/v2/Users" for ex, without the query.
func requestLine(ex *transcript.Exchange) string {
	path := ex.URL
	if u, err := url.Parse(ex.URL); err == nil {
		path = u.Path
	}
	return ex.Method + " " + path
}

// firstAnswer keeps the last exchange seen while armed: the credential
// test's answer, for [startError].
type firstAnswer struct {
	mu    sync.Mutex
	armed bool
	last  *transcript.Exchange
}

// arm starts keeping exchanges (the credential test begins).
func (f *firstAnswer) arm() { f.mu.Lock(); f.armed = true; f.mu.Unlock() }

// disarm stops keeping exchanges (the credential test is over).
func (f *firstAnswer) disarm() { f.mu.Lock(); f.armed = false; f.mu.Unlock() }

// see keeps ex as the last answer while armed.
func (f *firstAnswer) see(ex transcript.Exchange) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armed {
		f.last = &ex
	}
}

// exchange returns the last answer kept, nil when none.
func (f *firstAnswer) exchange() *transcript.Exchange {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// stoppedError is an operation that failed because the run was stopped
// while it was in flight.
type stoppedError struct {
	reason string
	err    error
}

func (e *stoppedError) Error() string {
	return fmt.Sprintf("%s: stopped (%s)", operation(e.err), e.reason)
}

func (e *stoppedError) Unwrap() error { return e.err }

// noResponse classifies a failure that got no response: a short cause for
// grouping and an example of one line, the operation and its diagnosis.
func noResponse(err error) (cause, example string) {
	var se *stoppedError
	switch {
	case errors.As(err, &se):
		return "stopped", se.Error()
	case errors.Is(err, guard.ErrForeign):
		return "refused by the guard", operation(err) + ": refused, the resource was not created by this run"
	}
	d := simulator.Diagnose(err)
	cause, _, _ = strings.Cut(d, ":")
	// Numbers (byte counts, durations) vary within one class.
	cause = strings.Join(strings.FieldsFunc(cause, unicode.IsDigit), "N")
	return cause, operation(err) + ": " + d
}

// operation names the flow step and request of an IdP error, e.g. "okta
// assign user: create: POST /Users", without the transport error.
func operation(err error) string {
	var oe *okta.Error
	if errors.As(err, &oe) {
		return fmt.Sprintf("okta %s: %s: %s %s", oe.Flow, oe.Step, oe.Method, oe.Path)
	}
	var ee *entra.Error
	if errors.As(err, &ee) {
		return fmt.Sprintf("entra %s: %s %s", ee.Flow, ee.Method, ee.Path)
	}
	var ce *cleanupError
	if errors.As(err, &ce) && ce.op != "" {
		return ce.op
	}
	return "request"
}
