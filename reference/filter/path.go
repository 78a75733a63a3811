package filter

import "strings"

// Path is a parsed PATCH operation path (RFC 7644, Section 3.5.2:
// `PATH = attrPath / valuePath [subAttr]`).
type Path struct {
	// URN is the schema URN prefix as written, or "".
	URN string
	// Attr is the attribute; "" when the path is a schema URN alone, which
	// addresses a whole extension object.
	Attr string
	// Filter is the value filter inside "[...]", or nil. Its paths are
	// relative to Attr, as in [ValuePath].
	Filter Expr
	// Sub is the sub-attribute (`name.givenName`, `emails[...].value`), or "".
	Sub string
}

// AttrPath returns the path without its filter, for a [Resolver].
func (p *Path) AttrPath() AttrPath {
	return AttrPath{URN: p.URN, Attr: p.Attr, Sub: p.Sub}
}

// String returns the canonical spelling of the path; [ParsePath] parses it
// back to an equal Path.
func (p *Path) String() string {
	var b strings.Builder
	b.WriteString(AttrPath{URN: p.URN, Attr: p.Attr}.String())
	if p.Filter != nil {
		b.WriteByte('[')
		b.WriteString(p.Filter.String())
		b.WriteByte(']')
	}
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}

// ParsePath parses a PATCH path: `userName`, `name.givenName`,
// `emails[type eq "work"]`, `emails[type eq "work"].value`, URN-prefixed forms
// of each, and a schema URN alone (`urn:...:enterprise:2.0:User`), which
// addresses the whole extension. Errors are [*SyntaxError] values that
// errors.Is reports as [ErrInvalidPath].
func ParsePath(s string) (*Path, error) {
	p, err := newParser(s, ErrInvalidPath)
	if err != nil {
		return nil, err
	}
	if s == "" {
		return nil, p.errorf(0, "empty path")
	}
	w := p.word()
	if w == "" {
		return nil, p.unexpected()
	}
	if urn, _ := SplitURN(w); urn == w && p.eof() {
		if !isURN(urn) {
			return nil, p.errorf(0, "invalid schema URN %q", urn)
		}
		return &Path{URN: urn}, nil
	}
	ap, err := p.attrPath(w, 0)
	if err != nil {
		return nil, err
	}
	path := &Path{URN: ap.URN, Attr: ap.Attr, Sub: ap.Sub}
	if p.peek() == '[' {
		if ap.Sub != "" {
			return nil, p.errorf(0, "value filter on sub-attribute %q", ap.String())
		}
		if path.Filter, err = p.enclosed(']', true); err != nil {
			return nil, err
		}
		if p.peek() == '.' {
			p.pos++
			start := p.pos
			sub := p.word()
			if !isAttrName(sub) {
				return nil, p.errorf(start, "invalid sub-attribute name %q after \"]\"", sub)
			}
			path.Sub = sub
		}
	}
	if !p.eof() {
		return nil, p.unexpected()
	}
	return path, nil
}

// SplitURN splits an attribute path (without its value filter) at the colon
// that ends the schema URN: "urn:...:enterprise:2.0:User:manager.value"
// gives ("urn:...:enterprise:2.0:User", "manager.value"). A path that does
// not start with "urn:" (in any case) has no URN: ("", s).
//
// A string that is a schema URN by itself gives (s, ""). Schema URNs are
// told from URN-prefixed attributes by their shape: SCIM schema URNs end in a
// version segment and a resource name ("...:2.0:User"), so a last segment
// that follows a version number ("1.0", "2") is a resource name, not an
// attribute. A URN without a version segment is read as URN plus attribute.
// Text from the first "[" on is not examined, so colons in a filter's
// string values do not confuse the split.
func SplitURN(s string) (urn, rest string) {
	if len(s) < 4 || !strings.EqualFold(s[:4], "urn:") {
		return "", s
	}
	head := s
	if i := strings.IndexByte(s, '['); i >= 0 {
		head = s[:i]
	}
	if isSchemaURN(head) {
		return head, s[len(head):]
	}
	i := strings.LastIndexByte(head, ':')
	return s[:i], s[i+1:]
}

// isSchemaURN reports whether u ends in `:<version>:<Name>`.
func isSchemaURN(u string) bool {
	last := strings.LastIndexByte(u, ':')
	if last < 0 || !isAttrName(u[last+1:]) {
		return false
	}
	prev := strings.LastIndexByte(u[:last], ':')
	if prev < 0 {
		return false
	}
	return isVersion(u[prev+1 : last])
}

// isVersion reports digits separated by single dots ("2.0", "1", "2.0.1").
func isVersion(s string) bool {
	if s == "" || !isDigit(s[0]) || !isDigit(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && (s[i] != '.' || s[i-1] == '.') {
			return false
		}
	}
	return true
}

// isURN checks the shape `urn:NID:NSS` loosely: at least two non-empty
// segments after "urn", each made of letters, digits, ".", "-" and "_".
func isURN(u string) bool {
	segs := strings.Split(u, ":")
	if len(segs) < 3 || !strings.EqualFold(segs[0], "urn") {
		return false
	}
	for _, seg := range segs[1:] {
		if seg == "" {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !isAlpha(c) && !isDigit(c) && c != '.' && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}
