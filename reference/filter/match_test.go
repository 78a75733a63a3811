package filter

import (
	"errors"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		filter string
		want   bool
	}{
		// eq and case folding per caseExact.
		{`userName eq "bjensen@example.com"`, true},
		{`USERNAME eq "BJENSEN@EXAMPLE.COM"`, true},
		{`userName eq "bjensen"`, false},
		{`externalId eq "Ext-701984"`, true},
		{`externalId eq "ext-701984"`, false},
		{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{`displayName eq "ärger straße"`, true},
		{`displayName eq "ärger strasse"`, true},
		{`displayName co "ÄRGER"`, true},
		{`displayName sw "ärg"`, true},
		{`displayName ew "STRASSE"`, true},
		{`displayName eq "arger straße"`, false},
		// ne, including absent attributes.
		{`userName ne "bjensen@example.com"`, false},
		{`userName ne "BJENSEN@example.com"`, false},
		{`userName ne "other"`, true},
		{`displayName ne "x"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref ne "x"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref eq "x"`, false},
		{`emails.value ne "babs@jensen.org"`, false},
		{`emails.value ne "nobody@example.com"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter ne "1"`, true},
		// co/sw/ew.
		{`name.familyName co "O'Mal"`, true},
		{`name.familyName co "o'mal"`, true},
		{`name.familyName co "x"`, false},
		{`userName sw "bjensen@example.com"`, true},
		{`userName ew "EXAMPLE.COM"`, true},
		{`userName ew "example.org"`, false},
		// pr: "" is not present, and absent attributes are not present.
		{`title pr`, true},
		{`nickName pr`, false},
		{`name pr`, true},
		{`emails pr`, true},
		{`emails.primary pr`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref pr`, false},
		// Booleans.
		{`active eq true`, true},
		{`active eq false`, false},
		{`active ne false`, true},
		{`emails.primary eq true`, true},
		// dateTime as instants: 04:42:34+02:00 is 02:42:34Z.
		{`meta.lastModified eq "2011-05-13T02:42:34Z"`, true},
		{`meta.lastModified eq "2011-05-13T04:42:34Z"`, false},
		{`meta.lastModified gt "2011-05-13T03:00:00Z"`, false},
		{`meta.lastModified lt "2011-05-13T03:00:00Z"`, true},
		{`meta.lastModified ge "2011-05-13T02:42:34.000Z"`, true},
		{`meta.lastModified le "2011-05-12T23:42:34-03:00"`, true},
		{`meta.lastModified gt "2011-05-12T23:42:33-03:00"`, true},
		{`meta.created lt "2010-01-23T04:56:22.5"`, true},
		{`meta.created eq "2010-01-23t05:56:22+01:00"`, true},
		{`meta.created eq "2010-01-23t04:56:22z"`, true},
		// String ordering.
		{`userName gt "BJ"`, true},
		{`userName lt "c"`, true},
		{`userName le "BJENSEN@EXAMPLE.COM"`, true},
		{`externalId gt "ext"`, false},
		// Numbers in both representations.
		{`urn:example:params:scim:schemas:extension:test:2.0:User:score eq 2.5`, true},
		{`urn:example:params:scim:schemas:extension:test:2.0:User:score eq 25e-1`, true},
		{`urn:example:params:scim:schemas:extension:test:2.0:User:score gt 2`, true},
		{`urn:example:params:scim:schemas:extension:test:2.0:User:score lt -3`, false},
		{`urn:example:params:scim:schemas:extension:test:2.0:User:loginCount ge 12345678901234567`, true},
		// Multi-valued: any value.
		{`emails.value eq "babs@jensen.org"`, true},
		{`emails.type eq "home"`, true},
		{`emails.value ew "example.org"`, false},
		{`emails co "JENSEN.ORG"`, true},
		{`emails eq "bjensen@example.com"`, true},
		{`urn:example:params:scim:schemas:extension:test:2.0:User:tags eq "green"`, true},
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, true},
		{`schemas eq "URN:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, false},
		// Value filters hold for one and the same element.
		{`emails[type eq "work" and value co "example.com"]`, true},
		{`emails[type eq "work" and value co "jensen.org"]`, false},
		{`emails[type eq "home" and not (primary eq true)]`, true},
		{`emails[(type eq "x" or type eq "HOME") and value pr]`, true},
		{`emails[type eq "work"].value eq "BJENSEN@example.com"`, true},
		{`emails[type eq "home"].value eq "bjensen@example.com"`, false},
		{`addresses[type eq "work"].streetAddress pr`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:emails[primary eq true]`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[displayName eq "john smith"]`, true},
		{`name[givenName sw "barb" and familyName eq "o'malley"]`, true},
		// References and binary are case-exact.
		{`groups.$ref eq "https://example.com/v2/Groups/e9e30dba"`, true},
		{`groups.$ref eq "HTTPS://example.com/v2/Groups/e9e30dba"`, false},
		{`groups.$ref sw "https://EXAMPLE"`, false},
		{`x509Certificates.value eq "miidqzccaqygawibagiceaawdqyj"`, false},
		{`x509Certificates.value eq "MIIDQzCCAqygAwIBAgICEAAwDQYJ"`, true},
		// URN-qualified core and extension paths, any letter case.
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com"`, true},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "701984"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87E4-49D8CA9F808D"`, true},
		// null.
		{`title eq null`, false},
		{`nickName eq null`, false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref eq null`, true},
		{`title ne null`, true},
		// Logic and precedence.
		{`userName eq "x" or userName eq "bjensen@example.com" and title pr`, true},
		{`(userName eq "x" or userName eq "bjensen@example.com") and nickName pr`, false},
		{`userName eq "x" or title pr and nickName pr`, false},
		{`not (title pr)`, false},
		{`not(nickName pr) and active eq true`, true},
	}
	for _, useNumber := range []bool{false, true} {
		res := decodeUser(t, useNumber)
		for _, tt := range tests {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%s): %v", tt.filter, err)
			}
			if err := Validate(e, userResolver); err != nil {
				t.Errorf("Validate(%s): %v", tt.filter, err)
			}
			got, err := Match(e, res, userResolver)
			if err != nil {
				t.Errorf("Match(%s) (json.Number %v): %v", tt.filter, useNumber, err)
				continue
			}
			if got != tt.want {
				t.Errorf("Match(%s) (json.Number %v) = %v, want %v", tt.filter, useNumber, got, tt.want)
			}
		}
	}
}

