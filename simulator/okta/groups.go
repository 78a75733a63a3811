package okta

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson"
	"github.com/tidwall/gjson"
)

// member is one entry of a group's members (RFC 7643, Section 4.2): value
// is the SCIM user id Okta stored, display the Okta username.
type member struct {
	Value   string  `json:"value"`
	Display *string `json:"display"`
}

// PushGroup is "Push Groups" for one group (idp-wire.md A3.9): a displayName
// lookup; a link when found, else a create with "members": []; then the
// members. An OIN app sends the members as one membership PATCH; an AIW app
// follows the create with GET and a full-member PUT. memberOktaIDs are
// Okta user ids of assigned users. It returns the SCIM group id.
func (p *Provisioner) PushGroup(ctx context.Context, g fixtures.Group, memberOktaIDs []string) (string, error) {
	const flow = "push group"
	ms, err := p.members(memberOktaIDs)
	if err != nil {
		return "", err
	}
	found, err := p.lookupGroup(ctx, flow, g.DisplayName)
	if err != nil {
		return "", err
	}
	var id string
	created := false
	if len(found) > 0 {
		id = scimjson.Get(found[0], "id").String()
	} else {
		if id, err = p.createGroup(ctx, flow, g.DisplayName); err != nil {
			return "", err
		}
		created = true
	}
	p.mu.Lock()
	p.groups[g.OktaID] = groupState{scimID: id, displayName: g.DisplayName, members: map[string]struct{}{}}
	p.mu.Unlock()

	if p.cfg.Dialect == DialectAIW {
		if created {
			// The lab log shows filter → POST → GET → PUT per pushed group.
			get := step{flow: flow, name: "get", doing: "getting group " + g.DisplayName,
				req: simulator.Request{Method: http.MethodGet, Path: "/Groups/" + id}, ok: []int{http.StatusOK}}
			if _, err := p.send(ctx, get); err != nil {
				return id, err
			}
		}
		return id, p.putGroup(ctx, flow, g.OktaID, g.DisplayName, memberOktaIDs, nil)
	}
	if len(ms) == 0 {
		return id, nil
	}
	return id, p.patchMembers(ctx, flow, g.OktaID, memberOktaIDs, nil, false)
}

// lookupGroup runs the displayName lookup that starts a group push
// (idp-wire.md A3.9); a 404 counts as no match.
func (p *Provisioner) lookupGroup(ctx context.Context, flow, name string) ([]gjson.Result, error) {
	q := p.filterQuery("displayName", name)
	if !p.cfg.GroupLookupNoPaging {
		q += "&startIndex=1&count=100"
	}
	s := step{flow: flow, name: "lookup", doing: fmt.Sprintf("verifying if group %s exists", name),
		req: simulator.Request{Method: http.MethodGet, Path: "/Groups", RawQuery: q},
		ok:  []int{http.StatusOK}, notFoundOK: true}
	return p.lookup(ctx, s, "group", "id")
}

func (p *Provisioner) createGroup(ctx context.Context, flow, name string) (string, error) {
	body, err := jsonMarshal(struct {
		Schemas     []string `json:"schemas"`
		DisplayName string   `json:"displayName"`
		Members     []member `json:"members"`
	}{[]string{SchemaGroup}, name, []member{}})
	if err != nil {
		return "", fmt.Errorf("okta: encode group %q: %w", name, err)
	}
	s := step{flow: flow, name: "create", doing: "creating group " + name,
		req: simulator.Request{Method: http.MethodPost, Path: "/Groups", Body: body},
		ok:  []int{http.StatusCreated}}
	resp, err := p.send(ctx, s)
	if err != nil {
		return "", err
	}
	g, err := jsonBody(s, resp, fmt.Sprintf("Error while %s: Create new group returned empty group.", s.doing))
	if err != nil {
		return "", err
	}
	id := scimjson.Get(g, "id").String()
	if id == "" {
		return "", shapeError(s, resp, fmt.Sprintf("Error while %s: Create new group returned a group without an id.", s.doing))
	}
	return id, nil
}

// members resolves Okta user ids to SCIM members.
func (p *Provisioner) members(oktaIDs []string) ([]member, error) {
	out := make([]member, 0, len(oktaIDs))
	for _, oid := range oktaIDs {
		u, err := p.user(oid)
		if err != nil {
			return nil, err
		}
		display := u.userName
		out = append(out, member{Value: u.scimID, Display: &display})
	}
	return out, nil
}

