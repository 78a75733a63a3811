package reports

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// FailureGroup is a set of failed specs with one root cause: when a create
// fails, every spec that needed the created resource fails with it, and the
// reviewer should read the cause once.
type FailureGroup struct {
	// Cause describes the root cause: [Failure.Cause] when the suite set it,
	// else the first failing exchange the specs share, else the failure
	// message of the only spec.
	Cause string
	// Level is the highest level among the specs (MUST before SHOULD).
	Level string
	// Specs are the failed specs, in execution order.
	Specs []Spec
}

// Failures groups the failed specs by root cause, most important first: MUST
// groups before SHOULD, larger groups before smaller ones, then run order.
func (r *Results) Failures() []FailureGroup { return r.groups(StateFailed) }

// Warnings groups the specs in state warning (SHOULD/MAY failures in a
// non-strict run) like [Results.Failures].
func (r *Results) Warnings() []FailureGroup { return r.groups(StateWarning) }

func (r *Results) groups(state string) []FailureGroup {
	type acc struct {
		g     FailureGroup
		first int
	}
	byKey := map[string]*acc{}
	var order []*acc
	for i, s := range r.Specs {
		if s.State != state {
			continue
		}
		key, cause := rootCause(i, s)
		a := byKey[key]
		if a == nil {
			a = &acc{g: FailureGroup{Cause: cause, Level: s.Level}, first: i}
			byKey[key] = a
			order = append(order, a)
		}
		if levelRank(s.Level) < levelRank(a.g.Level) {
			a.g.Level = s.Level
		}
		a.g.Specs = append(a.g.Specs, s)
	}
	sort.SliceStable(order, func(i, j int) bool {
		gi, gj := order[i], order[j]
		if ri, rj := levelRank(gi.g.Level), levelRank(gj.g.Level); ri != rj {
			return ri < rj
		}
		if len(gi.g.Specs) != len(gj.g.Specs) {
			return len(gi.g.Specs) > len(gj.g.Specs)
		}
		return gi.first < gj.first
	})
	out := make([]FailureGroup, len(order))
	for i, a := range order {
		out[i] = a.g
		if len(a.g.Specs) == 1 && a.g.Specs[0].Failure != nil && a.g.Specs[0].Failure.Cause == "" {
			// Alone, the spec's own message says more than the exchange.
			if m := ParseFailure(a.g.Specs[0].Failure.Message).Reason(); m != "" {
				out[i].Cause = m
			}
		}
	}
	return out
}

// rootCause returns the grouping key and the description of a failed spec's
// cause. Without a [Failure.Cause], specs group when the target gave the
// same answer (status and SCIM detail) to the exchange their check judged
// and the check saw the same wrong thing ("actual: also password"): one fix
// on the target mends them all. A vague actual ("(absent)") also needs the
// same expectation; a message without expected/actual needs the same first
// line. i keeps specs without a judged exchange apart.
func rootCause(i int, s Spec) (key, cause string) {
	if s.Failure != nil && s.Failure.Cause != "" {
		return "cause\x00" + s.Failure.Cause, s.Failure.Cause
	}
	var d FailureDetail
	if s.Failure != nil {
		d = ParseFailure(s.Failure.Message)
	}
	e, ok := exchangeAt(s, judgedExchange(s))
	if !ok {
		return fmt.Sprintf("spec\x00%d", i), d.Summary
	}
	answer := exchangeAnswer(e)
	switch {
	case d.Actual != "" && d.Expected != "":
		key = "actual\x00" + answer + "\x00" + d.Actual
		if vague(d.Actual) {
			key += "\x00" + d.Expected
		}
		cause = fmt.Sprintf("expected %s, actual %s", d.Expected, d.Actual)
		if e.Status == 0 || !strings.Contains(d.Actual, fmt.Sprint(e.Status)) {
			cause += " (the target answered " + answer + ")"
		}
		return key, cause
	case d.Summary != "":
		return "summary\x00" + answer + "\x00" + d.Summary, d.Summary + " (the target answered " + answer + ")"
	}
	return "answer\x00" + answer, exchangeProblem(e)
}

// vague reports whether an actual value says too little to stand for a root
// cause on its own: "(absent)", "(none)", "", "null", "[]".
func vague(actual string) bool {
	a := strings.TrimSpace(actual)
	return len(a) < 6 || strings.HasPrefix(a, "(")
}

// exchangeAnswer describes the target's answer in one line: "404: <html>…",
// "400: invalidValue: duplicate", "no response: timeout".
func exchangeAnswer(e transcript.Exchange) string {
	if e.Status == 0 {
		return "no response: " + FirstLine(e.Error)
	}
	// A success body is the resource itself, different every time; only an
	// error's detail describes the answer.
	if e.Status < 400 {
		return fmt.Sprint(e.Status)
	}
	if msg := errorDetail(e.ResponseBody); msg != "" {
		return fmt.Sprintf("%d: %s", e.Status, msg)
	}
	return fmt.Sprint(e.Status)
}

// exchangeProblem describes a failing exchange in one line:
// "POST /Users → 500: database unavailable".
func exchangeProblem(e transcript.Exchange) string {
	path := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		path = u.EscapedPath()
	}
	return fmt.Sprintf("%s %s → %s", e.Method, path, exchangeAnswer(e))
}

// maxDetail caps the part of a response body quoted in a one-line summary.
const maxDetail = 160

// errorDetail extracts the human part of an error response: the SCIM error's
// scimType and detail (RFC 7644, Section 3.12), else the body's first line.
func errorDetail(body string) string {
	if body == "" {
		return ""
	}
	if gjson.Valid(body) {
		detail := gjson.Get(body, "detail").String()
		scimType := gjson.Get(body, "scimType").String()
		switch {
		case detail != "" && scimType != "":
			return Truncate(scimType+": "+detail, maxDetail)
		case detail != "":
			return Truncate(detail, maxDetail)
		case scimType != "":
			return scimType
		}
	}
	return Truncate(FirstLine(body), maxDetail)
}

// FirstLine returns the first non-blank line of s, trimmed.
func FirstLine(s string) string {
	for line := range strings.SplitSeq(s, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

// Truncate cuts s to at most n runes, marking the cut with "…".
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
