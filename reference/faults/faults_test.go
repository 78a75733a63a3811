package faults_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference/faults"
)

// okBody is what the wrapped handler of these tests answers.
const okBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"alice"}`

// okHandler answers 201 with okBody and an ETag, so faults that keep the
// real answer can be checked against it.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.Header().Set("ETag", `W/"1"`)
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, okBody)
})

// serve starts okHandler wrapped with rules and returns the server and the
// wrapper; both are closed at cleanup, the wrapper first.
func serve(t *testing.T, rules ...faults.Rule) (*httptest.Server, *faults.Handler) {
	t.Helper()
	return faults.Serve(t, okHandler, rules...)
}

// get sends GET path to ts with a plain client that does not follow
// redirects or ask for compression, and returns the answer with its body.
func get(t *testing.T, ts *httptest.Server, path string) (*http.Response, string, error) {
	t.Helper()
	c := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       5 * time.Second,
	}
	t.Cleanup(c.CloseIdleConnections)
	resp, err := c.Get(ts.URL + path)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// mustGet is [get] for answers that must arrive whole.
func mustGet(t *testing.T, ts *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, body, err := get(t, ts, path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp, body
}

func TestNoRuleLetsThrough(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Method: http.MethodPost, Fault: faults.HTML404()})
	resp, body := mustGet(t, ts, "/Users")
	if resp.StatusCode != http.StatusCreated || body != okBody {
		t.Errorf("GET = %d %q, want the wrapped handler's 201", resp.StatusCode, body)
	}
}

func TestStatusAndHTML404(t *testing.T) {
	ts, _ := serve(t,
		faults.Rule{Path: regexp.MustCompile(`^/boom$`), Fault: faults.Status(500, "text/plain", "internal error")},
		faults.Rule{Fault: faults.HTML404()},
	)
	resp, body := mustGet(t, ts, "/boom")
	if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "text/plain" || body != "internal error" {
		t.Errorf("GET /boom = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = mustGet(t, ts, "/scim/v2/ServiceProviderConfig")
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<h1>Not Found</h1>") {
		t.Errorf("GET = %d %q %q, want an HTML 404 page", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestNonJSONKeepsStatusAndHeaders(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Fault: faults.NonJSON()})
	resp, body := mustGet(t, ts, "/Users/1")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") != `W/"1"` || resp.Header.Get("Content-Type") != "application/scim+json" {
		t.Errorf("GET = %d %v, want the real status and headers", resp.StatusCode, resp.Header)
	}
	if json.Valid([]byte(body)) || body == "" {
		t.Errorf("body %q is JSON or empty", body)
	}
}

func TestWrongShape(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Fault: faults.WrongShape(`[{"id":42}]`)})
	resp, body := mustGet(t, ts, "/Users/1")
	if resp.StatusCode != http.StatusCreated || body != `[{"id":42}]` || resp.ContentLength != int64(len(body)) {
		t.Errorf("GET = %d %q (Content-Length %d)", resp.StatusCode, body, resp.ContentLength)
	}
}

func TestTruncateCutsTheConnectionMidBody(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Fault: faults.Truncate()})
	resp, body, err := get(t, ts, "/Users/1")
	if resp == nil {
		t.Fatalf("GET: %v, want the headers to arrive", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading the body: %v, want io.ErrUnexpectedEOF", err)
	}
	if resp.StatusCode != http.StatusCreated || resp.ContentLength != int64(len(okBody)) {
		t.Errorf("GET = %d with Content-Length %d, want 201 and %d", resp.StatusCode, resp.ContentLength, len(okBody))
	}
	if body != okBody[:len(okBody)/2] {
		t.Errorf("body = %q, want the first half of %q", body, okBody)
	}
}

func TestLargeStreamsValidJSONOfExactlyN(t *testing.T) {
	const n = 3<<20 + 7
	ts, _ := serve(t, faults.Rule{Fault: faults.Large(n)})
	resp, body := mustGet(t, ts, "/Users")
	if resp.StatusCode != 200 || len(body) != n || resp.ContentLength != n {
		t.Fatalf("GET = %d, %d bytes (Content-Length %d), want 200 and %d", resp.StatusCode, len(body), resp.ContentLength, n)
	}
	var lr struct {
		Resources []struct{ UserName string }
	}
	if err := json.Unmarshal([]byte(body), &lr); err != nil || len(lr.Resources) != 1 {
		t.Errorf("body is not a ListResponse with one user: %v", err)
	}
}

func TestLargeStopsWhenTheClientGoesAway(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Fault: faults.Large(1 << 40)})
	resp, err := http.Get(ts.URL + "/Users")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, resp.Body, 1<<20); err != nil {
		t.Fatalf("read the first MiB: %v", err)
	}
	_ = resp.Body.Close()
	// ts.Close at cleanup waits for the handler: it returns only if the
	// stream stopped when the client closed the body.
}

func TestRedirect(t *testing.T) {
	ts, _ := serve(t,
		faults.Rule{Path: regexp.MustCompile(`^/away`), Fault: faults.Redirect(http.StatusFound, "https://other.example/scim")},
		faults.Rule{Path: regexp.MustCompile(`^/old/`), Fault: faults.RedirectPrefix(http.StatusPermanentRedirect, "/old", "/scim/v2")},
		faults.Rule{Path: regexp.MustCompile(`^/tls/`), Fault: faults.RedirectPrefix(http.StatusMovedPermanently, "/", "https://secure.example/")},
		faults.Rule{Path: regexp.MustCompile(`^/seg`), Fault: faults.RedirectPrefix(http.StatusFound, "/seg", "/moved")},
	)
	for _, tt := range []struct{ path, want string }{
		{"/tls/scim/v2/Users", "https://secure.example/tls/scim/v2/Users"},
		{"/seg/Users", "/moved/Users"},
		{"/seg", "/moved"},
		{"/segment", ""}, // not a whole segment: the wrapped handler answers
	} {
		resp, _ := mustGet(t, ts, tt.path)
		if got := resp.Header.Get("Location"); got != tt.want {
			t.Errorf("GET %s: Location %q, want %q", tt.path, got, tt.want)
		}
	}
	resp, _ := mustGet(t, ts, "/away/Users")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://other.example/scim" {
		t.Errorf("GET /away = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = mustGet(t, ts, "/old/Users?filter=userName+eq+%22a%22")
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != `/scim/v2/Users?filter=userName+eq+%22a%22` {
		t.Errorf("GET /old = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A client that follows lands on the wrapped handler, same origin.
	r, err := http.Get(ts.URL + "/old/Users")
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Body.Close()
	if r.StatusCode != http.StatusCreated || r.Request.URL.Host != strings.TrimPrefix(ts.URL, "http://") || r.Request.URL.Path != "/scim/v2/Users" {
		t.Errorf("followed to %s: %d", r.Request.URL, r.StatusCode)
	}
}

func TestGzipEvenUnasked(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Fault: faults.Gzip()})
	resp, body := mustGet(t, ts, "/Users/1") // DisableCompression: no Accept-Encoding sent
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.StatusCode != http.StatusCreated {
		t.Fatalf("GET = %d %v, want 201 gzip", resp.StatusCode, resp.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || string(plain) != okBody {
		t.Errorf("gunzip = %q, %v; want %q", plain, err, okBody)
	}
}

func TestThrottle(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Fault: faults.Throttle("1")})
	resp, body := mustGet(t, ts, "/Users")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, `"status":"429"`) {
		t.Errorf("GET = %d Retry-After %q %q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestHangReleasesWhenTheClientGoesAway(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Fault: faults.Hang()})
	c := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := c.Get(ts.URL + "/Users")
	if err == nil {
		t.Fatal("GET answered, want a hang")
	}
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("GET: %v, want a client timeout", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Errorf("GET ended after %v, before the client timeout", time.Since(start))
	}
	// ts.Close at cleanup must return: the client went away, so the handler
	// did too.
}

func TestStallHoldsTheBodyHalfway(t *testing.T) {
	ts, _ := serve(t, faults.Rule{Fault: faults.Stall()})
	c := &http.Client{Timeout: 300 * time.Millisecond}
	resp, err := c.Get(ts.URL + "/Users/1")
	if err != nil {
		t.Fatalf("GET: %v, want the headers to arrive", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusCreated || resp.ContentLength != int64(len(okBody)) {
		t.Errorf("GET = %d with Content-Length %d, want 201 and %d", resp.StatusCode, resp.ContentLength, len(okBody))
	}
	b, err := io.ReadAll(resp.Body)
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("reading the body: %v, want a client timeout", err)
	}
	if string(b) != okBody[:len(okBody)/2] {
		t.Errorf("body read %q, want the first half of %q", b, okBody)
	}
	// ts.Close at cleanup returns: the client went away.
}

func TestHandlerCloseReleasesHangs(t *testing.T) {
	h := faults.Wrap(okHandler, faults.Rule{Fault: faults.Hang()})
	ts := httptest.NewServer(h)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get(ts.URL + "/Users") // no timeout: only Close ends it
		if err == nil {
			_ = resp.Body.Close()
			err = errors.New("answered")
		}
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the request reach the handler
	h.Close()
	ts.Close()
	select {
	case err := <-errc:
		if err == nil || err.Error() == "answered" {
			t.Errorf("GET = %v, want the connection dropped", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hanging request was not released by Close")
	}
	// After Close, a hang returns at once.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/Users", nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }() // a recorder cannot be hijacked: the stream is aborted
		h.ServeHTTP(rec, req)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a hang after Close did not return")
	}
}

func TestAfterEveryTimes(t *testing.T) {
	ts, h := serve(t,
		faults.Rule{Method: http.MethodGet, Path: regexp.MustCompile(`^/a$`), After: 2, Times: 2, Fault: faults.Status(503, "", "")},
		faults.Rule{Method: http.MethodGet, Path: regexp.MustCompile(`^/b$`), Every: 3, Fault: faults.Status(429, "", "")},
	)
	var a, b []int
	for range 6 {
		resp, _ := mustGet(t, ts, "/a")
		a = append(a, resp.StatusCode)
		resp, _ = mustGet(t, ts, "/b")
		b = append(b, resp.StatusCode)
	}
	if want := []int{201, 201, 503, 503, 201, 201}; !slices.Equal(a, want) {
		t.Errorf("/a answers %v, want %v", a, want)
	}
	if want := []int{201, 201, 429, 201, 201, 429}; !slices.Equal(b, want) {
		t.Errorf("/b answers %v, want %v", b, want)
	}
	if h.Injected(0) != 2 || h.Injected(1) != 2 || h.Injected(7) != 0 {
		t.Errorf("Injected = %d, %d, %d", h.Injected(0), h.Injected(1), h.Injected(7))
	}
}

func TestCountersAreConcurrencySafe(t *testing.T) {
	const n = 50
	h := faults.Wrap(okHandler, faults.Rule{After: 10, Times: 15, Fault: faults.Status(500, "", "")})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/Users", nil).WithContext(context.Background()))
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[500] != 15 || codes[201] != n-15 || h.Injected(0) != 15 {
		t.Errorf("answers %v, Injected %d; want 15 faults out of %d", codes, h.Injected(0), n)
	}
}
