package suites

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"
)

// Specs that hold resources against the target's own /Schemas and
// /ResourceTypes (RFC 7643 §2.3, §3.1, §6, §7): the published schema must
// describe what the provider really does.

// declaredAttr finds the top-level attribute name of schema urn in /Schemas.
func declaredAttr(d *Discovery, urn, name string) (gjson.Result, bool) {
	for _, s := range field(d.Schemas, "Resources").Array() {
		if !strings.EqualFold(field(s, "id").String(), urn) {
			continue
		}
		for _, attr := range field(s, "attributes").Array() {
			if strings.EqualFold(field(attr, "name").String(), name) {
				return attr, true
			}
		}
	}
	return gjson.Result{}, false
}

// matchesType reports whether v has the JSON shape of the SCIM type t
// (RFC 7643 §2.3); single values of multi-valued attributes are checked by
// the caller.
func matchesType(v gjson.Result, t string) bool {
	switch strings.ToLower(t) {
	case "string", "reference", "datetime", "binary":
		return v.Type == gjson.String
	case "boolean":
		return isJSONBool(v)
	case "integer":
		return isJSONInteger(v)
	case "decimal":
		return v.Type == gjson.Number
	case "complex":
		return v.IsObject()
	default:
		return true // an unknown type is reported by the /Schemas specs
	}
}

// commonAttrs are the RFC 7643 §3.1 attributes every resource has; schemas
// need not declare them.
var commonAttrs = map[string]bool{"id": true, "externalid": true, "meta": true, "schemas": true}

// selfSignedDER returns the DER bytes of a fresh self-signed certificate.
func selfSignedDER() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "scimtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	return der, nil
}

// countryCode is an ISO 3166-1 alpha-2 code.
var countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

var _ = Describe("Users: schema conformance", func() {
	var (
		a   *api
		got *reply
	)
	BeforeEach(func(ctx SpecContext) {
		a = newAPI()
		id, _ := a.createUser(ctx, a.user())
		got = a.readBack(ctx, a.userPath(id))
	})

	It("returns every declared attribute with the JSON type of its declaration", Meta(AreaUsers, MUST, Req("S-7-06", "S-2.3-01")), func() {
		got.JSON().ForEach(func(k, v gjson.Result) bool {
			attr, ok := declaredAttr(a.d, URNUser, k.String())
			if !ok {
				return true
			}
			typ := field(attr, "type").String()
			if typ == "" {
				typ = "string" // RFC 7643 §2.2 default
			}
			values := []gjson.Result{v}
			if field(attr, "multiValued").Bool() {
				got.expect("S-7-06", v.IsArray(), k.String(), k.String()+" as an array (multiValued)", fragment(v))
				values = v.Array()
			}
			for _, one := range values {
				got.expect("S-2.3-01", matchesType(one, typ), k.String(), fmt.Sprintf("%s values of type %s", k.String(), typ), fragment(one))
			}
			return true
		})
	})

	It("returns only attributes its schemas declare", Meta(AreaUsers, SHOULD, Req("S-7-06")), func() {
		got.JSON().ForEach(func(k, v gjson.Result) bool {
			name := k.String()
			if commonAttrs[strings.ToLower(name)] || strings.HasPrefix(strings.ToLower(name), "urn:") {
				return true
			}
			_, ok := declaredAttr(a.d, URNUser, name)
			got.expect("S-7-06", ok, name, name+" declared in the User schema", "undeclared")
			return true
		})
	})

	It("uses two-letter country codes in addresses", Meta(AreaUsers, MUST, Req("S-4.1.2-04")), func() {
		for _, addr := range got.F("addresses").Array() {
			if c := field(addr, "country"); c.Exists() {
				got.expect("S-4.1.2-04", countryCode.MatchString(c.String()), "addresses", "an ISO 3166-1 alpha-2 country", fragment(c))
			}
		}
	})

	It("declares the common attributes with their fixed characteristics", Meta(AreaDiscovery, MUST, Req("S-3.1-01")), func() {
		want := map[string]map[string]string{
			"id":         {"caseExact": "true", "mutability": "readOnly", "returned": "always"},
			"externalId": {"caseExact": "true", "mutability": "readWrite"},
			"meta":       {"mutability": "readOnly"},
		}
		for name, chars := range want {
			attr, ok := declaredAttr(a.d, URNUser, name)
			if !ok {
				continue // schemas need not list the common attributes
			}
			for k, v := range chars {
				got.expect("S-3.1-01", strings.EqualFold(field(attr, k).String(), v), "", fmt.Sprintf("%s %s %s in /Schemas", name, k, v), fragment(attr))
			}
		}
	})
})

