package suites

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/simulator/transcript"
)

// spec builds a SpecReport of an It with the labels of meta.
func spec(text string, labels []string, state types.SpecState, msg string, entries ...types.ReportEntry) types.SpecReport {
	return types.SpecReport{
		LeafNodeType:   types.NodeTypeIt,
		LeafNodeText:   text,
		LeafNodeLabels: labels,
		State:          state,
		Failure:        types.Failure{Message: msg},
		ReportEntries:  entries,
	}
}

func TestConvertScoresByLevel(t *testing.T) {
	must := Meta(AreaUsers, MUST, Req("P-3.3-01"))
	should := Meta(AreaErrors, SHOULD, Req("P-3.12-06"))
	tests := []struct {
		name       string
		sr         types.SpecReport
		strict     bool
		want       string
		conformant bool
	}{
		{"MUST passed", spec("a", must, types.SpecStatePassed, ""), false, reports.StatePassed, true},
		{"MUST failed", spec("a", must, types.SpecStateFailed, "boom"), false, reports.StateFailed, false},
		{"SHOULD failed", spec("b", should, types.SpecStateFailed, "boom"), false, reports.StateWarning, true},
		{"SHOULD failed, strict", spec("b", should, types.SpecStateFailed, "boom"), true, reports.StateFailed, false},
		{"SHOULD timed out", spec("b", should, types.SpecStateTimedout, "slow"), false, reports.StateFailed, false},
		{"MUST panicked", spec("a", must, types.SpecStatePanicked, "p"), false, reports.StateFailed, false},
		{"skipped with reason", spec("a", must, types.SpecStateSkipped, "target does not advertise patch.supported"), false, reports.StateSkipped, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pass := spec("other", must, types.SpecStatePassed, "")
			r := types.Report{SpecReports: types.SpecReports{tt.sr, pass}, SuiteConfig: types.SuiteConfig{RandomSeed: 9}}
			res := convert(r, &Target{Strict: tt.strict, RunID: "r1", Profile: "rfc"}, Options{Version: "v"}, "", time.Now())
			if got := res.Specs[0].State; got != tt.want {
				t.Errorf("state = %s, want %s", got, tt.want)
			}
			wantConformant := tt.conformant || tt.sr.State == types.SpecStateSkipped
			if res.Run.Conformant != wantConformant {
				t.Errorf("conformant = %v, want %v", res.Run.Conformant, wantConformant)
			}
			if res.Run.Seed != 9 || res.Run.RunID != "r1" || res.Specs[0].Area == "" || res.Specs[0].Level == "" {
				t.Errorf("metadata lost: run %+v spec %+v", res.Run, res.Specs[0])
			}
			if _, ok := res.Run.Requirements[res.Specs[0].Requirements[0]]; !ok {
				t.Errorf("requirement text missing from the run")
			}
		})
	}
}

func TestConvertOmitsUnselectedAndKeepsExchanges(t *testing.T) {
	ex := transcript.Exchange{Method: "GET", URL: "http://x/Users", Status: 200}
	// After a JSON round trip a report entry holds a map, not the Go value.
	var asMap map[string]any
	raw, _ := json.Marshal(ex)
	if err := json.Unmarshal(raw, &asMap); err != nil {
		t.Fatal(err)
	}
	inProcess := types.ReportEntry{Name: "http"}
	inProcess.Value = types.WrapEntryValue(httpEntry(ex))
	reread := types.ReportEntry{Name: "http"}
	reread.Value = types.WrapEntryValue(asMap)
	other := types.ReportEntry{Name: "note"}
	other.Value = types.WrapEntryValue("x")
	r := types.Report{
		SuiteConfig: types.SuiteConfig{LabelFilter: "users"},
		SpecReports: types.SpecReports{
			spec("users spec", Meta(AreaUsers, MUST, Req("P-3.3-01")), types.SpecStatePassed, "", inProcess, other, reread),
			spec("errors spec", Meta(AreaErrors, MUST, Req("P-3.12-08")), types.SpecStateSkipped, ""),
		},
	}
	res := convert(r, &Target{}, Options{}, "users", time.Now())
	if len(res.Specs) != 1 || res.Specs[0].Name != "users spec" {
		t.Fatalf("specs = %+v, want only the selected one", res.Specs)
	}
	got := res.Specs[0].Exchanges
	if len(got) != 2 || got[0].URL != ex.URL || got[1].Status != 200 {
		t.Errorf("exchanges = %+v", got)
	}
}

func TestConvertSetupFailureAndInterrupt(t *testing.T) {
	setup := types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStateAborted, Failure: types.Failure{Message: setupPrefix + "no"}}
	r := types.Report{SpecReports: types.SpecReports{setup, spec("a", Meta(AreaUsers, MUST, Req("P-3.3-01")), types.SpecStateSkipped, "")}}
	res := convert(r, &Target{}, Options{}, "", time.Now())
	if res.Run.Conformant || res.Run.Interrupted != setupPrefix+"no" {
		t.Errorf("setup failure: run = %+v", res.Run)
	}
	if res.Specs[0].SkipReason == "" {
		t.Errorf("a spec skipped by the abort needs a reason")
	}
	r = types.Report{SpecialSuiteFailureReasons: []string{"Interrupted by User"}, SpecReports: types.SpecReports{spec("a", Meta(AreaUsers, MUST, Req("P-3.3-01")), types.SpecStatePassed, "")}}
	if res := convert(r, &Target{}, Options{}, "", time.Now()); res.Run.Conformant || res.Run.Interrupted != "Interrupted by User" {
		t.Errorf("interrupt: run = %+v", res.Run)
	}
}

