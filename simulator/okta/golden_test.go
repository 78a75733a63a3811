package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// scenario drives one or more flows; the recorded requests are the golden.
type scenario struct {
	name string
	run  func(t *testing.T, h *harness)
}

var scenarios = []scenario{
	{"test-credentials", func(t *testing.T, h *harness) {
		h.seedUser("existing@example.com", true)
		must(t, h.p.TestCredentials(context.Background()))
	}},
	{"import-users", func(t *testing.T, h *harness) {
		for i := 0; i < 150; i++ {
			h.seedUser(fmt.Sprintf("imported-%03d@example.com", i), i%10 != 0)
		}
		got, err := h.p.ImportUsers(context.Background())
		must(t, err)
		if len(got) != 150 {
			t.Errorf("imported %d users, want 150", len(got))
		}
	}},
	{"assign-create", func(t *testing.T, h *harness) {
		u := h.gen.OktaUser()
		id := h.assign(t, u)
		if got, _ := h.p.UserID(u.OktaID); got != id {
			t.Errorf("state maps %s to %q, want %q", u.OktaID, got, id)
		}
	}},
	{"assign-link-inactive", func(t *testing.T, h *harness) {
		u := h.gen.OktaUser()
		id := h.seedUser(u.UserName, false)
		if got := h.assign(t, u); got != id {
			t.Errorf("linked to %q, want the existing %q", got, id)
		}
	}},
	{"update-profile", func(t *testing.T, h *harness) {
		u := h.gen.OktaUser()
		h.assign(t, u)
		u.Name.GivenName, u.DisplayName = "Renée-Changed", "Renée-Changed "+u.Name.FamilyName
		must(t, h.p.UpdateProfile(context.Background(), u))
	}},
	{"deactivate-reactivate", func(t *testing.T, h *harness) {
		u := h.gen.OktaUser()
		h.assign(t, u)
		must(t, h.p.Deactivate(context.Background(), u.OktaID))
		must(t, h.p.Reactivate(context.Background(), u.OktaID))
	}},
	{"sync-password", func(t *testing.T, h *harness) {
		u := h.gen.OktaUser()
		h.assign(t, u)
		must(t, h.p.SyncPassword(context.Background(), u.OktaID, "n3w-Passw0rd!"))
	}},
	{"group-push-lifecycle", func(t *testing.T, h *harness) {
		a, b, c := h.gen.OktaUser(), h.gen.OktaUser(), h.gen.OktaUser()
		h.assign(t, a)
		h.assign(t, b)
		h.assign(t, c)
		g := h.gen.Group()
		ctx := context.Background()
		_, err := h.p.PushGroup(ctx, g, []string{a.OktaID})
		must(t, err)
		must(t, h.p.UpdateMembers(ctx, g.OktaID, []string{b.OktaID, c.OktaID}, []string{a.OktaID}))
		must(t, h.p.ReplaceMembers(ctx, g.OktaID, []string{a.OktaID}))
		must(t, h.p.RenameGroup(ctx, g.OktaID, g.DisplayName+" (renamed)"))
		must(t, h.p.UnlinkGroup(ctx, g.OktaID, true))
	}},
}

// variants are the configurations each scenario is recorded under.
var variants = []struct {
	name string
	cfg  Config
	only map[string]bool // nil: every scenario
}{
	{"oin", Config{Dialect: DialectOIN}, nil},
	{"aiw", Config{Dialect: DialectAIW}, nil},
	{"oin-plus-runscope", Config{FilterEncoding: EncodingPlus, Headers: HeadersRunscope}, map[string]bool{"assign-create": true, "test-credentials": true}},
	{"oin-inline-rename-path-password", Config{RenameBeside: RenameInline, RenameOmitsID: true, PasswordShape: PasswordPath, GroupLookupNoPaging: true},
		map[string]bool{"group-push-lifecycle": true, "sync-password": true}},
}

func TestGolden(t *testing.T) {
	for _, v := range variants {
		for _, sc := range scenarios {
			if v.only != nil && !v.only[sc.name] {
				continue
			}
			t.Run(v.name+"/"+sc.name, func(t *testing.T) {
				h := newHarness(t, v.cfg, quirks{})
				sc.run(t, h)
				checkGolden(t, filepath.Join("testdata", v.name, sc.name+".golden"), render(h), "idp-wire.md")
			})
		}
	}
}

// checkGolden compares the rendered requests got with the golden file, or
// rewrites the file under -update; ref is the part of the wire notes to
// check a change against before updating.
func checkGolden(t *testing.T, file, got, ref string) {
	t.Helper()
	if *update {
		must(t, os.MkdirAll(filepath.Dir(file), 0o755))
		must(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("requests differ from %s (rerun with -update after checking against %s):\n%s", file, ref, diff(string(want), got))
	}
}

// render prints the recorded requests: request line, headers sorted by
// name, indented JSON body and the status that came back. Paging requests
// of the import beyond the first two are summarised.
func render(h *harness) string {
	var b strings.Builder
	for _, ex := range h.rec.Exchanges() {
		fmt.Fprintf(&b, "%s %s\n", ex.Method, strings.TrimPrefix(ex.URL, h.url))
		names := make([]string, 0, len(ex.RequestHeader))
		for k := range ex.RequestHeader {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(ex.RequestHeader[k], ", "))
		}
		if ex.RequestBody != "" {
			var out bytes.Buffer
			if err := json.Indent(&out, []byte(ex.RequestBody), "", "  "); err != nil {
				out.Reset()
				out.WriteString(ex.RequestBody)
			}
			b.WriteString("\n" + out.String() + "\n")
		}
		fmt.Fprintf(&b, "=> %d\n\n", ex.Status)
	}
	return b.String()
}

// diff shows the first differing line with some context.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant: %s\n got: %s", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
