package simulator

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how the client retries a request the server declined
// with 429 Too Many Requests or 503 Service Unavailable. Retry-After is
// honoured in both of its forms, delay-seconds and HTTP-date (RFC 9110,
// Section 10.2.3); RFC 7644, Section 3.12 lets a provider answer 429 or 503.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt. Zero means
	// the default (3); a negative value disables retries and the shared gate
	// (see [Client.Do]): every answer comes back as the target gave it.
	MaxRetries int
	// MaxWait bounds the total time one request spends waiting, between its
	// attempts and for the gate other requests' 429s closed, and how long
	// one 429 or 503 closes that gate. Zero means the default (30s). A
	// Retry-After that would exceed what is left ends the retries and
	// returns the last response; a gate further away than what is left
	// fails the request with [ErrThrottled] before it is sent.
	MaxWait time.Duration
	// Backoff is the wait before the first retry when the response carries no
	// usable Retry-After; it doubles on each further retry. Zero means 1s.
	Backoff time.Duration
	// Sleep waits for d or until ctx ends. Nil means a real timer; tests
	// inject a fake to avoid sleeping, together with a Now that the fake
	// advances.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now returns the current time, used to turn an HTTP-date into a delay
	// and to tell how far away the gate is. Nil means time.Now.
	Now func() time.Time
}

// withDefaults fills the zero fields of p.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxRetries == 0 {
		p.MaxRetries = 3
	}
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.MaxWait <= 0 {
		p.MaxWait = 30 * time.Second
	}
	if p.Backoff <= 0 {
		p.Backoff = time.Second
	}
	if p.Sleep == nil {
		p.Sleep = sleepCtx
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return p
}

// retryable reports whether a status asks the client to come back later.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// delay returns how long to wait before retry number n (0-based), from the
// Retry-After header when it parses and from the backoff otherwise.
func (p RetryPolicy) delay(h http.Header, n int) time.Duration {
	if d, ok := ParseRetryAfter(h.Get("Retry-After"), p.Now()); ok {
		return d
	}
	d := p.Backoff
	for i := 0; i < n && d < p.MaxWait; i++ {
		d *= 2
	}
	return d
}

// ParseRetryAfter parses a Retry-After value, either delay-seconds or an
// HTTP-date relative to now. A date in the past gives zero. ok is false when
// the value is empty or malformed.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Clamp absurd values instead of overflowing the Duration.
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
