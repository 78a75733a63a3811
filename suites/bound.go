package suites

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/scimtest/scimtest/simulator"
)

// DefaultTimeout bounds a run when [Options].Timeout is zero.
const DefaultTimeout = time.Hour

// bound splits a run's --timeout between the specs and what must happen
// after them, so the whole run (probe, specs, cleanup, the results) ends
// within the timeout, also against a target that hangs:
//
//	start ──specs──▶ specsEnd ──cleanup──▶ httpEnd ──results──▶ start+timeout
//
// At specsEnd Ginkgo's suite timeout stops the running spec (its context is
// cancelled) and skips the rest; the cleanup nodes (DeferCleanup deletes)
// then run, each request still bounded by --request-timeout. At httpEnd
// every request still in flight, or sent later, is cancelled, so a target
// that also hangs on DELETE cannot hold the run beyond it; what it kept is
// left to `scimtest cleanup --run-id`. The rest of the timeout is for
// turning the report into results and writing the files.
type bound struct {
	timeout  time.Duration
	grace    time.Duration
	specsEnd time.Time
	httpEnd  time.Time
}

// newBound returns the bound of a run of timeout (0: [DefaultTimeout])
// starting now, whose requests each take at most requestTimeout (0:
// [simulator.DefaultTimeout]). The grace period is min(30s, max(2×requestTimeout, 5s))
// — time for a couple of DELETEs at the per-request timeout — but never
// more than half the timeout, so the specs get at least the other half.
func newBound(now time.Time, timeout, requestTimeout time.Duration) bound {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if requestTimeout <= 0 {
		requestTimeout = simulator.DefaultTimeout
	}
	grace := min(30*time.Second, max(2*requestTimeout, 5*time.Second), timeout/2)
	return bound{
		timeout:  timeout,
		grace:    grace,
		specsEnd: now.Add(timeout - grace),
		// A fifth of the grace period is left for the results and the files.
		httpEnd: now.Add(timeout - grace/5),
	}
}

// RunGracePeriod is the part of timeout left for cleanup and the reports after
// the specs are stopped: min(30s, max(2×requestTimeout, 5s)), at most half
// the timeout. The CLI's help quotes it.
func RunGracePeriod(timeout, requestTimeout time.Duration) time.Duration {
	return newBound(time.Now(), timeout, requestTimeout).grace
}

// specsTimeout is Ginkgo's suite timeout for specs starting now.
func (b bound) specsTimeout(now time.Time) (time.Duration, error) {
	d := b.specsEnd.Sub(now)
	if d <= 0 {
		return 0, fmt.Errorf("%w: --timeout %v elapsed before the specs started", ErrUsage, b.timeout)
	}
	return d, nil
}

// node is the AroundNode decorator that cancels every node's context at
// httpEnd: the specs' requests use that context, so none outlives it.
func (b bound) node() types.AroundNodeDecorator {
	return AroundNode(func(ctx context.Context, body func(context.Context)) {
		ctx, cancel := context.WithDeadline(ctx, b.httpEnd)
		defer cancel()
		body(ctx)
	})
}

// timedOut is the results' one-line account of a run stopped by its
// timeout (0: [DefaultTimeout]).
func timedOut(timeout, requestTimeout time.Duration) string {
	b := newBound(time.Time{}, timeout, requestTimeout)
	return fmt.Sprintf("timed out: --timeout %v stopped the specs after %v, keeping %v for cleanup and reports", b.timeout, b.timeout-b.grace, b.grace)
}
