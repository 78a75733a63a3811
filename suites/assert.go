package suites

import (
	"bytes"
	"fmt"
	"mime"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/types"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/suites/requirements"
)

// preconditionPrefix starts the message of a failure that is not the spec's
// requirement but something it needed first (creating a user, reading it
// back); the report groups such failures by cause.
const preconditionPrefix = "precondition failed: "

// failNow fails the running spec with msg, pointing at the spec's line.
func failNow(msg string) {
	GinkgoHelper()
	Fail(msg)
}

// describeReq renders "[P-3.3-01 MUST, 7644 §3.3] text" for a requirement ID.
func describeReq(id string) string {
	row, ok := requirements.Lookup(id)
	if !ok {
		return "[" + id + "] (unknown requirement)"
	}
	return fmt.Sprintf("[%s %s, RFC %s] %s", row.ID, row.Keyword, row.Section, row.Text)
}

// errorSummary renders scimType and detail of an error body, or what is
// wrong with a body that is no JSON object; "" when there is nothing to add.
func errorSummary(r *reply) string {
	if p := bodyProblem(r); p != "" {
		return ", and " + p
	}
	j := r.JSON()
	var parts []string
	if v := field(j, "scimType"); v.Exists() {
		parts = append(parts, fmt.Sprintf("scimType %q", v.String()))
	}
	if v := field(j, "detail"); v.Exists() {
		d := v.String()
		if len(d) > 200 {
			d = d[:200] + "..."
		}
		parts = append(parts, fmt.Sprintf("detail %q", d))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

// bodyProblem says what is wrong with r's body as a SCIM message, or "" for
// an empty body or a JSON object. Every SCIM response body is a JSON object
// (RFC 7644 §3.1, §3.12), so a failure that only says an attribute is
// absent names the real cause this way: a body that is not JSON (an HTML
// page from a proxy, a cut connection) or JSON of another kind.
func bodyProblem(r *reply) string {
	if r == nil || r.Response == nil {
		return ""
	}
	body := bytes.TrimSpace(r.Body)
	if len(body) == 0 {
		return ""
	}
	if !gjson.ValidBytes(body) {
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			ct = "no Content-Type"
		}
		return fmt.Sprintf("the body is not JSON (%d bytes, %s)", len(r.Body), ct)
	}
	if j := gjson.ParseBytes(body); !j.IsObject() {
		return "the body is JSON but " + jsonKind(j) + ", not an object"
	}
	return ""
}

// fragment renders at most 600 bytes of a JSON value for a failure message.
func fragment(v gjson.Result) string {
	if !v.Exists() {
		return "(absent)"
	}
	s := v.Raw
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}

// failReq fails the spec for requirement id with what was expected and what
// came back; frag is the JSON the judgement was made on.
func failReq(id string, r *reply, expected, actual string, frag gjson.Result) {
	GinkgoHelper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", describeReq(id))
	if r != nil {
		fmt.Fprintf(&b, "  request:  %s\n", r.Line)
	}
	if p := bodyProblem(r); p != "" && !strings.Contains(actual, p) {
		// On the actual line, so the report's one-line reason carries it.
		actual += "; " + p
	}
	fmt.Fprintf(&b, "  expected: %s\n", expected)
	fmt.Fprintf(&b, "  actual:   %s\n", actual)
	if r != nil && !frag.Exists() {
		frag = r.JSON()
		if !frag.Exists() && len(r.Body) > 0 {
			frag = gjson.Result{Type: gjson.String, Raw: fmt.Sprintf("%q", truncate(string(r.Body), 300))}
		}
	}
	fmt.Fprintf(&b, "  body:     %s", fragment(frag))
	Fail(b.String())
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// expectStatus requires one of the wanted statuses for requirement id.
func (r *reply) expectStatus(id string, want ...int) {
	GinkgoHelper()
	for _, w := range want {
		if r.Status == w {
			return
		}
	}
	failReq(id, r, "status "+statusList(want), fmt.Sprintf("status %d%s", r.Status, errorSummary(r)), gjson.Result{})
}

func statusList(want []int) string {
	s := make([]string, len(want))
	for i, w := range want {
		s[i] = fmt.Sprint(w)
	}
	return strings.Join(s, " or ")
}

// expect requires cond for requirement id; expected and actual describe the
// check in words, path is the attribute the check looked at ("" for the body).
func (r *reply) expect(id string, cond bool, path, expected, actual string) {
	GinkgoHelper()
	if cond {
		return
	}
	frag := r.JSON()
	if path != "" {
		frag = r.F(path)
	}
	failReq(id, r, expected, actual, frag)
}

// expectField requires the attribute at path (case-insensitive) to satisfy a
// Gomega matcher, e.g. r.expectField("P-3.3-02", "userName", Equal(name)).
func (r *reply) expectField(id, path string, m types.GomegaMatcher) {
	GinkgoHelper()
	v := r.F(path)
	var actual any
	if v.Exists() {
		actual = v.Value()
	}
	ok, err := safeMatch(m, actual)
	if err != nil && actual == nil {
		// An absent or null attribute is nil to the matcher, which some
		// matchers refuse: it simply does not meet the expectation.
		ok, err = false, nil
	}
	if err != nil {
		// The matcher refused the value's type ("yes" where a boolean
		// belongs): say what was expected and what type came instead.
		failReq(id, r, matcherExpectation(path, safeFailureMessage(m, actual)),
			fmt.Sprintf("%s = %s, %s the check cannot judge", path, fragment(v), jsonKind(v)), v)
		return
	}
	if !ok {
		failReq(id, r, matcherExpectation(path, safeFailureMessage(m, actual)), fmt.Sprintf("%s = %s", path, fragment(v)), v)
	}
}

// safeMatch is m.Match that turns a panic into an error: Gomega's BeTrue
// and BeFalse dereference a nil actual (gomega v1.44.0, isBool), and a
// target that leaves an attribute out or sends null gives nil.
func safeMatch(m types.GomegaMatcher, actual any) (ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			ok, err = false, fmt.Errorf("the matcher failed on %#v: %v", actual, p)
		}
	}()
	return m.Match(actual)
}

