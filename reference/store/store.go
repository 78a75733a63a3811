// Package store defines where the reference SCIM provider keeps its
// resources, and provides an in-memory implementation ([NewMemory]).
//
// A [Store] holds immutable snapshots: a *[Resource] handed out by the store
// is never modified afterwards, so readers need no locks. Writers pass new
// values in; the store takes ownership of them.
//
// Group membership is kept apart from the other attributes so that adding or
// removing members costs the members changed, not the group's size, and so
// that a reverse index (member id → groups) answers User.groups and lets a
// deleted resource leave every group it was in.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors returned by every [Store] implementation; classify with errors.Is.
var (
	// ErrNotFound: no resource of that type with that id.
	ErrNotFound = errors.New("store: resource not found")
	// ErrConflict: another resource of the same type already has the unique key.
	ErrConflict = errors.New("store: unique key already in use")
	// ErrVersionMismatch: the resource's current version differs from the
	// version the caller required (a failed compare-and-swap).
	ErrVersionMismatch = errors.New("store: version mismatch")
	// ErrInvalidMember: a member value does not name an existing resource, or
	// names the group itself.
	ErrInvalidMember = errors.New("store: member does not reference an existing resource")
)

// Resource is one stored SCIM resource. Body holds every attribute except
// id, meta, Group.members and User.groups, which the store manages itself.
type Resource struct {
	// Type is the resource type name ("User", "Group").
	Type string
	// ID is assigned by the store on [Store.Create].
	ID string
	// Version starts at 1 and grows by one on every change (the ETag source).
	Version int64
	// Created and Modified are set by the store.
	Created, Modified time.Time
	// Key is the value that must be unique within Type ("" means none). The
	// caller decides its spelling (the provider case-folds userName).
	Key string
	// ExternalID is indexed for O(1) lookups ("" means none).
	ExternalID string
	// Body is the resource's attributes as one compact JSON object (see
	// [EncodeBody]); [Resource.Attrs] decodes it. Bytes rather than a
	// decoded map because Go maps cost several hundred bytes each, which
	// made a stored user five times its JSON size. It must be treated as
	// read-only once stored.
	Body []byte
	// Members holds the group's members in insertion order when the
	// resource was read with members; nil otherwise.
	Members []Member
	// MemberCount is the number of members (always set for groups).
	MemberCount int
}

// Member is one member of a group.
type Member struct {
	// Value is the id of the member resource.
	Value string
	// Type is the member's resource type; the store sets it from the
	// referenced resource.
	Type string
	// Display is the human-readable name the client supplied, if any.
	Display string
}

// GroupRef names a group a resource belongs to (for User.groups).
type GroupRef struct {
	ID      string
	Display string
}

// Any is the version argument that disables the compare-and-swap check.
const Any int64 = 0

// Store keeps SCIM resources. Implementations are safe for concurrent use;
// every method is atomic. A version argument other than [Any] makes a write
// conditional: it fails with [ErrVersionMismatch] unless the stored version
// equals it, checked and applied under one lock (RFC 7644 §3.14 If-Match).
type Store interface {
	// Create stores r (its ID, Version and times are assigned) with the
	// given members and returns the stored snapshot.
	Create(ctx context.Context, r *Resource, members []Member) (*Resource, error)
	// Get returns the resource; withMembers fills Resource.Members.
	Get(ctx context.Context, typ, id string, withMembers bool) (*Resource, error)
	// Replace swaps the attributes of r.Type/r.ID for r's, and the members for
	// members unless keepMembers is set.
	Replace(ctx context.Context, r *Resource, members []Member, keepMembers bool, version int64) (*Resource, error)
	// UpdateMembers adds and removes group members by value in one step.
	// Adding a present member or removing an absent one is not an error;
	// when nothing changes the version stays. The cost is proportional to
	// len(add)+len(remove).
	UpdateMembers(ctx context.Context, groupID string, add []Member, remove []string, version int64) (*Resource, error)
	// Delete removes the resource and takes it out of every group.
	Delete(ctx context.Context, typ, id string, version int64) error
	// FindByKey returns the resource of typ whose Key equals key.
	FindByKey(ctx context.Context, typ, key string) (*Resource, error)
	// FindByExternalID returns the resources of typ with that ExternalID, in
	// creation order.
	FindByExternalID(ctx context.Context, typ, externalID string) ([]*Resource, error)
	// GroupsOf returns the groups that have id as a direct member, ordered by
	// group id.
	GroupsOf(ctx context.Context, id string) ([]GroupRef, error)
	// Scan calls fn for every resource of typ in creation order (members not
	// loaded) until fn returns false. fn runs without the store's lock, so a
	// long scan does not block writers, and fn may call the store. Each
	// resource is its latest snapshot when the scan reaches it; resources
	// deleted before then are skipped, and resources created after the scan
	// began may not be visited.
	Scan(ctx context.Context, typ string, fn func(*Resource) bool) error
	// Len returns the number of resources of typ.
	Len(ctx context.Context, typ string) (int, error)
}
