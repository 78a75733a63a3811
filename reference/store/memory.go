package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"
)

// Memory is the in-memory [Store]: one lock, hash indexes for id, Key and
// ExternalID, an insertion-ordered member set per group and a reverse
// membership index. Create it with [NewMemory].
//
// Scan holds the lock only to read the creation-order slice: the slice is
// append-only (compaction builds a new one) and each entry's current
// snapshot and deleted flag are atomic, so a long filter scan does not block
// writers.
type Memory struct {
	mu    sync.RWMutex
	now   func() time.Time
	byID  map[string]*entry              // every resource, any type
	types map[string]*typeIndex          // per resource type
	memOf map[string]map[string]struct{} // member id → ids of groups holding it
}

// typeIndex keeps one resource type's creation order and lookup indexes.
type typeIndex struct {
	order []*entry // creation order; deleted entries are compacted lazily
	dead  int      // deleted entries still in order
	byKey map[string]*entry
	byExt map[string][]*entry
}

// entry is one stored resource. res and deleted are atomic because Scan
// reads them without the lock; they change only under m.mu.
type entry struct {
	res     atomic.Pointer[Resource]
	members *memberSet // non-nil for groups; guarded by m.mu
	deleted atomic.Bool
}

func newEntry(r *Resource, members *memberSet) *entry {
	e := &entry{members: members}
	e.res.Store(r)
	return e
}

// memberSet is an insertion-ordered set of members keyed by value: O(1) add,
// remove and lookup; removal leaves a hole that compaction reclaims.
type memberSet struct {
	pos   map[string]int // value → index in list
	list  []Member       // holes have Value == ""
	holes int
}

func newMemberSet() *memberSet { return &memberSet{pos: map[string]int{}} }

func (s *memberSet) add(m Member) bool {
	if _, ok := s.pos[m.Value]; ok {
		return false
	}
	s.pos[m.Value] = len(s.list)
	s.list = append(s.list, m)
	return true
}

func (s *memberSet) remove(v string) bool {
	i, ok := s.pos[v]
	if !ok {
		return false
	}
	delete(s.pos, v)
	s.list[i] = Member{}
	s.holes++
	// Compact when holes dominate, so the amortised cost stays O(1).
	if s.holes > 32 && s.holes*2 > len(s.list) {
		live := make([]Member, 0, len(s.pos))
		for _, m := range s.list {
			if m.Value != "" {
				s.pos[m.Value] = len(live)
				live = append(live, m)
			}
		}
		s.list, s.holes = live, 0
	}
	return true
}

func (s *memberSet) len() int { return len(s.pos) }

func (s *memberSet) snapshot() []Member {
	out := make([]Member, 0, len(s.pos))
	for _, m := range s.list {
		if m.Value != "" {
			out = append(out, m)
		}
	}
	return out
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{
		now:   time.Now,
		byID:  map[string]*entry{},
		types: map[string]*typeIndex{},
		memOf: map[string]map[string]struct{}{},
	}
}

var _ Store = (*Memory)(nil)

func (m *Memory) typ(t string) *typeIndex {
	ti := m.types[t]
	if ti == nil {
		ti = &typeIndex{byKey: map[string]*entry{}, byExt: map[string][]*entry{}}
		m.types[t] = ti
	}
	return ti
}

// newID returns a random RFC 4122 version 4 UUID.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: generate id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// Create implements [Store].
func (m *Memory) Create(ctx context.Context, r *Resource, members []Member) (*Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ti := m.typ(r.Type)
	if r.Key != "" {
		if _, dup := ti.byKey[r.Key]; dup {
			return nil, fmt.Errorf("create %s %q: %w", r.Type, r.Key, ErrConflict)
		}
	}
	var set *memberSet
	if members != nil || r.Type == "Group" {
		set = newMemberSet()
		resolved, err := m.resolveMembers(id, members)
		if err != nil {
			return nil, err
		}
		for _, mb := range resolved {
			set.add(mb)
		}
	}
	now := m.now()
	nr := *r
	nr.ID, nr.Version, nr.Created, nr.Modified, nr.Members = id, 1, now, now, nil
	e := newEntry(&nr, set)
	if set != nil {
		nr.MemberCount = set.len()
		for _, mb := range set.list {
			m.link(mb.Value, id)
		}
	}
	m.byID[id] = e
	ti.order = append(ti.order, e)
	if nr.Key != "" {
		ti.byKey[nr.Key] = e
	}
	if nr.ExternalID != "" {
		ti.byExt[nr.ExternalID] = append(ti.byExt[nr.ExternalID], e)
	}
	return &nr, nil
}