// TestMatchExactIntegers shows that json.Number values keep integers beyond
// 2^53 exact.
func TestMatchExactIntegers(t *testing.T) {
	res := decodeUser(t, true)
	for filter, want := range map[string]bool{
		testExt + `:loginCount eq 12345678901234567`: true,
		testExt + `:loginCount eq 12345678901234568`: false,
		testExt + `:loginCount lt 12345678901234568`: true,
	} {
		e, err := Parse(filter)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Match(e, res, userResolver); err != nil || got != want {
			t.Errorf("Match(%s) = %v, %v; want %v", filter, got, err, want)
		}
	}
}

func TestMatchPresent(t *testing.T) {
	tests := []struct {
		res  map[string]any
		want bool
	}{
		{map[string]any{}, false},
		{map[string]any{"title": nil}, false},
		{map[string]any{"title": ""}, false},
		{map[string]any{"title": "x"}, true},
		{map[string]any{"emails": []any{}}, false},
		{map[string]any{"emails": []any{map[string]any{}}}, false},
		{map[string]any{"emails": []any{map[string]any{"value": nil, "type": ""}}}, false},
		{map[string]any{"emails": []any{map[string]any{"value": nil}, map[string]any{"primary": false}}}, true},
		{map[string]any{"name": map[string]any{"givenName": ""}}, false},
		{map[string]any{"name": map[string]any{"givenName": "B"}}, true},
	}
	for _, tt := range tests {
		for _, attr := range []string{"title", "emails", "name"} {
			if _, ok := tt.res[attr]; !ok && len(tt.res) > 0 {
				continue
			}
			got, err := Match(pres(at(attr)), tt.res, userResolver)
			if err != nil || got != tt.want {
				t.Errorf("Match(%s pr, %v) = %v, %v; want %v", attr, tt.res, got, err, tt.want)
			}
		}
	}
}

