package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson/scimjsontest"
)

const extRoleLevel = "urn:example:scim:schemas:extension:roleLevel:1.0"

// entQuirks are the deviations the fake entitlements server can make.
type entQuirks struct {
	rtBareArray       bool // /ResourceTypes answers a bare JSON array
	rtMissing         bool // /ResourceTypes answers 404
	rtStringCounters  bool // /ResourceTypes has "totalResults": "4"
	rtHTML            bool // /ResourceTypes is a proxy's 502 HTML page
	roleNoEndpoint    bool // the Role type has no endpoint
	roleURLEndpoint   bool // the Role type's endpoint is an absolute URL
	roleNoExtension   bool // the Role type has no unknown extension
	schemasMissingExt bool // /Schemas does not list the Role extension
	entitlements404   bool // /Entitlements answers 404
	pageStringCounter bool // entitlement pages have string counters
	entitlementNoID   bool // one entitlement has no id
}

// entFake advertises User, Group, one Role type (with an extension Okta
// does not know) and one Entitlement type; it serves 3 roles and nEnt
// entitlements, paged by startIndex and count.
type entFake struct {
	q    entQuirks
	nEnt int
}

func (f *entFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := f.q
	switch strings.TrimPrefix(r.URL.Path, "/scim/v2") {
	case "/ResourceTypes":
		role := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id": "Role", "name": "Role", "endpoint": "/Roles", "description": "App roles", "schema": SchemaOktaRole,
			"schemaExtensions": []any{map[string]any{"schema": extRoleLevel, "required": false}}}
		switch {
		case q.roleNoEndpoint:
			delete(role, "endpoint")
		case q.roleURLEndpoint:
			role["endpoint"] = "https://elsewhere.example/Roles"
		}
		if q.roleNoExtension {
			delete(role, "schemaExtensions")
		}
		types := []any{
			map[string]any{"id": "User", "name": "User", "endpoint": "/Users", "schema": SchemaUser,
				"schemaExtensions": []any{map[string]any{"schema": SchemaEnterpriseUser, "required": false}}},
			map[string]any{"id": "Group", "name": "Group", "endpoint": "/Groups", "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
				"schemaExtensions": []any{map[string]any{"schema": "urn:example:group-ext", "required": false}}},
			role,
			map[string]any{"id": "Entitlement", "name": "Entitlement", "endpoint": "Entitlements", "schema": SchemaOktaEntitlement},
		}
		switch {
		case q.rtMissing:
			scimErr(w, 404, "", "no such endpoint")
		case q.rtHTML:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<html><body>Bad Gateway</body></html>")
		case q.rtBareArray:
			writeJSON(w, 200, types)
		default:
			entList(w, types, 1, len(types), q.rtStringCounters)
		}
	case "/Schemas":
		schemas := []any{map[string]any{"id": SchemaUser, "name": "User", "attributes": []any{map[string]any{"name": "userName"}}}}
		if !q.schemasMissingExt {
			schemas = append(schemas, map[string]any{"id": extRoleLevel, "name": "RoleLevel",
				"attributes": []any{map[string]any{"name": "level"}, map[string]any{"name": "tier"}}})
		}
		entList(w, schemas, 1, len(schemas), false)
	case "/Roles":
		roles := []any{}
		for i := 1; i <= 3; i++ {
			roles = append(roles, map[string]any{"schemas": []string{SchemaOktaRole}, "id": "r" + strconv.Itoa(i), "displayName": "Role " + strconv.Itoa(i)})
		}
		f.page(w, r, roles, false)
	case "/Entitlements":
		if q.entitlements404 {
			scimErr(w, 404, "", "no such endpoint")
			return
		}
		ents := []any{}
		for i := 1; i <= f.nEnt; i++ {
			e := map[string]any{"schemas": []string{SchemaOktaEntitlement}, "id": fmt.Sprintf("e%03d", i), "displayName": fmt.Sprintf("License %03d", i)}
			if q.entitlementNoID && i == 2 {
				delete(e, "id")
			}
			ents = append(ents, e)
		}
		f.page(w, r, ents, q.pageStringCounter)
	default:
		scimErr(w, 404, "", "no such endpoint")
	}
}

func (f *entFake) page(w http.ResponseWriter, r *http.Request, all []any, stringCounters bool) {
	start, err := strconv.Atoi(r.URL.Query().Get("startIndex"))
	if err != nil || start < 1 {
		start = 1
	}
	count, err := strconv.Atoi(r.URL.Query().Get("count"))
	if err != nil || count < 0 {
		count = len(all)
	}
	page := []any{}
	for i := start - 1; i < len(all) && len(page) < count; i++ {
		page = append(page, all[i])
	}
	out := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(all), "startIndex": start, "itemsPerPage": len(page), "Resources": page}
	if stringCounters {
		out["totalResults"] = strconv.Itoa(len(all))
	}
	writeJSON(w, 200, out)
}

