package simulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// fakeSleep records requested waits instead of sleeping, and keeps a clock
// that each wait advances, so the client's gate sees time pass.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
	clock time.Time
}

func (f *fakeSleep) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
	return ctx.Err()
}

// Now is the fake clock, starting at the real time of the first call.
func (f *fakeSleep) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.clock.IsZero() {
		f.clock = time.Now()
	}
	return f.clock
}

func (f *fakeSleep) total() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var t time.Duration
	for _, w := range f.waits {
		t += w
	}
	return t
}

// newTestClient starts h and returns a client for it that records into rec
// and sleeps through fs.
func newTestClient(t *testing.T, h http.Handler, mod func(*Options)) (*Client, *Recorder, *fakeSleep) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rec := &Recorder{}
	fs := &fakeSleep{}
	opts := Options{
		BaseURL: srv.URL + "/scim/v2",
		Auth:    Bearer("s3cret-token"),
		Hook:    rec.Hook(),
		Retry:   RetryPolicy{Sleep: fs.Sleep, Now: fs.Now},
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, rec, fs
}

func TestRetry(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name         string
		statuses     []int
		retryAfter   string
		policy       RetryPolicy
		wantStatus   int
		wantAttempts int
		wantWaits    []time.Duration
	}{
		{"429 seconds", []int{429, 200}, "2", RetryPolicy{}, 200, 2, []time.Duration{2 * time.Second}},
		{"503 seconds", []int{503, 503, 201}, "1", RetryPolicy{}, 201, 3, []time.Duration{time.Second, time.Second}},
		{"429 http-date", []int{429, 200}, now.Add(5 * time.Second).UTC().Format(http.TimeFormat), RetryPolicy{Now: func() time.Time { return now }}, 200, 2, nil},
		{"no retry-after backs off", []int{503, 503, 200}, "", RetryPolicy{Backoff: 100 * time.Millisecond}, 200, 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{"retry count bound", []int{429, 429, 429, 429, 429, 429}, "1", RetryPolicy{MaxRetries: 2}, 429, 3, []time.Duration{time.Second, time.Second}},
		{"total wait bound", []int{429, 429, 429, 429}, "12", RetryPolicy{MaxWait: 30 * time.Second}, 429, 3, []time.Duration{12 * time.Second, 12 * time.Second}},
		{"retry-after beyond budget", []int{429, 200}, "3600", RetryPolicy{}, 429, 1, nil},
		{"retries disabled", []int{503, 200}, "1", RetryPolicy{MaxRetries: -1}, 503, 1, nil},
		{"500 is not retried", []int{500, 200}, "1", RetryPolicy{}, 500, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				st := tt.statuses[min(i, len(tt.statuses)-1)]
				if tt.retryAfter != "" && (st == 429 || st == 503) {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(st)
			})
			c, rec, fs := newTestClient(t, h, func(o *Options) {
				p := tt.policy
				p.Sleep = nil
				o.Retry = p
			})
			c.retry.Sleep = fs.Sleep
			if tt.policy.Now == nil {
				c.retry.Now = fs.Now
			}
			resp, err := c.Get(context.Background(), "/Users")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if resp.Status != tt.wantStatus || resp.Attempts != tt.wantAttempts {
				t.Errorf("status %d attempts %d, want %d and %d", resp.Status, resp.Attempts, tt.wantStatus, tt.wantAttempts)
			}
			if got := len(rec.Exchanges()); got != tt.wantAttempts {
				t.Errorf("hook saw %d exchanges, want one per attempt (%d)", got, tt.wantAttempts)
			}
			if tt.wantWaits != nil && !equalDurations(fs.waits, tt.wantWaits) {
				t.Errorf("waits %v, want %v", fs.waits, tt.wantWaits)
			}
			if tt.name == "429 http-date" && (len(fs.waits) != 1 || fs.waits[0] < 4*time.Second || fs.waits[0] > 5*time.Second) {
				t.Errorf("HTTP-date wait %v, want about 5s", fs.waits)
			}
			if max := c.retry.MaxWait; fs.total() > max {
				t.Errorf("waited %v in total, beyond MaxWait %v", fs.total(), max)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"0", 0, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999", 24 * time.Hour, true},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestTransportFailures(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name    string
		handler http.HandlerFunc
		ctx     func() (context.Context, context.CancelFunc)
		timeout time.Duration
		wantErr error
		wantMsg string
	}{
		{
			name: "hanging server hits per-request timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			},
			timeout: 50 * time.Millisecond,
			wantErr: context.DeadlineExceeded,
			wantMsg: "no complete response within 50ms",
		},
		{
			name: "caller cancels",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			},
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(30*time.Millisecond, cancel)
				return ctx, cancel
			},
			timeout: 10 * time.Second,
			wantErr: context.Canceled,
		},
		{
			name: "connection reset",
			handler: func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Errorf("hijack: %v", err)
					return
				}
				conn.Close()
			},
			timeout: 5 * time.Second,
			wantMsg: "GET http://",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, _ := newTestClient(t, tt.handler, func(o *Options) { o.Timeout = tt.timeout })
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			start := time.Now()
			resp, err := c.Get(ctx, "/Users/1")
			if err == nil {
				t.Fatalf("want an error, got status %d", resp.Status)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want it to wrap %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "/scim/v2/Users/1") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q lacks the URL or %q", err, tt.wantMsg)
			}
			exs := rec.Exchanges()
			if len(exs) != 1 || exs[0].Error == "" || exs[0].Status != 0 {
				t.Errorf("want one exchange carrying the error, got %+v", exs)
			}
		})
	}
}

