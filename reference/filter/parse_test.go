package filter

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// cmp, pres, and, or, not and vp build expected trees compactly.
func cmp(path AttrPath, op string, v any) Expr { return &Comparison{Path: path, Op: op, Value: v} }
func pres(path AttrPath) Expr                  { return &Present{Path: path} }
func and(l, r Expr) Expr                       { return &Logical{Op: "and", Left: l, Right: r} }
func or(l, r Expr) Expr                        { return &Logical{Op: "or", Left: l, Right: r} }
func not(x Expr) Expr                          { return &Not{X: x} }
func vp(path AttrPath, f Expr) Expr            { return &ValuePath{Path: path, Filter: f} }
func at(attr string) AttrPath                  { return AttrPath{Attr: attr} }
func sub(attr, s string) AttrPath              { return AttrPath{Attr: attr, Sub: s} }
func jsonNum(s string) json.Number             { return json.Number(s) }

const (
	coreUser = "urn:ietf:params:scim:schemas:core:2.0:User"
	entUser  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// TestParseRFCExamples parses every example filter of RFC 7644, Section
// 3.4.2.2, Figure 2, and checks the tree.
func TestParseRFCExamples(t *testing.T) {
	tests := []struct {
		in   string
		want Expr
	}{
		{`userName eq "bjensen"`, cmp(at("userName"), "eq", "bjensen")},
		{`name.familyName co "O'Malley"`, cmp(sub("name", "familyName"), "co", "O'Malley")},
		{`userName sw "J"`, cmp(at("userName"), "sw", "J")},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`,
			cmp(AttrPath{URN: coreUser, Attr: "userName"}, "sw", "J")},
		{`title pr`, pres(at("title"))},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), "gt", "2011-05-13T04:42:34Z")},
		{`meta.lastModified ge "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), "ge", "2011-05-13T04:42:34Z")},
		{`meta.lastModified lt "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), "lt", "2011-05-13T04:42:34Z")},
		{`meta.lastModified le "2011-05-13T04:42:34Z"`, cmp(sub("meta", "lastModified"), "le", "2011-05-13T04:42:34Z")},
		{`title pr and userType eq "Employee"`, and(pres(at("title")), cmp(at("userType"), "eq", "Employee"))},
		{`title pr or userType eq "Intern"`, or(pres(at("title")), cmp(at("userType"), "eq", "Intern"))},
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, cmp(at("schemas"), "eq", entUser)},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
			and(cmp(at("userType"), "eq", "Employee"),
				or(cmp(at("emails"), "co", "example.com"), cmp(sub("emails", "value"), "co", "example.org")))},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
			and(cmp(at("userType"), "ne", "Employee"),
				not(or(cmp(at("emails"), "co", "example.com"), cmp(sub("emails", "value"), "co", "example.org"))))},
		{`userType eq "Employee" and (emails.type eq "work")`,
			and(cmp(at("userType"), "eq", "Employee"), cmp(sub("emails", "type"), "eq", "work"))},
		{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
			and(cmp(at("userType"), "eq", "Employee"),
				vp(at("emails"), and(cmp(at("type"), "eq", "work"), cmp(at("value"), "co", "@example.com"))))},
		{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
			or(vp(at("emails"), and(cmp(at("type"), "eq", "work"), cmp(at("value"), "co", "@example.com"))),
				vp(at("ims"), and(cmp(at("type"), "eq", "xmpp"), cmp(at("value"), "co", "@foo.com"))))},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse = %s\nwant    %s", got, tt.want)
			}
		})
	}
}

func TestParseCorners(t *testing.T) {
	tests := []struct {
		name, in string
		want     Expr
	}{
		{"precedence and over or", `a pr or b pr and c pr`, or(pres(at("a")), and(pres(at("b")), pres(at("c"))))},
		{"precedence and first", `a pr and b pr or c pr`, or(and(pres(at("a")), pres(at("b"))), pres(at("c")))},
		{"not binds tighter than and", `not (a pr) and b pr`, and(not(pres(at("a"))), pres(at("b")))},
		{"left associative or", `a pr or b pr or c pr`, or(or(pres(at("a")), pres(at("b"))), pres(at("c")))},
		{"grouping overrides", `(a pr or b pr) and c pr`, and(or(pres(at("a")), pres(at("b"))), pres(at("c")))},
		{"not without space", `not(a pr)`, not(pres(at("a")))},
		{"not with spaces", `not   (a pr)`, not(pres(at("a")))},
		{"NOT upper case", `NOT (a pr)`, not(pres(at("a")))},
		{"attribute called not", `not eq "x"`, cmp(at("not"), "eq", "x")},
		{"operators any case", `userName EQ "x" And title PR oR a Ne 1`,
			or(and(cmp(at("userName"), "eq", "x"), pres(at("title"))), cmp(at("a"), "ne", json.Number("1")))},
		{"attribute spelling kept", `USERNAME eq "x"`, cmp(at("USERNAME"), "eq", "x")},
		{"extra white space", "  a  eq\t\"x\"  and  b pr ", and(cmp(at("a"), "eq", "x"), pres(at("b")))},
		{"nested groups", `((a pr))`, pres(at("a"))},
		{"dollar ref", `members.$ref eq "https://x/Users/1"`, cmp(sub("members", "$ref"), "eq", "https://x/Users/1")},
		{"enterprise urn with sub", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915"`,
			cmp(AttrPath{URN: entUser, Attr: "manager", Sub: "value"}, "eq", "26118915")},
		{"enterprise urn", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`,
			cmp(AttrPath{URN: entUser, Attr: "employeeNumber"}, "eq", "701984")},
		{"custom urn with hyphens and digits", `urn:example:my-app:v2.1:Ext:cost-center pr`,
			pres(AttrPath{URN: "urn:example:my-app:v2.1:Ext", Attr: "cost-center"})},
		{"urn value path", `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]`,
			vp(AttrPath{URN: coreUser, Attr: "emails"}, cmp(at("type"), "eq", "work"))},
		{"true false null", `a eq true or b eq False or c ne NULL`,
			or(or(cmp(at("a"), "eq", true), cmp(at("b"), "eq", false)), cmp(at("c"), "ne", nil))},
		{"negative number", `a gt -12`, cmp(at("a"), "gt", json.Number("-12"))},
		{"decimal exponent", `a lt 1.5E+10`, cmp(at("a"), "lt", json.Number("1.5E+10"))},
		{"big integer exact", `a eq 12345678901234567890`, cmp(at("a"), "eq", json.Number("12345678901234567890"))},
		{"escaped quote and backslash", `a eq "x\"y\\z"`, cmp(at("a"), "eq", `x"y\z`)},
		{"escaped slash and controls", `a eq "\/\b\f\n\r\t"`, cmp(at("a"), "eq", "/\b\f\n\r\t")},
		{"unicode escape upper hex", `a eq "\u00C4rger"`, cmp(at("a"), "eq", "Ärger")},
		{"unicode escape lower hex", `a eq "\u00e4rger"`, cmp(at("a"), "eq", "ärger")},
		{"surrogate pair", `a eq "\ud83d\ude00"`, cmp(at("a"), "eq", "😀")},
		{"lone surrogate becomes replacement", `a eq "\ud83d"`, cmp(at("a"), "eq", "\uFFFD")},
		{"raw non-ascii", `a eq "ÄRGER"`, cmp(at("a"), "eq", "ÄRGER")},
		{"string with brackets and keywords", `a eq ") or [x] and"`, cmp(at("a"), "eq", ") or [x] and")},
		{"value filter with or and not", `emails[not (type eq "work") or (primary eq true and value pr)]`,
			vp(at("emails"), or(not(cmp(at("type"), "eq", "work")), and(cmp(at("primary"), "eq", true), pres(at("value")))))},
		{"entra extension", `emails[type eq "work"].value eq "x"`,
			vp(at("emails"), and(cmp(at("type"), "eq", "work"), cmp(at("value"), "eq", "x")))},
		{"entra extension with pr", `addresses[type eq "work"].streetAddress pr`,
			vp(at("addresses"), and(cmp(at("type"), "eq", "work"), pres(at("streetAddress"))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q) = %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		offset   int
		msg      string // substring of the message
	}{
		{"empty", ``, 0, "empty filter"},
		{"blank", `   `, 3, "empty filter"},
		{"missing value", `userName eq`, 11, "missing value"},
		{"missing value with space", `userName eq `, 12, "missing value"},
		{"missing operator", `userName`, 8, "missing operator"},
		{"unknown operator", `userName regex "a.*"`, 9, `unknown operator "regex"`},
		{"unquoted string", `userName eq bob`, 12, `invalid value "bob"`},
		{"single quotes", `userName eq 'bob'`, 12, `invalid value starting with '\''`},
		{"trailing and", `userName eq "a" and`, 19, "missing expression"},
		{"trailing garbage", `userName eq "a" x`, 16, `unexpected 'x'`},
		{"unbalanced open paren", `(userName eq "a"`, 0, `missing ")"`},
		{"unbalanced close paren", `userName eq "a")`, 15, `unbalanced ')'`},
		{"unbalanced open bracket", `emails[type eq "a"`, 6, `missing "]"`},
		{"unbalanced close bracket", `emails[type eq "a"]]`, 19, `unbalanced ']'`},
		{"empty brackets", `emails[]`, 7, "empty value filter"},
		{"empty parentheses", `()`, 1, "empty parentheses"},
		{"and before close", `(a pr and)`, 9, `missing expression after "and"`},
		{"no space after operator", `a eq"x"`, 4, `want a space after operator "eq"`},
		{"no space before and", `a eq "x"and b pr`, 8, `want a space before "and"`},
		{"no space after or", `(a pr) or(b pr)`, 9, `want a space after "or"`},
		{"no space before or after group", `(a pr)or (b pr)`, 6, `want a space before "or"`},
		{"empty not", `not ( )`, 6, "empty parentheses"},
		{"nested value filter", `a[b[c pr]]`, 3, "cannot be nested"},
		{"sub-attribute inside brackets", `emails[x.y pr]`, 7, "plain sub-attribute"},
		{"value filter on sub-attribute", `name.x[y pr]`, 0, "value filter on sub-attribute"},
		{"unterminated string", `a eq "abc`, 5, "unterminated string"},
		{"bad escape", `a eq "\x"`, 5, "invalid string"},
		{"short unicode escape", `a eq "\u12"`, 5, "invalid string"},
		{"raw control character", "a eq \"a\nb\"", 7, "control character"},
		{"leading zero number", `a eq 01`, 5, `invalid value "01"`},
		{"trailing dot number", `a eq 1.`, 5, `invalid value "1."`},
		{"plus number", `a eq +1`, 5, `invalid value "+1"`},
		{"not without parens is an attribute", `not a pr`, 4, `unknown operator "a"`},
		{"not missing close", `not (a pr`, 4, `missing ")"`},
		{"double dot", `a..b pr`, 2, "invalid sub-attribute"},
		{"two sub-attributes", `a.b.c pr`, 2, `invalid sub-attribute name "b.c"`},
		{"digit first", `1a pr`, 0, "invalid attribute name"},
		{"urn alone", entUser + ` eq "x"`, len(entUser), "must be followed"},
		{"bad urn", `urn::x:a pr`, 0, "invalid schema URN"},
		{"operator without space", `a eq1`, 2, `unknown operator "eq1"`},
		{"pr with value", `a pr "x"`, 5, `unexpected '"'`},
		{"and without right side", `a pr and`, 8, "missing expression"},
		{"or at start", `or a pr`, 3, `unknown operator "a"`},
		{"entra extension without operator", `emails[type eq "w"].value`, 25, "missing operator"},
		{"invalid utf-8", "a eq \"\xff\"", 6, "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error", tt.in, e)
			}
			wantSyntaxError(t, err, ErrInvalidFilter, tt.offset, tt.msg)
		})
	}
}

