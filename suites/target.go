package suites

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/simulator"
)

// Target is what the suites test. The runner sets it before RunSpecs; specs
// read it only inside setup and subject nodes (never in Describe bodies,
// which run while the tree is built).
type Target struct {
	// BaseURL is the SCIM base URL, e.g. https://example.com/scim/v2.
	BaseURL string
	// Token is the bearer token; empty sends no Authorization header.
	Token string
	// HTTPClient carries TLS settings (--insecure, --ca); nil uses the default.
	HTTPClient *http.Client
	// RequestTimeout bounds one HTTP request.
	RequestTimeout time.Duration
	// Profile is the --profile of the run.
	Profile string
	// Require lists capabilities whose absence fails specs instead of skipping them.
	Require []Capability
	// Strict makes SHOULD/MAY failures fail the run.
	Strict bool
	// Seed fixes fixture data and spec order.
	Seed int64
	// RunID is carried by every resource the run creates.
	RunID string
}

var (
	targetMu sync.RWMutex
	target   *Target
	found    *Discovery
)

func setTarget(t *Target) {
	targetMu.Lock()
	defer targetMu.Unlock()
	target = t
	found = nil
}

// currentTarget returns the configured target; it fails the spec when none is set.
func currentTarget() *Target {
	targetMu.RLock()
	defer targetMu.RUnlock()
	if target == nil {
		failNow("suites: no target configured (call suites.Run, not RunSpecs directly)")
	}
	return target
}

// Discovery is what BeforeSuite learned from /ServiceProviderConfig,
// /ResourceTypes and /Schemas.
type Discovery struct {
	// Capabilities maps each capability to whether the target advertises it.
	Capabilities map[Capability]bool
	// SPC, ResourceTypes and Schemas are the raw discovery documents.
	SPC, ResourceTypes, Schemas gjson.Result
	// UsersEndpoint and GroupsEndpoint are the endpoints of the User and
	// Group resource types ("/Users", "/Groups" when not advertised).
	UsersEndpoint, GroupsEndpoint string
}

// discovery returns what BeforeSuite found; it fails the spec when discovery did not run.
func discovery() *Discovery {
	targetMu.RLock()
	defer targetMu.RUnlock()
	if found == nil {
		failNow("suites: discovery has not run")
	}
	return found
}

// CapabilityMap returns the capabilities discovered in the last run, by name.
func CapabilityMap() map[string]bool {
	targetMu.RLock()
	defer targetMu.RUnlock()
	if found == nil {
		return nil
	}
	out := map[string]bool{}
	for c, ok := range found.Capabilities {
		out[string(c)] = ok
	}
	return out
}

// Core schema and message URNs (RFC 7643 §8.7, RFC 7644 §3.1).
const (
	URNUser         = "urn:ietf:params:scim:schemas:core:2.0:User"
	URNGroup        = "urn:ietf:params:scim:schemas:core:2.0:Group"
	URNEnterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	URNSPC          = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	URNResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	URNSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	URNListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	URNError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	URNPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	URNSearch       = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	URNBulkRequest  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
)

// ErrNotSCIM means the target answered, but not like a SCIM service provider.
var ErrNotSCIM = errors.New("target does not look like a SCIM 2.0 service provider")

// discover reads the three discovery endpoints once and derives the
// capabilities. It is tolerant of everything RFC 7643 §5 allows (optional
// fields missing, "bulk": {"supported": false} without limits); it returns an
// error only when the target cannot be used at all.
func discover(ctx context.Context, c *simulator.Client) (*Discovery, error) {
	d := &Discovery{Capabilities: map[Capability]bool{}, UsersEndpoint: "/Users", GroupsEndpoint: "/Groups"}
	get := func(path string, object bool) (gjson.Result, error) {
		resp, err := c.Get(ctx, path)
		if err != nil {
			// The abort message is one line: the cause and fix, not the
			// client's error chain.
			return gjson.Result{}, fmt.Errorf("discovery: GET %s: %s", path, simulator.Diagnose(err))
		}
		if resp.Status != http.StatusOK || !gjson.ValidBytes(resp.Body) || (object && !resp.JSON().IsObject()) {
			return gjson.Result{}, fmt.Errorf("discovery: GET %s answered %d %s: %w", path, resp.Status, snippet(resp.Body), ErrNotSCIM)
		}
		return resp.JSON(), nil
	}
	var err error
	// A configuration that is JSON but not an object is tested (and failed)
	// by the discovery specs; every capability then reads as unsupported.
	if d.SPC, err = get("/ServiceProviderConfig", false); err != nil {
		return nil, err
	}
	// ResourceTypes and Schemas are discovery too, but a target that lacks
	// them is still testable: their specs fail, the rest run.
	d.ResourceTypes, _ = get("/ResourceTypes", true)
	d.Schemas, _ = get("/Schemas", true)

	for _, c := range []Capability{CapPatch, CapBulk, CapFilter, CapSort, CapETag, CapChangePassword} {
		d.Capabilities[c] = field(d.SPC, string(c)+".supported").Bool()
	}
	d.Capabilities[CapGroups] = false
	d.Capabilities[CapEnterprise] = false
	for _, rt := range field(d.ResourceTypes, "Resources").Array() {
		schema := field(rt, "schema").String()
		switch schema {
		case URNUser:
			if ep := field(rt, "endpoint").String(); ep != "" {
				d.UsersEndpoint = ep
			}
			for _, ext := range field(rt, "schemaExtensions").Array() {
				if field(ext, "schema").String() == URNEnterprise {
					d.Capabilities[CapEnterprise] = true
				}
			}
		case URNGroup:
			d.Capabilities[CapGroups] = true
			if ep := field(rt, "endpoint").String(); ep != "" {
				d.GroupsEndpoint = ep
			}
		}
	}
	// /Me and .search are not advertised anywhere: probe them (RFC 7644
	// §3.11 allows 501 for /Me; a missing .search answers 404/405/501).
	if resp, err := c.Get(ctx, "/Me"); err == nil {
		d.Capabilities[CapMe] = resp.Status == http.StatusOK
	}
	search := map[string]any{"schemas": []string{URNSearch}, "count": 0}
	if resp, err := c.Post(ctx, d.UsersEndpoint+"/.search", search); err == nil {
		d.Capabilities[CapSearch] = resp.Status == http.StatusOK && field(resp.JSON(), "totalResults").Exists()
	}
	if resp, err := c.Do(ctx, simulator.Request{Path: "/", Query: map[string][]string{"count": {"0"}}}); err == nil {
		d.Capabilities[CapRoot] = resp.Status == http.StatusOK && hasString(field(resp.JSON(), "schemas"), URNListResponse)
	}
	return d, nil
}

// snippet shortens a body for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return fmt.Sprintf("%q", s)
}