func TestBodies(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	tests := []struct {
		name     string
		gzip     bool
		profile  Profile
		handler  http.HandlerFunc
		wantBody string
		wantJSON string // value of gjson "id", "" when not JSON
	}{
		{
			name: "html error page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				w.Write([]byte("<html><body>Bad Gateway</body></html>"))
			},
			wantBody: "<html><body>Bad Gateway</body></html>",
		},
		{
			name: "non-JSON body claiming JSON",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/scim+json")
				w.Write([]byte(`{"id": "abc", trailing`))
			},
			wantBody: `{"id": "abc", trailing`,
		},
		{
			name: "gzip negotiated by the client",
			gzip: true,
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Accept-Encoding") != "gzip" {
					t.Errorf("Accept-Encoding %q", r.Header.Get("Accept-Encoding"))
				}
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gz(`{"id":"g1"}`))
			},
			wantBody: `{"id":"g1"}`,
			wantJSON: "g1",
		},
		{
			name:    "gzip asked for by a profile header",
			profile: Profile{Name: "okta", Extra: http.Header{"Accept-Encoding": {"gzip,deflate"}}},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gz(`{"id":"g2"}`))
			},
			wantBody: `{"id":"g2"}`,
			wantJSON: "g2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, _ := newTestClient(t, tt.handler, func(o *Options) { o.Gzip = tt.gzip; o.Profile = tt.profile })
			resp, err := c.Get(context.Background(), "/Users/1")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if string(resp.Body) != tt.wantBody {
				t.Errorf("body %q, want %q", resp.Body, tt.wantBody)
			}
			if got := resp.JSON().Get("id").String(); got != tt.wantJSON {
				t.Errorf("JSON id %q, want %q", got, tt.wantJSON)
			}
			if exs := rec.Exchanges(); len(exs) != 1 || exs[0].ResponseBody != tt.wantBody {
				t.Errorf("exchange body %+v, want %q", exs, tt.wantBody)
			}
		})
	}
}

