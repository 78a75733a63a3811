package suites

import (
	"strings"
	"testing"

	"github.com/scimtest/scimtest/fixtures"
)

func TestSpecUniqueKeepsRunID(t *testing.T) {
	a := &api{t: &Target{Seed: 42, RunID: "run1"}}
	tests := []string{
		"scimtest-run1-1.thao.le@example.net",
		"scimtest-run1-2",
	}
	for _, name := range tests {
		got := a.specUnique(name)
		if got == name || !strings.Contains(got, a.uniqueSuffix()) {
			t.Errorf("specUnique(%q) = %q: want the spec suffix %q added", name, got, a.uniqueSuffix())
		}
		if !fixtures.HasRunID(got, "run1") {
			t.Errorf("specUnique(%q) = %q lost the run ID", name, got)
		}
		if strings.Contains(name, "@") && !strings.HasSuffix(got, name[strings.Index(name, "@"):]) {
			t.Errorf("specUnique(%q) = %q changed the domain", name, got)
		}
	}
}
