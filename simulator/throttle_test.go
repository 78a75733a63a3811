package simulator

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// throttler answers its first n requests with 429 and Retry-After:
// retryAfter, then 200; n < 0 throttles forever. It counts the requests
// that reached it by path.
type throttler struct {
	n          int
	retryAfter string
	mu         sync.Mutex
	total      int
	seen       map[string]int
}

func (th *throttler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	th.mu.Lock()
	if th.seen == nil {
		th.seen = map[string]int{}
	}
	th.seen[r.URL.Path]++
	th.total++
	i := th.total
	th.mu.Unlock()
	if th.n < 0 || i <= th.n {
		if th.retryAfter != "" {
			w.Header().Set("Retry-After", th.retryAfter)
		}
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	w.Write([]byte(`{}`))
}

func (th *throttler) count(path string) int {
	th.mu.Lock()
	defer th.mu.Unlock()
	return th.seen["/scim/v2"+path]
}

func TestThrottleStorm(t *testing.T) {
	th := &throttler{n: 3, retryAfter: "1"}
	c, _, fs := newTestClient(t, th, nil)
	resp, err := c.Get(context.Background(), "/Users")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Attempts != 4 {
		t.Errorf("status %d after %d attempts, want 200 after 4", resp.Status, resp.Attempts)
	}
	want := ThrottleStats{Throttled: 3, Retries: 3, Waited: 3 * time.Second}
	if got := c.Throttling(); got != want {
		t.Errorf("Throttling() = %+v, want %+v", got, want)
	}
	if fs.total() != 3*time.Second {
		t.Errorf("slept %v, want 3s", fs.total())
	}
}

// TestThrottleGateShared checks that a 429 to one copy of a client holds
// back the requests of every other copy, and that the statistics are
// shared too.
func TestThrottleGateShared(t *testing.T) {
	th := &throttler{n: 2, retryAfter: "5"}
	c, _, fs := newTestClient(t, th, func(o *Options) { o.Retry.MaxRetries = 1 })
	var rec Recorder
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	copies := []*Client{c.WithHook(rec.Hook()), c.WithProfile(Profile{Name: "other"}), c.WithAuth(nil), c.WithHTTPClient(noRedirects)}

	resp, err := copies[0].Get(context.Background(), "/Users")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusTooManyRequests || resp.Attempts != 2 {
		t.Fatalf("status %d after %d attempts, want 429 after 2 (one retry)", resp.Status, resp.Attempts)
	}
	// The second 429 closed the gate for 5s more: the next copy's first
	// request waits for it, though it never saw a 429 itself; the one
	// after it finds the gate open.
	for _, cp := range copies[1:] {
		if resp, err := cp.Get(context.Background(), "/Groups"); err != nil || resp.Status != 200 {
			t.Fatalf("Get: %v, %v", resp, err)
		}
	}
	if !equalDurations(fs.waits, []time.Duration{5 * time.Second, 5 * time.Second}) {
		t.Errorf("waits %v, want 5s for the retry, then 5s for the gate, then none", fs.waits)
	}
	want := ThrottleStats{Throttled: 2, Retries: 1, Waited: 10 * time.Second, GaveUp: 1}
	for i, cp := range append(copies, c) {
		if got := cp.Throttling(); got != want {
			t.Errorf("copy %d: Throttling() = %+v, want %+v", i, got, want)
		}
	}
}

// TestThrottleConcurrent runs two requests on the real clock: one is
// throttled with Retry-After: 1, and the other, started after that answer,
// is held back by the shared gate and reaches the server no sooner than the
// gate opens.
func TestThrottleConcurrent(t *testing.T) {
	var (
		mu       sync.Mutex
		arrivals = map[string]time.Time{}
	)
	var throttled atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if _, ok := arrivals[r.URL.Path]; !ok {
			arrivals[r.URL.Path] = time.Now()
		}
		mu.Unlock()
		if r.URL.Path == "/scim/v2/Users" && throttled.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{}`))
	})
	c, _, _ := newTestClient(t, h, func(o *Options) { o.Retry = RetryPolicy{} })

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, err := c.Get(context.Background(), "/Users")
		if err == nil && (resp.Status != 200 || resp.Attempts != 2) {
			err = errors.New("throttled request did not succeed on its retry")
		}
		errs <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for c.gate.until().IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("the 429 never closed the gate")
		}
		time.Sleep(time.Millisecond)
	}
	opens := c.gate.until()
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := c.WithHook(nil).Get(context.Background(), "/Groups")
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if got := arrivals["/scim/v2/Groups"]; got.Before(opens) {
		t.Errorf("the other request reached the server %v before the gate opened", opens.Sub(got))
	}
	st := c.Throttling()
	if st.Throttled != 1 || st.Retries != 1 || st.GaveUp != 0 || st.Waited < time.Second {
		t.Errorf("Throttling() = %+v, want 1 throttled, 1 retry, nobody gave up, two waits adding up to over 1s", st)
	}
}

// TestThrottleBounds checks that a storm that never ends cannot hold one
// request beyond the policy's MaxWait, and that a gate further away than a
// request's budget or deadline fails it without sending it.
func TestThrottleBounds(t *testing.T) {
	t.Run("endless storm stops at MaxWait", func(t *testing.T) {
		th := &throttler{n: -1, retryAfter: "1"}
		c, _, fs := newTestClient(t, th, func(o *Options) { o.Retry.MaxRetries = 100; o.Retry.MaxWait = 5 * time.Second })
		resp, err := c.Get(context.Background(), "/Users")
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusTooManyRequests || fs.total() > 5*time.Second {
			t.Errorf("status %d after waiting %v, want the 429 back within MaxWait 5s", resp.Status, fs.total())
		}
		if st := c.Throttling(); st.GaveUp != 1 || st.Waited > 5*time.Second {
			t.Errorf("Throttling() = %+v", st)
		}
	})
	t.Run("endless storm from many workers stays within MaxWait each", func(t *testing.T) {
		th := &throttler{n: -1, retryAfter: "1"}
		c, _, _ := newTestClient(t, th, func(o *Options) { o.Retry = RetryPolicy{MaxRetries: 100, MaxWait: 1500 * time.Millisecond} })
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				resp, err := c.Get(context.Background(), "/Users")
				if err == nil && resp.Status != http.StatusTooManyRequests {
					t.Errorf("status %d in an endless storm", resp.Status)
				}
				if err != nil && !errors.Is(err, ErrThrottled) {
					t.Errorf("error %v, want ErrThrottled", err)
				}
				if d := time.Since(start); d > 1500*time.Millisecond+2*time.Second {
					t.Errorf("one request took %v with MaxWait 1.5s", d)
				}
			}()
		}
		wg.Wait()
		if st := c.Throttling(); st.GaveUp+st.NotSent != 4 {
			t.Errorf("Throttling() = %+v, want all 4 requests to give up or stay unsent", st)
		}
	})
	t.Run("a long Retry-After holds the gate no longer than MaxWait", func(t *testing.T) {
		// One 429 asking for an hour must slow the run down, not stop it:
		// the next request waits what the policy allows and is sent.
		th := &throttler{n: 1, retryAfter: "3600"}
		c, _, fs := newTestClient(t, th, nil)
		resp, err := c.Get(context.Background(), "/Users")
		if err != nil || resp.Status != http.StatusTooManyRequests || resp.Attempts != 1 {
			t.Fatalf("first request: %v, %v; want its 429 back at once", resp, err)
		}
		resp, err = c.Get(context.Background(), "/Groups")
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("the next request: %v, %v; want it held back, then sent", resp, err)
		}
		if !equalDurations(fs.waits, []time.Duration{30 * time.Second}) {
			t.Errorf("waits %v, want the 30s MaxWait, not the hour asked for", fs.waits)
		}
		want := ThrottleStats{Throttled: 1, Waited: 30 * time.Second, GaveUp: 1}
		if st := c.Throttling(); st != want {
			t.Errorf("Throttling() = %+v, want %+v", st, want)
		}
	})
	t.Run("a gate pushed beyond the budget while waiting", func(t *testing.T) {
		// Another request's 429 moves the gate while this one waits at it:
		// what is left of its budget no longer reaches, so it is not sent.
		th := &throttler{}
		c, _, fs := newTestClient(t, th, nil)
		c.gate.hold(fs.Now().Add(20 * time.Second)) // another request's 429
		c.retry.Sleep = func(ctx context.Context, d time.Duration) error {
			err := fs.Sleep(ctx, d)
			c.gate.hold(fs.Now().Add(20 * time.Second))
			return err
		}
		_, err := c.Get(context.Background(), "/Groups")
		if !errors.Is(err, ErrThrottled) {
			t.Fatalf("error %v, want ErrThrottled", err)
		}
		if th.count("/Groups") != 0 {
			t.Errorf("the held-back request was sent")
		}
		want := "throttled: the target asked to hold back for 20s more (429/503 Retry-After), beyond the 10s left of the 30s retry budget; not sent: lower the load on the target or ask for a higher rate limit"
		if got := Diagnose(err); got != want {
			t.Errorf("Diagnose\n got %q\nwant %q", got, want)
		}
		want2 := ThrottleStats{Waited: 20 * time.Second, NotSent: 1}
		if st := c.Throttling(); st != want2 {
			t.Errorf("Throttling() = %+v, want %+v", st, want2)
		}
	})
	t.Run("a retry beyond reach hands back the last answer", func(t *testing.T) {
		// The request's own 429 asks for 5s; while it waits, another's
		// pushes the gate beyond its budget: it returns the 429 it has
		// instead of a transport error, and is not counted as retried.
		th := &throttler{n: -1, retryAfter: "5"}
		c, _, fs := newTestClient(t, th, func(o *Options) { o.Retry.MaxWait = 8 * time.Second })
		c.retry.Sleep = func(ctx context.Context, d time.Duration) error {
			err := fs.Sleep(ctx, d)
			c.gate.hold(fs.Now().Add(8 * time.Second))
			return err
		}
		resp, err := c.Get(context.Background(), "/Users")
		if err != nil || resp.Status != http.StatusTooManyRequests || resp.Attempts != 1 {
			t.Fatalf("Get = %v, %v; want the 429 of its one attempt", resp, err)
		}
		want := ThrottleStats{Throttled: 1, Waited: 5 * time.Second, GaveUp: 1}
		if st := c.Throttling(); st != want {
			t.Errorf("Throttling() = %+v, want %+v", st, want)
		}
	})
	t.Run("gate beyond the deadline", func(t *testing.T) {
		// A 5s budget hands the first 429 back and closes the gate for 5s
		// (not the 10s asked): still beyond a 2s deadline.
		th := &throttler{n: 1, retryAfter: "10"}
		c, _, fs := newTestClient(t, th, func(o *Options) { o.Retry.MaxWait = 5 * time.Second })
		if _, err := c.Get(context.Background(), "/Users"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := c.Get(ctx, "/Groups")
		if !errors.Is(err, ErrThrottled) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want ErrThrottled and DeadlineExceeded", err)
		}
		if th.count("/Groups") != 0 || len(fs.waits) != 0 {
			t.Errorf("the held-back request was sent or waited %v", fs.waits)
		}
		if got := Diagnose(err); !strings.HasPrefix(got, "throttled: the target asked to hold back for 5s more") || !strings.Contains(got, "of the run's time") {
			t.Errorf("Diagnose = %q", got)
		}
		if st := c.Throttling(); st != (ThrottleStats{Throttled: 1, GaveUp: 1, NotSent: 1}) {
			t.Errorf("Throttling() = %+v, want the first request given up, the second not sent", st)
		}
	})
	t.Run("retries disabled means no gate", func(t *testing.T) {
		th := &throttler{n: 1, retryAfter: "5"}
		c, _, fs := newTestClient(t, th, func(o *Options) { o.Retry.MaxRetries = -1 })
		for _, p := range []string{"/Users", "/Groups"} {
			if _, err := c.Get(context.Background(), p); err != nil {
				t.Fatal(err)
			}
		}
		if len(fs.waits) != 0 || th.count("/Groups") != 1 {
			t.Errorf("waited %v; /Groups reached %d times", fs.waits, th.count("/Groups"))
		}
		if st := c.Throttling(); st != (ThrottleStats{Throttled: 1, GaveUp: 1}) {
			t.Errorf("Throttling() = %+v", st)
		}
	})
}

// TestThrottleLongRetryAfterRealClock is the run that stopped dead on one
// 429 asking for more than MaxWait: on the real clock, another request (a
// cleanup DELETE, say) waits at most MaxWait and is sent, instead of failing
// at once at a gate the first answer closed for the whole Retry-After.
func TestThrottleLongRetryAfterRealClock(t *testing.T) {
	var first atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	const maxWait = 200 * time.Millisecond
	c, _, _ := newTestClient(t, h, func(o *Options) { o.Retry = RetryPolicy{MaxRetries: 2, MaxWait: maxWait} })
	resp, err := c.Get(context.Background(), "/Users")
	if err != nil || resp.Status != http.StatusTooManyRequests {
		t.Fatalf("first request: %v, %v; want its 429 back", resp, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	resp, err = c.Do(ctx, Request{Method: http.MethodDelete, Path: "/Users/1"})
	if err != nil || resp.Status != http.StatusNoContent {
		t.Fatalf("cleanup DELETE: %v, %v; want it sent after the gate opens", resp, err)
	}
	if d := time.Since(start); d < maxWait-10*time.Millisecond {
		t.Errorf("the DELETE went after %v, before the %v gate opened", d, maxWait)
	}
	if st := c.Throttling(); st.Throttled != 1 || st.GaveUp != 1 || st.NotSent != 0 {
		t.Errorf("Throttling() = %+v, want 1 throttled, 1 gave up, none unsent", st)
	}
}

// TestWithRetry checks that a copy with a more patient policy waits for a
// Retry-After its parent would not, while sharing the parent's gate and
// statistics.
func TestWithRetry(t *testing.T) {
	th := &throttler{n: 1, retryAfter: "45"}
	c, _, fs := newTestClient(t, th, func(o *Options) { o.Retry.MaxWait = 10 * time.Second })
	patient := c.WithRetry(RetryPolicy{MaxRetries: 3, MaxWait: time.Minute})
	resp, err := patient.Get(context.Background(), "/ServiceProviderConfig")
	if err != nil || resp.Status != http.StatusOK || resp.Attempts != 2 {
		t.Fatalf("Get = %v, %v; want 200 on the second attempt", resp, err)
	}
	if !equalDurations(fs.waits, []time.Duration{45 * time.Second}) {
		t.Errorf("waits %v, want the 45s asked for, on the parent's clock", fs.waits)
	}
	want := ThrottleStats{Throttled: 1, Retries: 1, Waited: 45 * time.Second}
	if got := c.Throttling(); got != want {
		t.Errorf("parent's Throttling() = %+v, want %+v", got, want)
	}
}
