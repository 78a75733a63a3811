package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/simulator"
)

// TestCleanupDeletesOnlyTheRun creates resources of two runs and of nobody,
// then cleans up one run: only that run's resources may disappear.
func TestCleanupDeletesOnlyTheRun(t *testing.T) {
	tests := []struct {
		name   string
		quirks []string
	}{
		{"with filters", nil},
		// A target whose filter on externalId fails: cleanup pages instead.
		{"by paging", []string{"filter-externalid-unsupported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := reference.New(reference.Options{Token: "tok", Quirks: tt.quirks})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(ref)
			defer srv.Close()
			base := srv.URL + reference.DefaultBasePath
			c, err := simulator.New(simulator.Options{BaseURL: base, Auth: simulator.Bearer("tok")})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			post := func(path string, body any) string {
				resp, err := c.Post(ctx, path, body)
				if err != nil || resp.Status != http.StatusCreated {
					t.Fatalf("POST %s: %v %v %s", path, err, resp.Status, resp.Body)
				}
				return resp.JSON().Get("id").String()
			}
			mine, other := fixtures.New(1, "runaaaaa"), fixtures.New(2, "runbbbbb")
			var keep []string
			for i := 0; i < 3; i++ {
				post("/Users", mine.User())
				post("/Groups", mine.Group())
				keep = append(keep, "/Users/"+post("/Users", other.User()), "/Groups/"+post("/Groups", other.Group()))
			}
			keep = append(keep, "/Users/"+post("/Users", map[string]any{"schemas": []string{fixtures.SchemaUser}, "userName": "someone-else"}))

			code, text := runBinary(t, nil, "cleanup", "--target", base, "--token", "tok", "--run-id", "runaaaaa")
			if code != exitOK || !strings.Contains(text, "deleted 6 resources") {
				t.Fatalf("exit %d, want 0 deleting 6:\n%s", code, text)
			}
			for _, p := range keep {
				if resp, err := c.Get(ctx, p); err != nil || resp.Status != http.StatusOK {
					t.Errorf("GET %s after cleanup: %v %d", p, err, resp.Status)
				}
			}
			for _, ep := range []string{"/Users", "/Groups"} {
				resp, err := c.Get(ctx, ep+"?count=1000")
				if err != nil {
					t.Fatal(err)
				}
				resp.JSON().Get("Resources").ForEach(func(_, r gjson.Result) bool {
					if fixtures.HasRunID(r.Raw, "runaaaaa") {
						t.Errorf("%s still holds a resource of the run: %s", ep, r.Raw)
					}
					return true
				})
			}
		})
	}
}

func TestCleanupNeedsTargetAndRunID(t *testing.T) {
	for _, args := range [][]string{{"cleanup"}, {"cleanup", "--target", "http://127.0.0.1:1"}, {"cleanup", "--run-id", "x"}} {
		if code, text := runBinary(t, nil, args...); code != exitUsage || !strings.Contains(text, "required") {
			t.Errorf("%v: exit %d, want 2:\n%s", args, code, text)
		}
	}
}

func TestRequirementsCommand(t *testing.T) {
	code, text := runBinary(t, nil, "requirements", "--level", "MUST")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	if !strings.Contains(text, "P-3.3-06") || !strings.Contains(text, "covered by [users MUST]") || strings.Contains(text, "SHOULD 7644") {
		t.Errorf("MUST listing lacks coverage or holds other levels:\n%.2000s", text)
	}
	if !strings.Contains(text, "MUST ") || !strings.Contains(text, "rows covered by specs") {
		t.Errorf("no per-level summary:\n%s", text[max(0, len(text)-500):])
	}
	_, unc := runBinary(t, nil, "requirements", "--uncovered")
	if strings.Contains(unc, "    covered by [") {
		t.Errorf("--uncovered lists covered rows")
	}
	if code, text := runBinary(t, nil, "requirements", "--level", "SOMETIMES"); code != exitUsage {
		t.Errorf("bad level: exit %d:\n%s", code, text)
	}
}
