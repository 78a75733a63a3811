package reports

import "fmt"

// Sentence says in one line how the target's throttling slowed the run, for
// the console, summary.md and report.html alike; "" when t is nil or the
// target never throttled.
func (t *Throttle) Sentence() string {
	if t == nil || t.Throttled == 0 {
		return ""
	}
	s := fmt.Sprintf("The target throttled %s (429/503); scimtest waited %s honouring Retry-After",
		plural(t.Throttled, "request"), FormatDuration(t.Waited))
	if t.GaveUp > 0 {
		s += fmt.Sprintf("; %s still got 429/503 after retries", plural(t.GaveUp, "request"))
	}
	return s + "."
}

// Line describes one exclusion in a line: the pattern, the reason
// and how many specs it excluded.
func (e Exclusion) Line() string {
	return fmt.Sprintf("%s — %s (%s)", e.Spec, e.Reason, plural(e.Excluded, "spec"))
}
