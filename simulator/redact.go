package simulator

import (
	"net/http"
	"unicode/utf8"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// The recording client redacts with package transcript, the one place that
// knows what a secret looks like; these names keep the client's calls short.

// Redacted replaces every secret in a transcript; it is [transcript.Redacted].
const Redacted = transcript.Redacted

// RedactHeader returns a copy of h fit for a transcript, as
// [transcript.RedactHeader] does: Authorization keeps its scheme word
// ("Bearer REDACTED"), other credential headers and the extra names are
// replaced whole.
func RedactHeader(h http.Header, extra ...string) map[string][]string {
	return transcript.RedactHeader(h, extra...)
}

// RedactBody returns body with its secrets replaced, as
// [transcript.RedactBody] does: password values at any depth of a JSON
// body, the value of a PATCH operation on a password, and credentials in
// any other text.
func RedactBody(body []byte) []byte {
	return []byte(transcript.RedactBody(string(body)))
}

// capBody cuts b to at most limit bytes on a UTF-8 boundary and reports
// whether it cut anything. The client redacts before it cuts, so a cut
// never leaves the first half of a secret behind.
func capBody(b []byte, limit int) (string, bool) {
	if limit <= 0 || len(b) <= limit {
		return string(b), false
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut]), true
}