func entList(w http.ResponseWriter, items []any, start, total int, stringCounters bool) {
	out := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": total, "startIndex": start, "itemsPerPage": len(items), "Resources": items}
	if stringCounters {
		out["totalResults"] = strconv.Itoa(total)
	}
	writeJSON(w, 200, out)
}

// newEntHarness wires an Okta provisioner to a fake entitlements server.
func newEntHarness(t testing.TB, cfg Config, f http.Handler) *harness {
	t.Helper()
	return serveHarness(t, cfg, f)
}

// TestGoldenEntitlements records the discovery against a target with one
// Role type (3 roles, an unknown extension) and one Entitlement type (130
// entitlements: two pages).
func TestGoldenEntitlements(t *testing.T) {
	for _, v := range []struct {
		dir string
		cfg Config
	}{
		{"oin", Config{}},
		{"oin-plus-runscope", Config{FilterEncoding: EncodingPlus, Headers: HeadersRunscope}},
	} {
		t.Run(v.dir, func(t *testing.T) {
			h := newEntHarness(t, v.cfg, &entFake{nEnt: 130})
			d, err := h.p.DiscoverEntitlements(context.Background(), DiscoveryOptions{})
			must(t, err)
			if len(d.Types) != 2 || len(d.Types[0].Values) != 3 || len(d.Types[1].Values) != 130 {
				t.Errorf("discovered %+v", d.Types)
			}
			checkGolden(t, filepath.Join("testdata", v.dir, "entitlements-discovery.golden"), render(h), "idp-wire.md A3.11")
		})
	}
}

// TestDiscoveryResult checks what the discovery returns and which requests
// it makes, per option, independently of the golden files.
func TestDiscoveryResult(t *testing.T) {
	roles := []Entitlement{{"r1", "Role 1"}, {"r2", "Role 2"}, {"r3", "Role 3"}}
	ents := []Entitlement{{"e001", "License 001"}, {"e002", "License 002"}}
	roleType := EntitlementType{ID: "Role", Name: "Role", Schema: SchemaOktaRole, Endpoint: "/Roles",
		Description: "App roles", Extensions: []string{extRoleLevel}, Values: roles}
	entType := EntitlementType{ID: "Entitlement", Name: "Entitlement", Schema: SchemaOktaEntitlement,
		Endpoint: "/Entitlements", Values: ents}
	allTypes := []string{"User", "Group", "Role", "Entitlement"}
	tests := []struct {
		name     string
		q        entQuirks
		opts     DiscoveryOptions
		want     Discovery
		requests []string
	}{
		{"unknown extension reads /Schemas", entQuirks{}, DiscoveryOptions{},
			Discovery{ResourceTypes: allTypes, Types: []EntitlementType{roleType, entType},
				Schemas: []ExtensionSchema{{ID: extRoleLevel, Attributes: []string{"level", "tier"}}}},
			[]string{"/ResourceTypes", "/Schemas", "/Roles?startIndex=1&count=100", "/Entitlements?startIndex=1&count=100"}},
		{"known extensions only: no /Schemas", entQuirks{}, DiscoveryOptions{KnownExtensions: []string{SchemaEnterpriseUser, extRoleLevel}},
			Discovery{ResourceTypes: allTypes, Types: []EntitlementType{roleType, entType}},
			[]string{"/ResourceTypes", "/Roles?startIndex=1&count=100", "/Entitlements?startIndex=1&count=100"}},
		{"no unknown extension: no /Schemas", entQuirks{roleNoExtension: true}, DiscoveryOptions{},
			Discovery{ResourceTypes: allTypes, Types: []EntitlementType{func() EntitlementType { r := roleType; r.Extensions = nil; return r }(), entType}},
			[]string{"/ResourceTypes", "/Roles?startIndex=1&count=100", "/Entitlements?startIndex=1&count=100"}},
		{"schemas never", entQuirks{}, DiscoveryOptions{Schemas: SchemasNever},
			Discovery{ResourceTypes: allTypes, Types: []EntitlementType{roleType, entType}},
			[]string{"/ResourceTypes", "/Roles?startIndex=1&count=100", "/Entitlements?startIndex=1&count=100"}},
		{"schemas always", entQuirks{roleNoExtension: true}, DiscoveryOptions{Schemas: SchemasAlways},
			Discovery{ResourceTypes: allTypes, Types: []EntitlementType{func() EntitlementType { r := roleType; r.Extensions = nil; return r }(), entType},
				Schemas: []ExtensionSchema{}},
			[]string{"/ResourceTypes", "/Schemas", "/Roles?startIndex=1&count=100", "/Entitlements?startIndex=1&count=100"}},
		{"only the configured schema URNs", entQuirks{}, DiscoveryOptions{EntitlementSchemas: []string{strings.ToUpper(SchemaOktaEntitlement)}},
			Discovery{ResourceTypes: allTypes, Types: []EntitlementType{entType}},
			[]string{"/ResourceTypes", "/Entitlements?startIndex=1&count=100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newEntHarness(t, Config{}, &entFake{q: tt.q, nEnt: 2})
			d, err := h.p.DiscoverEntitlements(context.Background(), tt.opts)
			must(t, err)
			if !reflect.DeepEqual(*d, tt.want) {
				t.Errorf("discovery\n got %+v\nwant %+v", *d, tt.want)
			}
			var reqs []string
			for _, ex := range h.rec.Exchanges() {
				if ex.Method != http.MethodGet {
					t.Errorf("%s %s: discovery only reads", ex.Method, ex.URL)
				}
				reqs = append(reqs, strings.TrimPrefix(ex.URL, h.url+"/scim/v2"))
			}
			if !reflect.DeepEqual(reqs, tt.requests) {
				t.Errorf("requests\n got %q\nwant %q", reqs, tt.requests)
			}
		})
	}
}

