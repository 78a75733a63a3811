package filter

import "fmt"

// Program is a filter validated and resolved against one resource type's
// schema, ready to be matched against many resources without resolving its
// paths again. Build one with [Compile].
type Program struct {
	root node
	// element is true for a value filter from CompileElement, whose paths
	// are relative to one element.
	element bool
}

// node is one compiled expression. elem is the element of the enclosing
// value path, or nil outside one.
type node interface {
	eval(res, elem map[string]any) bool
}

// Compile validates e against r (like [Validate]) and resolves every path
// once. Errors wrap [ErrInvalidFilter].
func Compile(e Expr, r Resolver) (*Program, error) {
	root, err := compile(e, r, nil)
	if err != nil {
		return nil, err
	}
	return &Program{root: root}, nil
}

// Match reports whether res satisfies the program's filter; see the
// package-level [Match] for the semantics. A program from [CompileElement]
// never matches a whole resource; use [Program.MatchElement].
func (p *Program) Match(res map[string]any) bool {
	if p.element {
		return false
	}
	return p.root.eval(res, nil)
}

// CompileElement compiles the filter of a value path, such as a PATCH path's
// [Path].Filter, whose paths are relative to the complex attribute parent
// (`type` in `emails[type eq "work"]`). The PATCH engine uses it to pick the
// elements an operation applies to (RFC 7644, Section 3.5.2). Errors wrap
// [ErrInvalidFilter].
func CompileElement(parent AttrPath, f Expr, r Resolver) (*Program, error) {
	vp := &ValuePath{Path: parent, Filter: f}
	if _, err := resolveValuePath(r, vp); err != nil {
		return nil, err
	}
	root, err := compile(f, r, &vp.Path)
	if err != nil {
		return nil, err
	}
	return &Program{root: root, element: true}, nil
}

// MatchElement reports whether one element of the parent attribute (an
// object decoded from JSON) satisfies a program from [CompileElement].
// A program from [Compile] never matches a lone element.
func (p *Program) MatchElement(elem map[string]any) bool {
	if !p.element || elem == nil {
		return false
	}
	return p.root.eval(nil, elem)
}

// Validate checks a parsed filter against a resource type's schema: every
// attribute exists, every operator applies to its attribute's type and every
// value has the attribute's type (a dateTime must be an RFC 3339 string).
// Value paths must name complex attributes. Errors wrap [ErrInvalidFilter],
// and also the Resolver's error (so [ErrUnknownAttribute]) when a path does
// not resolve.
func Validate(e Expr, r Resolver) error {
	_, err := compile(e, r, nil)
	return err
}

func compile(e Expr, r Resolver, parent *AttrPath) (node, error) {
	switch e := e.(type) {
	case *Logical:
		if e.Op != "and" && e.Op != "or" {
			return nil, invalid(e, "unknown logical operator %q", e.Op)
		}
		left, err := compile(e.Left, r, parent)
		if err != nil {
			return nil, err
		}
		right, err := compile(e.Right, r, parent)
		if err != nil {
			return nil, err
		}
		return &logicalNode{and: e.Op == "and", left: left, right: right}, nil
	case *Not:
		x, err := compile(e.X, r, parent)
		if err != nil {
			return nil, err
		}
		return &notNode{x: x}, nil
	case *Present:
		rv, err := resolve(r, e, e.Path, parent)
		if err != nil {
			return nil, err
		}
		return &presentNode{rv: rv}, nil
	case *Comparison:
		rv, err := resolveCompared(r, e, parent)
		if err != nil {
			return nil, err
		}
		if err := checkComparison(e, rv); err != nil {
			return nil, err
		}
		return newCompareNode(e, rv), nil
	case *ValuePath:
		if parent != nil {
			return nil, invalid(e, "value filters cannot be nested")
		}
		rv, err := resolveValuePath(r, e)
		if err != nil {
			return nil, err
		}
		inner, err := compile(e.Filter, r, &e.Path)
		if err != nil {
			return nil, err
		}
		return &valuePathNode{rv: rv, filter: inner}, nil
	case nil:
		return nil, fmt.Errorf("filter: %w: empty expression", ErrInvalidFilter)
	default:
		return nil, fmt.Errorf("filter: %w: unknown expression type %T", ErrInvalidFilter, e)
	}
}

type logicalNode struct {
	and         bool
	left, right node
}

func (n *logicalNode) eval(res, elem map[string]any) bool {
	if n.and {
		return n.left.eval(res, elem) && n.right.eval(res, elem)
	}
	return n.left.eval(res, elem) || n.right.eval(res, elem)
}

type notNode struct{ x node }

func (n *notNode) eval(res, elem map[string]any) bool { return !n.x.eval(res, elem) }

type presentNode struct{ rv Resolved }

func (n *presentNode) eval(res, elem map[string]any) bool {
	for _, v := range values(res, n.rv, elem) {
		if present(v) {
			return true
		}
	}
	return false
}

type valuePathNode struct {
	rv     Resolved
	filter node
}

// eval is true when one element satisfies the whole inner filter
// (RFC 7644, Section 3.4.2.2, Table 5).
func (n *valuePathNode) eval(res, _ map[string]any) bool {
	for _, v := range values(res, n.rv, nil) {
		if el, ok := v.(map[string]any); ok && n.filter.eval(res, el) {
			return true
		}
	}
	return false
}