// TestConvertTimedOut checks that a run stopped by --timeout says so: the
// run is timed out and not conformant, the spec it stopped names the
// timeout, the specs after it were not run.
func TestConvertTimedOut(t *testing.T) {
	must := Meta(AreaUsers, MUST, Req("P-3.3-01"))
	stopped := spec("b", must, types.SpecStateTimedout, "A suite timeout occurred")
	stopped.Failure.AdditionalFailure = &types.AdditionalFailure{State: types.SpecStateFailed, Failure: types.Failure{
		Message: "A suite timeout occurred and then the following failure was recorded in the timedout node before it exited:\nrequest failed: POST /Users: context canceled"}}
	r := types.Report{
		SpecialSuiteFailureReasons: []string{"Suite Timeout Elapsed"},
		SpecReports: types.SpecReports{
			spec("a", must, types.SpecStatePassed, ""),
			stopped,
			spec("c", must, types.SpecStateSkipped, ""),
		},
	}
	res := convert(r, &Target{RequestTimeout: time.Second}, Options{Timeout: 6 * time.Second}, "", time.Now())
	if !res.Run.TimedOut || res.Run.Conformant || res.Run.Interrupted != "timed out: --timeout 6s stopped the specs after 3s, keeping 3s for cleanup and reports" {
		t.Errorf("run = %+v", res.Run)
	}
	want := "timed out: --timeout 6s stopped the specs after 3s, keeping 3s for cleanup and reports; this spec was running, its cleanup still ran\nrequest failed: POST /Users: context canceled"
	if f := res.Specs[1].Failure; res.Specs[1].State != reports.StateFailed || f == nil || f.Message != want {
		t.Errorf("stopped spec = %+v, want failed with %q", res.Specs[1], want)
	}
	if s := res.Specs[2]; s.State != reports.StateSkipped || s.SkipReason != NotRunReason {
		t.Errorf("spec after the timeout = %+v", s)
	}
}

func TestPreconditionCause(t *testing.T) {
	sr := spec("a", Meta(AreaUsers, MUST, Req("P-3.3-01")), types.SpecStateFailed, preconditionPrefix+"create user: POST /Users answered 500 (want 201 with an id)")
	s := convertSpec(sr, false, "")
	if s.Failure == nil || s.Failure.Cause != "create user failed: 500" {
		t.Errorf("cause = %+v", s.Failure)
	}
}

func TestSpecSeed(t *testing.T) {
	if specSeed(1, "a") == specSeed(1, "b") || specSeed(1, "a") != specSeed(1, "a") || specSeed(1, "a") == specSeed(2, "a") {
		t.Error("specSeed is not a function of both inputs")
	}
	for _, s := range []int64{0, 1, -1} {
		if specSeed(s, "") == 0 {
			t.Errorf("specSeed(%d) = 0, which gofakeit treats as random", s)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"https://user:pw@example.com/scim": "https://example.com/scim",
		"https://example.com/a@b":          "https://example.com/a@b",
		"http://127.0.0.1:8080/scim/v2":    "http://127.0.0.1:8080/scim/v2",
	}
	for in, want := range tests {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConvertNotesThrottling checks that a spec failing on a final 429 says
// so, and that such failures share one root cause.
func TestConvertNotesThrottling(t *testing.T) {
	must := Meta(AreaUsers, MUST, Req("P-3.3-01"))
	throttled := transcript.Exchange{Method: "POST", URL: "http://t/Users", Status: 429}
	sr := spec("a", must, types.SpecStateFailed, "POST /Users answered 429 (want 201)",
		entry(transcript.Exchange{Method: "GET", URL: "http://t/Users", Status: 200}), entry(throttled), entry(throttled), entry(throttled))
	s := convertSpec(sr, false, "")
	want := "\nthrottled: the target still answered 429 to POST http://t/Users after 3 attempts (scimtest retries within its wait budget as Retry-After asks)"
	if s.Failure == nil || !strings.Contains(s.Failure.Message, want) || s.Failure.Cause != "throttled by the target: 429 after retries" {
		t.Errorf("failure = %+v", s.Failure)
	}
	ok := spec("b", must, types.SpecStateFailed, "boom", entry(transcript.Exchange{Method: "GET", URL: "http://t/Users", Status: 200}))
	if s := convertSpec(ok, false, ""); strings.Contains(s.Failure.Message, "throttled") || s.Failure.Cause != "" {
		t.Errorf("a failure without a 429 = %+v", s.Failure)
	}
}

// entry is an "http" report entry holding ex, as recordHook attaches it.
func entry(ex transcript.Exchange) types.ReportEntry {
	e := types.ReportEntry{Name: "http"}
	e.Value = types.WrapEntryValue(httpEntry(ex))
	return e
}