// wantSyntaxError checks that err is a *SyntaxError of kind (and not of the
// other kind) at offset, with msg in its message.
func wantSyntaxError(t *testing.T, err, kind error, offset int, msg string) {
	t.Helper()
	other := ErrInvalidPath
	if kind == ErrInvalidPath {
		other = ErrInvalidFilter
	}
	if !errors.Is(err, kind) || errors.Is(err, other) {
		t.Errorf("error %v: want %v only", err, kind)
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v, want *SyntaxError", err, err)
	}
	if se.Offset != offset || !strings.Contains(se.Msg, msg) {
		t.Errorf("error = offset %d %q, want offset %d containing %q", se.Offset, se.Msg, offset, msg)
	}
}

func TestParseLimits(t *testing.T) {
	deep := strings.Repeat("(", MaxDepth+1) + "a pr" + strings.Repeat(")", MaxDepth+1)
	if _, err := Parse(deep); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("Parse(%d nested groups) error = %v, want depth error", MaxDepth+1, err)
	}
	ok := strings.Repeat("(", MaxDepth) + "a pr" + strings.Repeat(")", MaxDepth)
	if _, err := Parse(ok); err != nil {
		t.Errorf("Parse(%d nested groups): %v", MaxDepth, err)
	}
	deepNot := strings.Repeat("not(", MaxDepth+1) + "a pr" + strings.Repeat(")", MaxDepth+1)
	if _, err := Parse(deepNot); err == nil {
		t.Errorf("Parse(%d nested nots) succeeded, want depth error", MaxDepth+1)
	}
	long := `a eq "` + strings.Repeat("x", MaxLength) + `"`
	var se *SyntaxError
	if _, err := Parse(long); !errors.As(err, &se) || se.Offset != MaxLength {
		t.Errorf("Parse(%d bytes) error = %v, want length error", len(long), err)
	}
	// A long flat chain is not nesting and must parse.
	chain := "a pr" + strings.Repeat(" or a pr", 1000)
	if _, err := Parse(chain); err != nil {
		t.Errorf("Parse(chain of 1001 terms): %v", err)
	}
}

func TestStringRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{`userName Eq "bjensen"`, `userName eq "bjensen"`},
		{`a pr or (b pr and c pr)`, `a pr or b pr and c pr`},
		{`(a pr or b pr) and c pr`, `(a pr or b pr) and c pr`},
		{`a pr and (b pr and c pr)`, `a pr and (b pr and c pr)`},
		{`a pr or (b pr or c pr)`, `a pr or (b pr or c pr)`},
		{`not(a pr)`, `not (a pr)`},
		{`a eq "\u003c\"\\\u0001\u007f\/"`, `a eq "<\"\\\u0001\u007f/"`},
		{`a eq TRUE or b eq Null or c eq -1.5e3`, `a eq true or b eq null or c eq -1.5e3`},
		{`emails[type eq "work"].value eq "x"`, `emails[type eq "work" and value eq "x"]`},
		{`emails[type eq "a" or type eq "b"].value eq "x"`, `emails[(type eq "a" or type eq "b") and value eq "x"]`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "1"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "1"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := e.String()
			if got != tt.want {
				t.Fatalf("String() = %s, want %s", got, tt.want)
			}
			again, err := Parse(got)
			if err != nil {
				t.Fatalf("re-Parse(%s): %v", got, err)
			}
			if !reflect.DeepEqual(again, e) {
				t.Fatalf("re-Parse(%s) = %s, a different tree", got, again)
			}
		})
	}
}
