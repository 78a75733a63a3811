// Package okta replays the SCIM 2.0 traffic of Okta's provisioning client:
// one method per provisioning flow (test credentials, import, assign,
// profile push, deactivate, reactivate, password sync, group push,
// membership, rename, unlink, and the entitlements discovery of Identity
// Governance apps), in either of Okta's client flavours (OIN
// catalog app or AIW custom app), with the client-side state Okta keeps
// (Okta id → SCIM id) and response checks that judge a target the way Okta
// does, reported as an [*Error] that reads like the admin task Okta would
// create.
//
// The request sequences and shapes follow shared/docs/idp-wire.md, part A.
// Shapes the document marks as inferred are [Config] knobs.
package okta

import (
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/scimtest/scimtest/simulator"
)

// Dialect is Okta's client flavour, which decides the verbs (idp-wire.md
// A1.4).
type Dialect string

const (
	// DialectOIN is an OIN catalog app: PATCH for active, password and
	// groups; GET+PUT for profile.
	DialectOIN Dialect = "oin"
	// DialectAIW is an App Integration Wizard custom app: GET+PUT for
	// everything, full-member PUT for groups, never PATCH.
	DialectAIW Dialect = "aiw"
)

// FilterEncoding is how the filter query parameter is encoded; Okta's
// current docs and legacy docs differ (idp-wire.md A3.4).
type FilterEncoding string

const (
	// EncodingPercent20 encodes spaces as %20: filter=userName%20eq%20%22a%40b%22.
	EncodingPercent20 FilterEncoding = "percent20"
	// EncodingPlus encodes spaces as +: filter=userName+eq+%22a%40b%22.
	EncodingPlus FilterEncoding = "plus"
)

// Headers selects Okta's header profile (idp-wire.md A1.1, A5.1).
type Headers string

const (
	// HeadersRuntime is the production provisioning client.
	HeadersRuntime Headers = "runtime"
	// HeadersRunscope is Okta's Runscope SPEC test suite.
	HeadersRunscope Headers = "runscope"
)

// RenameBeside says how the no-op rename Okta sends with every membership
// change travels (idp-wire.md A3.9; its placement is undocumented).
type RenameBeside string

const (
	// RenameBefore sends the rename PATCH as its own request before the
	// membership PATCH (the default).
	RenameBefore RenameBeside = "before"
	// RenameAfter sends it as its own request after the membership PATCH.
	RenameAfter RenameBeside = "after"
	// RenameInline adds the rename operation to the membership PATCH.
	RenameInline RenameBeside = "inline"
	// RenameOff sends no rename with membership changes.
	RenameOff RenameBeside = "off"
)

// PasswordShape is the shape of the OIN password-sync PATCH, which no
// source documents (idp-wire.md A3.8, E1).
type PasswordShape string

const (
	// PasswordPathless sends {"op":"replace","value":{"password":"..."}}
	// like deactivation (the default).
	PasswordPathless PasswordShape = "pathless"
	// PasswordPath sends {"op":"replace","path":"password","value":"..."}.
	PasswordPath PasswordShape = "path"
)

// Config selects the flavour and the inferred details of Okta's traffic.
// The zero value is an OIN app with the runtime headers and %20 filters.
type Config struct {
	// Dialect is the client flavour; empty means [DialectOIN].
	Dialect Dialect
	// FilterEncoding is the filter encoding; empty means [EncodingPercent20].
	FilterEncoding FilterEncoding
	// Headers is the header profile; empty means [HeadersRuntime].
	Headers Headers
	// KeepClientProfile keeps the client's own header profile instead of
	// installing Okta's.
	KeepClientProfile bool
	// Connection, when set, is sent as the Connection header ("Keep-Alive"
	// in legacy samples, "close" in one capture).
	Connection string
	// UserMatch is the attribute of the user lookup filter; empty means
	// userName (an OIN analyst may configure another unique attribute).
	UserMatch string
	// GroupLookupNoPaging drops the inferred "&startIndex=1&count=100"
	// suffix from the group displayName lookup.
	GroupLookupNoPaging bool
	// RenameBeside places the rename sent with membership changes (OIN);
	// empty means [RenameBefore].
	RenameBeside RenameBeside
	// RenameOmitsID leaves the group id out of the rename value, as Okta
	// says it will one day.
	RenameOmitsID bool
	// PasswordShape is the OIN password PATCH shape; empty means
	// [PasswordPathless].
	PasswordShape PasswordShape
	// AIWPutOmitsID leaves id out of AIW group PUT bodies (the newest doc
	// sample omits it; captures include it).
	AIWPutOmitsID bool
	// NullMemberDisplay sends "display": null on AIW group PUT members, as
	// captured in the wild (idp-wire.md A6.11).
	NullMemberDisplay bool
	// App names the app in admin messages; empty means "the SCIM app".
	App string
}

