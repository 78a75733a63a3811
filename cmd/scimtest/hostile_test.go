package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reference/faults"
	"github.com/scimtest/scimtest/reports"
)

// The hostile tests run `scimtest run` against targets that misbehave at
// the HTTP level (issue 6): each must end within its bounds with a clear
// reason, never a crash or a hang.

// hostileToken is the token every hostile reference wants.
const hostileToken = "hostile-token"

// cannotRunWithin bounds how long a run that cannot start may take: "exit
// 2 within seconds".
const cannotRunWithin = 10 * time.Second

// hostileRef starts the reference provider (token [hostileToken]) behind
// faults.Wrap(rules) and returns its base URL and the fault handler. The
// handler is closed before the server, so a hanging request cannot keep
// the server's Close waiting.
func hostileRef(t *testing.T, rules ...faults.Rule) (string, *faults.Handler) {
	t.Helper()
	base, _, h := hostileRefInspect(t, rules...)
	return base, h
}

// hostileRefInspect is [hostileRef] that also returns the base URL of the
// same reference without the faults, to inspect what a run left.
func hostileRefInspect(t *testing.T, rules ...faults.Rule) (string, string, *faults.Handler) {
	t.Helper()
	ref, err := reference.New(reference.Options{Token: hostileToken})
	if err != nil {
		t.Fatal(err)
	}
	ts, h := faults.Serve(t, ref, rules...)
	clean := httptest.NewServer(ref)
	t.Cleanup(clean.Close)
	return ts.URL + ref.BasePath(), clean.URL + ref.BasePath(), h
}

// hostileRun is one `scimtest run` or `scimtest simulate` process against
// a hostile target.
type hostileRun struct {
	code           int
	stdout, stderr string
	out            string        // the report directory of a run
	took           time.Duration // wall time of the process
}

// runHostile runs `scimtest run --target target --out DIR` with args and
// the token in $SCIMTEST_TOKEN.
func runHostile(t *testing.T, target string, args ...string) hostileRun {
	t.Helper()
	out := t.TempDir()
	all := append([]string{"run", "--target", target, "--out", out, "--seed", "6"}, args...)
	start := time.Now()
	code, stdout, stderr := runCLI(t, []string{"SCIMTEST_TOKEN=" + hostileToken}, all...)
	return hostileRun{code: code, stdout: stdout, stderr: stderr, out: out, took: time.Since(start)}
}

// String shows the run for a failure message.
func (r hostileRun) String() string {
	return fmt.Sprintf("exit %d after %v\nstderr:\n%s\nstdout:\n%s", r.code, r.took.Round(time.Millisecond), r.stderr, r.stdout)
}

// checkCannotRun asserts the error contract for a run that could not be
// made: exit 2 within seconds and exactly one stderr line "scimtest: ..."
// holding every word in words (case-insensitively).
func checkCannotRun(t *testing.T, r hostileRun, words ...string) {
	t.Helper()
	if r.code != exitUsage {
		t.Errorf("want exit 2: %s", r)
	}
	if r.took > cannotRunWithin {
		t.Errorf("took %v, want under %v", r.took, cannotRunWithin)
	}
	line := strings.TrimSuffix(r.stderr, "\n")
	t.Log(line) // with -v: the messages the README's troubleshooting lists
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "scimtest: ") {
		t.Errorf("stderr is not one line \"scimtest: ...\": %q", r.stderr)
	}
	for _, w := range words {
		if !strings.Contains(strings.ToLower(line), strings.ToLower(w)) {
			t.Errorf("stderr %q does not say %q", line, w)
		}
	}
}

