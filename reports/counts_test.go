package reports

import (
	"strings"
	"testing"

	"github.com/scimtest/scimtest/simulator/transcript"
)

func TestCounts(t *testing.T) {
	r := failingRun()
	c := r.Counts()
	tests := []struct {
		name string
		got  Tally
		want Tally
	}{
		{"all", c.Tally, Tally{Total: 15, Passed: 7, Failed: 6, Warnings: 1, Skipped: 1, Requirements: 7}},
		{"MUST", c.ByLevel[LevelMust], Tally{Total: 14, Passed: 7, Failed: 6, Skipped: 1, Requirements: 6}},
		{"SHOULD", c.ByLevel[LevelShould], Tally{Total: 1, Warnings: 1, Requirements: 1}},
		{"users", c.ByArea["users"], Tally{Total: 3, Failed: 2, Warnings: 1, Requirements: 3}},
		{"bulk (skipped covers nothing)", c.ByArea["bulk"], Tally{Total: 1, Skipped: 1}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	if got, want := strings.Join(c.Areas(), ","), "bulk,discovery,errors,filter,groups,patch,users"; got != want {
		t.Errorf("Areas() = %s, want %s", got, want)
	}
	c.ByLevel["X"] = Tally{}
	if got, want := strings.Join(c.Levels(), ","), "MUST,SHOULD,X"; got != want {
		t.Errorf("Levels() = %s, want %s", got, want)
	}
	if got := r.Duration().String(); got != "1m23s" {
		t.Errorf("Duration() = %s, want 1m23s", got)
	}
}

func TestFailuresGroupByRootCause(t *testing.T) {
	r := failingRun()
	groups := r.Failures()
	type want struct {
		cause string
		specs int
	}
	wants := []want{
		{"create user failed: POST /Users → 500 database unavailable", 3},
		{`expected status 200, actual status 503, detail "search index rebuilding"`, 2},
		{"GET /Users/00000000-0000-4000-8000-000000000000: expected a JSON object body (SCIM error, RFC 7644 §3.12), actual body is not a JSON object", 1},
	}
	if len(groups) != len(wants) {
		t.Fatalf("got %d groups, want %d: %+v", len(groups), len(wants), groups)
	}
	for i, w := range wants {
		if groups[i].Cause != w.cause || len(groups[i].Specs) != w.specs {
			t.Errorf("group %d: got %q with %d specs, want %q with %d", i, groups[i].Cause, len(groups[i].Specs), w.cause, w.specs)
		}
	}
	warn := r.Warnings()
	if len(warn) != 1 || warn[0].Level != LevelShould || warn[0].Cause != "GET /Users?startIndex=1&count=10: expected itemsPerPage in the ListResponse, actual (absent)" {
		t.Errorf("Warnings() = %+v", warn)
	}
}

func TestGroupOrder(t *testing.T) {
	fail := func(level, cause string) Spec {
		return Spec{Name: cause, Level: level, State: StateFailed, Failure: &Failure{Message: cause, Cause: cause}}
	}
	r := &Results{Specs: []Spec{
		fail(LevelShould, "s"),
		fail(LevelMust, "a"),
		fail(LevelMust, "b"),
		fail(LevelMust, "b"),
		fail(LevelMust, "b"),
		fail(LevelMay, "a"), // joins the MUST group "a"; the group stays MUST
	}}
	var got []string
	for _, g := range r.Failures() {
		got = append(got, g.Level+":"+g.Cause)
	}
	if strings.Join(got, " ") != "MUST:b MUST:a SHOULD:s" {
		t.Errorf("order = %v, want MUST groups first, larger first", got)
	}
}

func TestTruncateAndFirstLine(t *testing.T) {
	tests := []struct{ in, first, trunc5 string }{
		{"", "", ""},
		{"\n  hello world \nsecond", "hello world", "\n  h…"},
		{"äöüßé", "äöüßé", "äöüßé"},
		{"äöüßéx", "äöüßéx", "äöüß…"},
	}
	for _, tt := range tests {
		if got := FirstLine(tt.in); got != tt.first {
			t.Errorf("FirstLine(%q) = %q, want %q", tt.in, got, tt.first)
		}
		if got := Truncate(tt.in, 5); got != tt.trunc5 {
			t.Errorf("Truncate(%q, 5) = %q, want %q", tt.in, got, tt.trunc5)
		}
	}
}

func TestVerdict(t *testing.T) {
	ran := []Spec{
		{Level: LevelMust, State: StateFailed}, {Level: LevelMust, State: StatePassed},
		{Level: LevelShould, State: StateWarning}, {Level: LevelShould, State: StateFailed},
	}
	tests := []struct {
		name string
		run  Run
		sp   []Spec
		want string
	}{
		{"not conformant", Run{}, ran, "Not conformant: 1 MUST failure, 2 SHOULD failures"},
		{"conformant", Run{Conformant: true}, ran[1:2], "Conformant: 0 MUST failures, 0 SHOULD failures"},
		{"interrupted", Run{Interrupted: "timeout"}, ran[:1], "Not conformant (interrupted): 1 MUST failure, 0 SHOULD failures"},
		{"nothing ran", Run{}, []Spec{{Level: LevelMust, State: StateSkipped}}, "Not conformant: no spec ran"},
		{"timed out", Run{Interrupted: "timed out: ...", TimedOut: true}, ran[:1], "Not conformant (timed out): 1 MUST failure, 0 SHOULD failures"},
		{"excluded", Run{Conformant: true, Exclusions: []Exclusion{{Excluded: 2}, {Excluded: 1}}}, ran[1:2],
			"Conformant: 0 MUST failures, 0 SHOULD failures, 3 specs excluded by configuration"},
	}
	for _, tt := range tests {
		r := &Results{Run: tt.run, Specs: tt.sp}
		if got := Verdict(r, r.Counts()); got != tt.want {
			t.Errorf("%s: Verdict = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRootCauseGrouping(t *testing.T) {
	msg := func(expected, actual string) string {
		return "[X-1 MUST] rule\n  request:  GET /Users/1\n  expected: " + expected + "\n  actual:   " + actual
	}
	spec := func(message string, status int, body string) Spec {
		return Spec{State: StateFailed, Level: LevelMust, Failure: &Failure{Message: message},
			Exchanges: []transcript.Exchange{{Method: "GET", URL: "https://h/Users/1", Status: status, ResponseBody: body}}}
	}
	tests := []struct {
		name string
		a, b Spec
		same bool
	}{
		{"same answer and actual", spec(msg("only [userName]", "also password"), 200, `{"id":"1"}`), spec(msg("only [name]", "also password"), 200, `{"id":"2"}`), true},
		{"vague actual needs the same expectation", spec(msg("itemsPerPage", "(absent)"), 200, ""), spec(msg("totalResults", "(absent)"), 200, ""), false},
		{"vague actual, same expectation", spec(msg("itemsPerPage", "(absent)"), 200, ""), spec(msg("itemsPerPage", "(absent)"), 200, ""), true},
		{"different status", spec(msg("status 409", "status 400"), 400, ""), spec(msg("status 409", "status 400"), 500, ""), false},
		{"different SCIM detail", spec(msg("x", "bad thing"), 400, `{"detail":"a"}`), spec(msg("x", "bad thing"), 400, `{"detail":"b"}`), false},
		{"free text, same first line", spec("boom", 500, ""), spec("boom", 500, ""), true},
		{"free text, other first line", spec("boom", 500, ""), spec("bang", 500, ""), false},
		{"no exchange stands alone", Spec{State: StateFailed, Failure: &Failure{Message: "boom"}}, Spec{State: StateFailed, Failure: &Failure{Message: "boom"}}, false},
	}
	for _, tt := range tests {
		r := &Results{Specs: []Spec{tt.a, tt.b}}
		if got := len(r.Failures()) == 1; got != tt.same {
			t.Errorf("%s: grouped together = %v, want %v (%+v)", tt.name, got, tt.same, r.Failures())
		}
	}
}
