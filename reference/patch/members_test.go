package patch

import (
	"fmt"
	"sort"
	"testing"

	"github.com/scimtest/scimtest/reference/schema"
)

// memberMap is a MemberSet like the store's: a map by value plus order.
type memberMap struct {
	order []string
	byVal map[string]map[string]any
	// ranged counts Range calls, to prove the common forms avoid them.
	ranged int
}

func newMemberMap(elems []any) *memberMap {
	m := &memberMap{byVal: map[string]map[string]any{}}
	for _, e := range elems {
		el := e.(map[string]any)
		v := el["value"].(string)
		m.order = append(m.order, v)
		m.byVal[v] = el
	}
	return m
}

func (m *memberMap) Len() int              { return len(m.byVal) }
func (m *memberMap) Has(value string) bool { _, ok := m.byVal[value]; return ok }
func (m *memberMap) Range(fn func(map[string]any) bool) {
	m.ranged++
	for _, v := range m.order {
		if !fn(m.byVal[v]) {
			return
		}
	}
}

// applyDelta applies d the way a store would and returns the member list.
func (m *memberMap) applyDelta(d MemberDelta) []any {
	keep := map[string]bool{}
	if !d.Cleared {
		for v := range m.byVal {
			keep[v] = true
		}
	}
	for _, v := range d.Removed {
		delete(keep, v)
	}
	var out []any
	for _, v := range m.order {
		if keep[v] {
			out = append(out, m.byVal[v])
		}
	}
	for _, a := range d.Added {
		out = append(out, a)
	}
	return out
}

func TestApplyMembersMatchesApply(t *testing.T) {
	tests := []struct {
		name        string
		ops         string
		wantChanged bool
		wantRange   bool
	}{
		{"add one", `[{"op":"add","path":"members","value":[{"value":"u3","display":"Three"}]}]`, true, false},
		{"add existing", `[{"op":"add","path":"members","value":[{"value":"u1"}]}]`, false, false},
		{"add twice in one request", `[{"op":"add","path":"members","value":[{"value":"u3"},{"value":"u3"}]}]`, true, false},
		{"remove by filter", `[{"op":"remove","path":"members[value eq \"u1\"]"}]`, true, false},
		{"remove absent", `[{"op":"remove","path":"members[value eq \"u9\"]"}]`, false, false},
		{"Entra remove with value", `[{"op":"Remove","path":"members","value":[{"value":"u2"}]}]`, true, false},
		{"remove all", `[{"op":"remove","path":"members"}]`, true, false},
		{"replace all", `[{"op":"replace","path":"members","value":[{"value":"u2"},{"value":"u4"}]}]`, true, false},
		{"add then remove same", `[{"op":"add","path":"members","value":[{"value":"u5"}]},{"op":"remove","path":"members[value eq \"u5\"]"}]`, false, false},
		{"remove then add back", `[{"op":"remove","path":"members[value eq \"u1\"]"},{"op":"add","path":"members","value":[{"value":"u1"}]}]`, true, false},
		{"pathless with rename", `[{"op":"replace","value":{"id":"g1","displayName":"New"}},{"op":"add","value":{"members":[{"value":"u7"}]}}]`, true, false},
		{"remove by other filter", `[{"op":"remove","path":"members[display eq \"one\"]"}]`, true, true},
		// Rare forms read the whole list and report a change conservatively.
		{"remove sub-attribute of a member", `[{"op":"remove","path":"members[value eq \"u2\"].display"}]`, true, true},
		{"clear then add", `[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"u1"}]}]`, true, false},
	}
	reg := schema.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := ParseRequest(body(tt.ops))
			if err != nil {
				t.Fatal(err)
			}
			full := decode(t, groupJSON)
			want, wantErr := Apply(reg, "Group", full, ops)

			set := newMemberMap(full["members"].([]any))
			res, err := ApplyMembers(reg, "Group", full, set, ops)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("ApplyMembers err = %v, Apply err = %v", err, wantErr)
			}
			if err != nil {
				return
			}
			if _, has := res.Resource["members"]; has {
				t.Error("Result.Resource holds members")
			}
			got := res.Resource
			if list := set.applyDelta(res.Members); len(list) > 0 {
				got["members"] = list
			}
			if g, w := encode(t, sortedMembers(got)), encode(t, sortedMembers(want)); g != w {
				t.Errorf("ApplyMembers gives %s\nApply gives       %s", g, w)
			}
			if res.Changed != tt.wantChanged {
				t.Errorf("Changed = %v, want %v (delta %+v)", res.Changed, tt.wantChanged, res.Members)
			}
			if (set.ranged > 0) != tt.wantRange {
				t.Errorf("Range called %d times; want calls: %v", set.ranged, tt.wantRange)
			}
		})
	}
}