// TestHostileCannotRun covers the targets a run cannot start against: each
// exits 2 within seconds with one line naming the cause and the fix.
func TestHostileCannotRun(t *testing.T) {
	tests := []struct {
		name string
		// target starts the target and returns its base URL and extra flags.
		target func(t *testing.T) (string, []string)
		words  []string
	}{
		{"refused connection", func(t *testing.T) (string, []string) {
			return "http://" + closedPort(t) + "/scim/v2", nil
		}, []string{"refused", "running"}},
		{"unknown host", func(*testing.T) (string, []string) {
			return "http://nosuch.invalid/scim/v2", nil
		}, []string{"nosuch.invalid", "host"}},
		{"unreachable host", func(t *testing.T) (string, []string) {
			return "http://" + blackHole(t) + "/scim/v2", []string{"--request-timeout", "500ms"}
		}, []string{"no connection", "--target"}},
		{"no answer", func(t *testing.T) (string, []string) {
			return "http://" + silentListener(t) + "/scim/v2", []string{"--request-timeout", "500ms"}
		}, []string{"no answer", "--request-timeout"}},
		{"self-signed certificate without --ca", func(t *testing.T) (string, []string) {
			base, _ := tlsRef(t)
			return base, nil
		}, []string{"certificate", "--ca"}},
		{"http:// to a TLS port", func(t *testing.T) (string, []string) {
			base, ca := tlsRef(t)
			return "http://" + strings.TrimPrefix(base, "https://"), []string{"--ca", ca}
		}, []string{"speaks TLS", "https://", "--target"}},
		{"https:// to a plain port", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t)
			return "https://" + strings.TrimPrefix(base, "http://"), nil
		}, []string{"speaks plain HTTP", "http://", "--target"}},
		{"expired certificate", func(t *testing.T) (string, []string) {
			base, ca := expiredRef(t)
			return base, []string{"--ca", ca}
		}, []string{"expired", "renew"}},
		{"HTML 404 at the base path", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t, faults.Rule{Fault: faults.HTML404()})
			return base, nil
		}, []string{"404", "HTML", "base path", "--target"}},
		{"wrong base path", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t)
			return strings.TrimSuffix(base, "/scim/v2") + "/api/scim", nil
		}, []string{"404", "--target"}},
		{"token rejected everywhere", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t, faults.Rule{Fault: faults.Status(http.StatusUnauthorized, "application/scim+json",
				`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"invalid token"}`)})
			return base, nil
		}, []string{"401", "token", "--token"}},
		{"token rejected past anonymous discovery", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t)
			return base, []string{"--token", "not-" + hostileToken}
		}, []string{"rejected the token", "/Users", "--token"}},
		{"redirect to https", func(t *testing.T) (string, []string) {
			base, _ := hostileRef(t, faults.Rule{Fault: faults.RedirectPrefix(http.StatusMovedPermanently, "/", "https://127.0.0.1:1/")})
			return base, nil
		}, []string{"another origin", "https://127.0.0.1:1", "--target"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target, args := tt.target(t)
			checkCannotRun(t, runHostile(t, target, args...), tt.words...)
		})
	}
}

// TestHostileTLSWithCA is the other side of the self-signed case: with the
// issuing certificate in --ca the same target is tested.
func TestHostileTLSWithCA(t *testing.T) {
	t.Parallel()
	base, ca := tlsRef(t)
	r := runHostile(t, base, "--ca", ca, "--label-filter", "users")
	if r.code != exitOK {
		t.Errorf("want exit 0: %s", r)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// blackHole returns a loopback address whose connections are never
// established: a listener with a backlog of one that is already taken and
// never accepted, so Linux drops further SYNs, as a firewall or a host
// that is down does. Elsewhere the test is skipped: other kernels may
// accept or refuse instead.
func blackHole(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("a full listen backlog drops new connections only on Linux")
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		t.Fatalf("socket address %T", sa)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(in4.Port))
	c, err := net.DialTimeout("tcp", addr, time.Second) // takes the one slot
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return addr
}

// silentListener returns the address of a listener that accepts
// connections and never answers: a target behind a black hole.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// tlsRef starts the reference behind httptest's self-signed certificate
// and returns its base URL and a PEM file of that certificate.
func tlsRef(t *testing.T) (string, string) {
	t.Helper()
	ref, err := reference.New(reference.Options{Token: hostileToken})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(ref)
	ts.Config.ErrorLog = quietLog // the refused handshakes are the point
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts.URL + ref.BasePath(), writePEM(t, ts.Certificate().Raw)
}

// expiredRef starts the reference behind a self-signed certificate for
// 127.0.0.1 that expired on 2024-01-01 and returns its base URL and a PEM
// file of the certificate, so --ca trusts it and only the date is wrong.
func expiredRef(t *testing.T) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(6),
		Subject:               pkix.Name{CommonName: "expired.scimtest.test"},
		NotBefore:             time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reference.New(reference.Options{Token: hostileToken})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(ref)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	ts.Config.ErrorLog = quietLog
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts.URL + ref.BasePath(), writePEM(t, der)
}