func TestMatchCaseInsensitiveKeys(t *testing.T) {
	res := map[string]any{
		"USERNAME": "Alice",
		"Emails":   []any{map[string]any{"VALUE": "a@example.com", "Type": "work"}},
		"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": map[string]any{"EmployeeNumber": "7"},
	}
	for _, filter := range []string{
		`userName eq "alice"`,
		`emails[type eq "work"].value eq "a@example.com"`,
		entUser + `:employeeNumber eq "7"`,
	} {
		e, err := Parse(filter)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Match(e, res, userResolver); err != nil || !got {
			t.Errorf("Match(%s) = %v, %v; want true", filter, got, err)
		}
	}
}

// TestMatchWrongStoredType: a value of the wrong JSON type in a resource
// never matches and never errors.
func TestMatchWrongStoredType(t *testing.T) {
	res := map[string]any{"userName": 42.0, "active": "true", "meta": map[string]any{"created": "yesterday"}, "emails": "x"}
	for _, filter := range []string{
		`userName eq "42"`, `userName sw "4"`, `active eq true`, `meta.created lt "2030-01-01T00:00:00Z"`,
		`emails.value eq "x"`, `emails[type eq "x"]`,
	} {
		e, err := Parse(filter)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Match(e, res, userResolver); err != nil || got {
			t.Errorf("Match(%s) = %v, %v; want false, nil", filter, got, err)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		filter  string
		unknown bool // wraps ErrUnknownAttribute too
	}{
		{`nosuch eq "x"`, true},
		{`name.nosuch pr`, true},
		{`emails[nosuch eq "x"]`, true},
		{`urn:example:nosuch:2.0:User:userName eq "x"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x"`, true},
		{`active gt true`, false},
		{`active le false`, false},
		{`x509Certificates.value gt "a"`, false},
		{`name gt "a"`, false},
		{`name eq "a"`, false},
		{`active co "t"`, false},
		{`meta.created sw "2010"`, false},
		{`userName eq 1`, false},
		{`userName eq true`, false},
		{`active eq "true"`, false},
		{`meta.created gt "yesterday"`, false},
		{`meta.created gt 5`, false},
		{testExt + `:loginCount eq 1.5`, false},
		{testExt + `:loginCount eq "1"`, false},
		{testExt + `:score co "1"`, false},
		{`userName gt null`, false},
		{`userName[value pr]`, false},
		{`groups[$ref eq "x"].display gt 1`, false},
	}
	res := decodeUser(t, false)
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = Validate(e, userResolver)
			if !errors.Is(err, ErrInvalidFilter) {
				t.Fatalf("Validate = %v, want ErrInvalidFilter", err)
			}
			if errors.Is(err, ErrUnknownAttribute) != tt.unknown {
				t.Errorf("Validate = %v, ErrUnknownAttribute %v, want %v", err, !tt.unknown, tt.unknown)
			}
			// Match refuses the same filters, even on a resource where a
			// short cut could have hidden the problem.
			if _, err := Match(e, res, userResolver); !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("Match = %v, want ErrInvalidFilter", err)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b      any
		typ       string
		caseExact bool
		want      int
		ok        bool
	}{
		{"a", "B", "string", false, -1, true},
		{"a", "B", "string", true, 1, true},
		{"ÄRGER", "ärger", "string", false, 0, true},
		{"Straße", "STRASSE", "string", false, 0, true},
		{"ÄRGER", "ärger", "string", true, -1, true},
		{"A", "a", "reference", false, -1, true},
		{"A", "a", "binary", false, -1, true},
		{false, true, "boolean", false, -1, true},
		{true, true, "boolean", false, 0, true},
		{1.5, jsonNum("1.5"), "decimal", false, 0, true},
		{2.0, jsonNum("10"), "integer", false, -1, true},
		{int64(1) << 60, jsonNum("1152921504606846977"), "integer", false, -1, true},
		{"2011-05-13T04:42:34+02:00", "2011-05-13T02:42:34Z", "dateTime", false, 0, true},
		{"2011-05-13T04:42:34.1Z", "2011-05-13T04:42:34Z", "dateTime", false, 1, true},
		{"2011-05-13T04:42:34Z", "not a date", "dateTime", false, 0, false},
		{"a", 1.0, "string", false, 0, false},
		{nil, "a", "string", false, 0, false},
		{map[string]any{}, map[string]any{}, "complex", false, 0, false},
		{"1", "2", "decimal", false, 0, false},
	}
	for _, tt := range tests {
		got, ok := Compare(tt.a, tt.b, tt.typ, tt.caseExact)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Compare(%#v, %#v, %s, %v) = %d, %v; want %d, %v", tt.a, tt.b, tt.typ, tt.caseExact, got, ok, tt.want, tt.ok)
		}
		// Ordering is antisymmetric.
		if back, ok2 := Compare(tt.b, tt.a, tt.typ, tt.caseExact); ok2 != ok || back != -got {
			t.Errorf("Compare(%#v, %#v) reversed = %d, %v; want %d", tt.b, tt.a, back, ok2, -got)
		}
	}
}

