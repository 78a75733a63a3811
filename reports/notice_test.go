package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestThrottleSentence(t *testing.T) {
	tests := []struct {
		t    *Throttle
		want string
	}{
		{nil, ""},
		{&Throttle{}, ""},
		{&Throttle{Throttled: 1, Retries: 1, Waited: time.Second},
			"The target throttled 1 request (429/503); scimtest waited 1s honouring Retry-After."},
		{&Throttle{Throttled: 40, Retries: 38, Waited: 12 * time.Second, GaveUp: 2},
			"The target throttled 40 requests (429/503); scimtest waited 12s honouring Retry-After; 2 requests still got 429/503 after retries."},
		// One 429 asking for too long, and requests that were never sent
		// for it: they did not "get 429/503".
		{&Throttle{Throttled: 1, Waited: 10 * time.Second, GaveUp: 1, NotSent: 586},
			"The target throttled 1 request (429/503); scimtest waited 10s honouring Retry-After; 1 request still got 429/503 after retries; 586 requests were not sent: the target asked to hold back longer than scimtest waits."},
		{&Throttle{Throttled: 2, Retries: 1, Waited: time.Second, NotSent: 1},
			"The target throttled 2 requests (429/503); scimtest waited 1s honouring Retry-After; 1 request was not sent: the target asked to hold back longer than scimtest waits."},
	}
	for _, tt := range tests {
		if got := tt.t.Sentence(); got != tt.want {
			t.Errorf("Sentence(%+v) = %q\nwant %q", tt.t, got, tt.want)
		}
	}
}

// noticedRun is a run that was throttled, excluded specs and refused a
// request, with target-controlled text in the refusal.
func noticedRun() *Results {
	r := failingRun()
	r.Run.Throttle = &Throttle{Throttled: 5, Retries: 5, Waited: 3 * time.Second, GaveUp: 1, NotSent: 2}
	r.Run.Exclusions = []Exclusion{
		{Spec: "PATCH: remove", Reason: "tracked in JIRA-12 | fix due Q3", Excluded: 3},
		{Spec: "P-3.5.2-01", Reason: "no sort", Excluded: 1},
	}
	r.Run.Refused = []string{"DELETE /Users/<b>x</b>: names a resource this run did not create"}
	return r
}

func TestMarkdownShowsNotices(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, noticedRun()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"> The target throttled 5 requests (429/503); scimtest waited 3s honouring Retry-After; 1 request still got 429/503 after retries; 2 requests were not sent: the target asked to hold back longer than scimtest waits.",
		"> scimtest refused 1 request that would have changed data the run did not create:\n> - DELETE /Users/&lt;b&gt;x&lt;/b&gt;: names a resource this run did not create",
		"### Excluded by configuration (4 specs)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	rows := tableRows(md, "### Excluded by configuration")
	if len(rows) != 2 {
		t.Fatalf("exclusion rows = %q", rows)
	}
	if c := cells(rows[0]); len(c) != 3 || c[0] != "`PATCH: remove`" || c[1] != `tracked in JIRA-12 \| fix due Q3` || c[2] != "3" {
		t.Errorf("first exclusion row = %q", c)
	}
}

func TestHTMLShowsNotices(t *testing.T) {
	page := renderHTML(t, noticedRun())
	for _, want := range []string{
		`id="throttled"`, "The target throttled 5 requests (429/503); scimtest waited 3s honouring Retry-After",
		`id="refused"`, "DELETE /Users/&lt;b&gt;x&lt;/b&gt;",
		`id="exclusions"`, "tracked in JIRA-12 | fix due Q3", `<td class="n">3</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	plain := renderHTML(t, failingRun())
	for _, absent := range []string{`id="throttled"`, `id="refused"`, `id="exclusions"`} {
		if strings.Contains(plain, absent) {
			t.Errorf("report.html of a plain run shows %s", absent)
		}
	}
}

// TestJSONOmitsNotSent checks that notSent is left out when zero, so
// results.json of a run without unsent requests reads as before.
func TestJSONOmitsNotSent(t *testing.T) {
	r := failingRun()
	r.Run.Throttle = &Throttle{Throttled: 1, Retries: 1, Waited: time.Second}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "notSent") || !strings.Contains(buf.String(), `"gaveUp": 0`) {
		t.Errorf("results.json throttle:\n%s", buf.String())
	}
}

// TestJSONKeepsNotices checks the optional run fields survive results.json,
// so `scimtest report --from` shows them again.
func TestJSONKeepsNotices(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, noticedRun()); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"throttle": {`, `"gaveUp": 1`, `"notSent": 2`, `"exclusions": [`, `"excluded": 3`, `"refused": [`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("results.json lacks %s", key)
		}
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := noticedRun().Run
	if *back.Run.Throttle != *want.Throttle || len(back.Run.Exclusions) != 2 || back.Run.Exclusions[1] != want.Exclusions[1] || len(back.Run.Refused) != 1 {
		t.Errorf("read back %+v", back.Run)
	}
}

func TestJUnitShowsNotices(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, noticedRun()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<property name="throttled" value="The target throttled 5 requests (429/503); scimtest waited 3s honouring Retry-After; 1 request still got 429/503 after retries; 2 requests were not sent: the target asked to hold back longer than scimtest waits."></property>`,
		`<property name="excluded" value="PATCH: remove — tracked in JIRA-12 | fix due Q3 (3 specs)"></property>`,
		`<property name="refused" value="DELETE /Users/&lt;b&gt;x&lt;/b&gt;: names a resource this run did not create"></property>`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("junit.xml lacks %s", want)
		}
	}
}
