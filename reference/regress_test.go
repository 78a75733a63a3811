package reference_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// Cases the conformance suites caught against earlier versions.
func TestSuiteRegressions(t *testing.T) {
	h := newHarness(t)
	t.Run("SearchRequest keys in any case", func(t *testing.T) {
		h.createUser("casekeys")
		r := h.must(http.StatusOK, "POST", "/Users/.search", map[string]any{
			"SCHEMAS": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"Filter":  `userName eq "casekeys"`,
		})
		if num(r, "totalResults") != 1 {
			t.Errorf("search = %s", r.raw)
		}
	})
	t.Run("missing sort values first when descending", func(t *testing.T) {
		h.createUser("srt-none")
		h.createUser("srt-a", "title", "A")
		h.createUser("srt-b", "title", "B")
		q := "/Users?sortBy=title&filter=" + url.QueryEscape(`userName sw "srt-"`)
		if got := fmt.Sprint(names(h.must(200, "GET", q, nil))); got != "[srt-a srt-b srt-none]" {
			t.Errorf("ascending = %s", got)
		}
		if got := fmt.Sprint(names(h.must(200, "GET", q+"&sortOrder=descending", nil))); got != "[srt-none srt-b srt-a]" {
			t.Errorf("descending = %s", got)
		}
	})
	t.Run("NFD finds NFC and clashes with it", func(t *testing.T) {
		h.createUser("jos\u00e9")
		r := h.must(200, "GET", "/Users?filter="+url.QueryEscape(`userName eq "jose`+"\u0301"+`"`), nil)
		if num(r, "totalResults") != 1 {
			t.Errorf("NFD filter = %s", r.raw)
		}
		h.must(http.StatusConflict, "POST", "/Users", userBody("JOSE\u0301"))
	})
	t.Run("add then remove the same member in one PATCH", func(t *testing.T) {
		a, b := h.createUser("ord-a").str("id"), h.createUser("ord-b").str("id")
		gid := h.createGroup("ordered", a).str("id")
		r := h.must(200, "PATCH", "/Groups/"+gid, patchBody(
			op("add", "members", []any{map[string]any{"value": b}}),
			op("remove", `members[value eq "`+b+`"]`, nil),
		))
		if ms, _ := r.body["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["value"] != a {
			t.Errorf("members = %v", r.body["members"])
		}
		before := h.must(200, "GET", "/Groups/"+gid, nil).header.Get("ETag")
		after := h.must(200, "PATCH", "/Groups/"+gid, patchBody(op("add", "members", []any{map[string]any{"value": a}}))).header.Get("ETag")
		if before != after {
			t.Errorf("adding a present member changed the version %s → %s", before, after)
		}
	})
}