func TestCompileElement(t *testing.T) {
	res := decodeUser(t, false)
	emails := res["emails"].([]any)
	tests := []struct {
		path string
		want []bool // per email: work, home
	}{
		{`emails[type eq "work"].value`, []bool{true, false}},
		{`emails[type eq "HOME" or primary eq true]`, []bool{true, true}},
		{`emails[not (primary pr)]`, []bool{false, true}},
		{`emails[value ew "example.org"]`, []bool{false, false}},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := CompileElement(AttrPath{URN: p.URN, Attr: p.Attr}, p.Filter, userResolver)
		if err != nil {
			t.Fatalf("CompileElement(%s): %v", tt.path, err)
		}
		for i, el := range emails {
			if got := prog.MatchElement(el.(map[string]any)); got != tt.want[i] {
				t.Errorf("%s: MatchElement(email %d) = %v, want %v", tt.path, i, got, tt.want[i])
			}
		}
		if prog.Match(res) {
			t.Errorf("%s: an element program matched a whole resource", tt.path)
		}
	}
	for _, tt := range []struct{ parent, filter string }{
		{"userName", `value pr`},
		{"emails", `nosuch eq "x"`},
		{"emails", `primary gt true`},
	} {
		f, err := Parse(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := CompileElement(AttrPath{Attr: tt.parent}, f, userResolver); !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("CompileElement(%s, %s) = %v, want ErrInvalidFilter", tt.parent, tt.filter, err)
		}
	}
	whole, err := Compile(&Present{Path: at("userName")}, userResolver)
	if err != nil {
		t.Fatal(err)
	}
	if whole.MatchElement(map[string]any{"userName": "x"}) {
		t.Error("a resource program matched a lone element")
	}
}

// TestHandBuiltTrees: trees built by hand, not by Parse, fail cleanly.
func TestHandBuiltTrees(t *testing.T) {
	res := decodeUser(t, false)
	tests := []struct {
		name string
		e    Expr
		str  string
	}{
		{"nil", nil, ""},
		{"nil child", &Logical{Op: "and", Left: pres(at("title")), Right: nil}, "title pr and <nil>"},
		{"bad logical op", &Logical{Op: "xor", Left: pres(at("title")), Right: pres(at("title"))}, "title pr xor title pr"},
		{"bad compare op", &Comparison{Path: at("userName"), Op: "EQ", Value: "x"}, `userName EQ "x"`},
		{"nested value path", vp(at("emails"), vp(at("emails"), pres(at("value")))), "emails[emails[value pr]]"},
		{"not of nil", &Not{}, "not (<nil>)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.e != nil {
				if got := tt.e.String(); got != tt.str {
					t.Errorf("String() = %q, want %q", got, tt.str)
				}
			}
			if err := Validate(tt.e, userResolver); !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("Validate = %v, want ErrInvalidFilter", err)
			}
			if _, err := Match(tt.e, res, userResolver); !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("Match = %v, want ErrInvalidFilter", err)
			}
		})
	}
}

