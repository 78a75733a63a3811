package entra

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson"
	"github.com/tidwall/gjson"
)

// filterValue quotes v as a SCIM string literal (RFC 7644, Section 3.4.2.2).
func filterValue(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}

// TestConnection runs Entra's "Test Connection": a user filter on a random
// GUID, which must answer 200 with an empty ListResponse (idp-wire.md B3.1).
func (p *Provisioner) TestConnection(ctx context.Context, guid string) error {
	c := call{flow: "test connection", want: []int{200}, req: simulator.Request{
		Method: "GET", Path: "/Users",
		Query: url.Values{"filter": {p.opts.UserMatch + " eq " + filterValue(guid)}},
	}}
	resp, err := p.do(ctx, c)
	if err != nil {
		return err
	}
	n, err := listResources(c, resp)
	if err != nil {
		return err
	}
	if len(n) != 0 {
		return shapeError(c, resp, fmt.Sprintf("the test query for a random value returned %d resources instead of none", len(n)), false)
	}
	return nil
}

// listResources checks a filter response is a ListResponse whose resources
// all carry an id (idp-wire.md B3.4) and returns them. Names match in any
// case (RFC 7643 §2.1): nothing documents Entra reading them case-sensitively.
func listResources(c call, resp *simulator.Response) ([]gjson.Result, error) {
	body := resp.JSON()
	total := scimjson.Get(body, "totalResults")
	if !body.IsObject() || total.Type != gjson.Number {
		return nil, shapeError(c, resp, "the query response is not a SCIM ListResponse with a numeric totalResults", true)
	}
	res := scimjson.Get(body, "Resources").Array()
	if total.Int() > 0 && len(res) == 0 {
		return nil, shapeError(c, resp, fmt.Sprintf("the query response says totalResults %d but has no Resources", total.Int()), false)
	}
	for _, r := range res {
		if scimjson.Get(r, "id").String() == "" {
			return nil, shapeError(c, resp, "a resource in the query response has no id", false)
		}
	}
	return res, nil
}

// matchOne runs the matching query c and returns the id of its one match,
// or "" when nothing matched. More than one match is an error, as Entra
// cannot tell which object to update; what says what was matched and why it
// must be unique.
func (p *Provisioner) matchOne(ctx context.Context, c call, what string) (string, error) {
	resp, err := p.do(ctx, c)
	if err != nil {
		return "", err
	}
	res, err := listResources(c, resp)
	if err != nil {
		return "", err
	}
	switch len(res) {
	case 0:
		return "", nil
	case 1:
		return scimjson.Get(res[0], "id").String(), nil
	}
	return "", shapeError(c, resp, fmt.Sprintf("the matching query returned %d %s", len(res), what), false)
}

// matchValue is the value of the configured matching attribute for u.
func (p *Provisioner) matchValue(u User) string {
	switch p.opts.UserMatch {
	case MatchExternalID:
		return u.MailNickname
	case MatchWorkEmail:
		return u.Mail
	}
	return u.UserPrincipalName
}

// MatchUser queries the target on the matching attribute and caches the id
// of the match. It returns "" when nothing matched; more than one match is
// an error, as Entra cannot tell which object to update.
func (p *Provisioner) MatchUser(ctx context.Context, u User) (string, error) {
	c := call{flow: "match user", want: []int{200}, req: simulator.Request{
		Method: "GET", Path: "/Users",
		Query: url.Values{"filter": {p.opts.UserMatch + " eq " + filterValue(p.matchValue(u))}},
	}}
	id, err := p.matchOne(ctx, c, "users; the matching attribute must be unique")
	if err == nil && id != "" {
		p.Link(u.ObjectID, id)
	}
	return id, err
}

// ProvisionUser is Entra's create flow: match, then create when nothing
// matched (idp-wire.md B2). created tells which happened.
func (p *Provisioner) ProvisionUser(ctx context.Context, u User) (id string, created bool, err error) {
	id, err = p.MatchUser(ctx, u)
	if err != nil || id != "" {
		return id, false, err
	}
	id, err = p.CreateUser(ctx, u)
	return id, err == nil, err
}