// UpdateMembers pushes a membership change (idp-wire.md A3.9). OIN: one
// PATCH with a remove operation per removed member, addressed as
// members[value eq "id"], and one add operation carrying every added
// member, with the rename Okta sends beside it (see [Config].RenameBeside).
// AIW: a PUT of the full member list.
func (p *Provisioner) UpdateMembers(ctx context.Context, oktaGroupID string, add, remove []string) error {
	const flow = "update group members"
	if p.cfg.Dialect == DialectAIW {
		st, err := p.group(oktaGroupID)
		if err != nil {
			return err
		}
		return p.putGroup(ctx, flow, oktaGroupID, st.displayName, add, remove)
	}
	return p.patchMembers(ctx, flow, oktaGroupID, add, remove, false)
}

// ReplaceMembers is a full push of the member list: OIN sends
// {"op":"replace","path":"members"}, AIW a full PUT.
func (p *Provisioner) ReplaceMembers(ctx context.Context, oktaGroupID string, oktaIDs []string) error {
	const flow = "replace group members"
	st, err := p.group(oktaGroupID)
	if err != nil {
		return err
	}
	drop := slices.Collect(maps.Keys(st.members))
	if p.cfg.Dialect == DialectAIW {
		return p.putGroup(ctx, flow, oktaGroupID, st.displayName, oktaIDs, drop)
	}
	return p.patchMembers(ctx, flow, oktaGroupID, oktaIDs, drop, true)
}

// patchMembers sends the OIN membership PATCH and the rename beside it.
func (p *Provisioner) patchMembers(ctx context.Context, flow, oktaGroupID string, add, remove []string, replace bool) error {
	st, err := p.group(oktaGroupID)
	if err != nil {
		return err
	}
	adds, err := p.members(add)
	if err != nil {
		return err
	}
	var ops []patchOp
	if replace {
		ops = append(ops, patchOp{Op: "replace", Path: "members", Value: adds})
	} else {
		for _, oid := range remove {
			// A removed member may have been unassigned already; Okta still
			// knows the SCIM id it stored.
			id, ok := p.UserID(oid)
			if !ok {
				return fmt.Errorf("okta %s: remove %s: %w", flow, oid, ErrNotLinked)
			}
			ops = append(ops, patchOp{Op: "remove", Path: fmt.Sprintf("members[value eq %s]", quote(id))})
		}
		if len(adds) > 0 {
			ops = append(ops, patchOp{Op: "add", Path: "members", Value: adds})
		}
	}
	rename := p.renameOp(st.scimID, st.displayName)
	switch p.cfg.RenameBeside {
	case RenameBefore:
		if err := p.patchGroup(ctx, flow, "rename", "renaming group "+st.displayName, st.scimID, rename); err != nil {
			return err
		}
	case RenameInline:
		ops = append(ops, rename)
	}
	if len(ops) > 0 {
		if err := p.patchGroup(ctx, flow, "patch members", "updating the members of group "+st.displayName, st.scimID, ops...); err != nil {
			return err
		}
	}
	if p.cfg.RenameBeside == RenameAfter {
		if err := p.patchGroup(ctx, flow, "rename", "renaming group "+st.displayName, st.scimID, rename); err != nil {
			return err
		}
	}
	p.applyMembers(oktaGroupID, add, remove)
	return nil
}

// renameOp is Okta's pathless rename whose value carries the group id
// (idp-wire.md A3.9, A6.2).
func (p *Provisioner) renameOp(id, name string) patchOp {
	v := renameValue{ID: id, DisplayName: name}
	if p.cfg.RenameOmitsID {
		v.ID = ""
	}
	return patchOp{Op: "replace", Value: v}
}

// renameValue keeps Okta's key order: id, then displayName.
type renameValue struct {
	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName"`
}

func (p *Provisioner) patchGroup(ctx context.Context, flow, name, doing, id string, ops ...patchOp) error {
	body, err := patchBody(ops...)
	if err != nil {
		return err
	}
	s := step{flow: flow, name: name, doing: doing, patch: true,
		req: simulator.Request{Method: http.MethodPatch, Path: "/Groups/" + id, Body: body},
		ok:  []int{http.StatusOK, http.StatusNoContent}}
	_, err = p.send(ctx, s)
	return err
}

