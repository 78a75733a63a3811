package suites

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/suites/requirements"
)

// Exclusion keeps specs out of a run on purpose, with the reason (a CI
// waiting for a known fix). An excluded spec is not run at all: it is
// reported as skipped with "excluded by configuration: <reason>", and the
// report lists every exclusion with its reason and how many specs it
// excluded, so an exclusion never passes a failure off as a pass.
type Exclusion struct {
	// Spec is an exact requirement ID ("P-3.5.2-01": every spec that checks
	// it) or else a regular expression on the spec's full name.
	Spec string
	// Reason says why; it is required and shown in the report.
	Reason string
}

// ExcludedPrefix begins the skip reason of an excluded spec.
const ExcludedPrefix = "excluded by configuration: "

// exclusion is an [Exclusion] ready to match.
type exclusion struct {
	Exclusion
	req string         // the requirement's label, when Spec is an ID
	re  *regexp.Regexp // else the compiled regexp
}

// matches reports whether the spec of that full name and labels is excluded.
func (e exclusion) matches(name string, labels []string) bool {
	if e.req != "" {
		return slices.Contains(labels, e.req)
	}
	return e.re.MatchString(name)
}

// compileExclusions checks and compiles the configured exclusions; a
// missing reason or a broken regexp is a usage error.
func compileExclusions(in []Exclusion) ([]exclusion, error) {
	out := make([]exclusion, 0, len(in))
	for _, x := range in {
		x.Spec, x.Reason = strings.TrimSpace(x.Spec), strings.TrimSpace(x.Reason)
		e := exclusion{Exclusion: x}
		switch {
		case x.Spec == "":
			return nil, fmt.Errorf("%w: exclude: an entry has no spec", ErrUsage)
		case x.Reason == "":
			return nil, fmt.Errorf("%w: exclude: %q has no reason; say why it is excluded (the report shows it)", ErrUsage, x.Spec)
		}
		if _, ok := requirements.Lookup(x.Spec); ok {
			e.req = ReqLabel(x.Spec)
		} else {
			re, err := regexp.Compile(x.Spec)
			if err != nil {
				return nil, fmt.Errorf("%w: exclude: %q is neither a requirement ID nor a valid regexp: %v", ErrUsage, x.Spec, err)
			}
			e.re = re
		}
		out = append(out, e)
	}
	return out, nil
}

// checkExclusionsMatch fails with a usage error for an exclusion that
// matches no spec of the whole tree (not only of this run's selection, so
// one configuration serves several profiles): a typo must not leave the
// spec it meant running, or hide that the exclusion is stale.
func checkExclusionsMatch(ex []exclusion, tree []SpecInfo) error {
	for _, e := range ex {
		hit := false
		for _, s := range tree {
			if e.matches(s.Name, s.Labels) {
				hit = true
				break
			}
		}
		if !hit {
			return fmt.Errorf("%w: exclude: %q matches no spec", ErrUsage, e.Spec)
		}
	}
	return nil
}

var (
	excludeMu sync.RWMutex
	excluded  []exclusion
)

// setExclusions installs the run's exclusions for the gate.
func setExclusions(ex []exclusion) {
	excludeMu.Lock()
	defer excludeMu.Unlock()
	excluded = ex
}

// exclusionFor returns the first exclusion that matches the spec.
func exclusionFor(name string, labels []string) (exclusion, bool) {
	excludeMu.RLock()
	defer excludeMu.RUnlock()
	for _, e := range excluded {
		if e.matches(name, labels) {
			return e, true
		}
	}
	return exclusion{}, false
}

// exclusionCounts lists the run's exclusions with the number of specs each
// excluded (a spec counts for the first exclusion that matches it, as in
// the gate).
func exclusionCounts(specs []reports.Spec) []reports.Exclusion {
	excludeMu.RLock()
	ex := excluded
	excludeMu.RUnlock()
	if len(ex) == 0 {
		return nil
	}
	out := make([]reports.Exclusion, len(ex))
	for i, e := range ex {
		out[i] = reports.Exclusion{Spec: e.Spec, Reason: e.Reason}
	}
	for _, s := range specs {
		if s.State != reports.StateSkipped || !strings.HasPrefix(s.SkipReason, ExcludedPrefix) {
			continue
		}
		for i, e := range ex {
			if e.matches(s.Name, s.Labels) {
				out[i].Excluded++
				break
			}
		}
	}
	return out
}
