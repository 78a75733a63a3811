package suites

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reports"
)

func TestCompileExclusions(t *testing.T) {
	tests := []struct {
		name string
		in   Exclusion
		want string // error fragment; "" for none
	}{
		{"requirement ID", Exclusion{Spec: "P-3.3-06", Reason: "known bug"}, ""},
		{"regexp", Exclusion{Spec: "^Users: create", Reason: "known bug"}, ""},
		{"no reason", Exclusion{Spec: "P-3.3-06", Reason: "  "}, `exclude: "P-3.3-06" has no reason`},
		{"no spec", Exclusion{Reason: "why"}, "an entry has no spec"},
		{"bad regexp", Exclusion{Spec: "PATCH: (remove", Reason: "why"}, `"PATCH: (remove" is neither a requirement ID nor a valid regexp`},
	}
	for _, tt := range tests {
		_, err := compileExclusions([]Exclusion{tt.in})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want a usage error with %q", tt.name, err, tt.want)
		}
	}
}

func TestExclusionsMatchTheTree(t *testing.T) {
	if previewErr != nil {
		t.Fatalf("preview: %v", previewErr)
	}
	var name string
	var req string
	for _, s := range preview {
		if len(s.Requirements) > 0 {
			name, req = s.Name, s.Requirements[0]
			break
		}
	}
	ex, err := compileExclusions([]Exclusion{{Spec: req, Reason: "r1"}, {Spec: "^" + regexp.QuoteMeta(name) + "$", Reason: "r2"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkExclusionsMatch(ex, preview); err != nil {
		t.Errorf("exclusions naming real specs: %v", err)
	}
	typo, err := compileExclusions([]Exclusion{{Spec: "Usres: create", Reason: "typo"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkExclusionsMatch(typo, preview); err == nil || err.Error() != `invalid options: exclude: "Usres: create" matches no spec` {
		t.Errorf("a typo: %v", err)
	}
	// A requirement ID matches by label, not by name: the ID is not in the
	// spec's name.
	byID := ex[0]
	if !byID.matches("whatever", []string{ReqLabel(req)}) || byID.matches(req, nil) {
		t.Errorf("requirement exclusion %q matches by name, not label", req)
	}
}

func TestExclusionCounts(t *testing.T) {
	ex, err := compileExclusions([]Exclusion{{Spec: "P-3.3-06", Reason: "dup"}, {Spec: "PATCH", Reason: "no patch"}})
	if err != nil {
		t.Fatal(err)
	}
	setExclusions(ex)
	defer setExclusions(nil)
	specs := []reports.Spec{
		{Name: "PATCH: add", State: reports.StateSkipped, SkipReason: ExcludedPrefix + "no patch"},
		// matches both: counts for the first, as the gate skipped it by it
		{Name: "PATCH: dup", Labels: []string{ReqLabel("P-3.3-06")}, State: reports.StateSkipped, SkipReason: ExcludedPrefix + "dup"},
		// matches, but was not excluded (it ran): not counted
		{Name: "PATCH: replace", State: reports.StatePassed},
	}
	got := exclusionCounts(specs)
	want := []reports.Exclusion{{Spec: "P-3.3-06", Reason: "dup", Excluded: 1}, {Spec: "PATCH", Reason: "no patch", Excluded: 1}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("exclusionCounts = %+v, want %+v", got, want)
	}
}
