package suites

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/suites/requirements"
)

// preview is the spec tree, walked once before the run (PreviewSpecs must
// come before RunSpecs in a process).
var (
	preview    []SpecInfo
	previewErr error
)

func TestMain(m *testing.M) {
	preview, previewErr = Preview()
	os.Exit(m.Run())
}

func TestSpecMetadata(t *testing.T) {
	if previewErr != nil {
		t.Fatalf("preview: %v", previewErr)
	}
	if len(preview) == 0 {
		t.Fatal("no specs registered")
	}
	for _, s := range preview {
		if s.Area == "" || s.Level == "" || len(s.Requirements) == 0 {
			t.Errorf("%s: missing metadata (area %q, level %q, reqs %v)", s.Name, s.Area, s.Level, s.Requirements)
		}
		for _, l := range s.Labels {
			if !KnownLabel(l) {
				t.Errorf("%s: label %q is not in the registry", s.Name, l)
			}
		}
	}
}

func TestMetaRecordsMistakes(t *testing.T) {
	before := len(MetaErrors())
	labels := Meta(AreaUsers, MUST, Req("P-0-00"))
	errs := MetaErrors()
	if len(errs) != before+1 || !strings.Contains(strings.Join(errs, "\n"), `unknown requirement ID "P-0-00"`) {
		t.Fatalf("MetaErrors after a bad ID = %q", errs)
	}
	if m := metaFromLabels(labels); m.Valid {
		t.Errorf("labels of a bad Meta read back as valid: %v", labels)
	}
	// Forget the deliberate mistake so other tests see a clean registry.
	metaMu.Lock()
	metaErrors = metaErrors[:before]
	metaMu.Unlock()
}

func TestEffectiveFilter(t *testing.T) {
	tests := []struct {
		profile, extra, want string
		ok                   bool
	}{
		{"all", "", "", true},
		{"rfc", "", "rfc", true},
		{"okta", "users && !MAY", "okta && (users && !MAY)", true},
		{"rfc", "users &&", "", false},
		{"nope", "", "", false},
	}
	for _, tt := range tests {
		got, err := EffectiveFilter(tt.profile, tt.extra)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("EffectiveFilter(%q, %q) = %q, %v; want %q ok=%v", tt.profile, tt.extra, got, err, tt.want, tt.ok)
		}
	}
}

// TestMUSTCoverage compares the MUST rows no spec covers with pending.txt:
// a newly covered row must be removed from pending.txt, and no row may become
// uncovered without being listed.
func TestMUSTCoverage(t *testing.T) {
	if previewErr != nil {
		t.Fatalf("preview: %v", previewErr)
	}
	rows, err := requirements.All()
	if err != nil {
		t.Fatal(err)
	}
	untestable, err := requirements.Untestable()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, s := range preview {
		for _, id := range s.Requirements {
			covered[id] = true
		}
	}
	pending := map[string]bool{}
	for _, id := range requirements.Pending() {
		pending[id] = true
	}
	var uncovered, stale []string
	for _, r := range rows {
		if r.Level != requirements.LevelMUST || covered[r.ID] || untestable[r.ID] != "" {
			if pending[r.ID] && (covered[r.ID] || r.Level != requirements.LevelMUST) {
				stale = append(stale, r.ID)
			}
			continue
		}
		if !pending[r.ID] {
			uncovered = append(uncovered, r.ID)
		}
	}
	sort.Strings(uncovered)
	if len(uncovered) > 0 {
		t.Errorf("%d MUST rows are neither covered by a spec, untestable nor pending: %s", len(uncovered), strings.Join(uncovered, " "))
	}
	if len(stale) > 0 {
		t.Errorf("pending.txt lists covered rows; remove them: %s", strings.Join(stale, " "))
	}
}

