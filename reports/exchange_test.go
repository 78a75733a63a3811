package reports

import (
	"testing"
	"time"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// TestExchangeText pins the plain-text layout JUnit's system-out shows: each
// side starts with its arrow and headers, and a body follows after a blank
// line, as on the wire.
func TestExchangeText(t *testing.T) {
	tests := []struct {
		name string
		e    transcript.Exchange
		want string
	}{
		{
			name: "GET without bodies",
			e: transcript.Exchange{Method: "GET", URL: "https://x.example/scim/v2/Users/1", Status: 404,
				ResponseHeader: map[string][]string{"Content-Type": {"application/scim+json"}}, Duration: 12 * time.Millisecond},
			want: "=== GET /scim/v2/Users/1 → 404 Not Found (12ms)\n" +
				"--> GET https://x.example/scim/v2/Users/1\n" +
				"<-- 404 Not Found\nContent-Type: application/scim+json\n",
		},
		{
			name: "POST with JSON bodies",
			e: transcript.Exchange{Method: "POST", URL: "https://x.example/scim/v2/Users", Status: 201,
				RequestHeader: map[string][]string{"Accept": {"application/scim+json"}}, RequestBody: `{"userName":"a"}`,
				ResponseBody: `{"id":"1"}`, Duration: 2 * time.Millisecond},
			want: "=== POST /scim/v2/Users → 201 Created (2ms)\n" +
				"--> POST https://x.example/scim/v2/Users\nAccept: application/scim+json\n\n{\n  \"userName\": \"a\"\n}\n" +
				"<-- 201 Created\n\n{\n  \"id\": \"1\"\n}\n",
		},
		{
			name: "no response",
			e:    transcript.Exchange{Method: "DELETE", URL: "https://x.example/scim/v2/Users/1", Error: "connection refused", Truncated: true},
			want: "=== DELETE /scim/v2/Users/1 → no response (0s)\n" +
				"--> DELETE https://x.example/scim/v2/Users/1\n" +
				"<-- no response: connection refused\n(body truncated)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := viewExchange(tt.e).text(); got != tt.want {
				t.Errorf("text() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
