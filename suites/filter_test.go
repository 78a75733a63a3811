package suites

import "testing"

func TestLit(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`Q"uote`, `"Q\"uote"`},
		{`Back\slash`, `"Back\\slash"`},
		{`a<b>&c`, `"a<b>&c"`}, // no HTML escaping: the literal stays readable
		{"Zoé", `"Zoé"`},
		{"tab\tnew\nline", `"tab\tnew\nline"`},
	}
	for _, tt := range tests {
		if got := lit(tt.in); got != tt.want {
			t.Errorf("lit(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestSwapCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2819c223-7F76", "2819C223-7f76"},
		{"12345", "12345"},
		{"Zoé", "zOÉ"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := swapCase(tt.in); got != tt.want {
			t.Errorf("swapCase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCohortWithin(t *testing.T) {
	c := &cohort{prefix: "scimtest-r-x-"}
	tests := []struct{ in, want string }{
		{`title pr`, `title pr and userName sw "scimtest-r-x-"`},
		{`a eq "1" or b eq "2"`, `(a eq "1" or b eq "2") and userName sw "scimtest-r-x-"`},
		{`a eq "1" OR b eq "2"`, `(a eq "1" OR b eq "2") and userName sw "scimtest-r-x-"`},
		{`not (title pr)`, `not (title pr) and userName sw "scimtest-r-x-"`},
	}
	for _, tt := range tests {
		if got := c.within(tt.in); got != tt.want {
			t.Errorf("within(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCohortLabels(t *testing.T) {
	c := &cohort{prefix: "p-", ids: map[string]string{"alpha": "1", "beta": "2"}}
	got := c.labelsOf([]string{"2", "9", "1"})
	want := []string{"alpha", "beta", "foreign:9"}
	if len(got) != len(want) {
		t.Fatalf("labelsOf = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("labelsOf = %v, want %v", got, want)
		}
	}
	if d := c.describe([]string{"alpha", "foreign:9"}); d != "[p-alpha, foreign:9]" {
		t.Errorf("describe = %q", d)
	}
	if d := c.describe(nil); d != "no resources" {
		t.Errorf("describe(nil) = %q", d)
	}
}