// TestDiscoveryJudgement checks that the discovery fails where Okta would,
// with the step, sentinel and admin message Okta's would carry.
func TestDiscoveryJudgement(t *testing.T) {
	tests := []struct {
		name   string
		q      entQuirks
		step   string
		status int
		want   error
		reason string // substring of the admin message
		types  int    // entitlement types in the partial discovery
	}{
		{"ResourceTypes is a bare array", entQuirks{rtBareArray: true}, "resource types", 200, ErrShape, "returned a JSON array, not a ListResponse", 0},
		{"ResourceTypes answers 404", entQuirks{rtMissing: true}, "resource types", 404, ErrStatus, "does not serve /ResourceTypes", 0},
		{"ResourceTypes counters are strings", entQuirks{rtStringCounters: true}, "resource types", 200, ErrShape, `totalResults is "4", not a JSON integer`, 0},
		{"ResourceTypes is an HTML page", entQuirks{rtHTML: true}, "resource types", 502, ErrStatus, "Invalid JSON: Unrecognized token '<'", 0},
		{"entitlement type without endpoint", entQuirks{roleNoEndpoint: true}, "resource types", 200, ErrShape, `resource type "Role" (` + SchemaOktaRole + `) has no endpoint`, 0},
		{"entitlement endpoint is a URL", entQuirks{roleURLEndpoint: true}, "resource types", 200, ErrShape, "not a path relative to the base URL", 0},
		{"extension missing from Schemas", entQuirks{schemasMissingExt: true}, "schemas", 200, ErrShape, extRoleLevel + " is advertised in /ResourceTypes but missing from /Schemas", 0},
		{"advertised endpoint answers 404", entQuirks{entitlements404: true}, "page 1", 404, ErrStatus, `advertises endpoint /Entitlements, which does not exist`, 2},
		{"entitlement page counters are strings", entQuirks{pageStringCounter: true}, "page 1", 200, ErrShape, `totalResults is "2", not a JSON integer`, 2},
		{"entitlement without id", entQuirks{entitlementNoID: true}, "page 1", 200, ErrShape, "an entitlement has no id", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newEntHarness(t, Config{App: "Acme"}, &entFake{q: tt.q, nEnt: 2})
			d, err := h.p.DiscoverEntitlements(context.Background(), DiscoveryOptions{})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *okta.Error", err)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if e.Flow != discoverFlow || e.Step != tt.step || e.Status != tt.status || e.Method != http.MethodGet {
				t.Errorf("flow/step/status/method = %q/%q/%d/%s, want %q/%q/%d/GET", e.Flow, e.Step, e.Status, e.Method, discoverFlow, tt.step, tt.status)
			}
			if !strings.HasPrefix(e.AdminMessage(), "Okta would report: ") || !strings.Contains(e.AdminMessage(), tt.reason) {
				t.Errorf("admin message %q does not contain %q", e.AdminMessage(), tt.reason)
			}
			if d == nil || len(d.Types) != tt.types {
				t.Errorf("partial discovery %+v, want %d types", d, tt.types)
			}
		})
	}
}

