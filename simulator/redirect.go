package simulator

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds the redirects one request follows, as net/http's
// default policy does.
const maxRedirects = 10

// ErrCrossOriginRedirect is wrapped by the error [Client.Do] returns when the
// target redirects to another origin (scheme, host or port). The redirect is
// not followed: no request, and so no credential, goes to the other host.
var ErrCrossOriginRedirect = errors.New("redirect to another origin not followed")

// ErrTooManyRedirects is wrapped by the error [Client.Do] returns when a
// request is redirected more than ten times, which is almost always a loop.
var ErrTooManyRedirects = errors.New("too many redirects")

// redirectError says where a refused cross-origin redirect pointed.
type redirectError struct {
	status int    // the redirecting response's status
	from   string // origin of the original request
	to     string // the Location the target sent, redacted of any userinfo
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("%d redirect from %s to another origin (%s) not followed, so the credentials never leave the target", e.status, e.from, e.to)
}

func (e *redirectError) Unwrap() error { return ErrCrossOriginRedirect }

// toOrigin returns the scheme://host[:port] the refused redirect leads to.
func (e *redirectError) toOrigin() string {
	u, err := url.Parse(e.to)
	if err != nil || u.Host == "" {
		return e.to
	}
	return u.Scheme + "://" + u.Host
}

// sameOriginOnly returns a CheckRedirect policy that follows a redirect only
// when its scheme, host and port equal those of the original request, and at
// most [maxRedirects] times. user, the policy of an [http.Client] the caller
// passed in, is asked first: when it stops the redirect (an error, or
// [http.ErrUseLastResponse] to see the redirect itself) nothing is sent, so
// it keeps that say; when it would follow, the origin rule still applies.
func sameOriginOnly(user func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if user != nil {
			if err := user(req, via); err != nil {
				return err
			}
		}
		first := via[0].URL
		if Origin(first) != Origin(req.URL) {
			status := 0
			if req.Response != nil {
				status = req.Response.StatusCode
			}
			to := *req.URL
			to.User = nil
			return &redirectError{status: status, from: first.Scheme + "://" + first.Host, to: to.String()}
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("%w: stopped after %d (last to %s)", ErrTooManyRedirects, len(via), req.URL.Path)
		}
		return nil
	}
}

// Origin renders u's origin as scheme://host:port in lower case, the
// scheme's default port spelled out, so https://h and https://H:443 compare
// equal (RFC 6454, Section 4). The client follows redirects only within one
// origin, and the suites send the token to no other.
func Origin(u *url.URL) string {
	return strings.ToLower(u.Scheme + "://" + hostPort(u))
}

// withRedirectPolicy returns a shallow copy of hc (sharing its transport,
// jar and timeout) whose CheckRedirect enforces [sameOriginOnly] around the
// one hc had; hc itself is left untouched for the caller's other uses.
func withRedirectPolicy(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = sameOriginOnly(hc.CheckRedirect)
	return &cp
}