// quietLog discards the server log of the TLS targets, whose handshakes
// the client refuses on purpose.
var quietLog = log.New(io.Discard, "", 0)

// writePEM writes a DER certificate as a PEM file and returns its path.
func writePEM(t *testing.T, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Paths of single resources, for rules that fault one endpoint.
var (
	oneUser  = regexp.MustCompile(`^/scim/v2/Users/[^/.][^/]*$`)
	oneGroup = regexp.MustCompile(`^/scim/v2/Groups/[^/.][^/]*$`)
)

// timedOut matches the reason of a spec whose request got no answer in
// time.
var timedOut = regexp.MustCompile(`(?i)no answer within|timed out|timeout`)

// TestHostileHangOnOneEndpoint: a target that never answers GET
// /Groups/{id}, or stops halfway through the body, fails exactly the specs
// that read a group, each at the per-request timeout; the run finishes and
// writes its report.
func TestHostileHangOnOneEndpoint(t *testing.T) {
	tests := []struct {
		name  string
		fault faults.Fault
	}{
		{"before the headers", faults.Hang()},
		{"halfway through the body", faults.Stall()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, h := hostileRef(t, faults.Rule{Method: http.MethodGet, Path: oneGroup, Fault: tt.fault})
			r := runHostile(t, base, "--request-timeout", "500ms", "--label-filter", "groups", "--focus", "Groups: create")
			if r.code != exitNonConform {
				t.Errorf("want exit 1: %s", r)
			}
			res := readResults(t, r.out)
			failed := 0
			for _, s := range res.Specs {
				hung := false
				for _, ex := range s.Exchanges {
					hung = hung || (ex.Method == http.MethodGet && oneGroup.MatchString(urlPath(ex.URL)))
				}
				switch {
				case hung && s.State == reports.StateFailed:
					failed++
					if !timedOut.MatchString(s.Failure.Message) {
						t.Errorf("%s: reason does not say the request timed out:\n%s", s.Name, s.Failure.Message)
					}
				case hung && s.State != reports.StateWarning:
					t.Errorf("%s: %s, yet its GET of a group got no answer", s.Name, s.State)
				case !hung && s.State != reports.StatePassed:
					t.Errorf("%s: %s without reading a group: %+v", s.Name, s.State, s.Failure)
				}
			}
			if failed == 0 || h.Injected(0) == 0 {
				t.Errorf("%d specs failed on %d hangs, want some: %s", failed, h.Injected(0), r)
			}
		})
	}
}