// resolveMembers checks that each member exists, sets its Type, and drops
// duplicates. Caller holds m.mu.
func (m *Memory) resolveMembers(groupID string, in []Member) ([]Member, error) {
	out := make([]Member, 0, len(in))
	for _, mb := range in {
		e := m.byID[mb.Value]
		if mb.Value == groupID || e == nil || e.deleted.Load() {
			return nil, fmt.Errorf("member %q: %w", mb.Value, ErrInvalidMember)
		}
		mb.Type = e.res.Load().Type
		out = append(out, mb)
	}
	return out, nil
}

func (m *Memory) link(member, group string) {
	gs := m.memOf[member]
	if gs == nil {
		gs = map[string]struct{}{}
		m.memOf[member] = gs
	}
	gs[group] = struct{}{}
}

func (m *Memory) unlink(member, group string) {
	if gs := m.memOf[member]; gs != nil {
		delete(gs, group)
		if len(gs) == 0 {
			delete(m.memOf, member)
		}
	}
}

// lookup finds a live entry and checks its version. Caller holds m.mu.
func (m *Memory) lookup(typ, id string, version int64) (*entry, error) {
	e := m.byID[id]
	if e == nil || e.deleted.Load() {
		return nil, fmt.Errorf("%s %q: %w", typ, id, ErrNotFound)
	}
	cur := e.res.Load()
	if cur.Type != typ {
		return nil, fmt.Errorf("%s %q: %w", typ, id, ErrNotFound)
	}
	if version != Any && cur.Version != version {
		return nil, fmt.Errorf("%s %q at version %d, want %d: %w", typ, id, cur.Version, version, ErrVersionMismatch)
	}
	return e, nil
}

func (e *entry) snapshot(withMembers bool) *Resource {
	if !withMembers || e.members == nil {
		return e.res.Load()
	}
	r := *e.res.Load()
	r.Members = e.members.snapshot()
	return &r
}

// Get implements [Store].
func (m *Memory) Get(ctx context.Context, typ, id string, withMembers bool) (*Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, err := m.lookup(typ, id, Any)
	if err != nil {
		return nil, err
	}
	return e.snapshot(withMembers), nil
}

// bump installs a new snapshot of e with a higher version. Caller holds m.mu.
func (m *Memory) bump(e *entry, nr *Resource) {
	cur := e.res.Load()
	nr.Version = cur.Version + 1
	nr.Modified = m.now()
	if !nr.Modified.After(cur.Modified) {
		nr.Modified = cur.Modified.Add(time.Nanosecond)
	}
	nr.Members = nil
	if e.members != nil {
		nr.MemberCount = e.members.len()
	}
	e.res.Store(nr)
}

// Replace implements [Store].
func (m *Memory) Replace(ctx context.Context, r *Resource, members []Member, keepMembers bool, version int64) (*Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.lookup(r.Type, r.ID, version)
	if err != nil {
		return nil, err
	}
	ti := m.typ(r.Type)
	old := e.res.Load()
	if r.Key != "" && r.Key != old.Key {
		if other, dup := ti.byKey[r.Key]; dup && other != e {
			return nil, fmt.Errorf("replace %s %q: %w", r.Type, r.Key, ErrConflict)
		}
	}
	if !keepMembers && e.members != nil {
		resolved, err := m.resolveMembers(r.ID, members)
		if err != nil {
			return nil, err
		}
		for _, mb := range e.members.list {
			if mb.Value != "" {
				m.unlink(mb.Value, r.ID)
			}
		}
		e.members = newMemberSet()
		for _, mb := range resolved {
			if e.members.add(mb) {
				m.link(mb.Value, r.ID)
			}
		}
	}
	nr := *r
	nr.Created = old.Created
	if old.Key != nr.Key {
		if old.Key != "" {
			delete(ti.byKey, old.Key)
		}
		if nr.Key != "" {
			ti.byKey[nr.Key] = e
		}
	}
	if old.ExternalID != nr.ExternalID {
		removeExt(ti, old.ExternalID, e)
		if nr.ExternalID != "" {
			ti.byExt[nr.ExternalID] = append(ti.byExt[nr.ExternalID], e)
		}
	}
	m.bump(e, &nr)
	return e.res.Load(), nil
}