func TestRedaction(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=abcdef")
		w.Header().Set("Content-Type", "application/scim+json")
		w.Write([]byte(`{"id":"1","userName":"a","Password":"echoed-secret","nested":[{"pAsSwOrD":"deep-secret"}]}`))
	})
	tests := []struct {
		name       string
		auth       Auth
		body       any
		wantAuth   string
		wantHeader string // name of a secret header that must read REDACTED
		secrets    []string
	}{
		{"bearer", Bearer("s3cret-token"), map[string]any{"userName": "a", "password": "hunter2-secret"}, "Bearer REDACTED", "", []string{"s3cret-token", "hunter2-secret"}},
		{"basic", Basic("admin", "basic-secret"), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":"patch-secret"}]}`, "Basic REDACTED", "", []string{"YWRtaW46YmFzaWMtc2VjcmV0", "patch-secret"}},
		{"custom header", Header("X-Custom-Credential", "custom-secret"), `{"value":{"password":"pathless-secret"}}`, "", "X-Custom-Credential", []string{"custom-secret", "pathless-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec, _ := newTestClient(t, h, func(o *Options) { o.Auth = tt.auth })
			if _, err := c.Do(context.Background(), Request{Method: "POST", Path: "/Users", Body: tt.body, Header: http.Header{"Cookie": {"sid=cookie-secret"}}}); err != nil {
				t.Fatalf("Do: %v", err)
			}
			exs := rec.Exchanges()
			if len(exs) != 1 {
				t.Fatalf("%d exchanges", len(exs))
			}
			ex := exs[0]
			all := dump(ex)
			for _, s := range append(tt.secrets, "echoed-secret", "deep-secret", "cookie-secret", "abcdef") {
				if strings.Contains(all, s) {
					t.Errorf("secret %q leaked into exchange: %s", s, all)
				}
			}
			if tt.wantAuth != "" && ex.RequestHeader["Authorization"][0] != tt.wantAuth {
				t.Errorf("Authorization %q, want %q", ex.RequestHeader["Authorization"], tt.wantAuth)
			}
			if tt.wantHeader != "" && ex.RequestHeader[tt.wantHeader][0] != transcript.Redacted {
				t.Errorf("%s = %q", tt.wantHeader, ex.RequestHeader[tt.wantHeader])
			}
			if !strings.Contains(ex.ResponseBody, `"userName":"a"`) || !strings.Contains(ex.ResponseBody, `"Password":"REDACTED"`) {
				t.Errorf("response body not redacted in place: %s", ex.ResponseBody)
			}
		})
	}
}

// TestRedactionOfURLAndError checks that the hook sees the URL and the
// transport error redacted too: a credential in the base URL or in a query
// parameter is echoed by net/http's error text.
func TestRedactionOfURLAndError(t *testing.T) {
	reset := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.Write([]byte(`{"id":"1"}`))
	})
	tests := []struct {
		name    string
		handler http.Handler
		path    string
		wantErr bool
		secrets []string
	}{
		{"query token on success", ok, "/Users?access_token=query-secret-1", false, []string{"query-secret-1", "url-pass-secret"}},
		{"query token in transport error", reset, "/Users?access_token=query-secret-2", true, []string{"query-secret-2", "url-pass-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			rec := &Recorder{}
			base := strings.Replace(srv.URL, "http://", "http://admin:url-pass-secret@", 1) + "/scim/v2"
			c, err := New(Options{BaseURL: base, Hook: rec.Hook(), Timeout: 5 * time.Second})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			_, err = c.Get(context.Background(), tt.path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Get error %v, want error: %v", err, tt.wantErr)
			}
			exs := rec.Exchanges()
			if len(exs) != 1 {
				t.Fatalf("%d exchanges, want 1", len(exs))
			}
			ex := exs[0]
			if tt.wantErr && ex.Error == "" {
				t.Errorf("exchange carries no error: %+v", ex)
			}
			all := dump(ex) + "\n" + ex.Error
			for _, s := range tt.secrets {
				if strings.Contains(all, s) {
					t.Errorf("secret %q reached the hook: %s", s, all)
				}
			}
			if !strings.Contains(ex.URL, "/scim/v2/Users") {
				t.Errorf("URL %q lost its path", ex.URL)
			}
		})
	}
}