// TestHostileRunTimeout: a target that hangs on everything but discovery
// cannot keep a run past --timeout; the report is still written.
func TestHostileRunTimeout(t *testing.T) {
	t.Parallel()
	const timeout, grace = 8 * time.Second, 5 * time.Second
	// Discovery (and the probe's one GET /Users) go through; every request
	// of a spec then hangs.
	resources := regexp.MustCompile(`^/scim/v2/(Users|Groups)(/[^.][^/]*)?$`)
	base, _ := hostileRef(t, faults.Rule{Path: resources, After: 1, Fault: faults.Hang()})
	r := runHostile(t, base, "--request-timeout", "3s", "--timeout", timeout.String(), "--label-filter", "users")
	if r.took > timeout+grace {
		t.Errorf("took %v, want within --timeout %v plus %v", r.took, timeout, grace)
	}
	if r.code != exitNonConform || !strings.Contains(r.stderr, "--timeout") {
		t.Errorf("want exit 1 naming --timeout: %s", r)
	}
	res := readResults(t, r.out)
	if !res.Run.TimedOut || res.Run.Conformant || !strings.Contains(res.Run.Interrupted, "--timeout") {
		t.Errorf("results: timed out %v, interrupted %q, conformant %v; want the timeout recorded", res.Run.TimedOut, res.Run.Interrupted, res.Run.Conformant)
	}
	failed := 0
	for _, s := range res.Specs {
		if s.State == reports.StateFailed {
			failed++
		}
	}
	if failed == 0 {
		t.Errorf("no spec failed on the hanging target: %s", r)
	}
}

// TestHostileHangDuringDiscovery: a target that hangs on /Schemas (with the
// default 30s request timeout) keeps the run in discovery until --timeout;
// the run still ends on time, writes its report, and its one line says the
// time ran out during discovery (not that no spec matched).
func TestHostileHangDuringDiscovery(t *testing.T) {
	t.Parallel()
	const timeout, grace = 8 * time.Second, 5 * time.Second
	base, _ := hostileRef(t, faults.Rule{Method: http.MethodGet, Path: regexp.MustCompile(`^/scim/v2/Schemas$`), Fault: faults.Hang()})
	r := runHostile(t, base, "--timeout", timeout.String(), "--label-filter", "users")
	if r.took > timeout+grace {
		t.Errorf("took %v, want within --timeout %v plus %v", r.took, timeout, grace)
	}
	line := strings.TrimSuffix(r.stderr, "\n")
	if r.code != exitNonConform || strings.Contains(line, "\n") || !strings.HasPrefix(line, "scimtest: ") ||
		!strings.Contains(line, "--timeout") || !strings.Contains(line, "discovery") {
		t.Errorf("want exit 1 and one line naming --timeout and discovery: %s", r)
	}
	if res := readResults(t, r.out); !res.Run.TimedOut {
		t.Errorf("the report does not say the run timed out: %q", res.Run.Interrupted)
	}
}

// urlPath returns the path of an exchange's URL.
func urlPath(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		}
	}
	p, _, _ := strings.Cut(u, "?")
	return p
}

