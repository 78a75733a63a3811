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
	// Requests held back and never sent did not get a 429 themselves: say
	// so, or one long Retry-After reads as hundreds of throttled requests.
	switch {
	case t.NotSent == 1:
		s += "; 1 request was not sent: the target asked to hold back longer than scimtest waits"
	case t.NotSent > 1:
		s += fmt.Sprintf("; %d requests were not sent: the target asked to hold back longer than scimtest waits", t.NotSent)
	}
	return s + "."
}

// Line describes one exclusion in a line: the pattern, the reason
// and how many specs it excluded.
func (e Exclusion) Line() string {
	return fmt.Sprintf("%s — %s (%s)", e.Spec, e.Reason, plural(e.Excluded, "spec"))
}
