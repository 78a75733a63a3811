package reference_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func names(r *result) []string {
	var out []string
	list, _ := r.body["Resources"].([]any)
	for _, x := range list {
		m := x.(map[string]any)
		if n, ok := m["userName"].(string); ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprint(m["displayName"]))
		}
	}
	return out
}

func num(r *result, k string) int {
	f, _ := r.body[k].(float64)
	return int(f)
}

func TestQueryFilterAndPaging(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		h.createUser(fmt.Sprintf("user%d", i), "title", fmt.Sprint("T", 4-i), "externalId", fmt.Sprint("ext", i))
	}
	tests := []struct {
		query               string
		total, items, start int
		want                []string
	}{
		{"", 5, 5, 1, []string{"user0", "user1", "user2", "user3", "user4"}},
		{"filter=" + url.QueryEscape(`userName eq "USER2"`), 1, 1, 1, []string{"user2"}},
		{"filter=" + url.QueryEscape(`UserName EQ "user2" and active eq true`), 1, 1, 1, []string{"user2"}},
		{"filter=" + url.QueryEscape(`externalId eq "ext3"`), 1, 1, 1, []string{"user3"}},
		{"filter=" + url.QueryEscape(`externalId eq "EXT3"`), 0, 0, 1, nil},
		{"filter=" + url.QueryEscape(`userName sw "user" and not (userName eq "user0")`), 4, 4, 1, []string{"user1", "user2", "user3", "user4"}},
		{"startIndex=2&count=2", 5, 2, 2, []string{"user1", "user2"}},
		{"startIndex=0&count=1", 5, 1, 1, []string{"user0"}},
		{"startIndex=-3&count=1", 5, 1, 1, []string{"user0"}},
		{"count=0", 5, 0, 1, nil},
		{"count=-4", 5, 0, 1, nil},
		{"startIndex=9", 5, 0, 9, nil},
		{"sortBy=title", 5, 5, 1, []string{"user4", "user3", "user2", "user1", "user0"}},
		{"sortBy=userName&sortOrder=descending&count=2", 5, 2, 1, []string{"user4", "user3"}},
		{"sortBy=emails.value&count=1", 5, 1, 1, []string{"user0"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := h.must(http.StatusOK, "GET", "/Users?"+tt.query, nil)
			if num(r, "totalResults") != tt.total || num(r, "itemsPerPage") != tt.items || num(r, "startIndex") != tt.start {
				t.Errorf("total/items/start = %d/%d/%d, want %d/%d/%d", num(r, "totalResults"), num(r, "itemsPerPage"), num(r, "startIndex"), tt.total, tt.items, tt.start)
			}
			if got := names(r); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("resources = %v, want %v", got, tt.want)
			}
			if _, ok := r.body["Resources"]; !ok {
				t.Error("Resources missing")
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	h := newHarness(t)
	h.createUser("x")
	tests := []struct {
		query, scimType string
		status          int
	}{
		{"filter=" + url.QueryEscape(`userName eq`), "invalidFilter", 400},
		{"filter=" + url.QueryEscape(`nosuch eq "x"`), "invalidFilter", 400},
		{"filter=" + url.QueryEscape(`active gt true`), "invalidFilter", 400},
		{"attributes=userName&excludedAttributes=emails", "invalidSyntax", 400},
		{"count=abc", "invalidValue", 400},
		{"sortOrder=sideways", "invalidValue", 400},
		{"sortBy=nosuch", "invalidValue", 400},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := h.must(tt.status, "GET", "/Users?"+tt.query, nil)
			if r.str("scimType") != tt.scimType {
				t.Errorf("scimType = %q, want %q: %s", r.str("scimType"), tt.scimType, r.raw)
			}
		})
	}
}

func TestProjection(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("proj", "password", "pw", "title", "T").str("id")
	r := h.must(http.StatusOK, "GET", "/Users/"+id+"?attributes=title", nil)
	if r.str("id") != id || r.str("title") != "T" || r.body["userName"] != nil || r.body["schemas"] == nil {
		t.Errorf("attributes=title: %s", r.raw)
	}
	r = h.must(http.StatusOK, "GET", "/Users/"+id+"?excludedAttributes=title,emails", nil)
	if r.body["title"] != nil || r.body["emails"] != nil || r.str("userName") != "proj" || r.body["password"] != nil {
		t.Errorf("excludedAttributes: %s", r.raw)
	}
}