func TestDiscoveryRejectsUnknownSchemasCall(t *testing.T) {
	h := newEntHarness(t, Config{}, &entFake{})
	if _, err := h.p.DiscoverEntitlements(context.Background(), DiscoveryOptions{Schemas: "sometimes"}); err == nil || !strings.Contains(err.Error(), "sometimes") {
		t.Errorf("err = %v, want a refusal naming the value", err)
	}
	if n := len(h.rec.Exchanges()); n != 0 {
		t.Errorf("%d requests sent for a refused option", n)
	}
}

// TestDiscoveryAgainstReference: the reference provider advertises only
// User and Group with the enterprise extension, so the discovery reads
// /ResourceTypes alone and ends with nothing discovered.
func TestDiscoveryAgainstReference(t *testing.T) {
	for _, cfg := range []Config{{}, {Headers: HeadersRunscope}} {
		t.Run(string(cfg.Headers), func(t *testing.T) {
			rec := &simulator.Recorder{}
			c := startReference(t, func(o simulator.Options) simulator.Options { o.Hook = rec.Hook(); return o })
			p, err := New(c, cfg)
			must(t, err)
			d, err := p.DiscoverEntitlements(context.Background(), DiscoveryOptions{})
			must(t, err)
			if len(d.Types) != 0 || d.Schemas != nil {
				t.Errorf("discovered %+v from a target without entitlement types", d)
			}
			if !containsFold(d.ResourceTypes, "User") || !containsFold(d.ResourceTypes, "Group") {
				t.Errorf("resource types %q, want User and Group", d.ResourceTypes)
			}
			exs := rec.Exchanges()
			if len(exs) != 1 || !strings.HasSuffix(exs[0].URL, "/ResourceTypes") || exs[0].Status != 200 {
				t.Errorf("exchanges %+v, want one GET /ResourceTypes answered 200", exs)
			}
		})
	}
}

// TestDiscoveryUpperCaseNames: a server may answer upper-case attribute
// names (RFC 7643, Section 2.1; "SCHEMAEXTENSIONS", "DISPLAYNAME"), and the
// discovery must find the same types, values and schemas.
func TestDiscoveryUpperCaseNames(t *testing.T) {
	ctx := context.Background()
	plain, err := newEntHarness(t, Config{}, &entFake{nEnt: 120}).p.DiscoverEntitlements(ctx, DiscoveryOptions{})
	must(t, err)
	upper, err := newEntHarness(t, Config{}, scimjsontest.New(&entFake{nEnt: 120})).p.DiscoverEntitlements(ctx, DiscoveryOptions{})
	must(t, err)
	if len(plain.Types) != 2 || len(plain.Types[1].Values) != 120 || len(plain.Schemas) != 1 {
		t.Fatalf("plain discovery %+v", plain)
	}
	if !reflect.DeepEqual(upper, plain) {
		t.Errorf("upper-case names\n got %+v\nwant %+v", upper, plain)
	}
}

// FuzzResourceTypes feeds arbitrary /ResourceTypes bodies to the
// discovery: it must return a discovery and either no error or an *Error,
// never panic, and never page an endpoint that is not a relative path.
func FuzzResourceTypes(f *testing.F) {
	for _, s := range []string{
		`{"totalResults":1,"Resources":[{"name":"Role","schema":"urn:okta:scim:schemas:core:1.0:Role","endpoint":"/Roles"}]}`,
		`{"totalResults":1,"Resources":[{"schema":"urn:okta:scim:schemas:core:1.0:Role","endpoint":"http://x/y"}]}`,
		`{"totalResults":1,"Resources":[{"schema":"urn:okta:scim:schemas:core:1.0:Entitlement","schemaExtensions":[{"schema":"urn:x"}]}]}`,
		`[]`, `null`, ``, `<html>`, `{"totalResults":"1"}`, `{"Resources":[1,"a",null]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		paths := make(chan string, 64)
		h := newEntHarness(t, Config{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Only the discovery's own GET /ResourceTypes gets the body: an
			// endpoint fuzzed into "/ResourceTypes" is paged with a query
			// and must not loop over a huge fuzzed totalResults.
			if r.URL.Path == "/scim/v2/ResourceTypes" && r.URL.RawQuery == "" {
				fmt.Fprint(w, body)
				return
			}
			select {
			case paths <- r.URL.Path:
			default:
			}
			entList(w, nil, 1, 0, false)
		}))
		d, err := h.p.DiscoverEntitlements(context.Background(), DiscoveryOptions{})
		if d == nil {
			t.Fatalf("nil discovery (err %v)", err)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
		}
		close(paths)
		for p := range paths {
			if !strings.HasPrefix(p, "/scim/v2/") {
				t.Errorf("requested %q outside the base URL", p)
			}
		}
	})
}
