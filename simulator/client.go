// Package simulator is the recording HTTP client every scimtest component
// talks to a SCIM service provider through: the conformance suites and the
// Okta and Entra simulators (simulator/okta, simulator/entra).
//
// A [Client] adds the base URL, credentials and a header [Profile] to each
// request, bounds it with a per-request timeout and a body cap, follows
// redirects only within the target's origin, retries 429 and 503 within a
// [RetryPolicy] behind a gate all its copies share, and hands every attempt,
// redacted and capped, to a [transcript.Hook]. It keeps no transcript
// itself; a [Recorder] does. [Diagnose] says in one line why a request
// failed and what usually fixes it.
package simulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// Defaults applied by [New] to zero [Options] fields.
const (
	// DefaultTimeout matches Okta's socket timeout of 60 seconds.
	DefaultTimeout = 60 * time.Second
	// DefaultBodyCap bounds each body stored in a transcript.Exchange.
	DefaultBodyCap = 64 << 10
	// MaxBodyBytes is the default bound on a response body (see
	// [Options].MaxBody), so a runaway server cannot exhaust memory.
	MaxBodyBytes = 32 << 20
)

// Options configures a [Client].
type Options struct {
	// BaseURL is the SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2.
	BaseURL string
	// Auth sets credentials on each request; nil sends none.
	Auth Auth
	// Profile is the header profile; the zero value means [DefaultProfile].
	Profile Profile
	// Timeout bounds each attempt, reading the body included; zero means
	// [DefaultTimeout].
	Timeout time.Duration
	// Retry bounds retries on 429 and 503.
	Retry RetryPolicy
	// HTTPClient sends the requests; nil means a client of its own (see
	// [Client]). The caller builds it for TLS options. Its Timeout, if any,
	// also applies. The client uses a copy whose CheckRedirect follows only
	// same-origin redirects (see [Client.Do]); a CheckRedirect set here is
	// asked first and may stop any redirect (http.ErrUseLastResponse hands
	// the redirect itself back) but cannot allow one to another origin.
	HTTPClient *http.Client
	// Hook receives every attempt as a redacted, capped exchange.
	Hook transcript.Hook
	// BodyCap bounds each body in an exchange; zero means [DefaultBodyCap].
	BodyCap int
	// Gzip sends Accept-Encoding: gzip. A gzip (or deflate) response is
	// decoded whether or not it was asked for.
	Gzip bool
	// MaxBody bounds a response body, as sent and once decoded; a larger
	// one is an error wrapping [ErrBodyTooLarge]. Zero means [MaxBodyBytes].
	MaxBody int64
}

// Client sends SCIM requests and records them. It is safe for concurrent use.
//
// Its own transport (when [Options].HTTPClient is nil) does not add
// Accept-Encoding behind the caller's back, so a transcript shows the
// headers that went on the wire, and it keeps enough idle connections per
// host for a concurrent simulation.
type Client struct {
	base    *url.URL
	auth    Auth
	profile Profile
	timeout time.Duration
	retry   RetryPolicy
	http    *http.Client
	hook    transcript.Hook
	bodyCap int
	gzip    bool
	maxBody int64
	secrets []string
	gate    *gate // shared by every copy
}