// withDefaults fills the zero options with what Okta does by default and
// refuses an option Okta has no such setting for.
func (c Config) withDefaults() (Config, error) {
	var err error
	if c.Dialect, err = simulator.OneOf("dialect", c.Dialect, DialectOIN, DialectOIN, DialectAIW); err != nil {
		return c, fmt.Errorf("okta: %w", err)
	}
	if c.FilterEncoding, err = simulator.OneOf("filter encoding", c.FilterEncoding, EncodingPercent20, EncodingPercent20, EncodingPlus); err != nil {
		return c, fmt.Errorf("okta: %w", err)
	}
	if c.Headers, err = simulator.OneOf("header profile", c.Headers, HeadersRuntime, HeadersRuntime, HeadersRunscope); err != nil {
		return c, fmt.Errorf("okta: %w", err)
	}
	if c.RenameBeside, err = simulator.OneOf("rename placement", c.RenameBeside, RenameBefore, RenameBefore, RenameAfter, RenameInline, RenameOff); err != nil {
		return c, fmt.Errorf("okta: %w", err)
	}
	if c.PasswordShape, err = simulator.OneOf("password shape", c.PasswordShape, PasswordPathless, PasswordPathless, PasswordPath); err != nil {
		return c, fmt.Errorf("okta: %w", err)
	}
	if c.UserMatch == "" {
		c.UserMatch = "userName"
	}
	if c.App == "" {
		c.App = "the SCIM app"
	}
	return c, nil
}

// userState is what Okta remembers about an assigned user.
type userState struct {
	scimID   string
	userName string
}

// groupState is what Okta remembers about a pushed group.
type groupState struct {
	scimID      string
	displayName string
	members     map[string]struct{} // Okta user ids
}

// Provisioner is one Okta app's provisioning client. It is safe for
// concurrent use, though Okta itself runs the flows of one user in order.
type Provisioner struct {
	c   *simulator.Client
	cfg Config

	mu     sync.RWMutex
	users  map[string]userState  // Okta user id → state
	groups map[string]groupState // Okta group id → state
}

// New returns a Provisioner sending through c. Unless cfg.KeepClientProfile
// is set, it sends Okta's headers (c itself is not changed).
func New(c *simulator.Client, cfg Config) (*Provisioner, error) {
	if c == nil {
		return nil, fmt.Errorf("okta: nil client")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if !cfg.KeepClientProfile {
		c = c.WithProfile(profileFor(cfg))
	}
	return &Provisioner{c: c, cfg: cfg, users: map[string]userState{}, groups: map[string]groupState{}}, nil
}

// Config returns the configuration with defaults applied.
func (p *Provisioner) Config() Config { return p.cfg }

// UserID returns the SCIM id Okta stored for an Okta user id.
func (p *Provisioner) UserID(oktaID string) (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.users[oktaID]
	return u.scimID, ok
}

// GroupID returns the SCIM id Okta stored for an Okta group id.
func (p *Provisioner) GroupID(oktaGroupID string) (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	g, ok := p.groups[oktaGroupID]
	return g.scimID, ok
}

// LinkUser records that Okta user oktaID is SCIM user scimID with userName,
// as an import match would.
func (p *Provisioner) LinkUser(oktaID, scimID, userName string) {
	p.mu.Lock()
	p.users[oktaID] = userState{scimID: scimID, userName: userName}
	p.mu.Unlock()
}

// ForgetUser drops what Okta remembers about oktaID (the app assignment is
// gone for good), so long runs keep the state small.
func (p *Provisioner) ForgetUser(oktaID string) {
	p.mu.Lock()
	delete(p.users, oktaID)
	p.mu.Unlock()
}

// Counts returns how many users and groups Okta remembers.
func (p *Provisioner) Counts() (users, groups int) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.users), len(p.groups)
}

func (p *Provisioner) user(oktaID string) (userState, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.users[oktaID]
	if !ok {
		return u, fmt.Errorf("okta: user %s is not assigned to %s (assign it first): %w", oktaID, p.cfg.App, ErrNotLinked)
	}
	return u, nil
}

func (p *Provisioner) group(oktaGroupID string) (groupState, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	g, ok := p.groups[oktaGroupID]
	if !ok {
		return g, fmt.Errorf("okta: group %s is not pushed to %s (push it first): %w", oktaGroupID, p.cfg.App, ErrNotLinked)
	}
	return g, nil
}

// filterQuery builds "filter=<attr eq "value">" in the configured encoding
// (RFC 7644, Section 3.4.2.2), with the value quoted as a JSON string.
func (p *Provisioner) filterQuery(attr, value string) string {
	enc := url.QueryEscape(attr + " eq " + quote(value))
	if p.cfg.FilterEncoding == EncodingPercent20 {
		// QueryEscape turns a literal '+' into %2B, so every '+' left is a space.
		enc = strings.ReplaceAll(enc, "+", "%20")
	}
	return "filter=" + enc
}

// quote renders s as a filter comparison value: a JSON string (RFC 7644,
// Section 3.4.2.2 takes the attribute value grammar of RFC 7159).
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