// scimError500 is the body of the 500s a broken target answers.
const scimError500 = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"database unavailable"}`

// TestHostileGarbage answers GET /Users/{id} with garbage of each kind: the
// run ends with the exit the fault deserves, nothing panics, and every
// failed spec names the problem.
func TestHostileGarbage(t *testing.T) {
	tests := []struct {
		name  string
		rule  faults.Rule
		code  int
		words *regexp.Regexp // every failure must match
	}{
		{"non-JSON body", faults.Rule{Fault: faults.NonJSON()}, exitNonConform, regexp.MustCompile(`(?i)not (valid )?JSON`)},
		{"truncated body", faults.Rule{Fault: faults.Truncate()}, exitNonConform, regexp.MustCompile(`(?i)closed before the whole body|truncated|unexpected EOF`)},
		{"JSON array", faults.Rule{Fault: faults.WrongShape(`[{"id":"1"}]`)}, exitNonConform, regexp.MustCompile(`(?i)not (a JSON |an )?object|array`)},
		{"JSON string", faults.Rule{Fault: faults.WrongShape(`"ok"`)}, exitNonConform, regexp.MustCompile(`(?i)not (a JSON |an )?object|string`)},
		{"body beyond the cap", faults.Rule{Times: 3, Fault: faults.Large(simulatorCap + 1<<20)}, exitNonConform, regexp.MustCompile(`(?i)larger than|cap`)},
		{"500", faults.Rule{Fault: faults.Status(http.StatusInternalServerError, "application/scim+json", scimError500)}, exitNonConform, regexp.MustCompile(`500`)},
		// Every second request is the redirect's own follow-up, which goes
		// through: specs run one at a time, so the two alternate.
		{"redirect within the origin", faults.Rule{Every: 2, Fault: faults.RedirectPrefix(http.StatusTemporaryRedirect, "/scim/v2", "/scim/v2")}, exitOK, nil},
		// HTTP lets a server choose any content coding when the request
		// has no Accept-Encoding (RFC 9110, Section 12.5.3) and RFC 7644
		// says nothing of content codings, so gzip unasked is legal and the
		// run must pass.
		{"gzip unasked", faults.Rule{Fault: faults.Gzip()}, exitOK, nil},
		{"redirect loop", faults.Rule{Fault: faults.RedirectPrefix(http.StatusFound, "/scim/v2", "/scim/v2")}, exitNonConform, regexp.MustCompile(`(?i)redirect loop`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rule := tt.rule
			rule.Method, rule.Path = http.MethodGet, oneUser
			base, h := hostileRef(t, rule)
			r := runHostile(t, base, "--request-timeout", "5s", "--label-filter", "users")
			if r.code != tt.code {
				t.Errorf("want exit %d: %s", tt.code, r)
			}
			if h.Injected(0) == 0 {
				t.Fatalf("the fault was never injected: %s", r)
			}
			checkFailures(t, readResults(t, r.out), tt.words)
		})
	}
}

// simulatorCap is the client's body cap (simulator.MaxBodyBytes, 32 MiB),
// restated so the test reads on its own.
const simulatorCap = 32 << 20

// checkFailures asserts that no spec panicked and that every failed spec's
// message matches words.
func checkFailures(t *testing.T, res *reports.Results, words *regexp.Regexp) {
	t.Helper()
	for _, s := range res.Specs {
		if s.Failure == nil {
			continue
		}
		if strings.Contains(s.Failure.Message, "panic") || strings.Contains(s.Failure.Message, "runtime error") {
			t.Errorf("%s panicked:\n%s", s.Name, s.Failure.Message)
			continue
		}
		if s.State == reports.StateFailed && words != nil && !words.MatchString(s.Failure.Message) {
			t.Errorf("%s: reason does not match %q:\n%s", s.Name, words, s.Failure.Message)
		}
	}
}

// otherOrigin starts a second host, the one a hostile target points at,
// that answers 404 and records every request it receives (method, path
// and Authorization); seen returns what it has received so far.
func otherOrigin(t *testing.T) (url string, seen func() []string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" Authorization="+r.Header.Get("Authorization"))
		mu.Unlock()
		http.NotFound(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// TestHostileCrossOriginRedirect: a target that redirects to another host
// fails the specs that were redirected with a reason naming the redirect,
// and the other host never sees a request, let alone the token or a body.
func TestHostileCrossOriginRedirect(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   *regexp.Regexp
		code   int
	}{
		{"GET of a user, 307", http.MethodGet, oneUser, http.StatusTemporaryRedirect},
		{"every user and group request, 308", "", regexp.MustCompile(`^/scim/v2/(Users|Groups)`), http.StatusPermanentRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			other, seen := otherOrigin(t)
			base, h := hostileRef(t, faults.Rule{Method: tt.method, Path: tt.path,
				Fault: faults.RedirectPrefix(tt.code, "/scim/v2", other+"/scim/v2")})
			r := runHostile(t, base, "--request-timeout", "5s", "--label-filter", "users")
			if r.code != exitNonConform {
				t.Errorf("want exit 1: %s", r)
			}
			if h.Injected(0) == 0 {
				t.Fatalf("no redirect was sent: %s", r)
			}
			checkFailures(t, readResults(t, r.out), regexp.MustCompile(`(?i)another origin`))
			if got := seen(); len(got) > 0 {
				t.Errorf("the other origin received %d requests, want none: %q", len(got), got)
			}
		})
	}
}

// TestHostileThrottled: a target that answers every third request with 429
// and Retry-After: 1 slows the run down; it still finishes within its
// --timeout and the report says it was throttled.
func TestHostileThrottled(t *testing.T) {
	t.Parallel()
	const storm = 4
	base, h := hostileRef(t, faults.Rule{Every: 3, Times: storm, Fault: faults.Throttle("1")})
	r := runHostile(t, base, "--timeout", "40s", "--label-filter", "users")
	if r.code != exitOK {
		t.Errorf("want exit 0 (the client waits as asked): %s", r)
	}
	if h.Injected(0) != storm {
		t.Errorf("%d throttles, want %d: %s", h.Injected(0), storm, r)
	}
	th := readResults(t, r.out).Run.Throttle
	switch {
	case th == nil:
		t.Errorf("results.json does not record the throttling: %s", r)
	case th.Throttled != storm || th.Retries != storm || th.Waited < storm*900*time.Millisecond || th.GaveUp != 0:
		// Each 429 is retried once, after about the second it asked for.
		t.Errorf("throttle = %+v, want %d 429s counted, each retried after about 1s, none given up", *th, storm)
	}
	md, err := os.ReadFile(filepath.Join(r.out, reports.FileMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(string(md)), "throttl") {
		t.Errorf("summary.md does not say the run was throttled:\n%s", md)
	}
}

// TestHostileThrottledWithoutEnd: a target that keeps answering every
// second request with 429 and Retry-After: 1 slows the run down until
// --timeout ends it; it ends on time and the report says both.
func TestHostileThrottledWithoutEnd(t *testing.T) {
	t.Parallel()
	const timeout, grace = 8 * time.Second, 5 * time.Second
	// Discovery and the probe's GET /Users go through, so the specs start.
	resources := regexp.MustCompile(`^/scim/v2/(Users|Groups)(/[^.][^/]*)?$`)
	base, _ := hostileRef(t, faults.Rule{Path: resources, After: 1, Every: 2, Fault: faults.Throttle("1")})
	r := runHostile(t, base, "--timeout", timeout.String(), "--label-filter", "users")
	if r.took > timeout+grace {
		t.Errorf("took %v, want within --timeout %v plus %v", r.took, timeout, grace)
	}
	if r.code != exitNonConform {
		t.Errorf("want exit 1: %s", r)
	}
	res := readResults(t, r.out)
	if !res.Run.TimedOut {
		t.Errorf("the results do not say the run timed out: %q", res.Run.Interrupted)
	}
	if th := res.Run.Throttle; th == nil || th.Throttled < 2 || th.Waited < time.Second {
		t.Errorf("throttle = %+v, want the 429s and the waits recorded", th)
	}
}

// TestHostileGarbageEverywhere answers the resource endpoints of every
// profile's specs with JSON of the wrong shape: every spec must end failed
// or skipped with a reason, none panicked, and the run must end on its own,
// not at --timeout (a spec looping on what the target says would).
func TestHostileGarbageEverywhere(t *testing.T) {
	resources := regexp.MustCompile(`^/scim/v2/(Users|Groups|Bulk|Me)`)
	tests := []struct {
		name  string
		every int
		body  string
	}{
		{"an array", 3, `[]`},
		{"every attribute of the wrong type", 1, `{"schemas":"x","id":5,"meta":"m","Resources":{"a":1},"totalResults":"many","itemsPerPage":[],"startIndex":{},"members":"x","emails":{"value":3},"Operations":"x","status":7,"scimType":[],"detail":{},"active":"yes"}`},
		{"nulls and negatives inside", 3, `{"schemas":[1,null],"id":"","meta":{"location":5,"version":[]},"Resources":[null,1,{"id":[]},{"members":[null]}],"totalResults":-5,"itemsPerPage":-1,"startIndex":-1,"Operations":[null],"status":null,"active":null,"emails":[null]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The probe's GET /Users goes through, so the run starts.
			base, h := hostileRef(t, faults.Rule{Path: resources, After: 1, Every: tt.every, Fault: faults.WrongShape(tt.body)})
			r := runHostile(t, base, "--profile", "all", "--request-timeout", "5s", "--timeout", "2m")
			if r.code != exitNonConform {
				t.Errorf("want exit 1: %s", r)
			}
			if h.Injected(0) == 0 {
				t.Fatalf("the fault was never injected: %s", r)
			}
			res := readResults(t, r.out)
			if res.Run.TimedOut {
				t.Errorf("the run ran into --timeout: %s", res.Run.Interrupted)
			}
			checkFailures(t, res, nil)
			for _, s := range res.Specs {
				if s.State == reports.StateFailed && strings.TrimSpace(s.Failure.Message) == "" {
					t.Errorf("%s failed without a reason", s.Name)
				}
			}
		})
	}
}