// TestMatchUnicodePreparation checks RFC 7644 §7.8: strings compare after
// NFC normalisation (and case folding unless caseExact), so data and
// literals in NFC and NFD find each other, inside and/or and value filters
// and with every string operator.
func TestMatchUnicodePreparation(t *testing.T) {
	user := func(form norm.Form) map[string]any {
		return map[string]any{
			"userName":    form.String("josé.ñuño@example.com"),
			"displayName": form.String("José Ñuño Åström"),
			"externalId":  form.String("Ext-Île"),
			"active":      true,
			"emails":      []any{map[string]any{"type": "work", "value": form.String("josé@exämple.com")}},
		}
	}
	tests := []struct {
		filter string
		want   bool
	}{
		{`displayName eq "José Ñuño Åström"`, true},
		{`displayName eq "JOSÉ ÑUÑO ÅSTRÖM"`, true},
		{`displayName ne "José Ñuño Åström"`, false},
		{`displayName co "ñuño"`, true},
		{`displayName sw "josé"`, true},
		{`displayName ew "ÅSTRÖM"`, true},
		// A base letter is not half of a composed one.
		{`displayName sw "jose"`, false},
		{`displayName ew "astrom"`, false},
		{`displayName gt "josé ñuño"`, true},
		{`displayName lt "josé ñuño"`, false},
		// externalId is caseExact: normalised, not folded.
		{`externalId eq "Ext-Île"`, true},
		{`externalId eq "EXT-ÎLE"`, false},
		{`externalId co "Îl"`, true},
		{`userName eq "nobody" or userName eq "JOSÉ.ÑUÑO@EXAMPLE.COM"`, true},
		{`active eq true and displayName co "Ñuño"`, true},
		{`not (displayName co "Ñuño")`, false},
		{`emails[type eq "work" and value sw "JOSÉ@EXÄ"]`, true},
		{`emails.value ew "exämple.com"`, true},
	}
	orientations := []struct {
		name       string
		data, lits norm.Form
	}{
		{"NFC data, NFD literal", norm.NFC, norm.NFD},
		{"NFD data, NFC literal", norm.NFD, norm.NFC},
		{"NFD data, NFD literal", norm.NFD, norm.NFD},
	}
	for _, o := range orientations {
		res := user(o.data)
		for _, tt := range tests {
			f := o.lits.String(tt.filter)
			e, err := Parse(f)
			if err != nil {
				t.Fatalf("Parse(%q): %v", f, err)
			}
			got, err := Match(e, res, userResolver)
			if err != nil {
				t.Fatalf("Match(%q): %v", f, err)
			}
			if got != tt.want {
				t.Errorf("%s: Match(%+q) = %v, want %v", o.name, f, got, tt.want)
			}
		}
	}
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		in        string
		caseExact bool
		want      string
	}{
		{"Bjensen", false, "bjensen"},
		{"Bjensen", true, "Bjensen"},
		{"Jose\u0301", true, "Jos\u00e9"},
		{"JOSE\u0301", false, "jos\u00e9"},
		{"Stra\u00dfe", false, "strasse"},
		{"\u2126", true, "\u03a9"},  // OHM SIGN is canonically GREEK CAPITAL OMEGA
		{"\u212b", false, "\u00e5"}, // ANGSTROM SIGN
		{"", false, ""},
	}
	for _, tt := range tests {
		if got := Prepare(tt.in, tt.caseExact); got != tt.want {
			t.Errorf("Prepare(%+q, %v) = %+q, want %+q", tt.in, tt.caseExact, got, tt.want)
		}
	}
	for _, exact := range []bool{false, true} {
		if c, ok := Compare("Ångström", norm.NFD.String("Ångström"), "string", exact); !ok || c != 0 {
			t.Errorf("Compare(NFC, NFD, caseExact %v) = %d, %v; want 0, true", exact, c, ok)
		}
	}
}

// TestPrepareASCIIAllocs guards the fast path: a lower-case ASCII value
// (most stored data) is prepared without allocating.
func TestPrepareASCIIAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = Prepare("bench.user.000123", false) }); n != 0 {
		t.Errorf("Prepare(lower-case ASCII) allocates %v times, want 0", n)
	}
}