// New returns a Client for opts. It fails when BaseURL is not an absolute
// http or https URL.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(opts.BaseURL))
	if err != nil {
		return nil, fmt.Errorf("simulator: base URL %q: %w", opts.BaseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("simulator: base URL %q: want an absolute http(s) URL", opts.BaseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	c := &Client{
		base:    u,
		auth:    opts.Auth,
		profile: opts.Profile,
		timeout: opts.Timeout,
		retry:   opts.Retry.withDefaults(),
		http:    opts.HTTPClient,
		hook:    opts.Hook,
		bodyCap: opts.BodyCap,
		gzip:    opts.Gzip,
		maxBody: opts.MaxBody,
		gate:    &gate{},
	}
	if c.auth == nil {
		c.auth = NoAuth
	}
	if s, ok := c.auth.(secretHeaders); ok {
		c.secrets = s.SecretHeaders()
	}
	if c.profile.Name == "" && c.profile.UserAgent == "" && c.profile.Accept == "" &&
		c.profile.ContentType == "" && c.profile.AcceptCharset == "" && len(c.profile.Extra) == 0 {
		c.profile = DefaultProfile()
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.http == nil {
		c.http = &http.Client{Transport: defaultTransport()}
	}
	c.http = withRedirectPolicy(c.http)
	if c.bodyCap <= 0 {
		c.bodyCap = DefaultBodyCap
	}
	if c.maxBody <= 0 {
		c.maxBody = MaxBodyBytes
	}
	return c, nil
}

// BaseURL returns the SCIM base URL requests are resolved against.
func (c *Client) BaseURL() string { return c.base.String() }

// Profile returns the client's header profile.
func (c *Client) Profile() Profile { return c.profile }

// WithHook returns a copy of c that shares its transport and settings but
// reports to h, so each spec can record its own exchanges.
func (c *Client) WithHook(h transcript.Hook) *Client {
	cp := *c
	cp.hook = h
	return &cp
}

// WithProfile returns a copy of c that sends the headers of p.
func (c *Client) WithProfile(p Profile) *Client {
	cp := *c
	cp.profile = p
	return &cp
}

// WithAuth returns a copy of c that authenticates with a (nil: none), for
// specs that probe authentication.
func (c *Client) WithAuth(a Auth) *Client {
	cp := *c
	if a == nil {
		a = NoAuth
	}
	cp.auth = a
	cp.secrets = nil
	if s, ok := a.(secretHeaders); ok {
		cp.secrets = s.SecretHeaders()
	}
	return &cp
}

// WithRetry returns a copy of c that retries under p but shares c's throttle
// gate and statistics, for a request that may wait longer than the rest (a
// run's first request, when a target throttles its start). Zero fields of p
// take the defaults, except Sleep and Now, which keep c's.
func (c *Client) WithRetry(p RetryPolicy) *Client {
	cp := *c
	if p.Sleep == nil {
		p.Sleep = c.retry.Sleep
	}
	if p.Now == nil {
		p.Now = c.retry.Now
	}
	cp.retry = p.withDefaults()
	return &cp
}

// WithHTTPClient returns a copy of c that sends through hc (its transport,
// TLS, CheckRedirect) but shares c's throttle gate and statistics, for a
// spec that needs, say, a client that does not follow redirects without
// escaping the run's throttling. The same-origin rule still applies (see
// [Options].HTTPClient); nil hc keeps c's.
func (c *Client) WithHTTPClient(hc *http.Client) *Client {
	cp := *c
	if hc != nil {
		cp.http = withRedirectPolicy(hc)
	}
	return &cp
}

// Do sends req, retrying on 429 and 503 within the retry policy. A non-2xx
// status is not an error: the caller judges it. The error is a transport
// failure (refused, reset, timeout, cancelled), wrapped with method and URL;
// [Diagnose] turns it into one line for a person.
//
// Redirects are followed only within the origin (scheme, host and port) of
// the request, at most ten times: a redirect elsewhere is an error wrapping
// [ErrCrossOriginRedirect] and nothing is sent to the other host, so the
// credentials never leave the target. 307 and 308 keep the method and body;
// 301 and 302 turn a POST into a GET, as browsers and net/http do.
//
// A 429 or 503 closes a gate shared by the client and all its copies until
// the moment its Retry-After names (or the policy's backoff, without one),
// but for no longer than the policy's MaxWait: every request waits for it
// before it is sent, within MaxWait per request and its context's deadline,
// so the whole run slows down as the target asks. A request that cannot
// wait that long is not sent and its error wraps [ErrThrottled]; a retry
// in that position returns the 429 or 503 it already has.
// [Client.Throttling] counts it all.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	target, err := c.resolve(req)
	if err != nil {
		return nil, &requestError{method: method, url: req.Path, err: err}
	}
	body, hasBody, err := encodeBody(req.Body)
	if err != nil {
		return nil, &requestError{method: method, url: target, err: err}
	}
	start := time.Now()
	var (
		waited time.Duration
		last   *Response // the 429 or 503 a retry would replace
	)
	for attempt := 1; ; attempt++ {
		if err := c.awaitGate(ctx, &waited); err != nil {
			switch {
			case errors.Is(err, ErrThrottled) && last != nil:
				// Another request's 429 moved the gate beyond this retry's
				// reach: the target's own answer says more than an error.
				c.gate.count(func(s *ThrottleStats) { s.GaveUp++ })
				last.Duration = time.Since(start)
				return last, nil
			case errors.Is(err, ErrThrottled):
				c.gate.count(func(s *ThrottleStats) { s.NotSent++ })
			}
			return nil, &requestError{method: method, url: target, attempt: attempt, err: err}
		}
		if attempt > 1 {
			c.gate.count(func(s *ThrottleStats) { s.Retries++ })
		}
		resp, err := c.attempt(ctx, method, target, body, hasBody, req.Header)
		if err != nil {
			return nil, &requestError{method: method, url: target, attempt: attempt, err: err}
		}
		resp.Attempts = attempt
		if !retryable(resp.Status) || !c.throttled(resp, attempt, waited) {
			resp.Duration = time.Since(start)
			return resp, nil
		}
		last = resp
	}
}

// requestError is the error [Client.Do] returns: the method, URL and
// attempt it failed on, around the cause.
type requestError struct {
	method, url string
	attempt     int // 0 when it failed before sending
	err         error
}

func (e *requestError) Error() string {
	if e.attempt == 0 {
		return fmt.Sprintf("%s %s: %v", e.method, e.url, e.err)
	}
	return fmt.Sprintf("%s %s (attempt %d): %v", e.method, e.url, e.attempt, e.err)
}

func (e *requestError) Unwrap() error { return e.err }

// defaultTransport is http.DefaultTransport without transparent gzip and
// with a larger idle pool per host.
func defaultTransport() http.RoundTripper {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t := base.Clone()
	t.DisableCompression = true
	t.MaxIdleConnsPerHost = 64
	return t
}

// resolve builds the request URL from the base URL, path and query.
func (c *Client) resolve(req Request) (string, error) {
	var u *url.URL
	if strings.HasPrefix(req.Path, "http://") || strings.HasPrefix(req.Path, "https://") {
		p, err := url.Parse(req.Path)
		if err != nil {
			return "", fmt.Errorf("parse URL: %w", err)
		}
		u = p
	} else {
		path, query, _ := strings.Cut(req.Path, "?")
		cp := *c.base
		if path != "" && !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		cp.Path = c.base.Path + path
		cp.RawQuery = query
		u = &cp
	}
	q := req.RawQuery
	if q == "" && len(req.Query) > 0 {
		q = req.Query.Encode()
	}
	if q != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + q
		} else {
			u.RawQuery = q
		}
	}
	return u.String(), nil
}

