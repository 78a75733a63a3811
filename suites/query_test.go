package suites

import "testing"

// TestSetValues checks the query builder paging and sort specs share: only
// the parameters given a value are sent, and a dangling name is ignored.
func TestSetValues(t *testing.T) {
	tests := []struct {
		name  string
		pairs []string
		want  string
	}{
		{"both set", []string{"startIndex", "2", "count", "1"}, "count=1&startIndex=2"},
		{"empty value left out", []string{"sortBy", "", "sortOrder", "descending"}, "sortOrder=descending"},
		{"nothing set", []string{"sortBy", "", "sortOrder", ""}, ""},
		{"dangling name", []string{"sortBy", "userName", "sortOrder"}, "sortBy=userName"},
		{"value escaped", []string{"sortBy", "urn:x:userName"}, "sortBy=urn%3Ax%3AuserName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := setValues(tt.pairs...).Encode(); got != tt.want {
				t.Errorf("setValues(%q) = %q, want %q", tt.pairs, got, tt.want)
			}
		})
	}
}
