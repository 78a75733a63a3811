package reports

import (
	"testing"
	"time"

	"github.com/scimtest/scimtest/simulator/transcript"
)

func TestParseFailure(t *testing.T) {
	tests := []struct {
		name, msg string
		want      FailureDetail
		reason    string
	}{
		{
			name:   "suite message",
			msg:    "[P-3.3-06 MUST, RFC 7644 §3.3] Conflicts return 409.\n  request:  POST /Users\n  expected: status 409\n  actual:   status 400, scimType \"invalidValue\"\n  body:     {\"a\":1}",
			want:   FailureDetail{Summary: "[P-3.3-06 MUST, RFC 7644 §3.3] Conflicts return 409.", Request: "POST /Users", Expected: "status 409", Actual: "status 400, scimType \"invalidValue\""},
			reason: "POST /Users: expected status 409, actual status 400, scimType \"invalidValue\"",
		},
		{
			name:   "no request line",
			msg:    "boom\nexpected: a\nactual: b",
			want:   FailureDetail{Summary: "boom", Expected: "a", Actual: "b"},
			reason: "expected a, actual b",
		},
		{
			name:   "free text",
			msg:    "panic: runtime error: index out of range",
			want:   FailureDetail{Summary: "panic: runtime error: index out of range"},
			reason: "panic: runtime error: index out of range",
		},
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseFailure(tt.msg)
			if got != tt.want {
				t.Errorf("ParseFailure = %+v, want %+v", got, tt.want)
			}
			if r := got.Reason(); r != tt.reason {
				t.Errorf("Reason = %q, want %q", r, tt.reason)
			}
		})
	}
}

func TestJudgedExchange(t *testing.T) {
	ex := func(method, path string, status int) transcript.Exchange {
		return transcript.Exchange{Method: method, URL: "https://h/scim/v2" + path, Status: status}
	}
	spec := func(msg string, exs ...transcript.Exchange) Spec {
		return Spec{Failure: &Failure{Message: msg}, Exchanges: exs}
	}
	tests := []struct {
		name string
		s    Spec
		want int
	}{
		{"last match of the request line", spec("x\n  request: POST /Users\n", ex("POST", "/Users", 201), ex("POST", "/Users", 400), ex("DELETE", "/Users/1", 204)), 1},
		{"request line with query and spaces", spec("x\n  request: GET /Users?filter=userName eq \"a\"", ex("POST", "/Users", 400), ex("GET", "/Users?filter=x", 200)), 1},
		{"no request line: first error", spec("x", ex("GET", "/a", 200), ex("GET", "/b", 500), ex("GET", "/c", 404)), 1},
		{"no response counts as failing", spec("x", ex("GET", "/a", 200), ex("GET", "/b", 0)), 1},
		{"request line matches nothing", spec("x\n  request: PUT /Groups/9", ex("GET", "/a", 200), ex("GET", "/b", 503)), 1},
		{"nothing failing", spec("x", ex("GET", "/a", 200)), -1},
		{"no failure", Spec{Exchanges: []transcript.Exchange{ex("GET", "/a", 500)}}, 0},
	}
	for _, tt := range tests {
		if got := judgedExchange(tt.s); got != tt.want {
			t.Errorf("%s: judgedExchange = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestRedactQuotedPassword(t *testing.T) {
	tests := []struct {
		name, in, want string
		found          string
	}{
		{
			name:  "returned password quoted",
			in:    "[S-4.1.1-05] never returned\n  request:  POST /Users\n  expected: no password attribute\n  actual:   \"5d0f29CkdDDZ.UZ*\"\n  body:     \"5d0f29CkdDDZ.UZ*\"",
			want:  "[S-4.1.1-05] never returned\n  request:  POST /Users\n  expected: no password attribute\n  actual:   \"REDACTED\"\n  body:     \"REDACTED\"",
			found: "5d0f29CkdDDZ.UZ*",
		},
		{
			name: "not about a password",
			in:   "x\n  expected: status 201\n  actual:   \"abcdefgh\"",
			want: "x\n  expected: status 201\n  actual:   \"abcdefgh\"",
		},
		{
			name: "actual is prose",
			in:   "x\n  expected: only [userName]\n  actual:   also password\n  expected: password absent",
			want: "x\n  expected: only [userName]\n  actual:   also password\n  expected: password absent",
		},
	}
	for _, tt := range tests {
		found := map[string]bool{}
		if got := redactQuotedPassword(tt.in, found); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
		if tt.found != "" && !found[tt.found] {
			t.Errorf("%s: %q not collected", tt.name, tt.found)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{400 * time.Microsecond, "0.40ms"},
		{12*time.Millisecond + 400*time.Microsecond, "12ms"},
		{1254 * time.Millisecond, "1.25s"},
		{83*time.Second + 400*time.Millisecond, "1m23s"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
