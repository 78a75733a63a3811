package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson"
	"github.com/tidwall/gjson"
)

// Schema URNs of the resource types Okta Identity Governance treats as
// entitlement types (idp-wire.md A3.11, from Okta's "Build a SCIM 2.0
// server with entitlements" guide).
const (
	SchemaOktaRole        = "urn:okta:scim:schemas:core:1.0:Role"
	SchemaOktaEntitlement = "urn:okta:scim:schemas:core:1.0:Entitlement"
	// SchemaEnterpriseUser is the one user extension Okta knows without
	// reading /Schemas (RFC 7643, Section 4.3).
	SchemaEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// SchemasCall says when the discovery reads /Schemas.
type SchemasCall string

const (
	// SchemasUnknown reads /Schemas only when the user or an entitlement
	// resource type carries an extension Okta does not know (the default,
	// as Okta's guide describes /Schemas).
	SchemasUnknown SchemasCall = "unknown"
	// SchemasAlways reads /Schemas on every discovery.
	SchemasAlways SchemasCall = "always"
	// SchemasNever never reads /Schemas.
	SchemasNever SchemasCall = "never"
)

// DiscoveryOptions configures [Provisioner.DiscoverEntitlements]; the zero
// value discovers Okta's Role and Entitlement types.
type DiscoveryOptions struct {
	// EntitlementSchemas are the resource type schema URNs Okta treats as
	// entitlement types; empty means [SchemaOktaRole] and
	// [SchemaOktaEntitlement]. The URNs are the guide's; a template may
	// know others, hence the knob.
	EntitlementSchemas []string
	// Schemas says when /Schemas is read; empty means [SchemasUnknown].
	Schemas SchemasCall
	// KnownExtensions are the schema extensions Okta knows without
	// /Schemas; nil means [SchemaEnterpriseUser] only.
	KnownExtensions []string
}

// Discovery is what the entitlements discovery found.
type Discovery struct {
	// ResourceTypes names every resource type the target advertised, in
	// its order.
	ResourceTypes []string
	// Types are the entitlement resource types with their values, in the
	// order the target advertised them.
	Types []EntitlementType
	// Schemas are the extension schemas read from /Schemas that Okta did
	// not know; nil when /Schemas was not read.
	Schemas []ExtensionSchema
}

// EntitlementType is one discovered entitlement resource type.
type EntitlementType struct {
	// ID, Name, Schema, Endpoint and Description come from the
	// ResourceType (RFC 7643, Section 6); Endpoint always starts with "/".
	ID, Name, Schema, Endpoint, Description string
	// Extensions are the type's schemaExtensions URNs.
	Extensions []string
	// Values are the entitlements read from Endpoint.
	Values []Entitlement
}

// Entitlement is one value of an entitlement type, as Okta lists it on
// the app's Governance tab.
type Entitlement struct {
	// ID is the SCIM id Okta grants by.
	ID string
	// DisplayName is the name Okta shows.
	DisplayName string
}

// ExtensionSchema is an extension schema Okta learnt from /Schemas.
type ExtensionSchema struct {
	// ID is the schema URN.
	ID string
	// Attributes names its top-level attributes, which Okta adds to the app
	// user profile.
	Attributes []string
}

const discoverFlow = "discover entitlements"

// DiscoverEntitlements replays the discovery of a "SCIM 2.0 with
// Entitlements Management" app (idp-wire.md A3.11): GET /ResourceTypes,
// GET /Schemas when opts say so, then every entitlement type's endpoint in
// import pages of 100. A target advertising no entitlement type ends the
// flow with nothing discovered and no error. The partial discovery is
// returned along with any error.
func (p *Provisioner) DiscoverEntitlements(ctx context.Context, opts DiscoveryOptions) (*Discovery, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &Discovery{}
	s := step{flow: discoverFlow, name: "resource types", doing: "discovering the resource types",
		req: simulator.Request{Method: http.MethodGet, Path: "/ResourceTypes"}, ok: []int{http.StatusOK}}
	resp, err := p.send(ctx, s)
	if err != nil {
		return d, notServed(err, "the target does not serve /ResourceTypes; Okta discovers no entitlement types")
	}
	types, unknown, err := p.readResourceTypes(s, resp, opts, d)
	if err != nil {
		return d, err
	}
	if opts.Schemas == SchemasAlways || (opts.Schemas == SchemasUnknown && len(unknown) > 0) {
		if d.Schemas, err = p.readSchemas(ctx, unknown); err != nil {
			return d, err
		}
	}
	for _, t := range types {
		err := p.pageAll(ctx, t.Endpoint, discoverFlow, "importing "+t.Name+" entitlements",
			"Error while importing "+t.Name+" entitlements: the list response has no Resources",
			func(s step, resp *simulator.Response, r gjson.Result) error {
				id := scimjson.Get(r, "id").String()
				if id == "" {
					return shapeError(s, resp, fmt.Sprintf(
						"Error while importing %s entitlements: an entitlement has no id, so Okta cannot grant it", t.Name))
				}
				t.Values = append(t.Values, Entitlement{ID: id, DisplayName: scimjson.Get(r, "displayName").String()})
				return nil
			})
		d.Types = append(d.Types, t)
		if err != nil {
			return d, endpointError(err, t)
		}
	}
	return d, nil
}

func (o DiscoveryOptions) withDefaults() (DiscoveryOptions, error) {
	var err error
	if o.Schemas, err = simulator.OneOf("schemas call", o.Schemas, SchemasUnknown, SchemasUnknown, SchemasAlways, SchemasNever); err != nil {
		return o, fmt.Errorf("okta: %w", err)
	}
	if len(o.EntitlementSchemas) == 0 {
		o.EntitlementSchemas = []string{SchemaOktaRole, SchemaOktaEntitlement}
	}
	if o.KnownExtensions == nil {
		o.KnownExtensions = []string{SchemaEnterpriseUser}
	}
	return o, nil
}

// readResourceTypes checks the /ResourceTypes ListResponse (RFC 7644,
// Section 4) and returns the entitlement types and the extension URNs Okta
// does not know, in order of first appearance.
func (p *Provisioner) readResourceTypes(s step, resp *simulator.Response, opts DiscoveryOptions, d *Discovery) ([]EntitlementType, []string, error) {
	if body := resp.JSON(); body.IsArray() {
		// A bare array instead of the envelope is a common server bug
		// (provider-bugs.md 11); Okta reads the envelope only.
		return nil, nil, shapeError(s, resp,
			"Error while discovering the resource types: /ResourceTypes returned a JSON array, not a ListResponse")
	}
	l, err := parseList(s, resp, true, "Error while discovering the resource types: /ResourceTypes returned no Resources")
	if err != nil {
		return nil, nil, err
	}
	var types []EntitlementType
	var unknown []string
	for _, r := range l.resources {
		name := scimjson.Get(r, "name").String()
		if name == "" {
			name = scimjson.Get(r, "id").String()
		}
		d.ResourceTypes = append(d.ResourceTypes, name)
		schema := scimjson.Get(r, "schema").String()
		var exts []string
		for _, e := range scimjson.Get(r, "schemaExtensions").Array() {
			if u := scimjson.Get(e, "schema").String(); u != "" {
				exts = append(exts, u)
			}
		}
		isEnt := containsFold(opts.EntitlementSchemas, schema)
		if isEnt || strings.EqualFold(schema, SchemaUser) {
			// Okta builds the app user profile and the entitlement types
			// from these; extensions of other types do not concern it.
			for _, u := range exts {
				if !containsFold(opts.KnownExtensions, u) && !containsFold(unknown, u) {
					unknown = append(unknown, u)
				}
			}
		}
		if !isEnt {
			continue
		}
		endpoint, err := entitlementEndpoint(scimjson.Get(r, "endpoint").String())
		if err != nil {
			return nil, nil, shapeError(s, resp, fmt.Sprintf(
				"Error while discovering the resource types: resource type %q (%s) %v", name, schema, err))
		}
		types = append(types, EntitlementType{
			ID: scimjson.Get(r, "id").String(), Name: name, Schema: schema, Endpoint: endpoint,
			Description: scimjson.Get(r, "description").String(), Extensions: exts,
		})
	}
	return types, unknown, nil
}

// entitlementEndpoint checks a ResourceType endpoint, which RFC 7643,
// Section 6 makes relative to the base URL ("/Roles"); a missing leading
// slash is tolerated, a URL or a query is not.
func entitlementEndpoint(e string) (string, error) {
	e = strings.TrimSpace(e)
	switch {
	case e == "" || e == "/":
		return "", errors.New("has no endpoint")
	case strings.Contains(e, "://") || strings.ContainsAny(e, "?#") || strings.Contains(e, ".."):
		return "", fmt.Errorf("has endpoint %q, not a path relative to the base URL", e)
	}
	if !strings.HasPrefix(e, "/") {
		e = "/" + e
	}
	return e, nil
}

// readSchemas reads /Schemas (RFC 7644, Section 4) and returns the
// unknown extension schemas, each of which must be listed there: without it
// Okta cannot map the extension's attributes.
func (p *Provisioner) readSchemas(ctx context.Context, unknown []string) ([]ExtensionSchema, error) {
	s := step{flow: discoverFlow, name: "schemas", doing: "discovering the schemas",
		req: simulator.Request{Method: http.MethodGet, Path: "/Schemas"}, ok: []int{http.StatusOK}}
	resp, err := p.send(ctx, s)
	if err != nil {
		return nil, notServed(err, "the target does not serve /Schemas; Okta cannot map the extensions "+strings.Join(unknown, ", "))
	}
	if body := resp.JSON(); body.IsArray() {
		return nil, shapeError(s, resp, "Error while discovering the schemas: /Schemas returned a JSON array, not a ListResponse")
	}
	l, err := parseList(s, resp, true, "Error while discovering the schemas: /Schemas returned no Resources")
	if err != nil {
		return nil, err
	}
	byID := map[string]gjson.Result{}
	for _, r := range l.resources {
		byID[strings.ToLower(scimjson.Get(r, "id").String())] = r
	}
	out := []ExtensionSchema{}
	for _, u := range unknown {
		r, ok := byID[strings.ToLower(u)]
		if !ok {
			return out, shapeError(s, resp, fmt.Sprintf(
				"Error while discovering the schemas: extension %s is advertised in /ResourceTypes but missing from /Schemas", u))
		}
		es := ExtensionSchema{ID: u}
		for _, a := range scimjson.Get(r, "attributes").Array() {
			if n := scimjson.Get(a, "name").String(); n != "" {
				es.Attributes = append(es.Attributes, n)
			}
		}
		out = append(out, es)
	}
	return out, nil
}

// endpointError explains a 404 from an advertised entitlement endpoint.
func endpointError(err error, t EntitlementType) error {
	return notServed(err, fmt.Sprintf("resource type %q advertises endpoint %s, which does not exist; Okta imports no %s entitlements",
		t.Name, t.Endpoint, t.Name))
}

// notServed turns a 404 of a discovery request, which statusError files
// as a gone resource, into a status failure explained by why: the target
// lacks an endpoint it should serve or advertises.
func notServed(err error, why string) error {
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		e.Err = ErrStatus
		e.Reason += " (" + why + ")"
	}
	return err
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}
