package entra

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson"
)

// ErrNotProvisioned is returned when a flow needs the SCIM id of an object
// that was never matched or created through this Provisioner.
var ErrNotProvisioned = errors.New("object not provisioned")

// Error is a response Entra's provisioning service would not accept. Its
// message says what an Entra admin would see in the provisioning logs.
type Error struct {
	// Flow names the flow, for example "create user".
	Flow string
	// Method and Path identify the request that failed.
	Method, Path string
	// Status is the HTTP status; 0 when no response arrived.
	Status int
	// ScimType and Detail come from the SCIM Error body, when there was one.
	ScimType, Detail string
	// Quarantine is true when Entra would quarantine the provisioning job at
	// once (credential errors and SCIM compliance errors such as a 404 on a
	// filter query, idp-wire.md B2), not just escrow and retry the object.
	Quarantine bool
	// Reason is the admin-facing explanation.
	Reason string
	// Err is the transport error when no response arrived.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("entra: %s: %s %s: %s", e.Flow, e.Method, e.Path, e.AdminMessage())
}

// Unwrap returns the transport error, if any.
func (e *Error) Unwrap() error { return e.Err }

// AdminMessage is the line an Entra admin would read for this failure.
func (e *Error) AdminMessage() string {
	var b strings.Builder
	b.WriteString("Entra would report: ")
	b.WriteString(e.Reason)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.ScimType != "" {
			fmt.Fprintf(&b, ", scimType %s", e.ScimType)
		}
		b.WriteString(")")
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	if e.Quarantine {
		b.WriteString("; the provisioning job would be put in quarantine")
	}
	return b.String()
}

// HTTPStatus returns the status, for callers that classify errors without
// importing this package.
func (e *Error) HTTPStatus() int { return e.Status }

// SCIMType returns the SCIM error type, if any.
func (e *Error) SCIMType() string { return e.ScimType }

// call is one request of a flow, with what Entra accepts back.
type call struct {
	flow string
	req  simulator.Request
	// want lists the accepted statuses.
	want []int
}

// do sends c.req and checks the status against c.want. A transport error,
// an unexpected status or a credential error becomes an *Error.
func (p *Provisioner) do(ctx context.Context, c call) (*simulator.Response, error) {
	resp, err := p.c.Do(ctx, c.req)
	if err != nil {
		return nil, &Error{Flow: c.flow, Method: c.req.Method, Path: c.req.Path, Err: err,
			Reason: "the SCIM endpoint could not be reached: " + err.Error()}
	}
	for _, s := range c.want {
		if resp.Status == s {
			return resp, nil
		}
	}
	return resp, p.statusError(c, resp)
}

// statusError explains an unexpected status the way Entra's logs do.
func (p *Provisioner) statusError(c call, resp *simulator.Response) *Error {
	body := resp.JSON()
	e := &Error{Flow: c.flow, Method: c.req.Method, Path: c.req.Path, Status: resp.Status,
		ScimType: scimjson.Get(body, "scimType").String(), Detail: scimjson.Get(body, "detail").String()}
	switch {
	case resp.Status == 401 || resp.Status == 403:
		// Credential errors quarantine the job immediately (ENTRA-QUAR).
		e.Reason = "the SCIM endpoint rejected the credentials (secret token)"
		e.Quarantine = true
	case resp.Status == 404 && isFilterQuery(c.req):
		// A filter miss must be 200 with an empty ListResponse; a 404 here is
		// a "SCIM compliance issue" (idp-wire.md B4, B6.7).
		e.Reason = "SCIM compliance issue: a filter query that matches nothing returned 404 instead of 200 with an empty ListResponse"
		e.Quarantine = true
	case resp.Status == 200 && c.req.Method == "POST":
		e.Reason = "the create returned 200 OK instead of 201 Created"
	case resp.Status == 400:
		e.Reason = "the target rejected the request as invalid; Entra retries the object in later cycles and the error repeats until the target or the mapping changes"
	case resp.Status == 404 && c.req.Method != "GET":
		e.Reason = "the object Entra linked no longer exists in the target"
	case resp.Status == 409:
		e.Reason = "the object already exists in the target (conflict) although the matching query did not find it"
	case resp.Status == 429:
		e.Reason = "the target throttled the request (429); the object is escrowed and retried in a later cycle"
	case resp.Status >= 500:
		e.Reason = "the target failed with a server error; the object is escrowed and retried in a later cycle"
	default:
		e.Reason = "unexpected response status, expected " + statusList(c.want)
	}
	return e
}

// shapeError reports a well-statused response whose body Entra cannot use.
func shapeError(c call, resp *simulator.Response, reason string, quarantine bool) *Error {
	return &Error{Flow: c.flow, Method: c.req.Method, Path: c.req.Path, Status: resp.Status,
		Reason: reason, Quarantine: quarantine}
}

func isFilterQuery(r simulator.Request) bool {
	return r.Method == "GET" && r.Query.Get("filter") != ""
}

func statusList(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " or ")
}

// QuarantineCause reports whether Entra would quarantine the job for this
// error alone; the lifecycle summary uses it for its verdict.
func (e *Error) QuarantineCause() bool { return e.Quarantine }
