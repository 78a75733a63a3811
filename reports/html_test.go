package reports

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func renderHTML(t *testing.T, r *Results) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return buf.String()
}

func TestWriteHTMLEscapesTargetContent(t *testing.T) {
	r := failingRun()
	// Hostile strings in every place the target or a spec can put text.
	r.Specs[0].Name = `spec "><img src=x onerror=alert(2)>`
	r.Specs[0].Area = `a" onmouseover="alert(3)`
	r.Run.Capabilities[`<b>cap</b>`] = true
	page := renderHTML(t, r)
	for _, bad := range []string{hostile, `<img src=x`, `onmouseover="alert(3)`, `<b>cap</b>`} {
		if strings.Contains(page, bad) {
			t.Errorf("report contains unescaped %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the hostile response body is not shown escaped")
	}
}

func TestWriteHTMLSelfContained(t *testing.T) {
	page := renderHTML(t, failingRun())
	external := regexp.MustCompile(`(?i)(\bsrc\s*=|<link\b|@import|url\(|\bhref\s*=\s*"?(https?:)?//)`)
	if m := external.FindString(page); m != "" {
		t.Errorf("report loads an external resource: %q", m)
	}
	if strings.Count(page, "<script>") != 1 {
		t.Errorf("want exactly one (inline) script")
	}
}

func TestWriteHTMLContent(t *testing.T) {
	page := renderHTML(t, failingRun())
	tests := []struct{ what, want string }{
		{"verdict", "✗ Not conformant"},
		{"verdict counts", "Not conformant: 6 MUST failures, 1 SHOULD failure"},
		{"failure count", `id="count-failed"><b>6</b>failed`},
		{"seed", `<dd class="mono">42</dd>`},
		{"version", "v0.3.0"},
		{"capability on", `<span class="chip on" title="advertised">patch</span>`},
		{"capability off", `<span class="chip off" title="not advertised">bulk</span>`},
		{"root cause shown once", "Root cause: create user failed: POST /Users → 500 database unavailable <span class=\"n\">— 3 specs failed because of it</span>"},
		{"derived root cause", "Root cause: expected status 200, actual status 503, detail &#34;search index rebuilding&#34; <span"},
		{"expected", `<td class="mono exp">a JSON object body (SCIM error, RFC 7644 §3.12)</td>`},
		{"actual", `<td class="mono act">body is not a JSON object</td>`},
		{"judged exchange open and marked", "<details class=\"exchange bad\" open>\n<summary>GET /scim/v2/Users/00000000-0000-4000-8000-000000000000 → 404 Not Found (12ms) <span class=\"judged\">"},
		{"requirement text", "A successful create returns 201 Created with the resource."},
		{"pretty request JSON", "{\n  &#34;schemas&#34;: ["},
		{"failing exchange open", `<details class="exchange bad" open>`},
		{"skip reason", "bulk.supported is false in /ServiceProviderConfig"},
		{"filters work without script", `<nav id="filters" hidden>`},
		{"area filter", `<option value="filter">filter</option>`},
		{"warning section", `<h2 id="warnings">Warnings`},
	}
	for _, tt := range tests {
		if !strings.Contains(page, tt.want) {
			t.Errorf("%s: report lacks %q", tt.what, tt.want)
		}
	}
	// Without the script every spec is visible: only the filter bar waits
	// for it.
	if n := strings.Count(page, " hidden"); n != 1 {
		t.Errorf("%d elements hidden before the script runs, want only the filter bar", n)
	}
	if n := strings.Count(page, "Root cause: create user failed"); n != 1 {
		t.Errorf("the shared cause appears %d times, want once", n)
	}
	// Failures come before passing specs.
	if f, p := strings.Index(page, `id="failures"`), strings.Index(page, `id="passed"`); f < 0 || p < f {
		t.Errorf("failures (%d) should come before passed specs (%d)", f, p)
	}
}

func TestWriteHTMLConformantRun(t *testing.T) {
	r := &Results{Run: Run{Conformant: true, Profile: "rfc"}, Specs: []Spec{{Area: "users", Name: "ok", Level: LevelMust, State: StatePassed}}}
	page := renderHTML(t, r)
	for _, want := range []string{`<header class="banner ok">`, "✓ Conformant", "No failures.", "Conformant: 0 MUST failures, 0 SHOULD failures"} {
		if !strings.Contains(page, want) {
			t.Errorf("conformant report lacks %q", want)
		}
	}
}

// TestWriteHTMLShowsControlBytes: terminal colour codes and NULs a target
// sends in a body reach the page as visible control pictures, never as the
// raw bytes HTML forbids.
func TestWriteHTMLShowsControlBytes(t *testing.T) {
	r := failingRun()
	i := slices.IndexFunc(r.Specs, func(s Spec) bool { return s.State == StateFailed && len(s.Exchanges) > 0 })
	if i < 0 {
		t.Fatal("the fixture has no failed spec with exchanges")
	}
	r.Specs[i].Exchanges[0].ResponseBody = "\x1b[31mred\x1b[0m\x00\x7f\tok\n"
	page := renderHTML(t, r)
	for _, c := range []string{"\x1b", "\x00", "\x7f"} {
		if strings.Contains(page, c) {
			t.Errorf("report contains the raw control byte %q", c)
		}
	}
	// html/template itself turns NUL into U+FFFD.
	if !strings.Contains(page, "␛[31mred␛[0m\ufffd␡\tok") {
		t.Error("the control bytes are not shown as control pictures")
	}
}
