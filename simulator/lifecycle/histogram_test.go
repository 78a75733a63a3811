package lifecycle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestBucketBounds checks every value lands in a bucket whose upper bound
// is at least the value and within 1/subBuckets of it.
func TestBucketBounds(t *testing.T) {
	values := []int64{0, 1, 15, 16, 17, 31, 32, 33, 999, 1000, 1023, 1024, 123456789, int64(time.Hour), 1<<62 + 12345, 1<<63 - 1}
	for _, v := range values {
		b := bucket(v)
		up := bucketUpper(b)
		if up < v {
			t.Errorf("bucket(%d)=%d upper %d < value", v, b, up)
		}
		if b > 0 && bucketUpper(b-1) >= v {
			t.Errorf("bucket(%d)=%d but the previous bucket's upper %d already covers it", v, b, bucketUpper(b-1))
		}
		if v >= subBuckets && float64(up-v) > float64(v)/subBuckets {
			t.Errorf("bucket(%d) upper %d: error above 1/%d", v, up, subBuckets)
		}
	}
	if bucket(-5) != 0 {
		t.Error("negative durations must land in bucket 0")
	}
}

// TestQuantiles checks percentiles of a known distribution within the
// histogram's resolution.
func TestQuantiles(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 {
		t.Fatal("empty histogram must report 0")
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w + 1; i <= 1000; i += 4 {
				h.observe(time.Duration(i) * time.Millisecond)
			}
		}(w)
	}
	wg.Wait()
	if h.count() != 1000 {
		t.Fatalf("count = %d, want 1000", h.count())
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.95, 950 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.quantile(tc.q)
		if got < tc.want || float64(got-tc.want) > float64(tc.want)/subBuckets {
			t.Errorf("quantile(%v) = %v, want %v within 1/%d", tc.q, got, tc.want, subBuckets)
		}
	}
}

// TestRateLimited checks --rate spaces requests out and honours
// cancellation while waiting.
func TestRateLimited(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ts.Close()
	lim := newRateLimited(http.DefaultTransport, 50) // one request per 20 ms
	defer lim.stop()
	c := &http.Client{Transport: lim}
	start := time.Now()
	for i := 0; i < 6; i++ {
		resp, err := c.Get(ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("6 requests at 50/s took %v; want at least 100ms", el)
	}
	slow := newRateLimited(http.DefaultTransport, 0.01)
	defer slow.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&http.Client{Transport: slow}).Do(req); err == nil {
		t.Error("a request waiting for its turn ignored cancellation")
	}
}