// putGroup sends the AIW full-member PUT with add applied and remove taken
// out of the members Okta knows.
func (p *Provisioner) putGroup(ctx context.Context, flow, oktaGroupID, name string, add, remove []string) error {
	st, err := p.group(oktaGroupID)
	if err != nil {
		return err
	}
	next := maps.Clone(st.members)
	for _, oid := range remove {
		delete(next, oid)
	}
	for _, oid := range add {
		next[oid] = struct{}{}
	}
	ms, err := p.members(slices.Collect(maps.Keys(next)))
	if err != nil {
		return err
	}
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.Value, b.Value) })
	if p.cfg.NullMemberDisplay {
		for i := range ms {
			ms[i].Display = nil
		}
	}
	type putBody struct {
		Schemas     []string `json:"schemas"`
		ID          string   `json:"id,omitempty"`
		DisplayName string   `json:"displayName"`
		Members     []member `json:"members"`
	}
	b := putBody{Schemas: []string{SchemaGroup}, ID: st.scimID, DisplayName: name, Members: ms}
	if p.cfg.AIWPutOmitsID {
		b.ID = ""
	}
	body, err := jsonMarshal(b)
	if err != nil {
		return fmt.Errorf("okta: encode group %q: %w", name, err)
	}
	s := step{flow: flow, name: "put", doing: "updating group " + name,
		req: simulator.Request{Method: http.MethodPut, Path: "/Groups/" + st.scimID, Body: body},
		ok:  []int{http.StatusOK}}
	if _, err := p.send(ctx, s); err != nil {
		return err
	}
	p.mu.Lock()
	if g, ok := p.groups[oktaGroupID]; ok {
		g.members, g.displayName = next, name
		p.groups[oktaGroupID] = g
	}
	p.mu.Unlock()
	return nil
}

func (p *Provisioner) applyMembers(oktaGroupID string, add, remove []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.groups[oktaGroupID]
	if !ok {
		return
	}
	next := maps.Clone(g.members)
	for _, oid := range remove {
		delete(next, oid)
	}
	for _, oid := range add {
		next[oid] = struct{}{}
	}
	g.members = next
	p.groups[oktaGroupID] = g
}

// RenameGroup pushes a new displayName (idp-wire.md A3.9): OIN sends the
// pathless rename PATCH carrying the group id; AIW a full PUT.
func (p *Provisioner) RenameGroup(ctx context.Context, oktaGroupID, newName string) error {
	const flow = "rename group"
	st, err := p.group(oktaGroupID)
	if err != nil {
		return err
	}
	if p.cfg.Dialect == DialectAIW {
		return p.putGroup(ctx, flow, oktaGroupID, newName, nil, nil)
	}
	if err := p.patchGroup(ctx, flow, "rename", "renaming group "+st.displayName, st.scimID, p.renameOp(st.scimID, newName)); err != nil {
		return err
	}
	p.mu.Lock()
	if g, ok := p.groups[oktaGroupID]; ok {
		g.displayName = newName
		p.groups[oktaGroupID] = g
	}
	p.mu.Unlock()
	return nil
}

// UnlinkGroup unlinks a pushed group (idp-wire.md A3.9). With del, the
// admin chose "Delete the group in the target app": DELETE /Groups/{id},
// expecting 204; without, Okta sends nothing. Okta forgets the group either
// way.
func (p *Provisioner) UnlinkGroup(ctx context.Context, oktaGroupID string, del bool) error {
	st, err := p.group(oktaGroupID)
	if err != nil {
		return err
	}
	if del {
		s := step{flow: "unlink group", name: "delete", doing: "deleting group " + st.displayName,
			req: simulator.Request{Method: http.MethodDelete, Path: "/Groups/" + st.scimID},
			ok:  []int{http.StatusNoContent}}
		if _, err := p.send(ctx, s); err != nil {
			return err
		}
	}
	p.mu.Lock()
	delete(p.groups, oktaGroupID)
	p.mu.Unlock()
	return nil
}

// CheckGroup is Okta's "check group still exists" (idp-wire.md A3.9):
// GET /Groups/{id}, which must answer 200; a 404 is an [ErrGone] error.
func (p *Provisioner) CheckGroup(ctx context.Context, oktaGroupID string) error {
	st, err := p.group(oktaGroupID)
	if err != nil {
		return err
	}
	s := step{flow: "check group", name: "get", doing: "checking group " + st.displayName,
		req: simulator.Request{Method: http.MethodGet, Path: "/Groups/" + st.scimID}, ok: []int{http.StatusOK}}
	resp, err := p.send(ctx, s)
	if err != nil {
		return err
	}
	_, err = jsonBody(s, resp, fmt.Sprintf("Error while %s: empty response", s.doing))
	return err
}
