package okta

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// jsonEqual compares two JSON texts as values.
func jsonEqual(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	return reflect.DeepEqual(g, w)
}

func last(t *testing.T, h *harness, method string) transcript.Exchange {
	t.Helper()
	exs := h.rec.Exchanges()
	for i := len(exs) - 1; i >= 0; i-- {
		if exs[i].Method == method {
			return exs[i]
		}
	}
	t.Fatalf("no %s recorded", method)
	return transcript.Exchange{}
}

// TestShapesMatchIdPWire checks the requests against the bodies printed in
// idp-wire.md, independently of the golden files.
func TestShapesMatchIdPWire(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		cfg    Config
		run    func(t *testing.T, h *harness)
		method string
		query  string // wanted query of the last request of method, if set
		body   string // wanted JSON body of the last request of method, if set
	}{
		{"A3.6 OIN deactivate is a pathless PATCH", Config{}, func(t *testing.T, h *harness) {
			u := h.gen.OktaUser()
			h.assign(t, u)
			must(t, h.p.Deactivate(ctx, u.OktaID))
		}, "PATCH", "", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`},
		{"A3.7 OIN reactivate", Config{}, func(t *testing.T, h *harness) {
			u := h.gen.OktaUser()
			h.assign(t, u)
			must(t, h.p.Reactivate(ctx, u.OktaID))
		}, "PATCH", "", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`},
		{"A3.4 lookup with %20", Config{}, func(t *testing.T, h *harness) {
			u := h.gen.OktaUser()
			u.UserName = "test.user@okta.local"
			h.assign(t, u)
		}, "GET", `filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100`, ""},
		{"A3.4 lookup with +", Config{FilterEncoding: EncodingPlus}, func(t *testing.T, h *harness) {
			u := h.gen.OktaUser()
			u.UserName = "jane.doe@example.com"
			h.assign(t, u)
		}, "GET", `filter=userName+eq+%22jane.doe%40example.com%22&startIndex=1&count=100`, ""},
		{"A3.1 test credentials", Config{}, func(t *testing.T, h *harness) {
			must(t, h.p.TestCredentials(ctx))
		}, "GET", "startIndex=1&count=2", ""},
		{"A3.9 OIN membership PATCH", Config{RenameBeside: RenameOff}, func(t *testing.T, h *harness) {
			a, b := h.gen.OktaUser(), h.gen.OktaUser()
			h.assign(t, a)
			h.assign(t, b)
			g := h.gen.Group()
			_, err := h.p.PushGroup(ctx, g, []string{a.OktaID})
			must(t, err)
			must(t, h.p.UpdateMembers(ctx, g.OktaID, []string{b.OktaID}, []string{a.OktaID}))
		}, "PATCH", "", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"remove","path":"members[value eq \"u1\"]"},
			{"op":"add","path":"members","value":[{"value":"u2","display":"` + "USER2" + `"}]}]}`},
		{"A3.9 OIN rename carries the id", Config{}, func(t *testing.T, h *harness) {
			g := h.gen.Group()
			_, err := h.p.PushGroup(ctx, g, nil)
			must(t, err)
			must(t, h.p.RenameGroup(ctx, g.OktaID, "Test SCIMv2"))
		}, "PATCH", "", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"g1","displayName":"Test SCIMv2"}}]}`},
		{"A3.9 group create has empty members", Config{}, func(t *testing.T, h *harness) {
			g := h.gen.Group()
			g.DisplayName = "Test SCIMv2"
			_, err := h.p.PushGroup(ctx, g, nil)
			must(t, err)
		}, "POST", "", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}`},
		{"A3.9 AIW full-member PUT", Config{Dialect: DialectAIW, NullMemberDisplay: true}, func(t *testing.T, h *harness) {
			a := h.gen.OktaUser()
			h.assign(t, a)
			g := h.gen.Group()
			g.DisplayName = "Test SCIMv2"
			_, err := h.p.PushGroup(ctx, g, []string{a.OktaID})
			must(t, err)
		}, "PUT", "", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g2","displayName":"Test SCIMv2","members":[{"value":"u1","display":null}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.cfg, quirks{})
			tt.run(t, h)
			ex := last(t, h, tt.method)
			if tt.query != "" {
				if _, q, _ := strings.Cut(ex.URL, "?"); q != tt.query {
					t.Errorf("query\n got %s\nwant %s", q, tt.query)
				}
			}
			if tt.body != "" {
				want := tt.body
				if strings.Contains(want, "USER2") {
					want = strings.ReplaceAll(want, "USER2", userNameOf(t, h, "u2"))
				}
				if !jsonEqual(t, ex.RequestBody, want) {
					t.Errorf("body\n got %s\nwant %s", ex.RequestBody, want)
				}
			}
		})
	}
}

func userNameOf(t *testing.T, h *harness, id string) string {
	h.fake.mu.Lock()
	defer h.fake.mu.Unlock()
	return h.fake.rs[id]["userName"].(string)
}

// TestCreateBody checks Okta's additions to the create request (A2, A3.4).
func TestCreateBody(t *testing.T) {
	h := newHarness(t, Config{}, quirks{})
	u := h.gen.OktaUser()
	b, err := CreateBody(u)
	must(t, err)
	var m map[string]any
	must(t, json.Unmarshal(b, &m))
	checks := map[string]any{
		"externalId": u.OktaID, "userName": u.UserName, "active": true, "password": u.Password, "locale": u.Locale,
	}
	for k, want := range checks {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if g, ok := m["groups"].([]any); !ok || len(g) != 0 {
		t.Errorf("groups = %v, want []", m["groups"])
	}
	emails, _ := m["emails"].([]any)
	if len(emails) != 1 || emails[0].(map[string]any)["primary"] != true || emails[0].(map[string]any)["type"] != "work" {
		t.Errorf("emails = %v", m["emails"])
	}
}

// TestOktaJudgesResponses covers A4 and A6: each quirk of the target must
// come back as an *Error with the sentinel and the admin's message.
func TestOktaJudgesResponses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		q       quirks
		cfg     Config
		run     func(h *harness) error
		want    error // nil: the flow must succeed
		status  int
		message string
	}{
		{"string counters on lookup", quirks{stringCounters: true}, Config{}, func(h *harness) error {
			_, err := h.p.Assign(ctx, h.gen.OktaUser())
			return err
		}, ErrShape, 200, `totalResults is "0", not a JSON integer`},
		{"missing Resources on test", quirks{noResources: true}, Config{}, func(h *harness) error {
			return h.p.TestCredentials(ctx)
		}, ErrShape, 200, "Okta would report: No results for users returned"},
		{"missing Resources on an empty lookup is fine", quirks{noResources: true}, Config{}, func(h *harness) error {
			_, err := h.p.Assign(ctx, h.gen.OktaUser())
			return err
		}, nil, 0, ""},
		{"404 on lookup means no match", quirks{lookup404: true}, Config{}, func(h *harness) error {
			_, err := h.p.Assign(ctx, h.gen.OktaUser())
			return err
		}, nil, 0, ""},
		{"empty 201", quirks{emptyCreateBody: true}, Config{}, func(h *harness) error {
			_, err := h.p.Assign(ctx, h.gen.OktaUser())
			return err
		}, ErrShape, 201, "Create new user returned empty user."},
		{"201 without id", quirks{createNoID: true}, Config{}, func(h *harness) error {
			_, err := h.p.Assign(ctx, h.gen.OktaUser())
			return err
		}, ErrShape, 201, "returned a user without an id"},
		{"409 when the filter misses an inactive user", quirks{dropInactive: true}, Config{}, func(h *harness) error {
			u := h.gen.OktaUser()
			h.seedUser(u.UserName, false)
			_, err := h.p.Assign(ctx, u)
			return err
		}, ErrConflict, 409, "Errors reported by remote server: userName is taken"},
		{"PATCH rejected with 501", quirks{patch501: true}, Config{}, func(h *harness) error {
			u := h.gen.OktaUser()
			if _, err := h.p.Assign(ctx, u); err != nil {
				return err
			}
			return h.p.Deactivate(ctx, u.OktaID)
		}, ErrPatchRejected, 501, "Okta does not fall back to PUT"},
		{"AIW never PATCHes, so 501 on PATCH does not matter", quirks{patch501: true}, Config{Dialect: DialectAIW}, func(h *harness) error {
			u := h.gen.OktaUser()
			if _, err := h.p.Assign(ctx, u); err != nil {
				return err
			}
			return h.p.Deactivate(ctx, u.OktaID)
		}, nil, 0, ""},
		{"proxy HTML page", quirks{htmlOnCreate: true}, Config{}, func(h *harness) error {
			_, err := h.p.Assign(ctx, h.gen.OktaUser())
			return err
		}, ErrStatus, 502, "Bad Gateway. Errors reported by remote server: Invalid JSON: Unrecognized token '<'"},
		{"flow on an unassigned user", quirks{}, Config{}, func(h *harness) error {
			return h.p.Deactivate(ctx, "00unknown")
		}, ErrNotLinked, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.cfg, tt.q)
			err := tt.run(h)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			var oe *Error
			if tt.want == ErrNotLinked {
				return
			}
			if !errors.As(err, &oe) {
				t.Fatalf("error %T is not *okta.Error", err)
			}
			if oe.HTTPStatus() != tt.status || !strings.Contains(err.Error(), tt.message) || !strings.HasPrefix(oe.AdminMessage(), "Okta would report: ") {
				t.Errorf("status %d message %q; want %d and %q", oe.Status, err.Error(), tt.status, tt.message)
			}
		})
	}
}

func TestTransportErrorIsTyped(t *testing.T) {
	h := newHarness(t, Config{}, quirks{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := h.p.TestCredentials(ctx)
	var oe *Error
	if !errors.As(err, &oe) || !errors.Is(err, ErrTransport) || !errors.Is(err, context.Canceled) || oe.Status != 0 {
		t.Fatalf("got %v", err)
	}
}

func TestNewRejectsUnknownKnobs(t *testing.T) {
	h := newHarness(t, Config{}, quirks{})
	for _, cfg := range []Config{{Dialect: "saml"}, {FilterEncoding: "utf7"}, {Headers: "x"}, {RenameBeside: "sideways"}, {PasswordShape: "x"}} {
		if _, err := New(h.p.c, cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	if _, err := New(nil, Config{}); err == nil {
		t.Error("New(nil) accepted")
	}
}

func TestConnectionHeader(t *testing.T) {
	for _, conn := range []string{"", "Keep-Alive", "close"} {
		h := newHarness(t, Config{Connection: conn}, quirks{})
		must(t, h.p.TestCredentials(context.Background()))
		got := strings.Join(last(t, h, "GET").RequestHeader["Connection"], ",")
		if got != conn {
			t.Errorf("Connection %q, want %q", got, conn)
		}
	}
}

// TestEntitlementShapesMatchIdPWire checks the discovery requests against
// idp-wire.md A3.11 and A1.1: plain GETs of /ResourceTypes and /Schemas,
// the advertised endpoints paged like an import, no body, and the runtime
// profile's GET headers (no Content-Type).
func TestEntitlementShapesMatchIdPWire(t *testing.T) {
	h := newEntHarness(t, Config{}, &entFake{nEnt: 1})
	if _, err := h.p.DiscoverEntitlements(context.Background(), DiscoveryOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /scim/v2/ResourceTypes", "GET /scim/v2/Schemas",
		"GET /scim/v2/Roles?startIndex=1&count=100", "GET /scim/v2/Entitlements?startIndex=1&count=100"}
	exs := h.rec.Exchanges()
	if len(exs) != len(want) {
		t.Fatalf("%d requests, want %d", len(exs), len(want))
	}
	for i, ex := range exs {
		if got := ex.Method + " " + strings.TrimPrefix(ex.URL, h.url); got != want[i] {
			t.Errorf("request %d = %s, want %s", i+1, got, want[i])
		}
		if ex.RequestBody != "" || len(ex.RequestHeader["Content-Type"]) != 0 {
			t.Errorf("request %d carries a body %q or Content-Type %q", i+1, ex.RequestBody, ex.RequestHeader["Content-Type"])
		}
		if ua := strings.Join(ex.RequestHeader["User-Agent"], ","); ua != UserAgentRuntime {
			t.Errorf("request %d User-Agent %q, want %q", i+1, ua, UserAgentRuntime)
		}
	}
}
