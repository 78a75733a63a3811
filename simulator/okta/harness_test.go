package okta

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
)

// harness is an Okta provisioner wired to a fake SCIM server, recording
// every exchange.
type harness struct {
	p    *Provisioner
	rec  *simulator.Recorder
	fake *fakeSCIM
	gen  *fixtures.Gen
	url  string
}

func newHarness(t testing.TB, cfg Config, q quirks) *harness {
	t.Helper()
	return newWrappedHarness(t, cfg, q, nil)
}

// newWrappedHarness is newHarness with the fake served through wrap (nil:
// as is), for tests that rewrite what the server answers.
func newWrappedHarness(t testing.TB, cfg Config, q quirks, wrap func(http.Handler) http.Handler) *harness {
	t.Helper()
	fake := newFake(q)
	var h http.Handler = fake
	if wrap != nil {
		h = wrap(fake)
	}
	hs := serveHarness(t, cfg, h)
	hs.fake, hs.gen = fake, fixtures.New(7, "gold1")
	return hs
}

// serveHarness serves h and wires an Okta provisioner to it that records
// every exchange and never retries, so tests see each request once.
func serveHarness(t testing.TB, cfg Config, h http.Handler) *harness {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rec := &simulator.Recorder{}
	c, err := simulator.New(simulator.Options{
		BaseURL: srv.URL + "/scim/v2",
		Auth:    simulator.Bearer("okta-test-token"),
		Hook:    rec.Hook(),
		Retry:   simulator.RetryPolicy{MaxRetries: -1},
	})
	if err != nil {
		t.Fatalf("simulator.New: %v", err)
	}
	p, err := New(c, cfg)
	if err != nil {
		t.Fatalf("okta.New: %v", err)
	}
	return &harness{p: p, rec: rec, url: srv.URL}
}

// seedUser puts a user straight into the fake server, as if it existed
// before Okta was connected; nothing is recorded.
func (h *harness) seedUser(userName string, active bool) string {
	h.fake.mu.Lock()
	defer h.fake.mu.Unlock()
	h.fake.n++
	id := "u" + strconv.Itoa(h.fake.n)
	h.fake.rs[id] = map[string]any{
		"schemas": []any{SchemaUser}, "id": id, "userName": userName, "active": active,
		"name":   map[string]any{"givenName": "Old", "familyName": "Name", "middleName": ""},
		"emails": []any{map[string]any{"value": "old@example.com", "type": "work", "primary": true, "display": "old@example.com"}},
		"meta":   map[string]any{"resourceType": "User", "location": "http://scim.test/scim/v2/Users/" + id},
	}
	h.fake.order = append(h.fake.order, id)
	return id
}

func (h *harness) assign(t testing.TB, u fixtures.User) string {
	t.Helper()
	id, err := h.p.Assign(context.Background(), u)
	if err != nil {
		t.Fatalf("Assign %s: %v", u.UserName, err)
	}
	return id
}
