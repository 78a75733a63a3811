// Package entra replays the SCIM 2.0 traffic of the Microsoft Entra ID
// provisioning service: one method per provisioning flow (test connection,
// match, create, update, disable, delete, manager, groups and members), in
// either of Entra's two PATCH dialects, with the client-side state Entra
// keeps (Entra object id → SCIM id) and response checks that judge a target
// the way Entra does.
//
// The request shapes follow shared/docs/idp-wire.md, part B.
package entra

import (
	"context"
	"fmt"
	"sync"

	"github.com/scimtest/scimtest/simulator"
)

// Dialect selects the shape of Entra's PATCH requests.
type Dialect string

const (
	// DialectDefault is what a non-gallery Entra app sends without flags:
	// capitalised ops, "True"/"False" strings for active, Add on
	// single-valued attributes, member removal with a value array.
	DialectDefault Dialect = "default"
	// DialectCompliant is the behaviour behind the aadOptscim062020 tenant
	// URL flag: lower-case ops, booleans, one pathless replace with dotted
	// keys, member removal by a members[value eq "id"] path.
	DialectCompliant Dialect = "compliant"
)

// ParseDialect maps a flag value to a [Dialect]; "" means [DialectDefault].
func ParseDialect(s string) (Dialect, error) {
	switch Dialect(s) {
	case "", DialectDefault:
		return DialectDefault, nil
	case DialectCompliant, "aadOptscim062020":
		return DialectCompliant, nil
	}
	return "", fmt.Errorf("entra: unknown dialect %q (want default or compliant)", s)
}

// User matching attributes an Entra admin can choose (idp-wire.md B2).
const (
	MatchUserName   = "userName"
	MatchExternalID = "externalId"
	MatchWorkEmail  = `emails[type eq "work"].value`
)

// Group matching attributes.
const (
	MatchDisplayName = "displayName"
	// MatchGroupExternalID matches groups on externalId (the Entra object id).
	MatchGroupExternalID = "externalId"
)

// Schema URNs Entra puts on the wire.
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	// SchemaMSGroup is the non-standard URN Entra adds to group creates.
	SchemaMSGroup = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
	SchemaPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaList    = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
)

// DefaultUserAgent is sent when [Options.UserAgent] is empty. Entra's real
// User-Agent is not documented (idp-wire.md B1), so the simulator names
// itself rather than pretend.
const DefaultUserAgent = "scimtest-entra-simulator"

// Profile returns the header profile of Entra's provisioning service
// (idp-wire.md B1): SCIM media type on Accept and on bodies. An empty ua
// selects [DefaultUserAgent].
func Profile(ua string) simulator.Profile {
	if ua == "" {
		ua = DefaultUserAgent
	}
	return simulator.Profile{
		Name:        "entra",
		UserAgent:   ua,
		Accept:      "application/scim+json",
		ContentType: "application/scim+json",
	}
}

// Doer sends one request; *simulator.Client implements it.
type Doer interface {
	Do(ctx context.Context, req simulator.Request) (*simulator.Response, error)
}

// Options configure a [Provisioner].
type Options struct {
	// Dialect is the PATCH dialect; empty means [DialectDefault].
	Dialect Dialect
	// UserMatch is the user matching attribute: [MatchUserName] (default),
	// [MatchExternalID] or [MatchWorkEmail].
	UserMatch string
	// GroupMatch is the group matching attribute: [MatchDisplayName]
	// (default) or [MatchGroupExternalID].
	GroupMatch string
	// MemberBatch caps the members sent in one group PATCH; 0 means 100.
	MemberBatch int
}

// User is the Entra source object of a provisioned user, with the default
// attribute mappings applied on the wire (idp-wire.md B3.3).
type User struct {
	// ObjectID is the Entra object id: the key of the client-side state.
	ObjectID string
	// UserPrincipalName maps to userName.
	UserPrincipalName string
	// MailNickname maps to externalId.
	MailNickname string
	// Mail maps to emails[type eq "work"].value.
	Mail string
	// GivenName maps to name.givenName.
	GivenName string
	// Surname maps to name.familyName.
	Surname string
	// DisplayName maps to displayName.
	DisplayName string
	// JobTitle maps to title.
	JobTitle string
	// Department maps to the enterprise extension's department.
	Department string
	// EmployeeID maps to the enterprise extension's employeeNumber.
	EmployeeID string
}

