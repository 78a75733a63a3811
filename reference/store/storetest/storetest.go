// Package storetest is the conformance test every [store.Store]
// implementation must pass: call [Run] from the implementation's tests with a
// constructor that returns a fresh, empty store.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/reference/store"
)

// Run runs every conformance subtest, each on a store from newStore.
func Run(t *testing.T, newStore func() store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CreateGet", testCreateGet},
		{"UniqueKey", testUniqueKey},
		{"ReplaceVersion", testReplaceVersion},
		{"DeleteFreesKey", testDeleteFreesKey},
		{"ExternalID", testExternalID},
		{"ScanOrder", testScanOrder},
		{"ScanDoesNotBlockWriters", testScanDoesNotBlockWriters},
		{"Members", testMembers},
		{"InvalidMember", testInvalidMember},
		{"DeleteLeavesGroups", testDeleteLeavesGroups},
		{"ConcurrentMembers", testConcurrentMembers},
		{"ConcurrentCAS", testConcurrentCAS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore()) })
	}
}

var ctx = context.Background()

// body encodes key/value pairs as a resource body.
func body(t *testing.T, kv ...any) []byte {
	t.Helper()
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	b, err := store.EncodeBody(m)
	if err != nil {
		t.Fatalf("encode body: %v", err)
	}
	return b
}

// attr decodes r's body and returns one attribute (nil when absent).
func attr(t *testing.T, r *store.Resource, name string) any {
	t.Helper()
	m, err := r.Attrs()
	if err != nil {
		t.Fatalf("decode %s: %v", r.ID, err)
	}
	return m[name]
}

func user(t *testing.T, s store.Store, key string) *store.Resource {
	t.Helper()
	r, err := s.Create(ctx, &store.Resource{Type: "User", Key: key, Body: body(t, "userName", key)}, nil)
	if err != nil {
		t.Fatalf("create user %q: %v", key, err)
	}
	return r
}

func group(t *testing.T, s store.Store, name string, members ...store.Member) *store.Resource {
	t.Helper()
	r, err := s.Create(ctx, &store.Resource{Type: "Group", Key: name, Body: body(t, "displayName", name)}, members)
	if err != nil {
		t.Fatalf("create group %q: %v", name, err)
	}
	return r
}

func testCreateGet(t *testing.T, s store.Store) {
	u := user(t, s, "alice")
	if u.ID == "" || u.Version != 1 || u.Created.IsZero() || !u.Modified.Equal(u.Created) {
		t.Fatalf("created %+v: want id, version 1, created == modified", u)
	}
	got, err := s.Get(ctx, "User", u.ID, false)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if attr(t, got, "userName") != "alice" || got.ID != u.ID {
		t.Errorf("get = %+v, want alice", got)
	}
	if _, err := s.Get(ctx, "Group", u.ID, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get with wrong type: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "User", "nope", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get unknown: err = %v, want ErrNotFound", err)
	}
	if v, err := s.FindByKey(ctx, "User", "alice"); err != nil || v.ID != u.ID {
		t.Errorf("FindByKey = %v, %v", v, err)
	}
	if n, err := s.Len(ctx, "User"); err != nil || n != 1 {
		t.Errorf("Len = %d, %v; want 1", n, err)
	}
}

func testUniqueKey(t *testing.T, s store.Store) {
	a := user(t, s, "alice")
	if _, err := s.Create(ctx, &store.Resource{Type: "User", Key: "alice"}, nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate create: err = %v, want ErrConflict", err)
	}
	// The same key in another type is no conflict.
	group(t, s, "alice")
	b := user(t, s, "bob")
	nb := *b
	nb.Key = "alice"
	if _, err := s.Replace(ctx, &nb, nil, true, store.Any); !errors.Is(err, store.ErrConflict) {
		t.Errorf("replace onto taken key: err = %v, want ErrConflict", err)
	}
	na := *a
	na.Key = "alice2"
	if _, err := s.Replace(ctx, &na, nil, true, store.Any); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if _, err := s.FindByKey(ctx, "User", "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old key still indexed: %v", err)
	}
	user(t, s, "alice")
}