// safeFailureMessage is m.FailureMessage, guarded like [safeMatch].
func safeFailureMessage(m types.GomegaMatcher, actual any) (msg string) {
	defer func() {
		if p := recover(); p != nil {
			msg = fmt.Sprintf("%T", m)
		}
	}()
	return m.FailureMessage(actual)
}

// matcherExpectation turns a Gomega failure message ("Expected\n  <T>: x\nto
// equal\n  <T>: y") into one line about the expectation ("path to equal
// <T>: y"); the actual value is shown on its own line already.
func matcherExpectation(path, msg string) string {
	if i := strings.Index(msg, "\nto "); i >= 0 {
		return path + " " + strings.Join(strings.Fields(msg[i+1:]), " ")
	}
	return path + ": " + strings.Join(strings.Fields(msg), " ")
}

// expectListResponse requires r's schemas to name the ListResponse URN
// (RFC 7644 §3.4.2) under requirement id.
func (r *reply) expectListResponse(id string) {
	GinkgoHelper()
	r.expect(id, hasString(r.F("schemas"), URNListResponse), "schemas", "schemas containing "+URNListResponse, fragment(r.F("schemas")))
}

// expectSCIMError requires an RFC 7644 §3.12 error body: a JSON object with
// the Error URN in schemas and status as a string equal to the HTTP status.
func (r *reply) expectSCIMError(id string) {
	GinkgoHelper()
	j := r.JSON()
	if !j.IsObject() {
		failReq(id, r, "a JSON object body (SCIM error, RFC 7644 §3.12)", "body is not a JSON object", gjson.Result{})
		return
	}
	if !hasString(field(j, "schemas"), URNError) {
		failReq(id, r, fmt.Sprintf("schemas containing %q at the top level", URNError), "schemas = "+fragment(field(j, "schemas")), j)
		return
	}
	st := field(j, "status")
	if !isJSONString(st) || st.String() != fmt.Sprint(r.Status) {
		failReq(id, r, fmt.Sprintf("status as the JSON string %q", fmt.Sprint(r.Status)), "status = "+fragment(st), j)
	}
}

// expectScimType requires scimType == want (case-sensitive keyword, RFC 7644
// §3.12 Table 9).
func (r *reply) expectScimType(id, want string) {
	GinkgoHelper()
	got := r.F("scimType")
	r.expect(id, got.String() == want, "", fmt.Sprintf("scimType %q", want), "scimType = "+fragment(got))
}

// mediaType returns the media type of the Content-Type header, lower-cased,
// without parameters ("" when absent or unparsable).
func (r *reply) mediaType() string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

// scimTypes are the error keywords of RFC 7644 §3.12 Table 9.
var scimTypes = []string{"invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax",
	"invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"}

// validScimType reports whether s is a Table 9 keyword.
func validScimType(s string) bool {
	for _, k := range scimTypes {
		if s == k {
			return true
		}
	}
	return false
}
