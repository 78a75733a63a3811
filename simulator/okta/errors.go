package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson"
	"github.com/tidwall/gjson"
)

// Sentinel errors classify an [*Error] for errors.Is.
var (
	// ErrTransport: no response (refused, reset, timeout).
	ErrTransport = errors.New("no response")
	// ErrStatus: a status Okta does not accept for the step.
	ErrStatus = errors.New("unexpected status")
	// ErrConflict: 409, e.g. a create for a user the lookup did not find.
	ErrConflict = errors.New("conflict")
	// ErrPatchRejected: the target refused a PATCH; Okta has no PUT fallback.
	ErrPatchRejected = errors.New("PATCH rejected")
	// ErrGone: 404 on a resource Okta has linked.
	ErrGone = errors.New("resource gone")
	// ErrShape: the response body is not what Okta parses (not JSON,
	// counters as strings, no Resources, no id, ...).
	ErrShape = errors.New("response shape")
	// ErrNotLinked: the flow needs a user or group Okta has not linked yet.
	ErrNotLinked = errors.New("not linked")
)

// Error is a flow step the target failed, as Okta would judge it.
type Error struct {
	// Flow is the Okta flow ("assign user", "push group", ...).
	Flow string
	// Step is the request within the flow ("lookup", "create", ...).
	Step string
	// Method and Path identify the request (Path is relative to the base URL).
	Method, Path string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// ScimType and Detail come from a SCIM error body (RFC 7644, Section 3.12).
	ScimType, Detail string
	// Reason is what an Okta admin would see in the task or System Log;
	// [Error.AdminMessage] prefixes it.
	Reason string
	// Err is the sentinel (and cause) behind the failure.
	Err error
}

// Error names the flow, step and request that failed, the status and
// scimType that came back, and what Okta's admin would read, so one line in
// a log says the whole story.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "okta %s: %s: %s %s", e.Flow, e.Step, e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, " returned %d", e.Status)
	}
	if e.ScimType != "" {
		fmt.Fprintf(&b, " (scimType %s)", e.ScimType)
	}
	b.WriteString(": ")
	b.WriteString(e.AdminMessage())
	return b.String()
}

// AdminMessage is the line an Okta admin would read for this failure.
func (e *Error) AdminMessage() string { return "Okta would report: " + e.Reason }

// HTTPStatus returns the status (0: no response), for callers that classify
// errors without importing this package.
func (e *Error) HTTPStatus() int { return e.Status }

// SCIMType returns the scimType of the SCIM error body, if any.
func (e *Error) SCIMType() string { return e.ScimType }

// Unwrap returns the sentinel and cause.
func (e *Error) Unwrap() error { return e.Err }

// step is one request of a flow and the statuses Okta accepts for it.
type step struct {
	flow, name string
	// doing completes "Error while ..." in admin messages.
	doing string
	req   simulator.Request
	ok    []int
	// notFoundOK makes 404 an accepted "no match" (Okta's filter lookups).
	notFoundOK bool
	patch      bool
}

// send runs s and turns every failure into an [*Error].
func (p *Provisioner) send(ctx context.Context, s step) (*simulator.Response, error) {
	if h := p.headerFor(s.req.Method); h != nil {
		s.req.Header = h
	}
	resp, err := p.c.Do(ctx, s.req)
	if err != nil {
		return nil, &Error{
			Flow: s.flow, Step: s.name, Method: s.req.Method, Path: s.req.Path,
			Reason: fmt.Sprintf("Error while %s: %v", s.doing, err),
			Err:    fmt.Errorf("%w: %w", ErrTransport, err),
		}
	}
	if slices.Contains(s.ok, resp.Status) || (s.notFoundOK && resp.Status == http.StatusNotFound) {
		return resp, nil
	}
	return nil, p.statusError(s, resp)
}

