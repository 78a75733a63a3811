package suites

import (
	"fmt"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
)

// The one BeforeSuite of the suites: discovery. It runs after the runner set
// the target and before any spec; a target that cannot be discovered aborts
// the suite once with one reason instead of failing every spec.
var _ = BeforeSuite(func(ctx SpecContext) {
	if suiteClient == nil {
		AbortSuite("suites: no client configured (call suites.Run)")
	}
	d, err := discover(ctx, suiteClient.WithHook(recordHook))
	if err != nil {
		AbortSuite(fmt.Sprintf("%s%v", setupPrefix, err))
	}
	targetMu.Lock()
	found = d
	targetMu.Unlock()
})

// setupPrefix marks the abort message of a failed discovery.
const setupPrefix = "cannot test this target: "

// Every spec checks its exclusion, metadata and capability needs before it
// runs: an excluded spec is skipped with the configured reason, a spec with
// broken metadata fails (it cannot be scored), a spec that needs an
// unadvertised capability is skipped with the reason.
var _ = registerGate()

// registerGate registers the top-level BeforeEach that gates every spec.
//
// It is a function because Ginkgo's PreviewSpecs (used by [Preview]) restores
// a clone of the suite that keeps the top-level containers and suite nodes but
// not top-level setup nodes such as this BeforeEach (ginkgo v2.34.0,
// internal.Suite.Clone). Preview calls it again so that a run after a preview
// is still gated.
func registerGate() bool {
	BeforeEach(func() {
		gateRuns.Add(1)
		sr := CurrentSpecReport()
		// First, so an excluded spec runs nothing at all: no setup, no
		// request, no verdict.
		if e, ok := exclusionFor(sr.FullText(), sr.Labels()); ok {
			Skip(ExcludedPrefix + e.Reason)
		}
		m := metaFromLabels(sr.Labels())
		if !m.Valid {
			Fail("spec metadata is invalid (see suites.MetaErrors): every spec needs Meta(area, level, Req(...)) with known IDs")
		}
		gate(m.Needs)
	})
	return true
}

// gateRuns counts the gate's executions, so a test can prove every spec
// went through it.
var gateRuns atomic.Int64