func testReplaceVersion(t *testing.T, s store.Store) {
	u := user(t, s, "alice")
	nu := *u
	nu.Body = body(t, "userName", "alice", "title", "x")
	if _, err := s.Replace(ctx, &nu, nil, true, 7); !errors.Is(err, store.ErrVersionMismatch) {
		t.Errorf("replace at wrong version: err = %v, want ErrVersionMismatch", err)
	}
	r, err := s.Replace(ctx, &nu, nil, true, 1)
	if err != nil {
		t.Fatalf("replace at version 1: %v", err)
	}
	if r.Version != 2 || !r.Created.Equal(u.Created) || !r.Modified.After(u.Modified) || attr(t, r, "title") != "x" {
		t.Errorf("replaced = %+v", r)
	}
	// The old snapshot is untouched.
	if u.Version != 1 || attr(t, u, "title") != nil {
		t.Errorf("old snapshot changed: %+v", u)
	}
	if err := s.Delete(ctx, "User", u.ID, 1); !errors.Is(err, store.ErrVersionMismatch) {
		t.Errorf("delete at wrong version: %v", err)
	}
}

func testDeleteFreesKey(t *testing.T, s store.Store) {
	u := user(t, s, "alice")
	if err := s.Delete(ctx, "User", u.ID, store.Any); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := s.Delete(ctx, "User", u.ID, store.Any); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "User", u.ID, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get deleted: err = %v", err)
	}
	user(t, s, "alice")
	if n, _ := s.Len(ctx, "User"); n != 1 {
		t.Errorf("Len = %d, want 1", n)
	}
}

