package simulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrSchemeMismatch is wrapped by the error [Client.Do] returns when a
// plain-HTTP request reached a TLS port and the server said so (Go's and
// nginx's 400 answers): the request never reached the SCIM service.
var ErrSchemeMismatch = errors.New("plain HTTP request sent to a TLS port")

// Diagnose turns an error returned by [Client.Do] (or Get, Post, ...) into
// one line "<cause>: <likely fix>" for a person reading a CI log: which
// failure it is (refused, unknown host, TLS, timeout, redirect, body) and
// what usually fixes it, without the method and URL the error repeats at
// every layer. An error it does not know gives its cause beneath the
// client's method and URL (a [http.RoundTripper]'s own refusal, say), on
// one line. Diagnose(nil) is "".
func Diagnose(err error) string {
	if err == nil {
		return ""
	}
	return oneLine(diagnose(err))
}

func diagnose(err error) string {
	var (
		redir    *redirectError
		large    *bodyTooLargeError
		cut      *truncatedError
		enc      *encodingError
		timeout  *timeoutError
		held     *throttledError
		dnsErr   *net.DNSError
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		record   tls.RecordHeaderError
		remote   *net.OpError
	)
	switch {
	case errors.As(err, &redir):
		return fmt.Sprintf("redirected to another origin (%s): not followed, so the token never leaves the target; use the final URL as --target", redir.toOrigin())
	case errors.Is(err, ErrTooManyRedirects):
		return "redirect loop (more than 10 redirects): fix the target's redirects, or use the final URL as --target"
	case errors.As(err, &large):
		return large.Error() + ": the endpoint sends more than a SCIM answer should; check the path in --target (lists should be paged)"
	case errors.As(err, &cut):
		return cut.Error() + ": the target or a proxy cut the answer short; check their logs"
	case errors.As(err, &enc):
		return fmt.Sprintf("response body says Content-Encoding: %s but does not decode (%v): fix the target's compression", enc.enc, enc.err)
	case errors.Is(err, ErrSchemeMismatch):
		return "the port speaks TLS: use https:// in --target"
	case errors.As(err, &held):
		return "throttled: " + held.Error() + ": lower the load on the target or ask for a higher rate limit"
	case errors.As(err, &timeout):
		return timeout.diagnose()
	case errors.Is(err, context.DeadlineExceeded):
		return "the run's time limit ran out before the target answered: raise --timeout, or run fewer specs"
	case errors.Is(err, context.Canceled):
		return "interrupted before the target answered"
	case errors.As(err, &dnsErr):
		return diagnoseDNS(dnsErr)
	case errors.As(err, &invalid):
		return diagnoseInvalidCert(invalid)
	case errors.As(err, &unknown):
		return "TLS: certificate signed by an unknown authority: pass --ca FILE with the issuing CA (or --insecure in a lab)"
	case errors.As(err, &hostname):
		return diagnoseHostname(hostname)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http's text for a tls.RecordHeaderError that begins "HTTP/".
		return "the port speaks plain HTTP: use http:// in --target"
	case errors.As(err, &record):
		if string(record.RecordHeader[:]) == "HTTP/" {
			return "the port speaks plain HTTP: use http:// in --target"
		}
		return fmt.Sprintf("the port does not speak TLS (it began with %q): check the scheme and port in --target", record.RecordHeader[:])
	case strings.Contains(err.Error(), `malformed HTTP response "\x15\x03`):
		// A TLS server's alert record read as HTTP: the client spoke plain
		// HTTP to a TLS port that did not answer in HTTP.
		return "the port speaks TLS: use https:// in --target"
	case strings.Contains(err.Error(), "malformed HTTP response"):
		// Another protocol on the port (SSH, SMTP, a database): its greeting
		// read as an HTTP status line.
		return fmt.Sprintf("the port does not speak HTTP (it answered %s): check the port in --target", greeting(err.Error()))
	case errors.As(err, &remote) && remote.Op == "remote error":
		// crypto/tls reports an alert from the peer this way.
		return fmt.Sprintf("TLS: the target refused the connection (%v): check the TLS versions it accepts and whether it wants a client certificate", remote.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("connection refused by %s: is the server running and listening on that port?", addr(err))
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Sprintf("%s is unreachable (no route to it): check the address in --target and the network (VPN, firewall)", addr(err))
	case errors.Is(err, syscall.ECONNRESET):
		return fmt.Sprintf("connection reset by %s: the target or a proxy in between dropped it; check their logs (and http:// versus https://)", addr(err))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the target closed the connection without a complete answer: check its logs (a crash, a proxy, or http:// versus https://)"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer in time (%s): the target or the network is too slow; raise --request-timeout if it is just slow", cause(err))
	}
	return cause(err)
}

// timeoutError is the failure of an attempt that ran out of time: the
// client's per-request timeout or the Timeout of the caller's http.Client.
type timeoutError struct {
	limit     time.Duration
	which     string // "request timeout" or "HTTP client timeout"
	addr      string // host:port of the request
	connected bool   // a connection had been made (or reused)
	headers   bool   // the status line and headers had arrived
	err       error
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("no complete response within %v (%s): %v", e.limit, e.which, e.err)
}

func (e *timeoutError) Unwrap() error { return e.err }

func (e *timeoutError) diagnose() string {
	var op *net.OpError
	if !e.connected || (errors.As(e.err, &op) && op.Op == "dial") {
		return fmt.Sprintf("no connection to %s within %v (%s): the host does not answer; check the address in --target and the network (VPN, firewall)", e.addr, e.limit, e.which)
	}
	if e.headers {
		return fmt.Sprintf("the response body did not arrive within %v (%s): the target stalls mid-answer; raise --request-timeout if it is just slow", e.limit, e.which)
	}
	return fmt.Sprintf("no answer within %v (%s): the target hangs; raise --request-timeout if it is just slow", e.limit, e.which)
}

func diagnoseDNS(e *net.DNSError) string {
	switch {
	case e.IsNotFound:
		return fmt.Sprintf("unknown host %s: check the host name in --target", e.Name)
	case e.IsTimeout:
		return fmt.Sprintf("looking up host %s timed out: check the DNS resolver of this machine", e.Name)
	default:
		return fmt.Sprintf("cannot look up host %s (%s): check the host name in --target and the DNS resolver", e.Name, e.Err)
	}
}

func diagnoseInvalidCert(e x509.CertificateInvalidError) string {
	if e.Reason != x509.Expired {
		return fmt.Sprintf("TLS: %v: fix the server certificate (or --insecure in a lab)", error(e))
	}
	if e.Cert != nil && time.Now().Before(e.Cert.NotBefore) {
		return fmt.Sprintf("TLS: certificate not valid before %s: check the clock here and on the server (or --insecure in a lab)", e.Cert.NotBefore.UTC().Format(time.DateOnly))
	}
	if e.Cert != nil {
		return fmt.Sprintf("TLS: certificate expired on %s: renew the server certificate (or --insecure in a lab)", e.Cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return "TLS: certificate expired (or not yet valid): renew the server certificate (or --insecure in a lab)"
}

func diagnoseHostname(e x509.HostnameError) string {
	var names []string
	if e.Certificate != nil {
		names = append(names, e.Certificate.DNSNames...)
		for _, ip := range e.Certificate.IPAddresses {
			names = append(names, ip.String())
		}
	}
	named := ""
	if len(names) > 0 {
		if len(names) > 5 {
			names = append(names[:5], "...")
		}
		named = " (it names " + strings.Join(names, ", ") + ")"
	}
	return fmt.Sprintf("TLS: certificate is not valid for host %s%s: use a host name the certificate names", e.Host, named)
}

// hostPort returns the host and port u connects to, the scheme's default
// port spelled out.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// addr returns the remote address a network error names, or "the target".
func addr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		return op.Addr.String()
	}
	return "the target"
}

// cause returns the text of err beneath the layers [Client.Do] and
// net/http add (method, URL, attempt), which the caller's own message
// already names; an error that did not come from a [Client] is kept whole.
func cause(err error) string {
	var re *requestError
	if !errors.As(err, &re) {
		return err.Error()
	}
	err = re.err
	for {
		ue, ok := err.(*url.Error)
		if !ok || ue.Err == nil {
			return err.Error()
		}
		err = ue.Err
	}
}

// oneLine joins the lines of s with "; " so a message never breaks a log
// line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, "; ")
}

// greeting quotes what another protocol's server sent instead of an HTTP
// status line, from net/http's "malformed HTTP response" error, at most
// 40 bytes.
func greeting(msg string) string {
	_, after, ok := strings.Cut(msg, "malformed HTTP response ")
	if !ok {
		return "something else"
	}
	if len(after) > 40 {
		after = after[:40] + "..."
	}
	return after
}