// TestReferenceConforms runs every spec against the in-process reference
// provider: the reference is correct, so every spec must pass (or be skipped
// for a feature the reference does not have).
func TestReferenceConforms(t *testing.T) {
	ref, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: "test-token"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ref)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Options{
		Target: Target{BaseURL: srv.URL + "/scim/v2", Token: "test-token", Profile: "all", Seed: 42,
			RunID: "suitetest", RequestTimeout: 10 * time.Second},
		Embedded: true, Version: "test",
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	states := map[string]int{}
	for _, s := range res.Specs {
		states[s.State]++
		if s.State == reports.StateSkipped {
			t.Logf("skipped %s: %s", s.Name, s.SkipReason)
		}
	}
	t.Logf("%d specs in %v: %v", len(res.Specs), time.Since(start), states)
	if len(res.Specs) != len(preview) {
		t.Errorf("results hold %d specs, the tree has %d", len(res.Specs), len(preview))
	}
	// Every spec must pass through the metadata and capability gate, also
	// after TestMain's Preview (PreviewSpecs drops top-level setup nodes).
	if got := gateRuns.Load(); got != int64(len(res.Specs)) {
		t.Errorf("the spec gate ran %d times for %d specs", got, len(res.Specs))
	}
	for _, s := range res.Specs {
		switch s.State {
		case reports.StatePassed:
		case reports.StateSkipped:
			if !referenceLacks(s.SkipReason) {
				t.Errorf("%s: skipped: %s", s.Name, s.SkipReason)
			}
		default:
			msg := ""
			if s.Failure != nil {
				msg = s.Failure.Message
			}
			t.Errorf("%s [%s %s]: %s\n%s", s.Name, s.Level, s.State, msg, exchangeLines(s))
		}
	}
	if !res.Run.Conformant {
		t.Errorf("the reference is reported not conformant (interrupted: %q)", res.Run.Interrupted)
	}
	if res.Run.Seed != 42 || res.Run.RunID != "suitetest" || res.Run.Capabilities["filter"] != true {
		t.Errorf("run metadata = %+v", res.Run)
	}
}

// referenceLacks reports whether a skip reason names a feature the reference
// provider deliberately does not have (/Me answers 501, no un-versioned base
// URL, no server-filled defaults) or a row that only applies to providers
// without a feature the reference has.
func referenceLacks(reason string) bool {
	for _, ok := range []string{"/Me", "target advertises", "without a token", "not served as SCIM", "sets no server defaults"} {
		if strings.Contains(reason, ok) {
			return true
		}
	}
	return false
}

func exchangeLines(s reports.Spec) string {
	var b strings.Builder
	for _, e := range s.Exchanges {
		fmt.Fprintf(&b, "    %s %s -> %d %.200s\n", e.Method, e.URL, e.Status, e.ResponseBody)
	}
	return b.String()
}

// TestProfilesSelectTheirAreas checks that each profile's filter picks exactly
// the specs of its areas: rfc every RFC area, each IdP profile its own.
func TestProfilesSelectTheirAreas(t *testing.T) {
	if previewErr != nil {
		t.Fatalf("preview: %v", previewErr)
	}
	for name := range Profiles {
		expr, err := EffectiveFilter(name, "")
		if err != nil {
			t.Fatalf("profile %s: %v", name, err)
		}
		filter, err := types.ParseLabelFilter(expr)
		if err != nil {
			t.Fatalf("profile %s: %v", name, err)
		}
		selected := 0
		for _, s := range preview {
			want := profileOf(Area(s.Area)) == name
			if got := filter(s.Labels); got != want {
				t.Errorf("profile %s selects %q (area %s): %v, want %v", name, s.Name, s.Area, got, want)
			}
			if want {
				selected++
			}
		}
		if name == "rfc" && selected == 0 {
			t.Errorf("profile rfc selects no spec")
		}
	}
}

func TestConfigureRejectsBadOptions(t *testing.T) {
	good := Target{BaseURL: "http://127.0.0.1:1/scim/v2", Profile: "rfc", RunID: "r"}
	tests := []struct {
		name string
		edit func(*Options)
	}{
		{"no scheme", func(o *Options) { o.Target.BaseURL = "example.com/scim" }},
		{"ftp", func(o *Options) { o.Target.BaseURL = "ftp://example.com/scim" }},
		{"bad focus", func(o *Options) { o.Focus = []string{"("} }},
		{"bad skip", func(o *Options) { o.Skip = []string{"[a"} }},
		{"bad filter", func(o *Options) { o.LabelFilter = "users &&" }},
		{"bad profile", func(o *Options) { o.Target.Profile = "scim1" }},
		{"bad capability", func(o *Options) { o.Target.Require = []Capability{"teleport"} }},
	}
	for _, tt := range tests {
		o := Options{Target: good}
		tt.edit(&o)
		if _, _, err := configure(o); err == nil || !errors.Is(err, ErrUsage) {
			t.Errorf("%s: configure = %v, want ErrUsage", tt.name, err)
		}
	}
	sc, rc, err := configure(Options{Target: Target{BaseURL: good.BaseURL, Profile: "okta", Seed: 5}, LabelFilter: "users", Timeout: time.Second, Focus: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	if sc.LabelFilter != "okta && (users)" || sc.RandomSeed != 5 || !sc.FailOnEmpty || sc.Timeout != time.Second || sc.ParallelTotal != 1 || len(sc.FocusStrings) != 1 || !rc.Succinct {
		t.Errorf("configure built %+v / %+v", sc, rc)
	}
}