func testExternalID(t *testing.T, s store.Store) {
	a, err := s.Create(ctx, &store.Resource{Type: "User", Key: "a", ExternalID: "X"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(ctx, &store.Resource{Type: "User", Key: "b", ExternalID: "X"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.FindByExternalID(ctx, "User", "X")
	if err != nil || len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
		t.Fatalf("FindByExternalID = %v, %v", got, err)
	}
	if err := s.Delete(ctx, "User", a.ID, store.Any); err != nil {
		t.Fatal(err)
	}
	nb := *b
	nb.ExternalID = "Y"
	if _, err := s.Replace(ctx, &nb, nil, true, store.Any); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindByExternalID(ctx, "User", "X"); len(got) != 0 {
		t.Errorf("X still indexed: %v", got)
	}
	if got, _ := s.FindByExternalID(ctx, "User", "Y"); len(got) != 1 {
		t.Errorf("Y = %v", got)
	}
}

func testScanOrder(t *testing.T, s store.Store) {
	var want []string
	for i := range 100 {
		want = append(want, user(t, s, fmt.Sprint("u", i)).ID)
	}
	for i := 0; i < 100; i += 3 {
		if err := s.Delete(ctx, "User", want[i], store.Any); err != nil {
			t.Fatal(err)
		}
	}
	var live []string
	for i, id := range want {
		if i%3 != 0 {
			live = append(live, id)
		}
	}
	want = live
	var got []string
	if err := s.Scan(ctx, "User", func(r *store.Resource) bool { got = append(got, r.ID); return true }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("scan order = %d ids, want %d in creation order", len(got), len(want))
	}
	n := 0
	_ = s.Scan(ctx, "User", func(*store.Resource) bool { n++; return n < 5 })
	if n != 5 {
		t.Errorf("scan did not stop: %d", n)
	}
}

// testScanDoesNotBlockWriters orders a write inside a scan: while fn is
// running for the first resource, another goroutine creates, replaces and
// deletes resources, and the scan waits for it to finish. A store that held
// its lock across fn would deadlock here; the timer only turns that hang
// into a failure.
func testScanDoesNotBlockWriters(t *testing.T, s store.Store) {
	first := user(t, s, "scan-a")
	second := user(t, s, "scan-b")
	third := user(t, s, "scan-c")
	var seen []*store.Resource
	err := s.Scan(ctx, "User", func(r *store.Resource) bool {
		seen = append(seen, r)
		if len(seen) > 1 {
			return true
		}
		done := make(chan error, 1)
		go func() {
			if _, err := s.Create(ctx, &store.Resource{Type: "User", Key: "scan-new", Body: body(t, "userName", "scan-new")}, nil); err != nil {
				done <- err
				return
			}
			next := *second
			next.Body = body(t, "userName", "scan-b", "title", "changed")
			if _, err := s.Replace(ctx, &next, nil, true, second.Version); err != nil {
				done <- err
				return
			}
			done <- s.Delete(ctx, "User", third.ID, store.Any)
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("write during scan: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("a write during Scan did not complete: the scan blocks writers")
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scan sees the first resource, the second in its latest state, and
	// not the third, deleted before the scan reached it.
	if len(seen) < 2 || seen[0].ID != first.ID || seen[1].ID != second.ID || attr(t, seen[1], "title") != "changed" {
		t.Fatalf("scan saw %d resources, want %s then %s at version 2", len(seen), first.ID, second.ID)
	}
	for _, r := range seen {
		if r.ID == third.ID {
			t.Errorf("scan visited %s, deleted before the scan reached it", r.ID)
		}
	}
}

func values(ms []store.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Value
	}
	return out
}

func testMembers(t *testing.T, s store.Store) {
	a, b, c := user(t, s, "a"), user(t, s, "b"), user(t, s, "c")
	g := group(t, s, "g", store.Member{Value: a.ID, Display: "A"}, store.Member{Value: a.ID})
	if g.MemberCount != 1 {
		t.Errorf("duplicate member not dropped: count %d", g.MemberCount)
	}
	inner := group(t, s, "inner")
	r, err := s.UpdateMembers(ctx, g.ID, []store.Member{{Value: b.ID}, {Value: c.ID}, {Value: inner.ID}}, []string{a.ID, "absent"}, g.Version)
	if err != nil {
		t.Fatalf("update members: %v", err)
	}
	if r.Version != g.Version+1 || r.MemberCount != 3 {
		t.Errorf("after update: %+v", r)
	}
	full, err := s.Get(ctx, "Group", g.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{b.ID, c.ID, inner.ID}; !slices.Equal(values(full.Members), want) {
		t.Errorf("members = %v, want %v", values(full.Members), want)
	}
	if full.Members[2].Type != "Group" || full.Members[0].Type != "User" {
		t.Errorf("member types = %+v", full.Members)
	}
	gs, err := s.GroupsOf(ctx, b.ID)
	if err != nil || len(gs) != 1 || gs[0].ID != g.ID || gs[0].Display != "g" {
		t.Errorf("GroupsOf(b) = %v, %v", gs, err)
	}
	if gs, _ := s.GroupsOf(ctx, a.ID); len(gs) != 0 {
		t.Errorf("GroupsOf(a) = %v, want none", gs)
	}
	same, err := s.UpdateMembers(ctx, g.ID, []store.Member{{Value: b.ID}}, []string{"absent"}, store.Any)
	if err != nil || same.Version != r.Version || !same.Modified.Equal(r.Modified) {
		t.Errorf("no-op update changed version %d → %d (%v)", r.Version, same.Version, err)
	}
	if _, err := s.UpdateMembers(ctx, g.ID, nil, []string{b.ID}, 1); !errors.Is(err, store.ErrVersionMismatch) {
		t.Errorf("stale update: %v", err)
	}
	// Replace with new members rewires the reverse index.
	ng := *full
	if _, err := s.Replace(ctx, &ng, []store.Member{{Value: a.ID}}, false, store.Any); err != nil {
		t.Fatal(err)
	}
	if gs, _ := s.GroupsOf(ctx, b.ID); len(gs) != 0 {
		t.Errorf("GroupsOf(b) after replace = %v", gs)
	}
	if gs, _ := s.GroupsOf(ctx, a.ID); len(gs) != 1 {
		t.Errorf("GroupsOf(a) after replace = %v", gs)
	}
}

func testInvalidMember(t *testing.T, s store.Store) {
	if _, err := s.Create(ctx, &store.Resource{Type: "Group", Key: "g"}, []store.Member{{Value: "ghost"}}); !errors.Is(err, store.ErrInvalidMember) {
		t.Errorf("create with ghost: %v", err)
	}
	g := group(t, s, "g")
	if _, err := s.UpdateMembers(ctx, g.ID, []store.Member{{Value: g.ID}}, nil, store.Any); !errors.Is(err, store.ErrInvalidMember) {
		t.Errorf("self-membership: %v", err)
	}
	if r, _ := s.Get(ctx, "Group", g.ID, false); r.Version != 1 {
		t.Errorf("failed update changed version to %d", r.Version)
	}
}

func testDeleteLeavesGroups(t *testing.T, s store.Store) {
	a, b := user(t, s, "a"), user(t, s, "b")
	g1 := group(t, s, "g1", store.Member{Value: a.ID}, store.Member{Value: b.ID})
	g2 := group(t, s, "g2", store.Member{Value: a.ID}, store.Member{Value: g1.ID})
	if err := s.Delete(ctx, "User", a.ID, store.Any); err != nil {
		t.Fatal(err)
	}
	r1, _ := s.Get(ctx, "Group", g1.ID, true)
	if !slices.Equal(values(r1.Members), []string{b.ID}) || r1.Version != 2 {
		t.Errorf("g1 after deleting a: %v version %d", values(r1.Members), r1.Version)
	}
	if err := s.Delete(ctx, "Group", g1.ID, store.Any); err != nil {
		t.Fatal(err)
	}
	r2, _ := s.Get(ctx, "Group", g2.ID, true)
	if len(r2.Members) != 0 {
		t.Errorf("g2 still has %v", values(r2.Members))
	}
	if gs, _ := s.GroupsOf(ctx, b.ID); len(gs) != 0 {
		t.Errorf("b still in %v", gs)
	}
}

func testConcurrentMembers(t *testing.T, s store.Store) {
	g := group(t, s, "g")
	const n = 200
	ids := make([]string, n)
	for i := range ids {
		ids[i] = user(t, s, fmt.Sprint("u", i)).ID
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			if _, err := s.UpdateMembers(ctx, g.ID, []store.Member{{Value: id}}, nil, store.Any); err != nil {
				t.Errorf("add %s: %v", id, err)
			}
		})
	}
	wg.Wait()
	r, _ := s.Get(ctx, "Group", g.ID, true)
	got := values(r.Members)
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) || r.Version != n+1 {
		t.Errorf("after %d concurrent adds: %d members, version %d", n, len(got), r.Version)
	}
}

func testConcurrentCAS(t *testing.T, s store.Store) {
	u := user(t, s, "alice")
	const workers, increments = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for range workers {
		wg.Go(func() {
			for done := 0; done < increments; {
				cur, err := s.Get(ctx, "User", u.ID, false)
				if err != nil {
					t.Error(err)
					return
				}
				// Not attr and body: they may call t.Fatalf, which must not
				// run outside the test goroutine.
				n := gjson.GetBytes(cur.Body, "n").Int()
				next := *cur
				next.Body = []byte(fmt.Sprintf(`{"n":%d,"userName":"alice"}`, n+1))
				_, err = s.Replace(ctx, &next, nil, true, cur.Version)
				switch {
				case errors.Is(err, store.ErrVersionMismatch):
					mu.Lock()
					conflicts++
					mu.Unlock()
				case err != nil:
					t.Error(err)
					return
				default:
					done++
				}
			}
		})
	}
	wg.Wait()
	r, _ := s.Get(ctx, "User", u.ID, false)
	if n := attr(t, r, "n"); n != json.Number(strconv.Itoa(workers*increments)) || r.Version != workers*increments+1 {
		t.Errorf("n = %v version %d, want %d (conflicts %d)", n, r.Version, workers*increments, conflicts)
	}
}
