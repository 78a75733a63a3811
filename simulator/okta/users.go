package okta

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Schema URNs Okta puts on the wire.
const (
	SchemaUser    = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup   = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// lookupUser runs the userName lookup that starts every assignment
// (idp-wire.md A3.4); a 404 counts as no match.
func (p *Provisioner) lookupUser(ctx context.Context, flow, userName string) ([]gjson.Result, error) {
	s := step{flow: flow, name: "lookup", doing: fmt.Sprintf("verifying if user %s exists", userName),
		req: simulator.Request{Method: http.MethodGet, Path: "/Users",
			RawQuery: p.filterQuery(p.cfg.UserMatch, userName) + "&startIndex=1&count=100"},
		ok: []int{http.StatusOK}, notFoundOK: true}
	// Okta needs these to link the user (idp-wire.md A3.4).
	return p.lookup(ctx, s, "user", "id", "userName", "schemas", "active", "meta.location", "meta.resourceType")
}

// lookup sends the lookup step s and returns the resources it matched,
// each checked to carry the required attributes Okta links a kind of
// resource by; a 404 counts as no match.
func (p *Provisioner) lookup(ctx context.Context, s step, kind string, required ...string) ([]gjson.Result, error) {
	resp, err := p.send(ctx, s)
	if err != nil {
		return nil, err
	}
	l, err := parseList(s, resp, false, fmt.Sprintf("Error while %s: no Resources in the list response", s.doing))
	if err != nil {
		return nil, err
	}
	for _, r := range l.resources {
		for _, k := range required {
			// active may be false; every other attribute must not be empty.
			// Names match in any case (RFC 7643 §2.1).
			if v := scimjson.Get(r, k); !v.Exists() || v.String() == "" && k != "active" {
				return nil, shapeError(s, resp, fmt.Sprintf("Error while %s: the matched %s has no %s", s.doing, kind, k))
			}
		}
	}
	return l.resources, nil
}

// CreateBody returns Okta's create request body for u (idp-wire.md A3.4):
// the mapped attributes, externalId set to the Okta user id, "groups": [],
// a throwaway password (sent even without password sync), a locale and
// active true.
func CreateBody(u fixtures.User) ([]byte, error) {
	if u.Locale == "" {
		u.Locale = "en-US"
	}
	if u.OktaID != "" {
		u.ExternalID = u.OktaID
	}
	if u.Password == "" {
		u.Password = "Okta-" + u.OktaID
	}
	if len(u.Schemas) == 0 {
		u.Schemas = []string{SchemaUser}
	}
	u.Active = true
	b, err := jsonMarshal(u)
	if err != nil {
		return nil, fmt.Errorf("okta: encode create body for %s: %w", u.UserName, err)
	}
	// Okta sends groups although it is read-only (RFC 7643, Section 4.1.2).
	b, err = sjson.SetRawBytes(b, "groups", []byte("[]"))
	if err != nil {
		return nil, fmt.Errorf("okta: add groups to create body: %w", err)
	}
	return b, nil
}

// Assign is "Push New Users" for one assignment (idp-wire.md A3.4): a
// userName lookup; then a create when nothing matched, or, when the user
// exists, a link followed by a profile push and, if the user is inactive, a
// reactivation. It returns the SCIM id Okta stored.
func (p *Provisioner) Assign(ctx context.Context, u fixtures.User) (string, error) {
	const flow = "assign user"
	found, err := p.lookupUser(ctx, flow, u.UserName)
	if err != nil {
		return "", err
	}
	if len(found) > 0 {
		id := scimjson.Get(found[0], "id").String()
		p.LinkUser(u.OktaID, id, u.UserName)
		if err := p.pushProfile(ctx, flow, u, id); err != nil {
			return id, err
		}
		if !scimjson.Get(found[0], "active").Bool() {
			return id, p.setActive(ctx, flow, u.OktaID, true)
		}
		return id, nil
	}
	body, err := CreateBody(u)
	if err != nil {
		return "", err
	}
	s := step{flow: flow, name: "create", doing: "creating user " + u.UserName,
		req: simulator.Request{Method: http.MethodPost, Path: "/Users", Body: body},
		ok:  []int{http.StatusCreated}}
	resp, err := p.send(ctx, s)
	if err != nil {
		return "", err
	}
	created, err := jsonBody(s, resp, fmt.Sprintf(
		"Automatic provisioning of user %s to app %s failed: Error while creating user %s: Create new user returned empty user.",
		u.UserName, p.cfg.App, u.UserName))
	if err != nil {
		return "", err
	}
	id := scimjson.Get(created, "id").String()
	if id == "" {
		return "", shapeError(s, resp, fmt.Sprintf(
			"Automatic provisioning of user %s to app %s failed: Error while creating user %s: Create new user returned a user without an id.",
			u.UserName, p.cfg.App, u.UserName))
	}
	p.LinkUser(u.OktaID, id, u.UserName)
	return id, nil
}

// UpdateProfile is "Push Profile Updates" (idp-wire.md A3.5): GET the user,
// then PUT the server's own representation back with Okta's attributes
// overwritten. u carries the new profile and the Okta id.
func (p *Provisioner) UpdateProfile(ctx context.Context, u fixtures.User) error {
	st, err := p.user(u.OktaID)
	if err != nil {
		return err
	}
	if err := p.pushProfile(ctx, "update user", u, st.scimID); err != nil {
		return err
	}
	p.LinkUser(u.OktaID, st.scimID, u.UserName)
	return nil
}

func (p *Provisioner) pushProfile(ctx context.Context, flow string, u fixtures.User, id string) error {
	return p.getPut(ctx, flow, "user "+u.UserName, id, func(b []byte) ([]byte, error) { return applyProfile(b, u) })
}

// getPut is the GET-then-PUT Okta uses for every AIW change and every
// profile push: the server's body echoed with edit applied.
func (p *Provisioner) getPut(ctx context.Context, flow, what, id string, edit func([]byte) ([]byte, error)) error {
	path := "/Users/" + id
	get := step{flow: flow, name: "get", doing: "getting " + what,
		req: simulator.Request{Method: http.MethodGet, Path: path}, ok: []int{http.StatusOK}}
	resp, err := p.send(ctx, get)
	if err != nil {
		return err
	}
	if _, err := jsonBody(get, resp, fmt.Sprintf("Error while getting %s: empty response", what)); err != nil {
		return err
	}
	body, err := edit(resp.Body)
	if err != nil {
		return fmt.Errorf("okta %s: edit %s: %w", flow, what, err)
	}
	put := step{flow: flow, name: "put", doing: "updating " + what,
		req: simulator.Request{Method: http.MethodPut, Path: path, Body: body}, ok: []int{http.StatusOK}}
	_, err = p.send(ctx, put)
	return err
}

// applyProfile overwrites the attributes Okta masters in a user body the
// server returned, keeping everything else (id, meta, server extras), as
// Okta's PUT does (idp-wire.md A3.5, A6.4).
func applyProfile(body []byte, u fixtures.User) ([]byte, error) {
	type set struct {
		path string
		v    any
	}
	sets := []set{{"userName", u.UserName}}
	if u.Name != nil {
		sets = append(sets, set{"name.givenName", u.Name.GivenName}, set{"name.familyName", u.Name.FamilyName})
		if u.Name.MiddleName != "" {
			sets = append(sets, set{"name.middleName", u.Name.MiddleName})
		}
	}
	for _, kv := range []struct{ path, v string }{
		{"displayName", u.DisplayName}, {"locale", u.Locale}, {"title", u.Title},
		{"nickName", u.NickName}, {"preferredLanguage", u.PreferredLanguage}, {"timezone", u.Timezone},
	} {
		if kv.v != "" {
			sets = append(sets, set{kv.path, kv.v})
		}
	}
	if email := u.WorkEmail(); email != "" {
		sets = append(sets, set{primaryEmailPath(body) + ".value", email})
	}
	if e := u.Enterprise; e != nil {
		const ext = `urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User`
		for _, kv := range []struct{ path, v string }{
			{"employeeNumber", e.EmployeeNumber}, {"costCenter", e.CostCenter}, {"organization", e.Organization},
			{"division", e.Division}, {"department", e.Department},
		} {
			if kv.v != "" {
				sets = append(sets, set{ext + "." + kv.path, kv.v})
			}
		}
	}
	if !scimjson.GetBytes(body, "groups").Exists() {
		sets = append(sets, set{"groups", []any{}})
	}
	var err error
	for _, s := range sets {
		// An attribute the server spelt in another case is overwritten
		// where it is, not added a second time.
		if body, err = scimjson.SetBytes(body, s.path, s.v); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// primaryEmailPath finds the email Okta maps: the primary one, else the
// work one, else the first (or a new first entry).
func primaryEmailPath(body []byte) string {
	emails := scimjson.GetBytes(body, "emails").Array()
	for i, e := range emails {
		if scimjson.Get(e, "primary").Bool() {
			return "emails." + strconv.Itoa(i)
		}
	}
	for i, e := range emails {
		if scimjson.Get(e, "type").String() == "work" {
			return "emails." + strconv.Itoa(i)
		}
	}
	return "emails.0"
}

// Deactivate is "Deactivate Users" (idp-wire.md A3.6): a pathless PATCH
// {"active": false} for OIN, GET+PUT with active false for AIW.
func (p *Provisioner) Deactivate(ctx context.Context, oktaID string) error {
	return p.setActive(ctx, "deactivate user", oktaID, false)
}

// Reactivate is reactivation or reassignment of a linked user (idp-wire.md
// A3.7).
func (p *Provisioner) Reactivate(ctx context.Context, oktaID string) error {
	return p.setActive(ctx, "reactivate user", oktaID, true)
}

func (p *Provisioner) setActive(ctx context.Context, flow, oktaID string, active bool) error {
	st, err := p.user(oktaID)
	if err != nil {
		return err
	}
	verb := "deactivating"
	if active {
		verb = "activating"
	}
	if p.cfg.Dialect == DialectAIW {
		return p.getPut(ctx, flow, "user "+st.userName, st.scimID, func(b []byte) ([]byte, error) {
			return scimjson.SetBytes(b, "active", active)
		})
	}
	return p.patchUser(ctx, flow, verb+" user "+st.userName, st.scimID,
		patchOp{Op: "replace", Value: map[string]any{"active": active}})
}

// SyncPassword is "Sync Password" (idp-wire.md A3.8). The OIN PATCH shape
// is inferred; see [Config].PasswordShape.
func (p *Provisioner) SyncPassword(ctx context.Context, oktaID, password string) error {
	const flow = "sync password"
	st, err := p.user(oktaID)
	if err != nil {
		return err
	}
	if p.cfg.Dialect == DialectAIW {
		return p.getPut(ctx, flow, "user "+st.userName, st.scimID, func(b []byte) ([]byte, error) {
			return scimjson.SetBytes(b, "password", password)
		})
	}
	op := patchOp{Op: "replace", Value: map[string]any{"password": password}}
	if p.cfg.PasswordShape == PasswordPath {
		op = patchOp{Op: "replace", Path: "password", Value: password}
	}
	return p.patchUser(ctx, flow, "updating the password of user "+st.userName, st.scimID, op)
}

// patchOp is one PATCH operation (RFC 7644, Section 3.5.2).
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// patchBody encodes a PatchOp request.
func patchBody(ops ...patchOp) ([]byte, error) {
	b, err := jsonMarshal(struct {
		Schemas    []string  `json:"schemas"`
		Operations []patchOp `json:"Operations"`
	}{[]string{SchemaPatchOp}, ops})
	if err != nil {
		return nil, fmt.Errorf("okta: encode PATCH body: %w", err)
	}
	return b, nil
}

func (p *Provisioner) patchUser(ctx context.Context, flow, doing, id string, ops ...patchOp) error {
	body, err := patchBody(ops...)
	if err != nil {
		return err
	}
	s := step{flow: flow, name: "patch", doing: doing, patch: true,
		req: simulator.Request{Method: http.MethodPatch, Path: "/Users/" + id, Body: body},
		ok:  []int{http.StatusOK, http.StatusNoContent}}
	_, err = p.send(ctx, s)
	return err
}