// TestHostileLargeBodiesStayBounded: bodies beyond the cap are read up to
// the cap and then dropped, so sixteen of them do not add up in memory (a
// report entry that kept a slice of each would hold half a gigabyte).
func TestHostileLargeBodiesStayBounded(t *testing.T) {
	t.Parallel()
	const bodies = 16
	const limit = 800 << 20 // about twice what one capped body costs at peak
	base, h := hostileRef(t, faults.Rule{Method: http.MethodGet, Path: oneUser, Times: bodies, Fault: faults.Large(simulatorCap + 1<<20)})
	cmd := exec.Command(binary, "run", "--target", base, "--out", t.TempDir(), "--seed", "6", "--label-filter", "users", "--request-timeout", "10s")
	cmd.Env = append(os.Environ(), "SCIMTEST_TOKEN="+hostileToken)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitNonConform {
		t.Fatalf("run: %v, want exit 1:\n%s", err, out.String())
	}
	if h.Injected(0) != bodies {
		t.Errorf("%d large bodies sent, want %d", h.Injected(0), bodies)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatalf("no resource usage for the run on %s", runtime.GOOS)
	}
	peak := int64(ru.Maxrss) * 1024 // KiB on Linux
	if runtime.GOOS == "darwin" {
		peak = int64(ru.Maxrss) // bytes on macOS
	}
	if peak > limit {
		t.Errorf("the run peaked at %d MiB after %d bodies of %d MiB, want under %d MiB: capped bodies are kept", peak>>20, bodies, (simulatorCap+1<<20)>>20, limit>>20)
	}
}

