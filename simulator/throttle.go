package simulator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrThrottled is wrapped by the error [Client.Do] returns when the target
// asked the client to hold back (429 or 503 with Retry-After) for longer
// than the request may still wait under its [RetryPolicy] or its context's
// deadline. The request is not sent: the target asked for quiet.
var ErrThrottled = errors.New("throttled by the target")

// ThrottleStats counts how a target's throttling slowed a [Client] and
// every copy of it (see [Client.Throttling]).
type ThrottleStats struct {
	// Throttled counts the 429 and 503 answers received.
	Throttled int
	// Retries counts the requests sent again after such an answer.
	Retries int
	// Waited is the total time requests were held back by the gate;
	// requests waiting at the same time each add their wait.
	Waited time.Duration
	// GaveUp counts the requests that ended throttled: their last answer
	// was still 429 or 503 when the retries or the wait budget ran out.
	GaveUp int
	// NotSent counts the requests never sent because the gate was further
	// away than their budget or their context's deadline could reach (their
	// error wraps [ErrThrottled]): the target was not asked, so they are
	// kept apart from GaveUp.
	NotSent int
}

// gate is the "not before" moment shared by a client and all its copies: a
// 429 or 503 to any request holds back every request, so a run slows down
// as the target asks instead of hammering it from other specs or workers.
type gate struct {
	mu        sync.Mutex
	notBefore time.Time
	stats     ThrottleStats
}

// until returns the moment before which no request should be sent.
func (g *gate) until() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.notBefore
}

// hold moves the gate to t unless it is already later.
func (g *gate) hold(t time.Time) {
	g.mu.Lock()
	if t.After(g.notBefore) {
		g.notBefore = t
	}
	g.mu.Unlock()
}

// count updates the statistics under the lock.
func (g *gate) count(f func(*ThrottleStats)) {
	g.mu.Lock()
	f(&g.stats)
	g.mu.Unlock()
}

// Throttling returns how the target's 429 and 503 answers have slowed this
// client and every copy of it (made by [Client.WithHook], [Client.WithProfile],
// [Client.WithAuth], [Client.WithRetry] or [Client.WithHTTPClient]) so far,
// for a run report to say it was throttled.
func (c *Client) Throttling() ThrottleStats {
	c.gate.mu.Lock()
	defer c.gate.mu.Unlock()
	return c.gate.stats
}

// throttledError is a request held back by a gate beyond its budget.
type throttledError struct {
	wait   time.Duration // how long the gate still had to go
	budget time.Duration // what the request could still wait
	limit  string        // what bounded it: the retry budget or the deadline
}

func (e *throttledError) Error() string {
	return fmt.Sprintf("the target asked to hold back for %v more (429/503 Retry-After), beyond the %v left of %s; not sent",
		e.wait.Round(time.Millisecond), e.budget.Round(time.Millisecond), e.limit)
}

func (e *throttledError) Unwrap() error { return ErrThrottled }

// awaitGate holds the request back until the shared gate opens, adding the
// wait to *waited. A gate within reach is waited for, however it came to
// be closed; it gives up without waiting (an error wrapping [ErrThrottled])
// only when the gate is further away than what is left of the policy's
// MaxWait or of ctx's deadline, which [Client.Do] counts. With retries
// disabled there is no gate: such a client wants every answer as the
// target gives it.
func (c *Client) awaitGate(ctx context.Context, waited *time.Duration) error {
	if c.retry.MaxRetries == 0 {
		return nil
	}
	for {
		until := c.gate.until()
		w := until.Sub(c.retry.Now())
		if w <= 0 {
			return nil
		}
		if left := c.retry.MaxWait - *waited; w > left {
			return &throttledError{wait: w, budget: left, limit: fmt.Sprintf("the %v retry budget", c.retry.MaxWait)}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < w {
			return fmt.Errorf("%w: %w", &throttledError{wait: w, budget: max(time.Until(dl), 0), limit: "the run's time"}, context.DeadlineExceeded)
		}
		if err := c.retry.Sleep(ctx, w); err != nil {
			return fmt.Errorf("held back %v by the target's Retry-After: %w", w, err)
		}
		*waited += w
		c.gate.count(func(s *ThrottleStats) { s.Waited += w })
		if !c.gate.until().After(until) {
			return nil // nobody was throttled again meanwhile
		}
	}
}

// throttled records a 429 or 503 answer to attempt number attempt of a
// request that has waited waited so far, closes the gate for the delay the
// answer asks for, and reports whether the request should be retried.
//
// The gate closes for at most the policy's MaxWait, however long the
// Retry-After (up to a day, see [ParseRetryAfter]): it holds back the other
// requests as long as this policy would ever wait, so one 429 asking for an
// hour slows the run down instead of failing every request, cleanup DELETEs
// included, unsent for that hour.
func (c *Client) throttled(resp *Response, attempt int, waited time.Duration) bool {
	c.gate.count(func(s *ThrottleStats) { s.Throttled++ })
	if c.retry.MaxRetries == 0 {
		c.gate.count(func(s *ThrottleStats) { s.GaveUp++ })
		return false
	}
	d := c.retry.delay(resp.Header, attempt-1)
	c.gate.hold(c.retry.Now().Add(min(d, c.retry.MaxWait)))
	if attempt > c.retry.MaxRetries || waited+d > c.retry.MaxWait {
		// The retries are spent, or the target asks for more patience than
		// the policy allows: hand its answer back rather than fail the
		// transport.
		c.gate.count(func(s *ThrottleStats) { s.GaveUp++ })
		return false
	}
	return true
}