var _ = Describe("Users: binary values", func() {
	It("stores x509Certificates values as the base64 of the DER bytes", Meta(AreaUsers, MUST, Req("S-2.3.6-01")), func(ctx SpecContext) {
		a := newAPI()
		if _, ok := declaredAttr(a.d, URNUser, "x509Certificates"); !ok {
			Skip("the User schema declares no x509Certificates")
		}
		der, err := selfSignedDER()
		if err != nil {
			failNow(fmt.Sprintf("%scertificate: %v", preconditionPrefix, err))
		}
		u := a.minimalUser()
		u["x509Certificates"] = []any{map[string]any{"value": base64.StdEncoding.EncodeToString(der)}}
		_, r := a.createUser(ctx, u)
		got := a.readBack(ctx, a.userLocation(r))
		v := got.F("x509Certificates.0.value").String()
		back, err := base64.StdEncoding.DecodeString(v)
		got.expect("S-2.3.6-01", err == nil && string(back) == string(der), "x509Certificates", "the same certificate bytes in base64", fragment(got.F("x509Certificates")))
	})

	It("refuses a binary value that is not base64", Meta(AreaUsers, SHOULD, Req("S-2.3.6-01")), func(ctx SpecContext) {
		a := newAPI()
		if _, ok := declaredAttr(a.d, URNUser, "x509Certificates"); !ok {
			Skip("the User schema declares no x509Certificates")
		}
		u := a.minimalUser()
		u["x509Certificates"] = []any{map[string]any{"value": "not base64!"}}
		a.postUser(ctx, u).expectStatus("S-2.3.6-01", http.StatusBadRequest)
	})
})

var _ = Describe("Users: extensions", func() {
	It("accepts schemas listed in any order", Meta(AreaUsers, MUST, Req("S-3-04"), Needs(CapEnterprise)), func(ctx SpecContext) {
		a := newAPI()
		u := a.user()
		u["schemas"] = []string{URNEnterprise, URNUser}
		_, r := a.createUser(ctx, u)
		got := a.readBack(ctx, a.userLocation(r))
		got.expect("S-3-04", got.F(URNEnterprise).IsObject(), URNEnterprise, "the enterprise data stored", fragment(got.F(URNEnterprise)))
	})

	It("holds every required extension on every resource of the type", Meta(AreaUsers, MUST, Req("S-6-06")), func(ctx SpecContext) {
		a := newAPI()
		for _, rt := range field(a.d.ResourceTypes, "Resources").Array() {
			if field(rt, "schema").String() != URNUser {
				continue
			}
			for _, ext := range field(rt, "schemaExtensions").Array() {
				if !field(ext, "required").Bool() {
					continue
				}
				urn := field(ext, "schema").String()
				list := a.get(ctx, a.users(), url.Values{"count": {"50"}})
				for _, res := range list.F("Resources").Array() {
					list.expect("S-6-06", hasString(field(res, "schemas"), urn) && field(res, urn).IsObject(), "", "every user carrying the required extension "+urn, fragment(res))
				}
				u := a.minimalUser()
				a.postUser(ctx, u).expectStatus("S-6-06", http.StatusBadRequest)
			}
		}
	})
})

var _ = Describe("Discovery: advertised features", func() {
	// Each feature advertised as supported must not answer as unimplemented
	// (RFC 7643 §5): a cheap probe per flag; the feature's own area tests
	// its semantics.
	It("implements the features it advertises", Meta(AreaDiscovery, MUST, Req("S-5-11")), func(ctx SpecContext) {
		a := newAPI()
		id, created := a.createUser(ctx, a.minimalUser())
		probes := map[Capability]func() *reply{
			CapPatch: func() *reply {
				return a.send(ctx, http.MethodPatch, a.userPath(id), patchBody(map[string]any{"op": "replace", "path": "nickName", "value": "probe"}))
			},
			CapFilter: func() *reply {
				return a.get(ctx, a.users(), url.Values{"filter": {"userName eq " + quote(created.F("userName").String())}})
			},
			CapSort: func() *reply { return a.get(ctx, a.users(), url.Values{"sortBy": {"userName"}, "count": {"1"}}) },
			CapBulk: func() *reply {
				return a.send(ctx, http.MethodPost, "/Bulk", map[string]any{"schemas": []string{URNBulkRequest}, "Operations": []any{
					map[string]any{"method": "PATCH", "path": a.userPath(id), "data": patchBody(map[string]any{"op": "replace", "path": "nickName", "value": "bulk"})},
				}})
			},
		}
		for c, probe := range probes {
			if !a.d.Capabilities[c] {
				continue
			}
			r := probe()
			r.expect("S-5-11", r.Status != http.StatusNotImplemented && r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed && r.Status < 500, "",
				fmt.Sprintf("%s working (advertised %s.supported)", c, c), fmt.Sprintf("status %d", r.Status))
		}
		if a.d.Capabilities[CapETag] {
			got := a.get(ctx, a.userPath(id), nil)
			got.expect("S-5-11", got.Header.Get("ETag") != "", "", "an ETag header (advertised etag.supported)", "none")
		}
	})
})

