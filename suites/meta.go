package suites

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/scimtest/scimtest/suites/requirements"
)

// MetaPart is one piece of a spec's metadata: an [Area], a [Level], the
// requirement IDs of [Req] or the capabilities of [Needs].
type MetaPart interface{ applyMeta(*meta) }

type meta struct {
	areas  []Area
	levels []Level
	reqs   []string
	needs  []Capability
}

func (a Area) applyMeta(m *meta)  { m.areas = append(m.areas, a) }
func (l Level) applyMeta(m *meta) { m.levels = append(m.levels, l) }

type reqs []string

func (r reqs) applyMeta(m *meta) { m.reqs = append(m.reqs, r...) }

type needs []Capability

func (n needs) applyMeta(m *meta) { m.needs = append(m.needs, n...) }

// Req names the requirement IDs of the matrix (requirements.md) a spec checks.
func Req(ids ...string) MetaPart { return reqs(ids) }

// Needs names the capabilities a spec depends on; the spec is skipped when the
// target does not advertise one of them (or fails under --require).
func Needs(caps ...Capability) MetaPart { return needs(caps) }

var (
	metaMu     sync.Mutex
	metaErrors []string
)

// MetaErrors returns the problems found in spec metadata while the spec tree
// was built (unknown requirement ID, missing area or level, ...). The suites'
// tests assert it is empty; specs with bad metadata also fail when run.
func MetaErrors() []string {
	metaMu.Lock()
	defer metaMu.Unlock()
	out := append([]string(nil), metaErrors...)
	sort.Strings(out)
	return out
}

// Meta turns a spec's metadata into its Ginkgo labels: the area, the area's
// profile, the level, "req:<ID>" for each requirement and "needs:<cap>" for
// each capability. Every spec passes exactly one area, exactly one level and
// at least one requirement ID:
//
//	It("rejects a duplicate userName", Meta(AreaUsers, MUST, Req("P-3.3-06")), func(ctx SpecContext) { ... })
//
// A mistake is recorded in [MetaErrors] (with the caller's file:line) rather
// than panicking, so one typo does not stop the whole run.
func Meta(parts ...MetaPart) Labels {
	var m meta
	for _, p := range parts {
		if p != nil {
			p.applyMeta(&m)
		}
	}
	var problems []string
	if len(m.areas) != 1 {
		problems = append(problems, fmt.Sprintf("want exactly one area, got %v", m.areas))
	}
	if len(m.levels) != 1 {
		problems = append(problems, fmt.Sprintf("want exactly one level, got %v", m.levels))
	}
	if len(m.reqs) == 0 {
		problems = append(problems, "no requirement ID")
	}
	labels := Labels{}
	for _, a := range m.areas {
		labels = append(labels, string(a))
		if p := profileOf(a); p != string(a) {
			labels = append(labels, p)
		}
	}
	for _, l := range m.levels {
		labels = append(labels, string(l))
	}
	for _, id := range m.reqs {
		if _, ok := requirements.Lookup(id); !ok {
			problems = append(problems, fmt.Sprintf("unknown requirement ID %q", id))
			continue
		}
		labels = append(labels, ReqLabel(id))
	}
	for _, c := range m.needs {
		labels = append(labels, NeedsLabel(c))
	}
	for _, l := range labels {
		if !KnownLabel(l) {
			problems = append(problems, fmt.Sprintf("label %q is not in the registry", l))
		}
	}
	if len(problems) > 0 {
		_, file, line, _ := runtime.Caller(1)
		metaMu.Lock()
		metaErrors = append(metaErrors, fmt.Sprintf("%s:%d: %s", file, line, strings.Join(problems, "; ")))
		metaMu.Unlock()
		labels = append(labels, invalidMetaLabel)
	}
	return labels
}

// invalidMetaLabel marks a spec whose Meta call had problems, so the spec
// fails when run instead of being scored at a guessed level.
const invalidMetaLabel = "invalid-metadata"

// specMeta is the metadata read back from a spec's labels.
type specMeta struct {
	Area  string
	Level Level
	Reqs  []string
	Needs []Capability
	Valid bool
}

// metaFromLabels reads the metadata back from a spec's labels.
func metaFromLabels(labels []string) specMeta {
	m := specMeta{Valid: true}
	for _, l := range labels {
		switch {
		case l == invalidMetaLabel:
			m.Valid = false
		case strings.HasPrefix(l, reqPrefix):
			m.Reqs = append(m.Reqs, strings.TrimPrefix(l, reqPrefix))
		case strings.HasPrefix(l, needsPrefix):
			if c, err := ParseCapability(strings.TrimPrefix(l, needsPrefix)); err == nil {
				m.Needs = append(m.Needs, c)
			}
		case l == string(MUST) || l == string(SHOULD) || l == string(MAY):
			m.Level = Level(l)
		default:
			for _, a := range Areas {
				if l == string(a) && m.Area == "" {
					m.Area = l
				}
			}
		}
	}
	if m.Area == "" || m.Level == "" || len(m.Reqs) == 0 {
		m.Valid = false
	}
	return m
}