func dump(ex transcript.Exchange) string {
	var b strings.Builder
	for k, vs := range ex.RequestHeader {
		b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	for k, vs := range ex.ResponseHeader {
		b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	b.WriteString(ex.URL + "\n" + ex.RequestBody + "\n" + ex.ResponseBody)
	return b.String()
}

func TestBodyCap(t *testing.T) {
	big := strings.Repeat("é", 100) // 200 bytes of two-byte runes
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(big)) })
	c, rec, _ := newTestClient(t, h, func(o *Options) { o.BodyCap = 51 })
	resp, err := c.Post(context.Background(), "/Users", big)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != big {
		t.Errorf("Response.Body was capped: %d bytes", len(resp.Body))
	}
	ex := rec.Exchanges()[0]
	if !ex.Truncated || len(ex.ResponseBody) != 50 || len(ex.RequestBody) != 50 {
		t.Errorf("truncated=%v resp=%d req=%d bytes, want 50 each (cut on a rune boundary)", ex.Truncated, len(ex.ResponseBody), len(ex.RequestBody))
	}
}

func TestRequestShape(t *testing.T) {
	type seen struct {
		method, uri, ct, ua, accept string
		body                        string
	}
	var got seen
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		got = seen{r.Method, r.RequestURI, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), r.Header.Get("Accept"), b.String()}
	})
	tests := []struct {
		name string
		req  Request
		want seen
	}{
		{"raw query verbatim", Request{Path: "/Users", RawQuery: `filter=userName+eq+%22a%40b%22&startIndex=1`},
			seen{"GET", `/scim/v2/Users?filter=userName+eq+%22a%40b%22&startIndex=1`, "", "scimtest/dev", "application/scim+json", ""}},
		{"query values", Request{Path: "Users", Query: map[string][]string{"count": {"2"}}},
			seen{"GET", "/scim/v2/Users?count=2", "", "scimtest/dev", "application/scim+json", ""}},
		{"marshalled body", Request{Method: "POST", Path: "/Groups", Body: map[string]any{"displayName": "x"}},
			seen{"POST", "/scim/v2/Groups", "application/scim+json", "scimtest/dev", "application/scim+json", `{"displayName":"x"}`}},
		{"header override and removal", Request{Method: "PUT", Path: "/Groups/1", Body: "{}", Header: http.Header{"Content-Type": {"application/json"}, "Accept": nil}},
			seen{"PUT", "/scim/v2/Groups/1", "application/json", "scimtest/dev", "", "{}"}},
	}
	c, _, _ := newTestClient(t, h, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Do(context.Background(), tt.req); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://x/scim", "http://%zz"} {
		if _, err := New(Options{BaseURL: u}); err == nil {
			t.Errorf("New(%q) succeeded", u)
		}
	}
}

func TestWithHookSeparatesRecorders(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	c, base, _ := newTestClient(t, h, nil)
	var a, b Recorder
	ca, cb := c.WithHook(a.Hook()), c.WithHook(b.Hook())
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); ca.Get(context.Background(), "/Users") }()
		go func() { defer wg.Done(); cb.Get(context.Background(), "/Groups") }()
	}
	wg.Wait()
	if len(a.Exchanges()) != 20 || len(b.Exchanges()) != 20 || len(base.Exchanges()) != 0 {
		t.Errorf("a=%d b=%d base=%d", len(a.Exchanges()), len(b.Exchanges()), len(base.Exchanges()))
	}
	for _, ex := range b.Exchanges() {
		if !strings.HasSuffix(ex.URL, "/Groups") {
			t.Errorf("recorder b saw %s", ex.URL)
		}
	}
	a.Reset()
	if len(a.Exchanges()) != 0 {
		t.Error("Reset kept exchanges")
	}
}

func TestNoHiddenAcceptEncoding(t *testing.T) {
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Accept-Encoding"))
	})
	for _, gz := range []bool{false, true} {
		c, rec, _ := newTestClient(t, h, func(o *Options) { o.Gzip = gz })
		if _, err := c.Get(context.Background(), "/Users"); err != nil {
			t.Fatal(err)
		}
		sent := strings.Join(rec.Exchanges()[0].RequestHeader["Accept-Encoding"], ",")
		if sent != got[len(got)-1] {
			t.Errorf("Gzip=%v: transcript says Accept-Encoding %q, the wire carried %q", gz, sent, got[len(got)-1])
		}
	}
	if got[0] != "" || got[1] != "gzip" {
		t.Errorf("Accept-Encoding on the wire = %q", got)
	}
}