// rewriteOrigin is a fault that lets the wrapped handler answer and puts
// to in place of the origin from in the body and the Location header: a
// target (or a proxy) that names another host in meta.location and $ref.
func rewriteOrigin(from, to string) faults.Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if loc := w.Header().Get("Location"); loc != "" {
			w.Header().Set("Location", strings.ReplaceAll(loc, from, to))
		}
		body := strings.ReplaceAll(rec.Body.String(), from, to)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, body)
	}
}

// TestHostileForeignLocations: a target whose meta.location, Location and
// $ref name another origin (as a provider configured with its public URL
// does when tested at localhost, which RFC 7643 §3.1 allows) is read on the
// target itself: the run passes, and the other host never receives a
// request, let alone the token.
func TestHostileForeignLocations(t *testing.T) {
	t.Parallel()
	other, seen := otherOrigin(t)
	ref, err := reference.New(reference.Options{Token: hostileToken})
	if err != nil {
		t.Fatal(err)
	}
	var h *faults.Handler
	ts := httptest.NewUnstartedServer(nil)
	h = faults.Wrap(ref, faults.Rule{Path: regexp.MustCompile(`^/scim/v2/(Users|Groups)`), Fault: rewriteOrigin("http://"+ts.Listener.Addr().String(), other)})
	ts.Config.Handler = h
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(h.Close)
	r := runHostile(t, ts.URL+ref.BasePath(), "--request-timeout", "5s", "--profile", "all")
	if r.code != exitOK {
		t.Errorf("want exit 0 (a public origin in the URIs is legal): %s", r)
	}
	if got := seen(); len(got) > 0 {
		t.Errorf("the other host received %d requests, want none: %q", len(got), got)
	}
}
