package filter

// AttrPath names an attribute as written in a filter or PATCH path:
// an optional schema URN, an attribute and an optional sub-attribute
// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`
// is URN "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
// Attr "manager", Sub "value"). Names keep the letter case they were written in.
type AttrPath struct {
	URN  string
	Attr string
	Sub  string
}

// Resolved is what a [Resolver] knows about an [AttrPath]: where the value
// lives in a resource and how to compare it.
type Resolved struct {
	// Ext is the key of the extension object that holds the attribute in a
	// resource (the extension schema URN), or "" for the core schema.
	Ext string
	// Attr and Sub are the canonical (schema) spellings of the names.
	Attr string
	Sub  string
	// Type is the SCIM type of the addressed value: string, boolean, decimal,
	// integer, dateTime, reference, binary or complex.
	Type string
	// CaseExact is the caseExact characteristic of the addressed value.
	CaseExact bool
	// MultiValued is true when Attr is multi-valued.
	MultiValued bool
}

// Resolver maps attribute paths to their schema definitions for one resource
// type. The reference provider's schema registry implements it.
//
// Resolve returns an error (wrapping [ErrUnknownAttribute]) for an attribute
// the resource type does not define. A value filter's inner paths are
// resolved relative to their parent: inside `emails[type eq "work"]` the
// path `type` is resolved as AttrPath{Attr: "emails", Sub: "type"} (with the
// parent's URN, if it had one).
type Resolver interface {
	Resolve(p AttrPath) (Resolved, error)
}
