package reports

import (
	"sort"
	"time"
)

// Requirement levels, in the order reports list them.
const (
	LevelMust   = "MUST"
	LevelShould = "SHOULD"
	LevelMay    = "MAY"
)

// Tally counts specs by state.
type Tally struct {
	// Total is the number of specs counted.
	Total int `json:"total"`
	// Passed, Failed, Warnings and Skipped count specs by state.
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Warnings int `json:"warnings"`
	Skipped  int `json:"skipped"`
	// Requirements is the number of distinct requirement IDs checked by the
	// specs that ran (not skipped): the coverage of the matrix.
	Requirements int `json:"requirements"`
}

// Ran is the number of specs that ran (not skipped).
func (t Tally) Ran() int { return t.Total - t.Skipped }

func (t *Tally) add(state string) {
	t.Total++
	switch state {
	case StatePassed:
		t.Passed++
	case StateFailed:
		t.Failed++
	case StateWarning:
		t.Warnings++
	case StateSkipped:
		t.Skipped++
	}
}

// Counts summarises a run: totals, and the same per requirement level and
// per area.
type Counts struct {
	Tally
	// ByLevel holds one [Tally] per level (MUST, SHOULD, MAY).
	ByLevel map[string]Tally `json:"byLevel"`
	// ByArea holds one [Tally] per area label.
	ByArea map[string]Tally `json:"byArea"`
}

// Counts tallies the run's specs.
func (r *Results) Counts() Counts {
	c := Counts{ByLevel: map[string]Tally{}, ByArea: map[string]Tally{}}
	all := map[string]bool{}
	byLevel := map[string]map[string]bool{}
	byArea := map[string]map[string]bool{}
	mark := func(sets map[string]map[string]bool, key string, ids []string) {
		if sets[key] == nil {
			sets[key] = map[string]bool{}
		}
		for _, id := range ids {
			sets[key][id] = true
		}
	}
	for _, s := range r.Specs {
		c.Tally.add(s.State)
		lt := c.ByLevel[s.Level]
		lt.add(s.State)
		c.ByLevel[s.Level] = lt
		at := c.ByArea[s.Area]
		at.add(s.State)
		c.ByArea[s.Area] = at
		var ids []string
		if s.State != StateSkipped {
			ids = s.Requirements
		}
		for _, id := range ids {
			all[id] = true
		}
		mark(byLevel, s.Level, ids)
		mark(byArea, s.Area, ids)
	}
	c.Requirements = len(all)
	for k, t := range c.ByLevel {
		t.Requirements = len(byLevel[k])
		c.ByLevel[k] = t
	}
	for k, t := range c.ByArea {
		t.Requirements = len(byArea[k])
		c.ByArea[k] = t
	}
	return c
}

// Areas returns the areas that have specs, sorted by name.
func (c Counts) Areas() []string {
	out := make([]string, 0, len(c.ByArea))
	for a := range c.ByArea {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Levels returns the levels that have specs: MUST, SHOULD, MAY first, then
// any other level by name.
func (c Counts) Levels() []string {
	out := make([]string, 0, len(c.ByLevel))
	for l := range c.ByLevel {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := levelRank(out[i]), levelRank(out[j])
		if ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

// levelRank orders levels by weight: a MUST failure matters most.
func levelRank(level string) int {
	switch level {
	case LevelMust:
		return 0
	case LevelShould:
		return 1
	case LevelMay:
		return 2
	}
	return 3
}

// Duration is the wall-clock time of the run; zero when the bounds are unset.
func (r *Results) Duration() time.Duration {
	if r.Run.Started.IsZero() || r.Run.Finished.Before(r.Run.Started) {
		return 0
	}
	return r.Run.Finished.Sub(r.Run.Started)
}
