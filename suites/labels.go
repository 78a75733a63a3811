package suites

import (
	"fmt"
	"sort"
	"strings"

	"github.com/scimtest/scimtest/suites/requirements"
)

// Area is a spec area; it becomes the spec's area label (and the report's
// grouping). Only the constants below are valid.
type Area string

// Spec areas.
const (
	AreaDiscovery      Area = "discovery"
	AreaUsers          Area = "users"
	AreaGroups         Area = "groups"
	AreaFilter         Area = "filter"
	AreaPaging         Area = "paging"
	AreaSort           Area = "sort"
	AreaProjection     Area = "projection"
	AreaPatch          Area = "patch"
	AreaPut            Area = "put"
	AreaDelete         Area = "delete"
	AreaETag           Area = "etag"
	AreaBulk           Area = "bulk"
	AreaSearch         Area = "search"
	AreaErrors         Area = "errors"
	AreaAuth           Area = "auth"
	AreaOktaSpec       Area = "okta-spec"
	AreaOkta           Area = "okta"
	AreaEntraValidator Area = "entra-validator"
	AreaEntra          Area = "entra"
)

// Areas lists every area in report order.
var Areas = []Area{
	AreaDiscovery, AreaAuth, AreaErrors, AreaUsers, AreaGroups, AreaFilter, AreaPaging,
	AreaSort, AreaProjection, AreaSearch, AreaPatch, AreaPut, AreaDelete, AreaETag, AreaBulk,
	AreaOktaSpec, AreaOkta, AreaEntraValidator, AreaEntra,
}

// Level is how a failure is scored: a MUST failure fails the run; a SHOULD or
// MAY failure is a warning unless the run is strict.
type Level string

// Levels.
const (
	MUST   Level = requirements.LevelMUST
	SHOULD Level = requirements.LevelSHOULD
	MAY    Level = requirements.LevelMAY
)

// Capability is a feature a target may advertise; a spec that needs one is
// skipped when the target does not advertise it (or fails under --require).
type Capability string

// Capabilities, as named on the command line (--require patch,bulk).
const (
	CapPatch          Capability = "patch"
	CapBulk           Capability = "bulk"
	CapFilter         Capability = "filter"
	CapSort           Capability = "sort"
	CapETag           Capability = "etag"
	CapChangePassword Capability = "changePassword"
	CapGroups         Capability = "groups"
	CapEnterprise     Capability = "enterprise"
	CapSearch         Capability = "search"
	CapMe             Capability = "me"
	CapRoot           Capability = "root"
)

// Capabilities lists every capability.
var Capabilities = []Capability{
	CapPatch, CapBulk, CapFilter, CapSort, CapETag, CapChangePassword,
	CapGroups, CapEnterprise, CapSearch, CapMe, CapRoot,
}

// Profile is a named selection of specs (--profile) and the capabilities
// that profile's client depends on (treated as if given with --require).
type Profile struct {
	// Name is the profile's name and its label.
	Name string
	// Requires are capabilities the profile's IdP cannot work without.
	Requires []Capability
}

// Profiles by name. "rfc" is every RFC 7643/7644 area; the IdP profiles are
// their own areas. Okta's OIN review needs filter and patch; Entra needs both
// too (it filters by userName/externalId and updates with PATCH).
var Profiles = map[string]Profile{
	"rfc":             {Name: "rfc"},
	"okta":            {Name: "okta", Requires: []Capability{CapFilter, CapPatch}},
	"okta-spec":       {Name: "okta-spec", Requires: []Capability{CapFilter, CapPatch}},
	"entra":           {Name: "entra", Requires: []Capability{CapFilter, CapPatch}},
	"entra-validator": {Name: "entra-validator", Requires: []Capability{CapFilter, CapPatch}},
}

// ProfileNames lists the profile names accepted by --profile, "all" included.
func ProfileNames() []string {
	names := make([]string, 0, len(Profiles)+1)
	for n := range Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return append(names, "all")
}

// profileOf returns the profile label an area's specs carry.
func profileOf(a Area) string {
	switch a {
	case AreaOkta, AreaOktaSpec, AreaEntra, AreaEntraValidator:
		return string(a)
	default:
		return "rfc"
	}
}

// Label prefixes of the registry.
const (
	reqPrefix   = "req:"
	needsPrefix = "needs:"
)

// ReqLabel is the label of a requirement ID ("req:P-3.3-06").
func ReqLabel(id string) string { return reqPrefix + id }

// NeedsLabel is the label of a capability ("needs:patch").
func NeedsLabel(c Capability) string { return needsPrefix + string(c) }

// KnownLabel reports whether label belongs to the registry: an area, a
// profile, a level, a needs: label of a known capability or a req: label of a
// row of the requirement matrix.
func KnownLabel(label string) bool {
	switch {
	case strings.HasPrefix(label, reqPrefix):
		_, ok := requirements.Lookup(strings.TrimPrefix(label, reqPrefix))
		return ok
	case strings.HasPrefix(label, needsPrefix):
		_, err := ParseCapability(strings.TrimPrefix(label, needsPrefix))
		return err == nil
	}
	for _, a := range Areas {
		if label == string(a) {
			return true
		}
	}
	if _, ok := Profiles[label]; ok {
		return true
	}
	switch Level(label) {
	case MUST, SHOULD, MAY:
		return true
	}
	return false
}

// ParseCapability returns the capability named s (case-insensitive).
func ParseCapability(s string) (Capability, error) {
	for _, c := range Capabilities {
		if strings.EqualFold(s, string(c)) {
			return c, nil
		}
	}
	names := make([]string, len(Capabilities))
	for i, c := range Capabilities {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown capability %q (known: %s)", s, strings.Join(names, ", "))
}