// userBody is the create body with the default mappings (idp-wire.md B3.3).
// Empty attributes are left out: Entra does not provision nulls.
func userBody(u User) map[string]any {
	b := map[string]any{
		"schemas":    []string{SchemaUser, SchemaEnterprise},
		"externalId": u.MailNickname,
		"userName":   u.UserPrincipalName,
		"active":     true,
		"meta":       map[string]any{"resourceType": "User"},
		"name": map[string]any{
			"formatted":  strings.TrimSpace(u.GivenName + " " + u.Surname),
			"familyName": u.Surname,
			"givenName":  u.GivenName,
		},
		"roles": []any{},
	}
	if u.Mail != "" {
		b["emails"] = []any{map[string]any{"primary": true, "type": "work", "value": u.Mail}}
	}
	if u.DisplayName != "" {
		b["displayName"] = u.DisplayName
	}
	if u.JobTitle != "" {
		b["title"] = u.JobTitle
	}
	ext := map[string]any{}
	if u.Department != "" {
		ext["department"] = u.Department
	}
	if u.EmployeeID != "" {
		ext["employeeNumber"] = u.EmployeeID
	}
	if len(ext) > 0 {
		b[SchemaEnterprise] = ext
	}
	return b
}

// CreateUser posts u and caches the returned id. Entra accepts only 201 with
// an id (idp-wire.md B4).
func (p *Provisioner) CreateUser(ctx context.Context, u User) (string, error) {
	c := call{flow: "create user", want: []int{201}, req: simulator.Request{
		Method: "POST", Path: "/Users", Body: userBody(u)}}
	return p.create(ctx, c, func(id string) { p.Link(u.ObjectID, id) })
}

func (p *Provisioner) create(ctx context.Context, c call, link func(string)) (string, error) {
	resp, err := p.do(ctx, c)
	if err != nil {
		return "", err
	}
	id := scimjson.Get(resp.JSON(), "id").String()
	if id == "" {
		return "", shapeError(c, resp, "the create response has no id, so later updates cannot address the object", false)
	}
	link(id)
	return id, nil
}

// patchOp is one PATCH operation (RFC 7644, Section 3.5.2).
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

func patchBody(ops []patchOp) map[string]any {
	return map[string]any{"schemas": []string{SchemaPatchOp}, "Operations": ops}
}

// attrChange is one mapped attribute that differs between two versions.
type attrChange struct {
	path     string
	old, new string
}

// changes lists the mapped attributes whose values differ, in a fixed order.
func changes(old, upd User) []attrChange {
	all := []attrChange{
		{"userName", old.UserPrincipalName, upd.UserPrincipalName},
		{"externalId", old.MailNickname, upd.MailNickname},
		{"displayName", old.DisplayName, upd.DisplayName},
		{"title", old.JobTitle, upd.JobTitle},
		{MatchWorkEmail, old.Mail, upd.Mail},
		{"name.givenName", old.GivenName, upd.GivenName},
		{"name.familyName", old.Surname, upd.Surname},
		{SchemaEnterprise + ":department", old.Department, upd.Department},
		{SchemaEnterprise + ":employeeNumber", old.EmployeeID, upd.EmployeeID},
	}
	var out []attrChange
	for _, c := range all {
		if c.old != c.new {
			out = append(out, c)
		}
	}
	return out
}