// sortedMembers orders members by value: a delta may reorder them.
func sortedMembers(res map[string]any) map[string]any {
	list, _ := res["members"].([]any)
	s := append([]any(nil), list...)
	sort.Slice(s, func(i, j int) bool {
		return s[i].(map[string]any)["value"].(string) < s[j].(map[string]any)["value"].(string)
	})
	c := copyMap(res)
	if len(s) > 0 {
		c["members"] = s
	}
	return c
}

func TestApplyMembersErrors(t *testing.T) {
	reg := schema.Default()
	set := newMemberMap(nil)
	ops := []Operation{{Op: OpAdd, Path: "members", Value: []any{map[string]any{"display": "no value"}}, HasValue: true}}
	_, err := ApplyMembers(reg, "Group", map[string]any{"schemas": []any{schema.GroupURN}, "displayName": "G"}, set, ops)
	wantError(t, err, "invalidValue")
	res, err := ApplyMembers(reg, "User", decode(t, userJSON), nil, []Operation{{Op: OpReplace, Path: "nickName", Value: "Babs", HasValue: true}})
	if err != nil || res.Changed {
		t.Errorf("no-op replace: Changed = %v, err = %v; want false, nil", res != nil && res.Changed, err)
	}
}

func bigGroup(n int) (map[string]any, *memberMap) {
	members := make([]any, n)
	for i := range members {
		members[i] = map[string]any{"value": fmt.Sprintf("user-%06d", i), "type": "User"}
	}
	g := map[string]any{"schemas": []any{schema.GroupURN}, "id": "g1", "displayName": "Big"}
	return g, newMemberMap(members)
}

func BenchmarkApplyMembersAddOneTo50k(b *testing.B) {
	reg := schema.Default()
	g, set := bigGroup(50000)
	ops, err := ParseRequest(body(`[{"op":"add","path":"members","value":[{"value":"new-user"}]}]`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := ApplyMembers(reg, "Group", g, set, ops)
		if err != nil || len(res.Members.Added) != 1 {
			b.Fatalf("res = %+v, err = %v", res, err)
		}
	}
}

func BenchmarkApplyMembersRemoveOneFrom50k(b *testing.B) {
	reg := schema.Default()
	g, set := bigGroup(50000)
	ops, err := ParseRequest(body(`[{"op":"remove","path":"members[value eq \"user-025000\"]"}]`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := ApplyMembers(reg, "Group", g, set, ops)
		if err != nil || len(res.Members.Removed) != 1 {
			b.Fatalf("res = %+v, err = %v", res, err)
		}
	}
}

// BenchmarkApplyAddOneTo50k is the copying path, for comparison.
func BenchmarkApplyAddOneTo50k(b *testing.B) {
	reg := schema.Default()
	g, set := bigGroup(50000)
	var list []any
	set.Range(func(m map[string]any) bool { list = append(list, m); return true })
	g["members"] = list
	ops, err := ParseRequest(body(`[{"op":"add","path":"members","value":[{"value":"new-user"}]}]`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Apply(reg, "Group", g, ops); err != nil {
			b.Fatal(err)
		}
	}
}
