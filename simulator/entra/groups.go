package entra

import (
	"context"
	"net/url"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson"
)

// Entra never needs group members back, so every group read excludes them
// (idp-wire.md B3.8).
const excludeMembers = "members"

func (p *Provisioner) groupMatchValue(g Group) string {
	if p.opts.GroupMatch == MatchGroupExternalID {
		return g.ObjectID
	}
	return g.DisplayName
}

// MatchGroup queries the target on the group matching attribute and caches
// the id of the match; "" means no match.
func (p *Provisioner) MatchGroup(ctx context.Context, g Group) (string, error) {
	c := call{flow: "match group", want: []int{200}, req: simulator.Request{
		Method: "GET", Path: "/Groups",
		Query: url.Values{
			"excludedAttributes": {excludeMembers},
			"filter":             {p.opts.GroupMatch + " eq " + filterValue(p.groupMatchValue(g))},
		},
	}}
	id, err := p.matchOne(ctx, c, "groups; group displayName must be unique")
	if err == nil && id != "" {
		p.LinkGroup(g.ObjectID, id)
	}
	return id, err
}

// ProvisionGroup matches the group and creates it when nothing matched.
func (p *Provisioner) ProvisionGroup(ctx context.Context, g Group) (id string, created bool, err error) {
	id, err = p.MatchGroup(ctx, g)
	if err != nil || id != "" {
		return id, false, err
	}
	id, err = p.CreateGroup(ctx, g)
	return id, err == nil, err
}

// CreateGroup posts the group without members and with Microsoft's extra
// schema URN (idp-wire.md B3.8, B6.10); members follow by PATCH.
func (p *Provisioner) CreateGroup(ctx context.Context, g Group) (string, error) {
	c := call{flow: "create group", want: []int{201}, req: simulator.Request{
		Method: "POST", Path: "/Groups", Body: map[string]any{
			"schemas":     []string{SchemaGroup, SchemaMSGroup},
			"externalId":  g.ObjectID,
			"displayName": g.DisplayName,
			"meta":        map[string]any{"resourceType": "Group"},
		}}}
	return p.create(ctx, c, func(id string) { p.LinkGroup(g.ObjectID, id) })
}

// GetGroup reads the group back without members and checks it has an id.
func (p *Provisioner) GetGroup(ctx context.Context, g Group) error {
	id, err := p.groupID("get group", g.ObjectID)
	if err != nil {
		return err
	}
	c := call{flow: "get group", want: []int{200}, req: simulator.Request{
		Method: "GET", Path: "/Groups/" + url.PathEscape(id),
		Query: url.Values{"excludedAttributes": {excludeMembers}},
	}}
	resp, err := p.do(ctx, c)
	if err != nil {
		return err
	}
	if scimjson.Get(resp.JSON(), "id").String() != id {
		return shapeError(c, resp, "the group read back does not carry the id it was read by", false)
	}
	return nil
}

func (p *Provisioner) patchGroup(ctx context.Context, flow string, g Group, ops []patchOp) error {
	id, err := p.groupID(flow, g.ObjectID)
	if err != nil {
		return err
	}
	// 204 is what Entra recommends; 200 is accepted (idp-wire.md B4).
	c := call{flow: flow, want: []int{204, 200}, req: simulator.Request{
		Method: "PATCH", Path: "/Groups/" + url.PathEscape(id), Body: patchBody(ops)}}
	_, err = p.do(ctx, c)
	return err
}

// RenameGroup replaces the group's displayName.
func (p *Provisioner) RenameGroup(ctx context.Context, g Group, name string) error {
	return p.patchGroup(ctx, "rename group", g,
		[]patchOp{{Op: p.op("replace"), Path: "displayName", Value: name}})
}

// memberIDs resolves the SCIM ids of users, failing on one never provisioned.
func (p *Provisioner) memberIDs(flow string, users []User) ([]string, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		id, err := p.userID(flow, u.ObjectID)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// batches splits ids into runs of at most n.
func batches(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// AddMembers adds users to the group, batched into PATCHes of at most
// MemberBatch members. The default dialect sends "$ref": null with each
// member, as Entra's samples show.
func (p *Provisioner) AddMembers(ctx context.Context, g Group, users ...User) error {
	ids, err := p.memberIDs("add members", users)
	if err != nil {
		return err
	}
	for _, batch := range batches(ids, p.opts.MemberBatch) {
		members := make([]map[string]any, len(batch))
		for i, id := range batch {
			if p.opts.Dialect == DialectCompliant {
				members[i] = map[string]any{"value": id}
			} else {
				members[i] = map[string]any{"$ref": nil, "value": id}
			}
		}
		if err := p.patchGroup(ctx, "add members", g,
			[]patchOp{{Op: p.op("add"), Path: "members", Value: members}}); err != nil {
			return err
		}
	}
	return nil
}

// RemoveMembers removes users from the group. The default dialect sends the
// non-compliant Remove with a value array; the compliant one a
// members[value eq "id"] path per member (idp-wire.md B3.8).
func (p *Provisioner) RemoveMembers(ctx context.Context, g Group, users ...User) error {
	ids, err := p.memberIDs("remove members", users)
	if err != nil {
		return err
	}
	for _, batch := range batches(ids, p.opts.MemberBatch) {
		var ops []patchOp
		if p.opts.Dialect == DialectCompliant {
			for _, id := range batch {
				ops = append(ops, patchOp{Op: "remove", Path: "members[value eq " + filterValue(id) + "]"})
			}
		} else {
			members := make([]map[string]any, len(batch))
			for i, id := range batch {
				members[i] = map[string]any{"value": id}
			}
			ops = []patchOp{{Op: "Remove", Path: "members", Value: members}}
		}
		if err := p.patchGroup(ctx, "remove members", g, ops); err != nil {
			return err
		}
	}
	return nil
}

// DeleteGroup deletes the group (sent when it leaves scope) and forgets its id.
func (p *Provisioner) DeleteGroup(ctx context.Context, g Group) error {
	id, err := p.groupID("delete group", g.ObjectID)
	if err != nil {
		return err
	}
	c := call{flow: "delete group", want: []int{204}, req: simulator.Request{
		Method: "DELETE", Path: "/Groups/" + url.PathEscape(id)}}
	if _, err := p.do(ctx, c); err != nil {
		return err
	}
	p.forget(p.groups, g.ObjectID)
	return nil
}