func removeExt(ti *typeIndex, ext string, e *entry) {
	if ext == "" {
		return
	}
	list := slices.DeleteFunc(ti.byExt[ext], func(x *entry) bool { return x == e })
	if len(list) == 0 {
		delete(ti.byExt, ext)
	} else {
		ti.byExt[ext] = list
	}
}

// UpdateMembers implements [Store].
func (m *Memory) UpdateMembers(ctx context.Context, groupID string, add []Member, remove []string, version int64) (*Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.lookup("Group", groupID, version)
	if err != nil {
		return nil, err
	}
	resolved, err := m.resolveMembers(groupID, add)
	if err != nil {
		return nil, err
	}
	changed := false
	for _, v := range remove {
		if e.members.remove(v) {
			m.unlink(v, groupID)
			changed = true
		}
	}
	for _, mb := range resolved {
		if e.members.add(mb) {
			m.link(mb.Value, groupID)
			changed = true
		}
	}
	// A change that changes nothing keeps version and lastModified (RFC 7644
	// §3.5.2.1).
	if changed {
		nr := *e.res.Load()
		m.bump(e, &nr)
	}
	return e.res.Load(), nil
}

// Delete implements [Store].
func (m *Memory) Delete(ctx context.Context, typ, id string, version int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.lookup(typ, id, version)
	if err != nil {
		return err
	}
	// A deleted resource leaves every group it was a member of (RFC 7643 §4.2:
	// members reference existing resources).
	for gid := range m.memOf[id] {
		if g := m.byID[gid]; g != nil && g.members != nil {
			g.members.remove(id)
			nr := *g.res.Load()
			m.bump(g, &nr)
		}
	}
	delete(m.memOf, id)
	if e.members != nil {
		for _, mb := range e.members.list {
			if mb.Value != "" {
				m.unlink(mb.Value, id)
			}
		}
	}
	ti := m.typ(typ)
	cur := e.res.Load()
	if cur.Key != "" {
		delete(ti.byKey, cur.Key)
	}
	removeExt(ti, cur.ExternalID, e)
	delete(m.byID, id)
	e.deleted.Store(true)
	ti.dead++
	if ti.dead > 32 && ti.dead*2 > len(ti.order) {
		// A new slice, not an in-place compaction: a Scan may still be
		// reading the old one without the lock.
		live := make([]*entry, 0, len(ti.order)-ti.dead)
		for _, x := range ti.order {
			if !x.deleted.Load() {
				live = append(live, x)
			}
		}
		ti.order, ti.dead = live, 0
	}
	return nil
}

// FindByKey implements [Store].
func (m *Memory) FindByKey(ctx context.Context, typ, key string) (*Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if ti := m.types[typ]; ti != nil {
		if e := ti.byKey[key]; e != nil {
			return e.res.Load(), nil
		}
	}
	return nil, fmt.Errorf("%s key %q: %w", typ, key, ErrNotFound)
}

// FindByExternalID implements [Store].
func (m *Memory) FindByExternalID(ctx context.Context, typ, externalID string) ([]*Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	ti := m.types[typ]
	if ti == nil {
		return nil, nil
	}
	list := ti.byExt[externalID]
	out := make([]*Resource, len(list))
	for i, e := range list {
		out[i] = e.res.Load()
	}
	return out, nil
}

// GroupsOf implements [Store].
func (m *Memory) GroupsOf(ctx context.Context, id string) ([]GroupRef, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]GroupRef, 0, len(m.memOf[id]))
	for gid := range m.memOf[id] {
		g := m.byID[gid]
		if g == nil {
			continue
		}
		d := gjson.GetBytes(g.res.Load().Body, "displayName").String()
		out = append(out, GroupRef{ID: gid, Display: d})
	}
	slices.SortFunc(out, func(a, b GroupRef) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Scan implements [Store]. Only reading the order slice happens under the
// lock; fn runs without it.
func (m *Memory) Scan(ctx context.Context, typ string, fn func(*Resource) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.RLock()
	var order []*entry
	if ti := m.types[typ]; ti != nil {
		// Appends after this point land beyond len(order), and compaction
		// replaces the slice, so these elements stay valid to read.
		order = ti.order
	}
	m.mu.RUnlock()
	for i, e := range order {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if e.deleted.Load() {
			continue
		}
		if !fn(e.res.Load()) {
			return nil
		}
	}
	return nil
}

// Len implements [Store].
func (m *Memory) Len(ctx context.Context, typ string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	ti := m.types[typ]
	if ti == nil {
		return 0, nil
	}
	return len(ti.order) - ti.dead, nil
}
