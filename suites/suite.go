package suites

import (
	"fmt"

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

// Every spec checks its metadata and capability needs before it runs: a spec
// with broken metadata fails (it cannot be scored), a spec that needs an
// unadvertised capability is skipped with the reason.
var _ = BeforeEach(func() {
	m := metaFromLabels(CurrentSpecReport().Labels())
	if !m.Valid {
		Fail("spec metadata is invalid (see suites.MetaErrors): every spec needs Meta(area, level, Req(...)) with known IDs")
	}
	gate(m.Needs)
})
