package filter

import (
	"reflect"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		want Path
	}{
		{`userName`, Path{Attr: "userName"}},
		{`name.givenName`, Path{Attr: "name", Sub: "givenName"}},
		{`emails[type eq "work"]`, Path{Attr: "emails", Filter: cmp(at("type"), "eq", "work")}},
		{`emails[type eq "work"].value`, Path{Attr: "emails", Filter: cmp(at("type"), "eq", "work"), Sub: "value"}},
		{`members[value eq "2819c223"]`, Path{Attr: "members", Filter: cmp(at("value"), "eq", "2819c223")}},
		{`members[value eq "2819c223" or value eq "902c246b"]`,
			Path{Attr: "members", Filter: or(cmp(at("value"), "eq", "2819c223"), cmp(at("value"), "eq", "902c246b"))}},
		{entUser + `:employeeNumber`, Path{URN: entUser, Attr: "employeeNumber"}},
		{entUser + `:manager.value`, Path{URN: entUser, Attr: "manager", Sub: "value"}},
		{entUser, Path{URN: entUser}},
		{coreUser, Path{URN: coreUser}},
		{`urn:ietf:params:scim:schemas:core:2.0:Group`, Path{URN: "urn:ietf:params:scim:schemas:core:2.0:Group"}},
		{coreUser + `:name.familyName`, Path{URN: coreUser, Attr: "name", Sub: "familyName"}},
		{`addresses[type eq "work"].streetAddress`,
			Path{Attr: "addresses", Filter: cmp(at("type"), "eq", "work"), Sub: "streetAddress"}},
		{`urn:example:tags:2.0:User:tags[order eq 0].value`,
			Path{URN: "urn:example:tags:2.0:User", Attr: "tags", Filter: cmp(at("order"), "eq", jsonNum("0")), Sub: "value"}},
		{`emails[type eq "a:b]"]`, Path{Attr: "emails", Filter: cmp(at("type"), "eq", "a:b]")}},
		{`members.$ref`, Path{Attr: "members", Sub: "$ref"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePath(tt.in)
			if err != nil {
				t.Fatalf("ParsePath: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("ParsePath = %#v\nwant %#v", *got, tt.want)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %s, want %s", s, tt.in)
			}
			if ap := got.AttrPath(); ap != (AttrPath{URN: tt.want.URN, Attr: tt.want.Attr, Sub: tt.want.Sub}) {
				t.Errorf("AttrPath() = %#v", ap)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{``, 0, "empty path"},
		{`emails[`, 7, "empty value filter"},
		{`emails[type eq "work"`, 6, `missing "]"`},
		{`a..b`, 2, "invalid sub-attribute"},
		{`userName junk`, 8, "unexpected ' '"},
		{`userName `, 8, "unexpected ' '"},
		{` userName`, 0, "unexpected ' '"},
		{`emails[type eq "work"]]`, 22, `unbalanced ']'`},
		{`emails[type eq "work"].`, 23, "invalid sub-attribute"},
		{`emails[type eq "work"].value.x`, 23, `invalid sub-attribute name "value.x"`},
		{`emails[type eq "work"]x`, 22, "unexpected 'x'"},
		{`name.x[y pr]`, 0, "value filter on sub-attribute"},
		{`emails[type eq]`, 14, `missing value after "eq"`},
		{`emails[type]`, 11, `missing operator after "type"`},
		{entUser + `[type pr]`, len(entUser), "must be followed"},
		{entUser + `:`, len(entUser) + 1, "must be followed"},
		{`urn::2.0:User`, 0, "invalid schema URN"},
		{`$bad`, 0, "invalid attribute name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePath(tt.in)
			if err == nil {
				t.Fatalf("ParsePath(%q) = %s, want error", tt.in, p)
			}
			wantSyntaxError(t, err, ErrInvalidPath, tt.offset, tt.msg)
		})
	}
}

func TestSplitURN(t *testing.T) {
	tests := []struct{ in, urn, rest string }{
		{`userName`, "", "userName"},
		{`name.familyName`, "", "name.familyName"},
		{entUser + `:manager.value`, entUser, "manager.value"},
		{entUser, entUser, ""},
		{`URN:IETF:params:scim:schemas:core:2.0:User`, `URN:IETF:params:scim:schemas:core:2.0:User`, ""},
		{`urn:acme:User:costCenter`, "urn:acme:User", "costCenter"},
		{coreUser + `:emails[type eq "a:b"].value`, coreUser, `emails[type eq "a:b"].value`},
		{coreUser + `[x pr]`, coreUser, `[x pr]`},
	}
	for _, tt := range tests {
		urn, rest := SplitURN(tt.in)
		if urn != tt.urn || rest != tt.rest {
			t.Errorf("SplitURN(%q) = %q, %q; want %q, %q", tt.in, urn, rest, tt.urn, tt.rest)
		}
	}
}