// updateOps builds the PATCH for the changed attributes. Default dialect:
// one capitalised op per attribute, Add when the attribute had no value,
// Remove when it lost it. Compliant dialect: filtered paths keep their own
// op, the rest go into one pathless replace with dotted keys
// (idp-wire.md B3.5).
func (p *Provisioner) updateOps(ch []attrChange) []patchOp {
	var ops []patchOp
	dotted := map[string]any{}
	for _, c := range ch {
		switch {
		case c.new == "":
			ops = append(ops, patchOp{Op: p.op("remove"), Path: c.path})
		case p.opts.Dialect == DialectCompliant && !strings.Contains(c.path, "["):
			dotted[c.path] = c.new
		case c.old == "" && p.opts.Dialect == DialectDefault:
			ops = append(ops, patchOp{Op: p.op("add"), Path: c.path, Value: c.new})
		default:
			ops = append(ops, patchOp{Op: p.op("replace"), Path: c.path, Value: c.new})
		}
	}
	if len(dotted) > 0 {
		ops = append(ops, patchOp{Op: "replace", Value: dotted})
	}
	return ops
}

// UpdateUser sends the PATCH that brings the target from old to upd; no
// request is sent when no mapped attribute changed. Entra never uses PUT.
func (p *Provisioner) UpdateUser(ctx context.Context, old, upd User) error {
	ch := changes(old, upd)
	if len(ch) == 0 {
		return nil
	}
	return p.patchUser(ctx, "update user", upd.ObjectID, p.updateOps(ch))
}

func (p *Provisioner) patchUser(ctx context.Context, flow, objectID string, ops []patchOp) error {
	id, err := p.userID(flow, objectID)
	if err != nil {
		return err
	}
	c := call{flow: flow, want: []int{200, 204}, req: simulator.Request{
		Method: "PATCH", Path: "/Users/" + url.PathEscape(id), Body: patchBody(ops)}}
	_, err = p.do(ctx, c)
	return err
}

// DisableUser soft-deletes the user by replacing active, as Entra does when
// a user leaves scope (idp-wire.md B3.6).
func (p *Provisioner) DisableUser(ctx context.Context, u User) error {
	return p.patchUser(ctx, "disable user", u.ObjectID,
		[]patchOp{{Op: p.op("replace"), Path: "active", Value: p.activeValue(false)}})
}

// EnableUser re-enables a disabled user.
func (p *Provisioner) EnableUser(ctx context.Context, u User) error {
	return p.patchUser(ctx, "enable user", u.ObjectID,
		[]patchOp{{Op: p.op("replace"), Path: "active", Value: p.activeValue(true)}})
}

// managerPath addresses manager inside the enterprise extension: Entra keeps
// re-sending it every cycle when a target stores it elsewhere (B6.8).
const managerPath = SchemaEnterprise + ":manager"

// SetManager adds a manager to a user who has none (Add in either dialect).
func (p *Provisioner) SetManager(ctx context.Context, u, manager User) error {
	return p.manager(ctx, "set manager", "add", u, manager)
}

// ReplaceManager changes the manager of a user who has one.
func (p *Provisioner) ReplaceManager(ctx context.Context, u, manager User) error {
	return p.manager(ctx, "replace manager", "replace", u, manager)
}

func (p *Provisioner) manager(ctx context.Context, flow, op string, u, manager User) error {
	mgr, err := p.userID(flow, manager.ObjectID)
	if err != nil {
		return err
	}
	return p.patchUser(ctx, flow, u.ObjectID,
		[]patchOp{{Op: p.op(op), Path: managerPath, Value: map[string]any{"value": mgr}}})
}

// RemoveManager clears the user's manager.
func (p *Provisioner) RemoveManager(ctx context.Context, u User) error {
	return p.patchUser(ctx, "remove manager", u.ObjectID, []patchOp{{Op: p.op("remove"), Path: managerPath}})
}

// DeleteUser hard-deletes the user (sent after Entra purges the object,
// idp-wire.md B3.7) and forgets its id.
func (p *Provisioner) DeleteUser(ctx context.Context, u User) error {
	id, err := p.userID("delete user", u.ObjectID)
	if err != nil {
		return err
	}
	c := call{flow: "delete user", want: []int{204}, req: simulator.Request{
		Method: "DELETE", Path: "/Users/" + url.PathEscape(id)}}
	if _, err := p.do(ctx, c); err != nil {
		return err
	}
	p.forget(p.users, u.ObjectID)
	return nil
}
