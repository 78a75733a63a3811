package suites

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/suites/requirements"
)

// quirkTablePath is the checked-in table: for each reference quirk, the
// specs that must catch it.
const quirkTablePath = "testdata/quirks.tsv"

// Row states beyond the spec states failed and warning.
const (
	// stateUncaught marks a quirk no spec catches yet: a visible gap.
	stateUncaught = "uncaught"
	// stateFalseAlarm marks, for a legal variation ("variation:<name>" in
	// the quirk column), specs known to fail it wrongly: tester bugs
	// reported to the spec owners, listed so they stay visible.
	stateFalseAlarm = "false-alarm"
)

// variationPrefix starts the quirk column of a variation's rows.
const variationPrefix = "variation:"

// quirkRow is one line of the quirk table. A failing spec matches the row
// when its area is Area (or Area is "*") and the check that failed is
// Requirement: the requirement ID at the head of the failure message, or
// "precondition" for a failure of something the spec needed first (the
// collateral damage of a quirk, never what catches it). Requirement IDs and
// areas survive rewording of spec text.
type quirkRow struct {
	Quirk       string
	State       string // reports.StateFailed, reports.StateWarning, stateUncaught or stateFalseAlarm
	Area        string
	Requirement string
	Why         string
	Line        int
}

// checkPrecondition is the Requirement of rows for precondition failures.
const checkPrecondition = "precondition"

// matches reports whether a failed spec is explained by the row.
func (r quirkRow) matches(s reports.Spec) bool {
	return r.State == s.State && r.matchesCheck(s)
}

// matchesCheck is matches without the state: the row names the spec's
// failure, whatever its level.
func (r quirkRow) matchesCheck(s reports.Spec) bool {
	if r.State == stateUncaught || (r.Area != "*" && r.Area != s.Area) {
		return false
	}
	if check := failedCheck(s); check != "" {
		return r.Requirement == check
	}
	return slices.Contains(s.Requirements, r.Requirement)
}

// failedCheck names the check a failed spec reports: "precondition", the
// requirement ID the framework's helpers put at the head of the message
// ("[P-3.3-06 MUST, ...] ..."), or "" when the message names none.
func failedCheck(s reports.Spec) string {
	if s.Failure == nil {
		return ""
	}
	msg := strings.TrimSpace(s.Failure.Message)
	if s.Failure.Cause != "" || strings.HasPrefix(msg, preconditionPrefix) {
		return checkPrecondition
	}
	if m := checkID.FindStringSubmatch(msg); m != nil {
		if _, ok := requirements.Lookup(m[1]); ok {
			return m[1]
		}
	}
	return ""
}

// checkID matches the requirement ID that starts a failure message.
var checkID = regexp.MustCompile(`^\[([A-Z]-[0-9.]+-[0-9]+) `)

func (r quirkRow) String() string {
	return fmt.Sprintf("%s:%d %s %s %s", quirkTablePath, r.Line, r.State, r.Area, r.Requirement)
}

// parseQuirkTable reads tab-separated rows: quirk, state, area, requirement,
// why. Blank lines and lines starting with # are ignored.
func parseQuirkTable(r io.Reader) ([]quirkRow, error) {
	var rows []quirkRow
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 4 || len(f) > 5 {
			return nil, fmt.Errorf("quirk table line %d: %d tab-separated fields, want quirk, state, area, requirement and an optional why", n, len(f))
		}
		row := quirkRow{Quirk: f[0], State: f[1], Area: f[2], Requirement: f[3], Line: n}
		if len(f) == 5 {
			row.Why = strings.TrimSpace(f[4])
		}
		switch row.State {
		case reports.StateFailed, reports.StateWarning:
			if row.Area == "" || row.Requirement == "" {
				return nil, fmt.Errorf("quirk table line %d: empty area or requirement", n)
			}
			if row.Requirement == checkPrecondition && row.Why == "" {
				return nil, fmt.Errorf("quirk table line %d: a precondition row needs a reason", n)
			}
		case stateUncaught, stateFalseAlarm:
			if row.Why == "" {
				return nil, fmt.Errorf("quirk table line %d: an %s row needs a reason", n, row.State)
			}
		default:
			return nil, fmt.Errorf("quirk table line %d: state %q, want failed, warning, uncaught or false-alarm", n, row.State)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read quirk table: %w", err)
	}
	return rows, nil
}