func TestSearchAndRoot(t *testing.T) {
	h := newHarness(t)
	h.createUser("searchme")
	uid := h.createUser("other").str("id")
	h.createGroup("searchers", uid)
	search := map[string]any{
		"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter":     `userName eq "searchme"`,
		"attributes": []any{"userName"},
		"count":      10,
	}
	r := h.must(http.StatusOK, "POST", "/Users/.search", search)
	if fmt.Sprint(names(r)) != "[searchme]" {
		t.Errorf("/Users/.search = %s", r.raw)
	}
	search["filter"] = `displayName eq "searchers" or userName eq "searchme"`
	delete(search, "attributes")
	r = h.must(http.StatusOK, "POST", "/.search", search)
	if num(r, "totalResults") != 2 {
		t.Errorf("root search = %s", r.raw)
	}
	r = h.must(http.StatusOK, "GET", "/?filter="+url.QueryEscape(`displayName eq "searchers"`), nil)
	if fmt.Sprint(names(r)) != "[searchers]" {
		t.Errorf("root GET = %s", r.raw)
	}
	r = h.must(http.StatusOK, "GET", "/Groups?filter="+url.QueryEscape(`members.value eq "`+uid+`"`), nil)
	if fmt.Sprint(names(r)) != "[searchers]" {
		t.Errorf("members filter = %s", r.raw)
	}
	r = h.must(http.StatusOK, "GET", "/Users?filter="+url.QueryEscape(`groups.display eq "searchers"`), nil)
	if fmt.Sprint(names(r)) != "[other]" {
		t.Errorf("groups filter = %s", r.raw)
	}
	h.must(http.StatusBadRequest, "POST", "/Users/.search", map[string]any{"filter": "x"})
}

// TestQueryStoredBodies filters and sorts on attributes that the scan
// decodes from stored JSON bodies one by one: extension objects, complex and
// multi-valued attributes, escaped strings, computed id and meta, and
// Unicode in NFC and NFD (RFC 7644 §7.8).
func TestQueryStoredBodies(t *testing.T) {
	h := newHarness(t)
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	nfc, nfd := "jos\u00e9", "jose\u0301"
	users := []struct {
		name    string
		number  string
		title   string
		extID   string
		manager string
	}{
		{"a-" + nfc, "3", `quote " and <b>&amp;`, "ext-" + nfc, "m1"},
		{"b-" + nfd, "1", `back\slash`, "ext-" + nfd + "-2", "m2"},
		{"c-plain", "2", "plain", "ext-plain", "m1"},
	}
	ids := map[string]string{}
	for _, u := range users {
		r := h.createUser(u.name, "title", u.title, "externalId", u.extID,
			"schemas", []any{"urn:ietf:params:scim:schemas:core:2.0:User", ent},
			ent, map[string]any{"employeeNumber": u.number, "manager": map[string]any{"value": u.manager}})
		ids[u.name] = r.str("id")
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"filter=" + url.QueryEscape(ent+`:employeeNumber eq "2"`), []string{"c-plain"}},
		{"filter=" + url.QueryEscape(ent+`:manager.value eq "m1"`), []string{"a-" + nfc, "c-plain"}},
		{"filter=" + url.QueryEscape(`title co "\" and <b>"`), []string{"a-" + nfc}},
		{"filter=" + url.QueryEscape(`title ew "\\slash"`), []string{"b-" + nfd}},
		{"filter=" + url.QueryEscape(`emails[type eq "work" and value sw "c-"]`), []string{"c-plain"}},
		{"filter=" + url.QueryEscape(`name.familyName eq "F" and id eq "`+ids["c-plain"]+`"`), []string{"c-plain"}},
		{"filter=" + url.QueryEscape(`meta.created pr and title eq "PLAIN"`), []string{"c-plain"}},
		// NFD literal against NFC data and back, through the index and a scan.
		{"filter=" + url.QueryEscape(`userName eq "A-`+nfd+`"`), []string{"a-" + nfc}},
		{"filter=" + url.QueryEscape(`userName eq "b-`+nfc+`"`), []string{"b-" + nfd}},
		{"filter=" + url.QueryEscape(`userName co "`+nfd+`" and title pr`), []string{"a-" + nfc, "b-" + nfd}},
		{"filter=" + url.QueryEscape(`externalId eq "ext-`+nfd+`"`), []string{"a-" + nfc}},
		{"filter=" + url.QueryEscape(`externalId sw "ext-`+nfc+`-"`), []string{"b-" + nfd}},
		{"sortBy=" + url.QueryEscape(ent+":employeeNumber"), []string{"b-" + nfd, "c-plain", "a-" + nfc}},
	}
	for _, tt := range tests {
		r := h.must(http.StatusOK, "GET", "/Users?"+tt.query, nil)
		if got := names(r); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: got %+q, want %+q", tt.query, got, tt.want)
		}
	}
}
