package simulator

import "testing"

func TestBodyKind(t *testing.T) {
	tests := []struct{ ct, body, want string }{
		{"text/html; charset=utf-8", "<html>Not Found</html>", "an HTML page"},
		{"", "  <!DOCTYPE html><p>login", "an HTML page"},
		{"application/xhtml+xml", "x", "an HTML page"},
		{"text/html", "", "an HTML page"},
		{"", " \n", "an empty body"},
		{"application/scim+json", "", "an empty body"},
		{"text/plain; charset=utf-8", "404 page not found", "a text/plain body"},
		{"", "404 page not found", "a body that is not JSON"},
		{"not a media type;;", "oops", "a body that is not JSON"},
	}
	for _, tt := range tests {
		if got := BodyKind(tt.ct, []byte(tt.body)); got != tt.want {
			t.Errorf("BodyKind(%q, %q) = %q, want %q", tt.ct, tt.body, got, tt.want)
		}
	}
}
