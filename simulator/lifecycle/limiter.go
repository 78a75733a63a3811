package lifecycle

import (
	"net/http"
	"time"
)

// rateLimited is an http.RoundTripper that lets at most one request start
// per tick, so --rate bounds requests (retries included) per second. A
// ticker is enough here: it never bursts beyond one request, which is the
// conservative reading of "R requests per second", and it keeps
// golang.org/x/time out of go.mod.
type rateLimited struct {
	next http.RoundTripper
	tick *time.Ticker
}

// newRateLimited limits next to perSecond requests per second.
func newRateLimited(next http.RoundTripper, perSecond float64) *rateLimited {
	interval := time.Duration(float64(time.Second) / perSecond)
	if interval <= 0 {
		interval = time.Nanosecond
	}
	return &rateLimited{next: next, tick: time.NewTicker(interval)}
}

// RoundTrip waits for the next tick (or the request's cancellation) and
// sends r.
func (l *rateLimited) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-l.tick.C:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return l.next.RoundTrip(r)
}

// stop releases the ticker.
func (l *rateLimited) stop() { l.tick.Stop() }
