package reference_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/reference/store"
)

// panickyStore panics on Get, standing in for a provider bug.
type panickyStore struct{ *store.Memory }

func (panickyStore) Get(context.Context, string, string, bool) (*store.Resource, error) {
	panic("boom")
}

func TestPanicBecomes500AndIsLogged(t *testing.T) {
	var logs bytes.Buffer
	h, err := reference.New(reference.Options{
		Token:  "secret-token",
		Store:  panickyStore{store.NewMemory()},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/scim/v2/Users/x", nil)
	req.Header.Set("Authorization", "Bearer secret-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body map[string]any
	if rec.Code != http.StatusInternalServerError || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body["status"] != "500" {
		t.Errorf("panic answered %d %s, want a 500 SCIM error", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "panic") || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("panic not logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), "secret-token") {
		t.Error("token leaked into the log")
	}
}

func TestOutsideBasePathAndOptions(t *testing.T) {
	h, err := reference.New(reference.Options{BasePath: "/api/scim/", SeedUsers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/other": 404, "/api/scimx/Users": 404, "/api/scim/Users": 200, "/api/scim/": 200} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/scim+json") {
			t.Errorf("GET %s: %d %q, want %d", path, rec.Code, rec.Header().Get("Content-Type"), want)
		}
		if path == "/api/scim/Users" && !strings.Contains(rec.Body.String(), `"totalResults":2`) {
			t.Errorf("seed users missing: %s", rec.Body)
		}
	}
	for _, bad := range []reference.Options{{BasePath: "noslash"}, {SeedUsers: -1}, {Quirks: []string{""}}} {
		if _, err := reference.New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}