var _ = Describe("Groups: membership queries", func() {
	It("finds a group by a member's id", Meta(AreaGroups, MUST, Req("S-4.2-06"), Needs(CapGroups, CapFilter)), func(ctx SpecContext) {
		a := newAPI()
		uid, _ := a.createUser(ctx, a.minimalUser())
		other, _ := a.createUser(ctx, a.minimalUser())
		g := a.group()
		g["members"] = []any{map[string]any{"value": uid}}
		gid, _ := a.createGroup(ctx, g)
		for _, f := range []string{"members.value eq " + quote(uid), "members[value eq " + quote(uid) + "]"} {
			r := a.get(ctx, a.groups(), url.Values{"filter": {f}})
			if r.Status == http.StatusBadRequest && strings.Contains(f, "[") {
				continue // value-path filters are optional (RFC 7644 §3.4.2.2 Table 5)
			}
			r.expectStatus("S-4.2-06", http.StatusOK)
			r.expect("S-4.2-06", idIn(r, gid), "Resources", "the group "+gid, fragment(r.F("Resources")))
		}
		r := a.get(ctx, a.groups(), url.Values{"filter": {"members.value eq " + quote(other)}})
		r.expect("S-4.2-06", !idIn(r, gid), "Resources", "not the group of another member", fragment(r.F("Resources")))
	})
})

// idIn reports whether a list response holds the resource id.
func idIn(r *reply, id string) bool {
	for _, res := range r.F("Resources").Array() {
		if field(res, "id").String() == id {
			return true
		}
	}
	return false
}

// declaredSubAttr finds the sub-attribute sub of the top-level attribute
// name of schema urn in /Schemas.
func declaredSubAttr(d *Discovery, urn, name, sub string) (gjson.Result, bool) {
	attr, ok := declaredAttr(d, urn, name)
	if !ok {
		return gjson.Result{}, false
	}
	for _, sa := range field(attr, "subAttributes").Array() {
		if strings.EqualFold(field(sa, "name").String(), sub) {
			return sa, true
		}
	}
	return gjson.Result{}, false
}

var _ = Describe("Users: canonical values", func() {
	It("stores a type outside canonicalValues as sent or refuses it with 400 invalidValue", Meta(AreaUsers, MAY, Req("S-7-15")), func(ctx SpecContext) {
		a := newAPI()
		typ, ok := declaredSubAttr(a.d, URNUser, "emails", "type")
		if !ok || len(field(typ, "canonicalValues").Array()) == 0 {
			Skip("/Schemas declares no canonicalValues for emails.type")
		}
		const nonsense = "nonsense"
		for _, v := range field(typ, "canonicalValues").Array() {
			if strings.EqualFold(v.String(), nonsense) {
				Skip(fmt.Sprintf("%q is one of the declared canonicalValues %s", nonsense, fragment(field(typ, "canonicalValues"))))
			}
		}
		u := a.minimalUser()
		addr := "canon-" + a.uniqueSuffix() + "-" + a.fx.RunID() + "@example.com"
		u["emails"] = []any{map[string]any{"value": addr, "type": nonsense}}
		r := a.postUser(ctx, u)
		if r.Status == http.StatusBadRequest {
			// RFC 7643 §7: the provider MAY restrict values to canonicalValues;
			// RFC 7644 §3.12 names the refusal of a value invalidValue.
			r.expectSCIMError("S-7-15")
			r.expectScimType("S-7-15", "invalidValue")
			return
		}
		r.expectStatus("S-7-15", http.StatusCreated, http.StatusBadRequest)
		got := a.readBack(ctx, a.userLocation(r))
		var stored gjson.Result
		for _, e := range got.F("emails").Array() {
			if strings.EqualFold(field(e, "value").String(), addr) {
				stored = field(e, "type")
			}
		}
		// type is caseExact false (RFC 7643 §4.1.2), so its case may change.
		got.expect("S-7-15", strings.EqualFold(stored.String(), nonsense), "emails",
			fmt.Sprintf("the e-mail %s stored with type %q as sent (or the request refused)", addr, nonsense), "type = "+fragment(stored))
	})
})