// attempt sends one request and reads the whole response within the
// per-request timeout, reporting the exchange to the hook.
func (c *Client) attempt(parent context.Context, method, target string, body []byte, hasBody bool, extra http.Header) (*Response, error) {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	var rd io.Reader
	if hasBody {
		rd = bytes.NewReader(body)
	}
	// The trace tells a timeout before any connection (an unreachable
	// host) from one on a connection (a hanging target).
	var connected atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
	hreq, err := http.NewRequestWithContext(traced, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	c.profile.apply(hreq.Header, hasBody)
	if c.gzip {
		hreq.Header.Set("Accept-Encoding", "gzip")
	}
	c.auth.Apply(hreq)
	for k, vs := range extra {
		if len(vs) == 0 {
			hreq.Header.Del(k)
			continue
		}
		hreq.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}

	ex := transcript.Exchange{
		Started:       time.Now(),
		Method:        method,
		URL:           target,
		RequestHeader: hreq.Header,
	}
	// The bodies are copied into the record only for a hook to read.
	if hasBody && c.hook != nil {
		ex.RequestBody = string(body)
	}
	resp, err := c.read(hreq)
	ex.Duration = time.Since(ex.Started)
	if resp != nil {
		ex.Status = resp.Status
		ex.ResponseHeader = resp.Header
	}
	if err != nil {
		err = c.classifyTimeout(parent, ctx, err, &timeoutError{
			connected: connected.Load(), headers: resp != nil, addr: hostPort(hreq.URL),
		})
		ex.Error = err.Error()
		if resp != nil && c.hook != nil {
			// What did arrive is the evidence a report shows.
			ex.ResponseBody = string(resp.Body)
		}
		c.report(ex)
		return nil, err
	}
	if c.hook != nil {
		ex.ResponseBody = string(resp.Body)
	}
	c.report(ex)
	return resp, nil
}

// classifyTimeout returns err as the [timeoutError] te describes when the
// attempt ran out of its own time (ctx, from the per-request timeout) or of
// the caller's http.Client.Timeout, rather than of the caller's context
// (parent), so [Diagnose] can say which limit was hit and in which phase.
func (c *Client) classifyTimeout(parent, ctx context.Context, err error, te *timeoutError) error {
	if parent.Err() != nil {
		return err
	}
	te.err = err
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		te.limit, te.which = c.timeout, "request timeout"
		return te
	}
	var ue *url.Error
	if c.http.Timeout > 0 && errors.As(err, &ue) && ue.Timeout() {
		te.limit, te.which = c.http.Timeout, "HTTP client timeout"
		return te
	}
	return err
}

// report hands ex to the hook redacted as a whole by [transcript.Redact]
// (URL, headers, bodies and the transport error alike), so no hook ever
// sees a secret, and with its bodies capped. Redaction comes before the cap,
// so a cut never leaves the first half of a secret behind.
func (c *Client) report(ex transcript.Exchange) {
	if c.hook == nil {
		return
	}
	// Redact knows the well-known credential headers; the header a custom
	// [Auth] sends its secret in is known only here, so the request headers
	// go through RedactHeader with that name instead (once, not twice).
	reqHeader := ex.RequestHeader
	ex.RequestHeader = nil
	ex = transcript.Redact(ex)
	ex.RequestHeader = transcript.RedactHeader(reqHeader, c.secrets...)
	var truncReq, truncResp bool
	ex.RequestBody, truncReq = capBody(ex.RequestBody, c.bodyCap)
	ex.ResponseBody, truncResp = capBody(ex.ResponseBody, c.bodyCap)
	ex.Truncated = truncReq || truncResp
	c.hook(ex)
}