func loadQuirkTable(t *testing.T) map[string][]quirkRow {
	t.Helper()
	f, err := os.Open(quirkTablePath)
	if err != nil {
		t.Fatalf("open quirk table: %v", err)
	}
	defer f.Close()
	rows, err := parseQuirkTable(f)
	if err != nil {
		t.Fatal(err)
	}
	byQuirk := map[string][]quirkRow{}
	for _, r := range rows {
		byQuirk[r.Quirk] = append(byQuirk[r.Quirk], r)
	}
	return byQuirk
}

// TestQuirkTableIsComplete checks the table without running anything: every
// reference quirk has rows, every row names a known quirk, a known
// requirement carried by some spec of that area, and a quirk is either
// caught or uncaught, not both.
func TestQuirkTableIsComplete(t *testing.T) {
	if previewErr != nil {
		t.Fatalf("preview: %v", previewErr)
	}
	table := loadQuirkTable(t)
	known := map[string]bool{}
	for _, q := range reference.Quirks() {
		known[q.Name] = true
		if len(table[q.Name]) == 0 {
			t.Errorf("quirk %s (%s) has no row in %s: add the specs that catch it, or an uncaught row with the reason", q.Name, q.Breaks, quirkTablePath)
		}
	}
	for name, rows := range table {
		if v, ok := strings.CutPrefix(name, variationPrefix); ok {
			if _, ok := legalVariations[v]; !ok {
				t.Errorf("%s: %q is not a legal variation", rows[0], v)
			}
			for _, r := range rows {
				if r.State != stateFalseAlarm {
					t.Errorf("%s: a variation row must be a false-alarm row", r)
				}
			}
			continue
		}
		if !known[name] {
			t.Errorf("%s: quirk %q is not a reference quirk", rows[0], name)
		}
		uncaught, catching := 0, 0
		for _, r := range rows {
			switch {
			case r.State == stateFalseAlarm:
				t.Errorf("%s: false-alarm rows belong to variations, not quirks", r)
			case r.State == stateUncaught:
				uncaught++
			case r.Requirement == checkPrecondition:
			default:
				catching++
				if _, ok := requirements.Lookup(r.Requirement); !ok {
					t.Errorf("%s: unknown requirement ID %q", r, r.Requirement)
				}
			}
		}
		switch {
		case uncaught > 0 && uncaught != len(rows):
			t.Errorf("quirk %s is both caught and uncaught in %s", name, quirkTablePath)
		case uncaught == 0 && catching == 0:
			t.Errorf("quirk %s has only precondition rows: collateral failures do not catch a quirk", name)
		}
	}
}

func TestParseQuirkTableRejectsBadRows(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"too few fields", "q\tfailed\tusers\n", "3 tab-separated fields"},
		{"precondition without reason", "q\tfailed\t*\tprecondition\n", "precondition row needs a reason"},
		{"bad state", "q\tbroken\tusers\tP-3.3-06\twhy\n", `state "broken"`},
		{"uncaught without reason", "q\tuncaught\t-\t-\t \n", "needs a reason"},
		{"false alarm without reason", "variation:x\tfalse-alarm\tput\tP-3.1-01\n", "needs a reason"},
		{"empty requirement", "q\tfailed\tusers\t\twhy\n", "empty area or requirement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseQuirkTable(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	rows, err := parseQuirkTable(strings.NewReader("# comment\n\nq\twarning\t*\tP-3.3-06\twhy\n"))
	if err != nil || len(rows) != 1 || rows[0].Area != "*" || rows[0].Line != 3 {
		t.Fatalf("rows = %+v, err = %v", rows, err)
	}
}

// TestQuirksAreCaught runs the whole suite once per reference quirk (each in
// a child process) and checks, against the table, that exactly the expected
// specs fail, each with the expected state (failed for a MUST spec, warning
// for a SHOULD/MAY one), and that every row still catches something.
func TestQuirksAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the suite once per quirk; skipped with -short")
	}
	t.Parallel()
	table := loadQuirkTable(t)
	quirks := reference.Quirks()
	whats := make([]string, len(quirks))
	for i, q := range quirks {
		whats[i] = "quirk:" + q.Name
	}
	start := time.Now()
	base := baselineFailures(t)
	runs := runChildren(t, whats)
	t.Logf("%d quirk runs in %v (slowest %v)", len(runs), time.Since(start), slowest(runs))
	for i, q := range quirks {
		t.Run(q.Name, func(t *testing.T) {
			run := runs[i]
			if run.err != nil {
				t.Fatal(run.err)
			}
			judgeQuirk(t, q, table[q.Name], run.results, base)
		})
	}
}

