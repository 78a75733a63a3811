package simulator

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// selfSigned returns a certificate for names valid from notBefore to
// notAfter, and a pool that trusts it, so a test can provoke exactly one
// TLS failure (expiry, host name) and not an unknown authority as well.
func selfSigned(t *testing.T, notBefore, notAfter time.Time, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "scimtest test"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// tlsServer starts an HTTPS server with cert and returns its URL.
func tlsServer(t *testing.T, cert tls.Certificate, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = quiet
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// quiet drops the handshake errors a TLS test server logs on purpose.
var quiet = log.New(io.Discard, "", 0)

// quietTLSServer is httptest.NewTLSServer, with its own self-signed
// certificate, that does not log the handshakes the test fails on purpose.
func quietTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quiet
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func trusting(pool *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return &http.Client{Transport: tr}
}

func plainServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// hang blocks until the client goes away or the test ends.
func hang(t *testing.T) http.HandlerFunc {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

// TestDiagnose provokes each failure for real (servers, certificates,
// closed ports) and checks the one line Diagnose makes of the error
// [Client.Get] returns.
func TestDiagnose(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	now := time.Now()

	// A port nothing listens on: listen, note the address, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	type setup struct {
		base string
		opts func(*Options)
		ctx  func() (context.Context, context.CancelFunc)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T) setup
		is    error  // the error must wrap it, when set
		want  string // Diagnose's exact line
	}{
		{
			name:  "refused",
			setup: func(t *testing.T) setup { return setup{base: "http://" + closedAddr} },
			is:    syscall.ECONNREFUSED,
			want:  "connection refused by " + closedAddr + ": is the server running and listening on that port?",
		},
		{
			name:  "unknown host",
			setup: func(t *testing.T) setup { return setup{base: "http://nosuch.invalid"} },
			want:  "unknown host nosuch.invalid: check the host name in --target",
		},
		{
			name: "self-signed without --ca",
			setup: func(t *testing.T) setup {
				srv := quietTLSServer(t, ok)
				return setup{base: srv.URL}
			},
			want: "TLS: certificate signed by an unknown authority: pass --ca FILE with the issuing CA (or --insecure in a lab)",
		},
		{
			name: "expired certificate",
			setup: func(t *testing.T) setup {
				cert, pool := selfSigned(t, now.AddDate(-2, 0, 0), time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC), "127.0.0.1")
				return setup{base: tlsServer(t, cert, ok), opts: func(o *Options) { o.HTTPClient = trusting(pool) }}
			},
			want: "TLS: certificate expired on 2024-01-01: renew the server certificate (or --insecure in a lab)",
		},
		{
			name: "certificate not yet valid",
			setup: func(t *testing.T) setup {
				cert, pool := selfSigned(t, time.Date(2099, 3, 4, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), "127.0.0.1")
				return setup{base: tlsServer(t, cert, ok), opts: func(o *Options) { o.HTTPClient = trusting(pool) }}
			},
			want: "TLS: certificate not valid before 2099-03-04: check the clock here and on the server (or --insecure in a lab)",
		},
		{
			name: "certificate for another host",
			setup: func(t *testing.T) setup {
				cert, pool := selfSigned(t, now.Add(-time.Hour), now.Add(time.Hour), "scim.example.com")
				return setup{base: tlsServer(t, cert, ok), opts: func(o *Options) { o.HTTPClient = trusting(pool) }}
			},
			want: "TLS: certificate is not valid for host 127.0.0.1 (it names scim.example.com): use a host name the certificate names",
		},
		{
			name: "TLS server wants a client certificate",
			setup: func(t *testing.T) setup {
				srv := httptest.NewUnstartedServer(ok)
				srv.Config.ErrorLog = quiet
				srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
				srv.StartTLS()
				t.Cleanup(srv.Close)
				return setup{base: srv.URL, opts: func(o *Options) { o.HTTPClient = srv.Client() }}
			},
			want: "TLS: the target refused the connection (tls: certificate required): check the TLS versions it accepts and whether it wants a client certificate",
		},
		{
			name: "https to a plain HTTP port",
			setup: func(t *testing.T) setup {
				return setup{base: strings.Replace(plainServer(t, ok), "http://", "https://", 1)}
			},
			want: "the port speaks plain HTTP: use http:// in --target",
		},
		{
			name: "http to a TLS port",
			setup: func(t *testing.T) setup {
				srv := quietTLSServer(t, ok)
				return setup{base: strings.Replace(srv.URL, "https://", "http://", 1)}
			},
			is:   ErrSchemeMismatch,
			want: "the port speaks TLS: use https:// in --target",
		},
		{
			name: "hang hits the request timeout",
			setup: func(t *testing.T) setup {
				return setup{base: plainServer(t, hang(t)), opts: func(o *Options) { o.Timeout = 50 * time.Millisecond }}
			},
			is:   context.DeadlineExceeded,
			want: "no answer within 50ms (request timeout): the target hangs; raise --request-timeout if it is just slow",
		},
		{
			name: "host that never accepts the connection",
			setup: func(t *testing.T) setup {
				// A dialer that waits like a packet sent into a black hole.
				blackhole := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					<-ctx.Done()
					return nil, ctx.Err()
				}}
				return setup{base: "https://scim.example.com", opts: func(o *Options) {
					o.Timeout = 50 * time.Millisecond
					o.HTTPClient = &http.Client{Transport: blackhole}
				}}
			},
			is:   context.DeadlineExceeded,
			want: "no connection to scim.example.com:443 within 50ms (request timeout): the host does not answer; check the address in --target and the network (VPN, firewall)",
		},
		{
			name: "body stalls past the request timeout",
			setup: func(t *testing.T) setup {
				stall := hang(t)
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Length", "100")
					w.Write([]byte(`{"id":`))
					w.(http.Flusher).Flush()
					stall(w, r)
				})
				return setup{base: plainServer(t, h), opts: func(o *Options) { o.Timeout = 50 * time.Millisecond }}
			},
			is:   context.DeadlineExceeded,
			want: "the response body did not arrive within 50ms (request timeout): the target stalls mid-answer; raise --request-timeout if it is just slow",
		},
		{
			name: "hang hits the HTTP client's timeout",
			setup: func(t *testing.T) setup {
				return setup{base: plainServer(t, hang(t)), opts: func(o *Options) { o.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} }}
			},
			want: "no answer within 50ms (HTTP client timeout): the target hangs; raise --request-timeout if it is just slow",
		},
		{
			name: "the caller's deadline",
			setup: func(t *testing.T) setup {
				return setup{base: plainServer(t, hang(t)), ctx: func() (context.Context, context.CancelFunc) {
					return context.WithTimeout(context.Background(), 50*time.Millisecond)
				}}
			},
			is:   context.DeadlineExceeded,
			want: "the run's time limit ran out before the target answered: raise --timeout, or run fewer specs",
		},
		{
			name: "interrupted",
			setup: func(t *testing.T) setup {
				return setup{base: plainServer(t, hang(t)), ctx: func() (context.Context, context.CancelFunc) {
					ctx, cancel := context.WithCancel(context.Background())
					time.AfterFunc(30*time.Millisecond, cancel)
					return ctx, cancel
				}}
			},
			is:   context.Canceled,
			want: "interrupted before the target answered",
		},
		{
			name: "connection closed without an answer",
			setup: func(t *testing.T) setup {
				return setup{base: plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
				}))}
			},
			want: "the target closed the connection without a complete answer: check its logs (a crash, a proxy, or http:// versus https://)",
		},
		{
			name: "another protocol on the port",
			setup: func(t *testing.T) setup {
				return setup{base: plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err != nil {
						return
					}
					_, _ = conn.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
					conn.Close()
				}))}
			},
			want: `the port does not speak HTTP (it answered "SSH-2.0-OpenSSH_9.6"): check the port in --target`,
		},
		{
			name: "connection reset",
			setup: func(t *testing.T) setup {
				return setup{base: plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err != nil {
						return
					}
					conn.(*net.TCPConn).SetLinger(0) // close with RST
					conn.Close()
				}))}
			},
			is:   syscall.ECONNRESET,
			want: "connection reset by ", // the address is an ephemeral port
		},
		{
			name: "redirect to another origin",
			setup: func(t *testing.T) setup {
				other := plainServer(t, ok)
				return setup{base: plainServer(t, http.RedirectHandler(other+"/scim/v2/Users", http.StatusFound))}
			},
			is:   ErrCrossOriginRedirect,
			want: "redirected to another origin (http://127.0.0.1:", // the port varies
		},
		{
			name: "a transport's own refusal",
			setup: func(t *testing.T) setup {
				return setup{base: "http://127.0.0.1:1", opts: func(o *Options) {
					o.HTTPClient = &http.Client{Transport: refuse{}}
				}}
			},
			is:   errRefusedHere,
			want: "guard: GET /scim/v2/Users not sent: refused here",
		},
		{
			name: "redirect loop",
			setup: func(t *testing.T) setup {
				return setup{base: plainServer(t, http.RedirectHandler("/scim/v2/Users", http.StatusFound))}
			},
			is:   ErrTooManyRedirects,
			want: "redirect loop (more than 10 redirects): fix the target's redirects, or use the final URL as --target",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.setup(t)
			opts := Options{BaseURL: s.base + "/scim/v2", Auth: Bearer("tok"), Timeout: 5 * time.Second}
			if s.opts != nil {
				s.opts(&opts)
			}
			c, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if s.ctx != nil {
				ctx, cancel = s.ctx()
			}
			defer cancel()
			resp, err := c.Get(ctx, "/Users")
			if err == nil {
				t.Fatalf("want an error, got %d %s", resp.Status, resp.Body)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			got := Diagnose(err)
			if !strings.HasPrefix(got, tt.want) || (!strings.HasSuffix(tt.want, " ") && !strings.HasSuffix(tt.want, ":") && got != tt.want) {
				t.Errorf("Diagnose(%v)\n got %q\nwant %q", err, got, tt.want)
			}
			if strings.ContainsAny(got, "\r\n") {
				t.Errorf("Diagnose gave more than one line: %q", got)
			}
		})
	}
}

var errRefusedHere = errors.New("refused here")

// refuse is a RoundTripper that refuses every request, as a guard does.
type refuse struct{}

func (refuse) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("guard: %s %s not sent: %w", r.Method, r.URL.Path, errRefusedHere)
}

func TestDiagnoseFallback(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("plain"), "plain"},
		{errors.New("line one\nline two\r\n"), "line one; line two"},
		// Not from a Client: kept whole, the caller's context included.
		{fmt.Errorf("outer: %w", errors.New("the cause")), "outer: the cause"},
		// From a Client: its method, URL and attempt and net/http's go.
		{fmt.Errorf("create user: %w", &requestError{method: "GET", url: "http://x/Users", attempt: 2,
			err: &url.Error{Op: "Get", URL: "http://x/Users", Err: fmt.Errorf("%w: DELETE /Users/7 names a resource this run did not create", errors.New("foreign"))}}),
			"foreign: DELETE /Users/7 names a resource this run did not create"},
	}
	for _, tt := range tests {
		if got := Diagnose(tt.err); got != tt.want {
			t.Errorf("Diagnose(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
