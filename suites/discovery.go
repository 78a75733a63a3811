package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/simulator"
)

// Discovery specs: /ServiceProviderConfig (RFC 7643 §5), /ResourceTypes
// (§6), /Schemas (§7) and the rules of RFC 7644 §4 for these endpoints.

// attrNamePattern is ATTRNAME of RFC 7643 §2.1.
var attrNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9$_-]*$`)

// schemaAttrs calls fn for every attribute and sub-attribute declared in
// /Schemas, with a path for messages and whether it is a sub-attribute.
func schemaAttrs(schemas gjson.Result, fn func(path string, attr gjson.Result, sub bool)) {
	for _, s := range field(schemas, "Resources").Array() {
		id := field(s, "id").String()
		for _, attr := range field(s, "attributes").Array() {
			p := id + ":" + field(attr, "name").String()
			fn(p, attr, false)
			for _, sa := range field(attr, "subAttributes").Array() {
				fn(p+"."+field(sa, "name").String(), sa, true)
			}
		}
	}
}

// urnEscape percent-encodes the colons of a URN for a path segment.
func urnEscape(urn string) string { return strings.ReplaceAll(url.PathEscape(urn), ":", "%3A") }

var _ = Describe("Discovery: /ServiceProviderConfig", func() {
	var (
		a   *api
		spc *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		spc = a.get(ctx, "/ServiceProviderConfig", nil)
	})

	It("returns the configuration as a single object with the ServiceProviderConfig schema", Meta(AreaDiscovery, MUST, Req("P-4-01")), func() {
		spc.expectStatus("P-4-01", http.StatusOK)
		spc.expect("P-4-01", spc.JSON().IsObject() && !hasString(spc.F("schemas"), URNListResponse), "",
			"a JSON object, not a ListResponse", "body is "+jsonKind(spc.JSON()))
		spc.expect("P-4-01", hasString(spc.F("schemas"), URNSPC), "schemas",
			fmt.Sprintf("schemas containing %q", URNSPC), "schemas = "+fragment(spc.F("schemas")))
	})

	DescribeTable("declares each feature's supported flag as a JSON boolean",
		func(id, feature string) {
			v := spc.F(feature + ".supported")
			spc.expect(id, isJSONBool(v), feature+".supported", feature+".supported as true or false", fragment(v))
		},
		Entry("patch", Meta(AreaDiscovery, MUST, Req("S-5-01")), "S-5-01", "patch"),
		Entry("bulk", Meta(AreaDiscovery, MUST, Req("S-5-02")), "S-5-02", "bulk"),
		Entry("filter", Meta(AreaDiscovery, MUST, Req("S-5-03")), "S-5-03", "filter"),
		Entry("changePassword", Meta(AreaDiscovery, MUST, Req("S-5-04")), "S-5-04", "changePassword"),
		Entry("sort", Meta(AreaDiscovery, MUST, Req("S-5-05")), "S-5-05", "sort"),
		Entry("etag", Meta(AreaDiscovery, MUST, Req("S-5-06")), "S-5-06", "etag"),
	)

	It("gives bulk limits as integers when bulk is supported", Meta(AreaDiscovery, MUST, Req("S-5-02", "S-2.3.4-01")), func() {
		if !spc.F("bulk.supported").Bool() {
			// RFC 7643 §5 marks the limits REQUIRED, but a provider without
			// bulk has nothing to limit; accept their absence then.
			Skip("bulk.supported is false: the limits carry no meaning")
		}
		for _, k := range []string{"bulk.maxOperations", "bulk.maxPayloadSize"} {
			spc.expect("S-5-02", isJSONInteger(spc.F(k)), k, k+" as a JSON integer", fragment(spc.F(k)))
		}
	})

	It("gives filter.maxResults as an integer when filtering is supported", Meta(AreaDiscovery, MUST, Req("S-5-03", "S-2.3.4-01")), func() {
		if !spc.F("filter.supported").Bool() {
			Skip("filter.supported is false: maxResults carries no meaning")
		}
		spc.expect("S-5-03", isJSONInteger(spc.F("filter.maxResults")), "filter.maxResults", "filter.maxResults as a JSON integer", fragment(spc.F("filter.maxResults")))
	})

	It("lists authentication schemes with a name and a description", Meta(AreaDiscovery, MUST, Req("S-5-07")), func() {
		schemes := spc.F("authenticationSchemes")
		spc.expect("S-5-07", schemes.IsArray() && len(schemes.Array()) > 0, "authenticationSchemes", "a non-empty array", fragment(schemes))
		for i, s := range schemes.Array() {
			for _, k := range []string{"name", "description"} {
				spc.expect("S-5-07", isJSONString(field(s, k)) && field(s, k).String() != "", fmt.Sprintf("authenticationSchemes.%d", i),
					fmt.Sprintf("authenticationSchemes[%d].%s as a non-empty string", i, k), fragment(s))
			}
		}
	})

	It("uses the defined authentication scheme types", Meta(AreaDiscovery, SHOULD, Req("S-5-07")), func() {
		known := map[string]bool{"oauth": true, "oauth2": true, "oauthbearertoken": true, "httpbasic": true, "httpdigest": true}
		for i, s := range spc.F("authenticationSchemes").Array() {
			// Errata 7921/8011: the schema of §8.7.2 omits "type", so a
			// missing type is accepted; a present one must be a known keyword.
			if t := field(s, "type"); t.Exists() {
				spc.expect("S-5-07", known[strings.ToLower(t.String())], fmt.Sprintf("authenticationSchemes.%d.type", i),
					"one of oauth, oauth2, oauthbearertoken, httpbasic, httpdigest", fragment(t))
			}
		}
	})

	It("can be read without authentication", Meta(AreaDiscovery, SHOULD, Req("S-5-08")), func(ctx SpecContext) {
		r := a.withAuth(simulator.NoAuth).get(ctx, "/ServiceProviderConfig", nil)
		r.expectStatus("S-5-08", http.StatusOK)
	})

	It("carries schemas and meta like every resource", Meta(AreaDiscovery, SHOULD, Req("S-7-01")), func() {
		spc.expect("S-7-01", spc.F("meta").IsObject(), "meta", "a meta object (errata 8417)", fragment(spc.F("meta")))
	})

	DescribeTable("is read-only",
		func(ctx SpecContext, method string) {
			var body any
			switch method {
			case http.MethodPut, http.MethodPost:
				body = spc.JSON().Value()
			case http.MethodPatch:
				body = map[string]any{"schemas": []string{URNPatchOp}, "Operations": []any{map[string]any{"op": "replace", "path": "patch.supported", "value": !spc.F("patch.supported").Bool()}}}
			}
			r := a.send(ctx, method, "/ServiceProviderConfig", body)
			r.expect("S-5-09", r.Status >= 400 && r.Status < 500 || r.Status == http.StatusNotImplemented, "",
				"a 4xx or 501 refusal", fmt.Sprintf("status %d", r.Status))
			after := a.get(ctx, "/ServiceProviderConfig", nil)
			// Values, not JSON text: a target may order keys differently on
			// every answer (RFC 8259 §4: objects are unordered). sameAttr
			// also counts an attribute absent both times as unchanged.
			after.expect("S-5-09", sameAttr(after.F("patch.supported"), spc.F("patch.supported")) && sameAttr(after.F("bulk"), spc.F("bulk")),
				"", "the configuration unchanged", "it changed: "+fragment(after.JSON()))
		},
		Entry("PUT", Meta(AreaDiscovery, MUST, Req("S-5-09")), http.MethodPut),
		Entry("PATCH", Meta(AreaDiscovery, MUST, Req("S-5-09")), http.MethodPatch),
		Entry("POST", Meta(AreaDiscovery, MUST, Req("S-5-09")), http.MethodPost),
		Entry("DELETE", Meta(AreaDiscovery, MUST, Req("S-5-09")), http.MethodDelete),
	)
})

// itIgnoresListQueries registers the specs /ResourceTypes and /Schemas
// share: both ignore paging, sorting and filtering (RFC 7644 §4), and
// should refuse a filter with 403 rather than ignore it. list gives the
// spec's api and the plain listing its BeforeEach read; noun names the
// listed things in failure messages.
func itIgnoresListQueries(endpoint, noun string, list func() (*api, *reply)) {
	It("ignores paging and sorting parameters", Meta(AreaDiscovery, MUST, Req("P-4-06")), func(ctx SpecContext) {
		a, all := list()
		paged := a.get(ctx, endpoint, url.Values{"startIndex": {"2"}, "count": {"1"}, "sortBy": {"name"}})
		paged.expectStatus("P-4-06", http.StatusOK)
		paged.expect("P-4-06", len(paged.F("Resources").Array()) == len(all.F("Resources").Array()), "Resources",
			fmt.Sprintf("all %d %s", len(all.F("Resources").Array()), noun), fmt.Sprintf("%d", len(paged.F("Resources").Array())))
	})

	It("never answers a filter with a filtered subset", Meta(AreaDiscovery, MUST, Req("P-4-06")), func(ctx SpecContext) {
		a, all := list()
		r := a.get(ctx, endpoint, url.Values{"filter": {`name eq "User"`}})
		if r.Status != http.StatusOK {
			return // refusing the filter is what P-4-07 asks for
		}
		r.expect("P-4-06", len(r.F("Resources").Array()) == len(all.F("Resources").Array()), "Resources",
			"the full list (filters are ignored on "+endpoint+") or 403", fmt.Sprintf("%d of %d %s", len(r.F("Resources").Array()), len(all.F("Resources").Array()), noun))
	})

	It("answers a filter with 403", Meta(AreaDiscovery, SHOULD, Req("P-4-07")), func(ctx SpecContext) {
		a, _ := list()
		a.get(ctx, endpoint, url.Values{"filter": {`name eq "User"`}}).expectStatus("P-4-07", http.StatusForbidden)
	})
}

var _ = Describe("Discovery: /ResourceTypes", func() {
	var (
		a  *api
		rt *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		rt = a.get(ctx, "/ResourceTypes", nil)
	})

	It("returns a ListResponse whose totalResults counts its Resources", Meta(AreaDiscovery, MUST, Req("P-4-02")), func() {
		rt.expectStatus("P-4-02", http.StatusOK)
		rt.expectListResponse("P-4-02")
		res := rt.F("Resources")
		rt.expect("P-4-02", res.IsArray() && int64(len(res.Array())) == rt.F("totalResults").Int(), "",
			"totalResults equal to the number of Resources", fmt.Sprintf("totalResults %s, %d Resources", rt.F("totalResults").Raw, len(res.Array())))
	})

	It("describes each type with name, endpoint, schema and the ResourceType schema", Meta(AreaDiscovery, MUST, Req("S-6-01")), func() {
		for i, r := range rt.F("Resources").Array() {
			for _, k := range []string{"name", "endpoint", "schema"} {
				rt.expect("S-6-01", field(r, k).String() != "", fmt.Sprintf("Resources.%d", i), fmt.Sprintf("Resources[%d].%s present", i, k), fragment(r))
			}
			rt.expect("S-6-01", hasString(field(r, "schemas"), URNResourceType), fmt.Sprintf("Resources.%d.schemas", i),
				"schemas containing "+URNResourceType, fragment(field(r, "schemas")))
		}
	})

	It("names schemas that /Schemas publishes", Meta(AreaDiscovery, MUST, Req("S-6-02", "S-6-03")), func(ctx SpecContext) {
		ids := map[string]bool{}
		for _, s := range field(a.d.Schemas, "Resources").Array() {
			ids[strings.ToLower(field(s, "id").String())] = true
		}
		for i, r := range rt.F("Resources").Array() {
			s := field(r, "schema").String()
			rt.expect("S-6-02", ids[strings.ToLower(s)], fmt.Sprintf("Resources.%d.schema", i), "a schema id published under /Schemas", s)
			ext := field(r, "schemaExtensions")
			if !ext.Exists() {
				continue
			}
			rt.expect("S-6-03", ext.IsArray(), fmt.Sprintf("Resources.%d.schemaExtensions", i), "schemaExtensions as an array (errata 7522)", fragment(ext))
			for _, e := range ext.Array() {
				rt.expect("S-6-03", ids[strings.ToLower(field(e, "schema").String())], fmt.Sprintf("Resources.%d.schemaExtensions", i), "each extension schema published under /Schemas", fragment(e))
				rt.expect("S-6-03", isJSONBool(field(e, "required")), fmt.Sprintf("Resources.%d.schemaExtensions", i), "each extension with a boolean required", fragment(e))
			}
		}
	})

	It("returns each type at /ResourceTypes/{id} as a plain object", Meta(AreaDiscovery, MUST, Req("P-4-03")), func(ctx SpecContext) {
		for _, r := range rt.F("Resources").Array() {
			id := field(r, "id").String()
			if id == "" {
				id = field(r, "name").String()
			}
			one := a.get(ctx, "/ResourceTypes/"+url.PathEscape(id), nil)
			one.expectStatus("P-4-03", http.StatusOK)
			one.expect("P-4-03", !hasString(one.F("schemas"), URNListResponse) && strings.EqualFold(one.F("name").String(), field(r, "name").String()), "",
				"the same ResourceType as a plain object", fragment(one.JSON()))
		}
	})

	It("gives endpoints that answer queries", Meta(AreaDiscovery, MUST, Req("S-6-04")), func(ctx SpecContext) {
		for _, r := range rt.F("Resources").Array() {
			q := a.get(ctx, field(r, "endpoint").String(), url.Values{"count": {"1"}})
			if q.Status == http.StatusBadRequest && q.F("scimType").String() == "tooMany" {
				continue
			}
			q.expectStatus("S-6-04", http.StatusOK)
			q.expectListResponse("S-6-04")
		}
	})

	It("serves the core User and Group types at /Users and /Groups", Meta(AreaDiscovery, SHOULD, Req("S-6-07")), func() {
		want := map[string]string{URNUser: "/Users", URNGroup: "/Groups"}
		for _, r := range rt.F("Resources").Array() {
			if ep, ok := want[field(r, "schema").String()]; ok {
				rt.expect("S-6-07", field(r, "endpoint").String() == ep, "", "endpoint "+ep+" for "+field(r, "schema").String(), fragment(r))
			}
		}
	})

	It("carries meta on each ResourceType", Meta(AreaDiscovery, SHOULD, Req("S-7-01")), func() {
		for i, r := range rt.F("Resources").Array() {
			rt.expect("S-7-01", field(r, "meta").IsObject(), fmt.Sprintf("Resources.%d", i), "a meta object (errata 8417)", fragment(r))
		}
	})

	itIgnoresListQueries("/ResourceTypes", "resource types", func() (*api, *reply) { return a, rt })
})

var _ = Describe("Discovery: /Schemas", func() {
	var (
		a  *api
		sc *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		sc = a.get(ctx, "/Schemas", nil)
	})

	It("returns a ListResponse with every schema the resource types use", Meta(AreaDiscovery, MUST, Req("P-4-04")), func() {
		sc.expectStatus("P-4-04", http.StatusOK)
		sc.expectListResponse("P-4-04")
		ids := map[string]bool{}
		for _, s := range sc.F("Resources").Array() {
			ids[strings.ToLower(field(s, "id").String())] = true
		}
		for _, r := range field(a.d.ResourceTypes, "Resources").Array() {
			want := []string{field(r, "schema").String()}
			for _, e := range field(r, "schemaExtensions").Array() {
				want = append(want, field(e, "schema").String())
			}
			for _, w := range want {
				sc.expect("P-4-04", ids[strings.ToLower(w)], "", "a schema with id "+w, "not listed")
			}
		}
	})

	It("describes each schema with id, attributes and the Schema schema", Meta(AreaDiscovery, MUST, Req("S-7-01")), func() {
		for i, s := range sc.F("Resources").Array() {
			p := fmt.Sprintf("Resources.%d", i)
			sc.expect("S-7-01", field(s, "id").String() != "" && field(s, "attributes").IsArray(), p, "id and an attributes array", fragment(s))
			sc.expect("S-7-01", hasString(field(s, "schemas"), URNSchema), p+".schemas", "schemas containing "+URNSchema, fragment(field(s, "schemas")))
		}
	})

	It("carries meta on each schema", Meta(AreaDiscovery, SHOULD, Req("S-7-01")), func() {
		for i, s := range sc.F("Resources").Array() {
			sc.expect("S-7-01", field(s, "meta").IsObject(), fmt.Sprintf("Resources.%d.meta", i), "a meta object", fragment(field(s, "meta")))
		}
	})

	It("does not publish protocol message schemas", Meta(AreaDiscovery, MUST, Req("P-3.1-02")), func() {
		for _, s := range sc.F("Resources").Array() {
			id := field(s, "id").String()
			sc.expect("P-3.1-02", !strings.HasPrefix(strings.ToLower(id), "urn:ietf:params:scim:api:"), "", "no urn:ietf:params:scim:api: schema", id)
		}
	})

	DescribeTable("returns each schema at /Schemas/{id}",
		func(ctx SpecContext, encode bool) {
			for _, s := range sc.F("Resources").Array() {
				id := field(s, "id").String()
				p := "/Schemas/" + id
				if encode {
					p = strings.TrimRight(a.c.BaseURL(), "/") + "/Schemas/" + urnEscape(id)
				}
				one := a.get(ctx, p, nil)
				one.expectStatus("P-4-05", http.StatusOK)
				one.expect("P-4-05", strings.EqualFold(one.F("id").String(), id) && !hasString(one.F("schemas"), URNListResponse), "id", "a plain object with id "+id, fragment(one.F("id")))
			}
		},
		Entry("with the URN as is", Meta(AreaDiscovery, MUST, Req("P-4-05")), false),
		Entry("with the URN percent-encoded", Meta(AreaDiscovery, MUST, Req("P-4-05")), true),
	)

	itIgnoresListQueries("/Schemas", "schemas", func() (*api, *reply) { return a, sc })

	It("declares attributes with valid types and characteristics", Meta(AreaDiscovery, MUST, Req("S-7-02")), func() {
		sets := map[string]map[string]bool{
			"type":       {"string": true, "boolean": true, "decimal": true, "integer": true, "datetime": true, "reference": true, "complex": true, "binary": true},
			"mutability": {"readonly": true, "readwrite": true, "immutable": true, "writeonly": true},
			"returned":   {"always": true, "never": true, "default": true, "request": true},
			"uniqueness": {"none": true, "server": true, "global": true},
		}
		schemaAttrs(sc.JSON(), func(p string, attr gjson.Result, _ bool) {
			sc.expect("S-7-02", field(attr, "name").String() != "" && isJSONBool(field(attr, "multiValued")), "", p+": name and a boolean multiValued", fragment(attr))
			for k, allowed := range sets {
				v := field(attr, k)
				// RFC 7643 §2.2 gives defaults for omitted characteristics;
				// only "type" is needed to interpret the attribute.
				if !v.Exists() && k != "type" {
					continue
				}
				sc.expect("S-7-02", allowed[strings.ToLower(v.String())], "", fmt.Sprintf("%s: %s from the RFC 7643 §7 set", p, k), fragment(v))
			}
		})
	})

	It("lists the sub-attributes of complex attributes", Meta(AreaDiscovery, SHOULD, Req("S-7-03")), func() {
		schemaAttrs(sc.JSON(), func(p string, attr gjson.Result, _ bool) {
			if strings.EqualFold(field(attr, "type").String(), "complex") {
				sc.expect("S-7-03", len(field(attr, "subAttributes").Array()) > 0, "", p+": non-empty subAttributes", fragment(attr))
			}
		})
	})

	It("nests complex attributes one level only", Meta(AreaDiscovery, MUST, Req("S-7-04")), func() {
		schemaAttrs(sc.JSON(), func(p string, attr gjson.Result, sub bool) {
			// The Schema meta-schema itself describes subAttributes with
			// complex sub-attributes; it is exempt.
			if sub && !strings.HasPrefix(p, URNSchema) {
				sc.expect("S-7-04", !strings.EqualFold(field(attr, "type").String(), "complex"), "", p+": a non-complex sub-attribute", fragment(attr))
			}
		})
	})

	It("gives reference attributes an array of referenceTypes", Meta(AreaDiscovery, MUST, Req("S-7-05")), func() {
		schemaAttrs(sc.JSON(), func(p string, attr gjson.Result, _ bool) {
			if strings.EqualFold(field(attr, "type").String(), "reference") {
				rt := field(attr, "referenceTypes")
				sc.expect("S-7-05", rt.IsArray() && len(rt.Array()) > 0, "", p+": a non-empty referenceTypes array (errata 5607)", fragment(rt))
			}
		})
	})

	It("uses attribute names of the ATTRNAME grammar", Meta(AreaDiscovery, MUST, Req("S-2.1-01")), func() {
		schemaAttrs(sc.JSON(), func(p string, attr gjson.Result, _ bool) {
			name := field(attr, "name").String()
			sc.expect("S-2.1-01", name == "$ref" || attrNamePattern.MatchString(name), "", p+": ALPHA *(ALPHA / DIGIT / \"$\" / \"-\" / \"_\")", fmt.Sprintf("%q", name))
		})
	})

	It("marks Group displayName as required", Meta(AreaDiscovery, SHOULD, Req("E-5368"), Needs(CapGroups)), func() {
		found := false
		schemaAttrs(sc.JSON(), func(p string, attr gjson.Result, sub bool) {
			if !sub && strings.EqualFold(p, URNGroup+":displayName") {
				found = true
				sc.expect("E-5368", field(attr, "required").Bool(), "", "required: true (errata 5368)", fragment(attr))
			}
		})
		sc.expect("E-5368", found, "", "the Group schema declaring displayName", "not declared")
	})

	It("declares the core User attributes as RFC 7643 §8.7.1 does", Meta(AreaDiscovery, SHOULD, Req("S-8.7-01")), func() {
		want := map[string]map[string]string{
			URNUser + ":userName": {"required": "true", "uniqueness": "server"},
			URNUser + ":password": {"returned": "never", "mutability": "writeonly"},
			URNUser + ":groups":   {"mutability": "readonly"},
			URNUser + ":active":   {"type": "boolean"},
		}
		schemaAttrs(sc.JSON(), func(p string, attr gjson.Result, sub bool) {
			for k, v := range want[p] {
				sc.expect("S-8.7-01", strings.EqualFold(field(attr, k).String(), v), "", fmt.Sprintf("%s: %s %s", p, k, v), fragment(attr))
			}
		})
	})
})