// Group is the Entra source object of a provisioned group.
type Group struct {
	// ObjectID is the Entra object id; it is sent as externalId.
	ObjectID string
	// DisplayName maps to displayName.
	DisplayName string
}

// Provisioner runs Entra's flows against one target. It is safe for
// concurrent use: flows on different objects may run at once, as Entra's
// engine does.
type Provisioner struct {
	c    Doer
	opts Options

	mu     sync.RWMutex
	users  map[string]string // Entra object id → SCIM id
	groups map[string]string
}

// New returns a Provisioner sending through c.
func New(c Doer, opts Options) (*Provisioner, error) {
	if c == nil {
		return nil, fmt.Errorf("entra: nil client")
	}
	d, err := ParseDialect(string(opts.Dialect))
	if err != nil {
		return nil, err
	}
	opts.Dialect = d
	if opts.UserMatch, err = simulator.OneOf("user matching attribute", opts.UserMatch, MatchUserName, MatchUserName, MatchExternalID, MatchWorkEmail); err != nil {
		return nil, fmt.Errorf("entra: %w", err)
	}
	if opts.GroupMatch, err = simulator.OneOf("group matching attribute", opts.GroupMatch, MatchDisplayName, MatchDisplayName, MatchGroupExternalID); err != nil {
		return nil, fmt.Errorf("entra: %w", err)
	}
	if opts.MemberBatch <= 0 {
		opts.MemberBatch = 100
	}
	return &Provisioner{c: c, opts: opts, users: map[string]string{}, groups: map[string]string{}}, nil
}

// Dialect returns the PATCH dialect in use.
func (p *Provisioner) Dialect() Dialect { return p.opts.Dialect }

// UserID returns the SCIM id cached for an Entra user object.
func (p *Provisioner) UserID(objectID string) (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	id, ok := p.users[objectID]
	return id, ok
}

// GroupID returns the SCIM id cached for an Entra group object.
func (p *Provisioner) GroupID(objectID string) (string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	id, ok := p.groups[objectID]
	return id, ok
}

// Link records the SCIM id of a user object, as Entra does after a match or
// a create; it lets a caller resume with known ids.
func (p *Provisioner) Link(objectID, scimID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users[objectID] = scimID
}

// LinkGroup records the SCIM id of a group object.
func (p *Provisioner) LinkGroup(objectID, scimID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.groups[objectID] = scimID
}

func (p *Provisioner) forget(m map[string]string, objectID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(m, objectID)
}

// userID returns the cached id or an error naming the flow that needed it.
func (p *Provisioner) userID(flow, objectID string) (string, error) {
	if id, ok := p.UserID(objectID); ok {
		return id, nil
	}
	return "", fmt.Errorf("entra: %s: user %s has not been provisioned: %w", flow, objectID, ErrNotProvisioned)
}

func (p *Provisioner) groupID(flow, objectID string) (string, error) {
	if id, ok := p.GroupID(objectID); ok {
		return id, nil
	}
	return "", fmt.Errorf("entra: %s: group %s has not been provisioned: %w", flow, objectID, ErrNotProvisioned)
}

// op returns the PATCH op name in the dialect's letter case: Entra's default
// job capitalises them (idp-wire.md B6.1), the compliant flag does not.
func (p *Provisioner) op(lower string) string {
	if p.opts.Dialect == DialectCompliant {
		return lower
	}
	return string(lower[0]-'a'+'A') + lower[1:]
}

// activeValue is the value of active: the default Switch([IsSoftDeleted])
// mapping yields the strings "True"/"False" (idp-wire.md B3.6).
func (p *Provisioner) activeValue(active bool) any {
	if p.opts.Dialect == DialectCompliant {
		return active
	}
	if active {
		return "True"
	}
	return "False"
}
