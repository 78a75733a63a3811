package reference_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference"
)

// quirkProbes maps every quirk to a probe that reports whether the provider
// shows the deviation. Each probe must be false on a correct provider and
// true with the quirk on.
var quirkProbes = map[string]func(h *harness) bool{
	"error-status-integer": func(h *harness) bool {
		r := h.do("GET", "/Users/nope", nil)
		_, isNum := r.body["status"].(float64)
		return isNum
	},
	"duplicate-400": func(h *harness) bool {
		h.createUser("dup")
		return h.do("POST", "/Users", userBody("dup")).status == 400
	},
	"conflict-no-scimtype": func(h *harness) bool {
		h.createUser("dup")
		r := h.do("POST", "/Users", userBody("dup"))
		return r.status == 409 && r.body["scimType"] == nil
	},
	"username-unique-case-sensitive": func(h *harness) bool {
		h.createUser("case")
		return h.do("POST", "/Users", userBody("CASE")).status == 201
	},
	"deleted-username-blocks": func(h *harness) bool {
		id := h.createUser("gone").str("id")
		h.must(http.StatusNoContent, "DELETE", "/Users/"+id, nil)
		return h.do("POST", "/Users", userBody("gone")).status == 409
	},
	"group-displayname-not-unique": func(h *harness) bool {
		h.createGroup("twin")
		return h.do("POST", "/Groups", groupBody("twin")).status == 201
	},
	"filter-username-case-sensitive": func(h *harness) bool {
		h.createUser("mixed")
		r := h.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "MIXED"`), nil)
		return num(r, "totalResults") == 0
	},
	"filter-operators-case-sensitive": func(h *harness) bool {
		return h.do("GET", "/Users?filter="+url.QueryEscape(`userName EQ "x"`), nil).status == 400
	},
	"invalid-filter-returns-all": func(h *harness) bool {
		h.createUser("any")
		return h.do("GET", "/Users?filter="+url.QueryEscape(`userName eq`), nil).status == 200
	},
	"unknown-filter-attribute-empty": func(h *harness) bool {
		return h.do("GET", "/Users?filter="+url.QueryEscape(`shoeSize eq "9"`), nil).status == 200
	},
	"filter-externalid-unsupported": func(h *harness) bool {
		return h.do("GET", "/Users?filter="+url.QueryEscape(`externalId eq "e"`), nil).status == 400
	},
	"count-zero-returns-all": func(h *harness) bool {
		h.createUser("one")
		return len(names(h.must(200, "GET", "/Users?count=0", nil))) > 0
	},
	"itemsperpage-echoes-count": func(h *harness) bool {
		h.createUser("one")
		return num(h.must(200, "GET", "/Users?count=10", nil), "itemsPerPage") == 10
	},
	"startindex-ignored": func(h *harness) bool {
		h.createUser("first")
		h.createUser("second")
		return names(h.must(200, "GET", "/Users?startIndex=2", nil))[0] == "first"
	},
	"totalresults-page-size": func(h *harness) bool {
		h.createUser("a1")
		h.createUser("a2")
		return num(h.must(200, "GET", "/Users?count=1", nil), "totalResults") == 1
	},
	"list-omits-empty-resources": func(h *harness) bool {
		_, ok := h.must(200, "GET", "/Users", nil).body["Resources"]
		return !ok
	},
	"excludedattributes-ignored": func(h *harness) bool {
		id := h.createGroup("g", h.createUser("m").str("id")).str("id")
		_, ok := h.must(200, "GET", "/Groups/"+id+"?excludedAttributes=members", nil).body["members"]
		return ok
	},
	"attributes-drops-id": func(h *harness) bool {
		id := h.createUser("p").str("id")
		return h.must(200, "GET", "/Users/"+id+"?attributes=userName", nil).body["id"] == nil
	},
	"password-returned": func(h *harness) bool {
		return h.createUser("pw", "password", "secret").body["password"] != nil
	},
	"meta-location-missing": func(h *harness) bool {
		return h.createUser("loc").body["meta"].(map[string]any)["location"] == nil
	},
	"meta-location-relative": func(h *harness) bool {
		loc, _ := h.createUser("loc").body["meta"].(map[string]any)["location"].(string)
		return !strings.HasPrefix(loc, "http")
	},
	"location-header-differs": func(h *harness) bool {
		r := h.createUser("loc")
		return r.header.Get("Location") != r.body["meta"].(map[string]any)["location"]
	},
	"content-type-json": func(h *harness) bool {
		return !strings.HasPrefix(h.do("GET", "/Users", nil).header.Get("Content-Type"), "application/scim+json")
	},
	"patch-remove-filter-removes-all": func(h *harness) bool {
		a, b := h.createUser("a").str("id"), h.createUser("b").str("id")
		gid := h.createGroup("g", a, b).str("id")
		r := h.must(200, "PATCH", "/Groups/"+gid, patchBody(op("remove", `members[value eq "`+a+`"]`, nil)))
		ms, _ := r.body["members"].([]any)
		return len(ms) == 0
	},
	"patch-pathless-ignored": func(h *harness) bool {
		id := h.createUser("okta").str("id")
		r := h.must(200, "PATCH", "/Users/"+id, patchBody(op("replace", "", map[string]any{"active": false})))
		return r.body["active"] == true
	},
	"patch-op-case-sensitive": func(h *harness) bool {
		id := h.createUser("entra").str("id")
		return h.do("PATCH", "/Users/"+id, patchBody(op("Replace", "title", "x"))).status == 400
	},
	"patch-empty-operations-accepted": func(h *harness) bool {
		id := h.createUser("empty").str("id")
		return h.do("PATCH", "/Users/"+id, patchBody()).status == 200
	},
	"readonly-input-rejected": func(h *harness) bool {
		return h.do("POST", "/Users", userBody("ro", "id", "mine")).status == 400
	},
	"two-primaries-stored": func(h *harness) bool {
		emails := []any{
			map[string]any{"value": "a@example.com", "primary": true},
			map[string]any{"value": "b@example.com", "primary": true},
		}
		r := h.do("POST", "/Users", userBody("prim", "emails", emails))
		if r.status != 201 {
			return false
		}
		n := 0
		for _, e := range r.body["emails"].([]any) {
			if e.(map[string]any)["primary"] == true {
				n++
			}
		}
		return n == 2
	},
	"delete-returns-200": func(h *harness) bool {
		return h.do("DELETE", "/Users/"+h.createUser("d").str("id"), nil).status == 200
	},
	"second-delete-204": func(h *harness) bool {
		// With If-Match too: the precondition check must not answer 404 first.
		return h.do("DELETE", "/Users/never-existed", nil).status == 204 &&
			h.do("DELETE", "/Users/never-existed", nil, "If-Match", `W/"1"`).status == 204
	},
	"delete-deactivates": func(h *harness) bool {
		id := h.createUser("d").str("id")
		h.do("DELETE", "/Users/"+id, nil)
		r := h.do("GET", "/Users/"+id, nil)
		return r.status == 200 && r.body["active"] == false
	},
	"if-match-ignored": func(h *harness) bool {
		id := h.createUser("im").str("id")
		return h.do("PUT", "/Users/"+id, userBody("im"), "If-Match", `W/"77"`).status == 200
	},
	"etag-not-meta-version": func(h *harness) bool {
		r := h.createUser("et")
		return r.header.Get("ETag") != r.body["meta"].(map[string]any)["version"]
	},
	"precondition-409": func(h *harness) bool {
		id := h.createUser("pc").str("id")
		return h.do("PUT", "/Users/"+id, userBody("pc"), "If-Match", `W/"77"`).status == 409
	},
	"schemas-entries-without-schemas": func(h *harness) bool {
		r := h.must(200, "GET", "/Schemas", nil)
		return r.body["Resources"].([]any)[0].(map[string]any)["schemas"] == nil
	},
	"spc-not-object": func(h *harness) bool {
		r := h.must(200, "GET", "/ServiceProviderConfig", nil)
		var arr []any
		return json.Unmarshal(r.raw, &arr) == nil
	},
	"unauthorized-no-body": func(h *harness) bool {
		return len(h.do("GET", "/Users", nil, "Authorization", "").raw) == 0
	},
	"not-found-html": func(h *harness) bool {
		return strings.HasPrefix(h.do("GET", "/Users/nope", nil).header.Get("Content-Type"), "text/html")
	},
	"no-www-authenticate": func(h *harness) bool {
		return h.do("GET", "/Users", nil, "Authorization", "").header.Get("WWW-Authenticate") == ""
	},
	"patch-response-stale": func(h *harness) bool {
		id := h.createUser("st").str("id")
		return h.must(200, "PATCH", "/Users/"+id, patchBody(op("replace", "title", "new"))).body["title"] == nil
	},
}

func TestQuirksAreObservable(t *testing.T) {
	if len(reference.Quirks()) < 25 {
		t.Errorf("only %d quirks", len(reference.Quirks()))
	}
	for _, q := range reference.Quirks() {
		t.Run(q.Name, func(t *testing.T) {
			if q.Description == "" || !strings.Contains(q.Breaks, "RFC") {
				t.Errorf("quirk %q lacks a description or RFC reference: %+v", q.Name, q)
			}
			probe := quirkProbes[q.Name]
			if probe == nil {
				t.Fatalf("no probe for quirk %q", q.Name)
			}
			if probe(newHarness(t)) {
				t.Errorf("correct provider shows the deviation of %q", q.Name)
			}
			if !probe(newHarness(t, q.Name)) {
				t.Errorf("quirk %q is not observable", q.Name)
			}
		})
	}
}

func TestUnknownQuirk(t *testing.T) {
	if _, err := reference.New(reference.Options{Quirks: []string{"nope"}}); err == nil {
		t.Error("New accepted an unknown quirk")
	}
}

// TestQuirksKeepFiltersRight checks that the quirks which change how unique
// keys are stored change nothing else: equality filters on the key attribute
// still find every match (a quirk that also broke filtering would be caught
// for the wrong reason).
func TestQuirksKeepFiltersRight(t *testing.T) {
	t.Run("group-displayname-not-unique", func(t *testing.T) {
		h := newHarness(t, "group-displayname-not-unique")
		h.createGroup("twin")
		h.must(http.StatusCreated, "POST", "/Groups", groupBody("twin"))
		r := h.must(http.StatusOK, "GET", "/Groups?filter="+url.QueryEscape(`displayName eq "TWIN"`), nil)
		if got := num(r, "totalResults"); got != 2 {
			t.Errorf("displayName eq finds %v groups, want both twins", got)
		}
	})
	t.Run("username-unique-case-sensitive", func(t *testing.T) {
		h := newHarness(t, "username-unique-case-sensitive")
		h.createUser("case")
		h.must(http.StatusCreated, "POST", "/Users", userBody("CASE"))
		r := h.must(http.StatusOK, "GET", "/Users?filter="+url.QueryEscape(`userName eq "Case"`), nil)
		if got := num(r, "totalResults"); got != 2 {
			t.Errorf("userName eq (case-insensitive, RFC 7643 §4.1.1) finds %v users, want 2", got)
		}
	})
}