// judgeQuirk compares one quirk run with the quirk's table rows.
func judgeQuirk(t *testing.T, q reference.Quirk, rows []quirkRow, res *reports.Results, base map[string]bool) {
	t.Helper()
	var failing []reports.Spec
	for _, s := range res.Specs {
		if isFailure(s.State) && !base[s.Name] {
			failing = append(failing, s)
		}
	}
	if len(rows) > 0 && rows[0].State == stateUncaught {
		if len(failing) > 0 {
			t.Errorf("quirk %s is listed as uncaught (%s) but these specs now catch it; replace the uncaught row:\n%s",
				q.Name, rows[0].Why, describeSpecs(failing))
		} else {
			t.Logf("GAP: no spec catches quirk %s (breaks %s): %s", q.Name, q.Breaks, rows[0].Why)
		}
		return
	}
	var unexpected, wrongState []reports.Spec
	for _, s := range failing {
		switch {
		case slices.ContainsFunc(rows, func(r quirkRow) bool { return r.matches(s) }):
		case slices.ContainsFunc(rows, func(r quirkRow) bool { return r.matchesCheck(s) }):
			wrongState = append(wrongState, s)
		default:
			unexpected = append(unexpected, s)
		}
		// A MUST failure is "failed", a SHOULD/MAY one a "warning" in a
		// non-strict run; anything else would mis-score the target.
		if want := levelState(s.Level); s.State != want {
			t.Errorf("%q (%s) failed with state %s, want %s", s.Name, s.Level, s.State, want)
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("quirk %s (%s): specs the table does not expect to fail:\n%s\nrows that would expect them (check each failure is right first):\n%s",
			q.Name, q.Description, describeSpecs(unexpected), suggestRows(q.Name, unexpected))
	}
	if len(wrongState) > 0 {
		t.Errorf("quirk %s: specs whose state differs from their row in the table (did the spec's level change?):\n%s\nrows with the new state:\n%s",
			q.Name, describeSpecs(wrongState), suggestRows(q.Name, wrongState))
	}
	caught := false
	for _, r := range rows {
		hit := slices.ContainsFunc(failing, r.matches)
		switch {
		case r.Requirement == checkPrecondition && !hit:
			// Collateral depends on spec order and fixtures, which other
			// spec files change; a stale tolerance is noise, not a miss.
			t.Logf("quirk %s: precondition row %s tolerated nothing this run; remove it if that stays so", q.Name, r)
		case r.Requirement == checkPrecondition:
		case !hit:
			t.Errorf("quirk %s (breaks %s): row %s matches no failing spec any more%s", q.Name, q.Breaks, r, whyText(r.Why))
		default:
			caught = true
		}
	}
	if !caught {
		t.Errorf("quirk %s (breaks %s): no spec catches it", q.Name, q.Breaks)
	}
	if res.Run.Interrupted != "" {
		t.Logf("run interrupted: %s", res.Run.Interrupted)
	}
	// A quirk can also hide specs (a capability no longer discovered, a
	// filter declined): not a failure, but worth seeing next to the catch.
	var hidden []string
	for _, s := range res.Specs {
		if s.State == reports.StateSkipped && ranInBaseline(s.Name) {
			hidden = append(hidden, s.Name)
		}
	}
	if len(hidden) > 0 {
		t.Logf("quirk %s: %d specs that run against the plain reference were skipped, e.g. %q", q.Name, len(hidden), hidden[0])
	}
}

// ranInBaseline reports whether a spec ran (was not skipped) against the
// plain reference.
func ranInBaseline(name string) bool {
	if baselineRun.results == nil {
		return false
	}
	i := slices.IndexFunc(baselineRun.results.Specs, func(s reports.Spec) bool { return s.Name == name })
	return i >= 0 && baselineRun.results.Specs[i].State != reports.StateSkipped
}

func whyText(why string) string {
	if why == "" {
		return ""
	}
	return " (" + why + ")"
}

// levelState is the state a failing spec of a level gets in a non-strict run.
func levelState(level string) string {
	if level == string(MUST) {
		return reports.StateFailed
	}
	return reports.StateWarning
}

// suggestRows renders table rows that would match the specs, one per
// state, area and failed check, for a maintainer to review and paste.
func suggestRows(quirk string, specs []reports.Spec) string {
	seen := map[string]bool{}
	var rows []string
	for _, s := range specs {
		check := failedCheck(s)
		if check == "" && len(s.Requirements) > 0 {
			check = s.Requirements[0]
		}
		row := strings.Join([]string{quirk, s.State, s.Area, check}, "\t")
		if !seen[row] {
			seen[row] = true
			rows = append(rows, row)
		}
	}
	sort.Strings(rows)
	return strings.Join(rows, "\n")
}

// describeSpecs lists specs one per line with what a table row needs.
func describeSpecs(specs []reports.Spec) string {
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	var b strings.Builder
	for _, s := range specs {
		msg := ""
		if s.Failure != nil {
			msg, _, _ = strings.Cut(s.Failure.Message, "\n")
		}
		fmt.Fprintf(&b, "  %s %s check %s (spec %s) %q\n      %.300s\n", s.State, s.Area, failedCheck(s), strings.Join(s.Requirements, ","), s.Name, msg)
	}
	return b.String()
}

// slowest is the longest child run, to watch the CI budget.
func slowest(runs []childRun) time.Duration {
	var d time.Duration
	for _, r := range runs {
		d = max(d, r.duration)
	}
	return d
}

func TestQuirkRowMatches(t *testing.T) {
	spec := func(state, area, msg, cause string, reqs ...string) reports.Spec {
		return reports.Spec{State: state, Area: area, Requirements: reqs,
			Failure: &reports.Failure{Message: msg, Cause: cause}}
	}
	checked := spec(reports.StateFailed, "users", "[P-3.3-06 MUST, RFC 7644 §3.3] text\n  request: POST /Users", "", "P-3.3-06", "S-4.1.1-02")
	tests := []struct {
		name string
		row  quirkRow
		spec reports.Spec
		want bool
	}{
		{"same area and failed check", quirkRow{State: "failed", Area: "users", Requirement: "P-3.3-06"}, checked, true},
		{"any area", quirkRow{State: "failed", Area: "*", Requirement: "P-3.3-06"}, checked, true},
		{"other area", quirkRow{State: "failed", Area: "groups", Requirement: "P-3.3-06"}, checked, false},
		{"other state", quirkRow{State: "warning", Area: "users", Requirement: "P-3.3-06"}, checked, false},
		// The spec carries S-4.1.1-02, but the check that failed is P-3.3-06.
		{"a carried ID that is not the failed check", quirkRow{State: "failed", Area: "users", Requirement: "S-4.1.1-02"}, checked, false},
		{"message without an ID falls back to the spec's IDs", quirkRow{State: "failed", Area: "users", Requirement: "S-4.1.1-02"},
			spec(reports.StateFailed, "users", "Expected <int>: 400", "", "P-3.3-06", "S-4.1.1-02"), true},
		{"precondition by cause", quirkRow{State: "failed", Area: "*", Requirement: checkPrecondition},
			spec(reports.StateFailed, "etag", "precondition failed: create user: POST /Users answered 409", "create user failed: 409", "P-3.14-01"), true},
		{"precondition row does not take a real failure", quirkRow{State: "failed", Area: "*", Requirement: checkPrecondition}, checked, false},
		{"uncaught rows match nothing", quirkRow{State: stateUncaught, Area: "*", Requirement: "P-3.3-06"}, checked, false},
		{"unknown ID at the head falls back to the spec's IDs", quirkRow{State: "failed", Area: "users", Requirement: "P-3.3-06"},
			spec(reports.StateFailed, "users", "[P-0-00 MUST] nonsense", "", "P-3.3-06"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.row.matches(tt.spec); got != tt.want {
				t.Errorf("row %+v matches %+v = %v, want %v (failed check %q)", tt.row, tt.spec, got, tt.want, failedCheck(tt.spec))
			}
		})
	}
}