func (p *Provisioner) statusError(s step, resp *simulator.Response) *Error {
	e := &Error{Flow: s.flow, Step: s.name, Method: s.req.Method, Path: s.req.Path, Status: resp.Status, Err: ErrStatus}
	body := resp.JSON()
	e.ScimType = scimjson.Get(body, "scimType").String()
	e.Detail = scimjson.Get(body, "detail").String()
	reason := http.StatusText(resp.Status)
	if reason == "" {
		reason = fmt.Sprintf("HTTP %d", resp.Status)
	}
	remote := e.Detail
	if !body.Exists() && len(resp.Body) > 0 {
		// A proxy's HTML or text page: Okta fails to parse it.
		remote = invalidJSON(resp.Body)
	}
	msg := fmt.Sprintf("Error while %s: %s.", s.doing, reason)
	if remote != "" {
		msg += " Errors reported by remote server: " + remote
	}
	switch {
	case resp.Status == http.StatusConflict:
		e.Err = ErrConflict
		msg += " (the provisioning job stops and an assignment error task is created)"
	case s.patch && resp.Status >= 400 && resp.Status != http.StatusUnauthorized && resp.Status != http.StatusForbidden:
		e.Err = ErrPatchRejected
		msg += " (Okta does not fall back to PUT; the task needs manual action)"
	case resp.Status == http.StatusNotFound:
		e.Err = ErrGone
	}
	if resp.Status == http.StatusTooManyRequests {
		msg += " (Okta reschedules the job after Retry-After)"
	}
	e.Reason = msg
	return e
}

// shapeError reports a response Okta cannot use.
func shapeError(s step, resp *simulator.Response, admin string) *Error {
	return &Error{
		Flow: s.flow, Step: s.name, Method: s.req.Method, Path: s.req.Path, Status: resp.Status,
		Reason: admin, Err: ErrShape,
	}
}

// invalidJSON renders the parse error Okta shows for a non-JSON body.
func invalidJSON(body []byte) string {
	tok := strings.TrimSpace(string(body))
	if i := strings.IndexAny(tok, " \t\r\n<>{}[],:\""); i == 0 {
		tok = tok[:1]
	} else if i > 0 {
		tok = tok[:i]
	}
	if len(tok) > 40 {
		tok = tok[:40]
	}
	return fmt.Sprintf("Invalid JSON: Unrecognized token '%s'", tok)
}

// jsonBody returns the parsed body, or an [*Error] when the body is empty or
// not JSON.
func jsonBody(s step, resp *simulator.Response, empty string) (gjson.Result, error) {
	if len(strings.TrimSpace(string(resp.Body))) == 0 {
		return gjson.Result{}, shapeError(s, resp, empty)
	}
	body := resp.JSON()
	if !body.IsObject() {
		return gjson.Result{}, shapeError(s, resp, fmt.Sprintf("Error while %s: %s", s.doing, invalidJSON(resp.Body)))
	}
	return body, nil
}

// list is a checked ListResponse page (RFC 7644, Section 3.4.2).
type list struct {
	total, start, perPage int
	resources             []gjson.Result
}

// parseList checks a ListResponse the way Okta reads one (idp-wire.md
// A3.1, A3.2, A4): JSON integers for the counters, and Resources present
// whenever totalResults is non-zero (always, when strict). Keys match in
// any case: the RFC allows it and Okta's legacy doc lists lower-case
// resources and totalresults as accepted (idp-wire.md A3.2).
func parseList(s step, resp *simulator.Response, strict bool, empty string) (list, error) {
	var l list
	if resp.Status == http.StatusNotFound {
		return l, nil // a lookup miss Okta accepts
	}
	body, err := jsonBody(s, resp, empty)
	if err != nil {
		return l, err
	}
	for _, k := range []string{"totalResults", "startIndex", "itemsPerPage"} {
		v := scimjson.Get(body, k)
		if !v.Exists() {
			if k == "totalResults" {
				return l, shapeError(s, resp, fmt.Sprintf("Error while %s: the list response has no totalResults", s.doing))
			}
			continue
		}
		if v.Type != gjson.Number {
			return l, shapeError(s, resp, fmt.Sprintf(
				"no task at all: the job fails silently while %s because %s is %s, not a JSON integer", s.doing, k, v.Raw))
		}
	}
	l.total = int(scimjson.Get(body, "totalResults").Int())
	l.start = int(scimjson.Get(body, "startIndex").Int())
	l.perPage = int(scimjson.Get(body, "itemsPerPage").Int())
	res := scimjson.Get(body, "Resources")
	if !res.IsArray() {
		if strict || l.total > 0 {
			return l, shapeError(s, resp, empty)
		}
		return l, nil
	}
	l.resources = res.Array()
	if !scimjson.Get(body, "itemsPerPage").Exists() {
		l.perPage = len(l.resources)
	}
	return l, nil
}
