package filter

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// seedFilters start the fuzzers on every grammar corner the unit tests cover.
var seedFilters = []string{
	`userName eq "bjensen"`,
	`name.familyName co "O'Malley"`,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`,
	`title pr and userType eq "Employee"`,
	`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
	`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
	`emails[not (type eq "work") or (primary eq true and value pr)]`,
	`emails[type eq "work"].value eq "x"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915"`,
	`a pr or b pr and c pr`,
	`not(a pr)`,
	`a eq "\u00C4\ud83d\ude00\"\\\/\b\f\n\r\t" or b gt -1.5E+10 or c eq NULL`,
	`meta.lastModified gt "2011-05-13T04:42:34+02:00"`,
	`members.$ref eq "x"`,
	`((a pr))`,
	`a eq "x" )`,
	`emails[type eq "a"]]`,
	`userName regex "a.*"`,
	`not eq "x"`,
	`a eq"x"and b pr`,
	`(a pr)or(b pr)`,
}

var seedPaths = []string{
	`userName`, `name.givenName`, `emails[type eq "work"]`, `emails[type eq "work"].value`,
	`members[value eq "2819c223"]`, entUser, entUser + `:employeeNumber`, entUser + `:manager.value`,
	coreUser + `:name.familyName`, `addresses[type eq "work"].streetAddress`, `emails[`, `a..b`,
	`emails[type eq "work"]]`, `urn:x:2.0:User:tags[order eq 0].value`,
}

// checkSyntaxError fails unless err is a *SyntaxError of the given kind
// with an offset inside the input.
func checkSyntaxError(t *testing.T, in string, err error, kind error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, kind) {
		t.Fatalf("parse %q: error %T %v, want a *SyntaxError that is %v", in, err, err, kind)
	}
	if se.Offset < 0 || se.Offset > len(in) {
		t.Fatalf("parse %q: error offset %d outside input", in, se.Offset)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range seedFilters {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			checkSyntaxError(t, s, err, ErrInvalidFilter)
			return
		}
		canon := e.String()
		if len(canon) > MaxLength {
			return // canonical spacing can push a near-limit filter over it
		}
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", s, canon, err)
		}
		if again.String() != canon || !reflect.DeepEqual(again, e) {
			t.Fatalf("Parse(%q) printed %q, which parses to %q", s, canon, again)
		}
	})
}

func FuzzParsePath(f *testing.F) {
	for _, s := range seedPaths {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			checkSyntaxError(t, s, err, ErrInvalidPath)
			return
		}
		canon := p.String()
		if len(canon) > MaxLength {
			return
		}
		again, err := ParsePath(canon)
		if err != nil {
			t.Fatalf("ParsePath(%q) printed %q, which does not parse: %v", s, canon, err)
		}
		if again.String() != canon || !reflect.DeepEqual(again, p) {
			t.Fatalf("ParsePath(%q) printed %q, which parses to %q", s, canon, again)
		}
	})
}

// FuzzMatch evaluates arbitrary filters against the fixture User: no panic,
// Match fails exactly when Validate does, and not inverts the result.
func FuzzMatch(f *testing.F) {
	for _, s := range seedFilters {
		f.Add(s)
	}
	f.Add(`emails[type eq "work"].value eq "BJENSEN@example.com"`)
	f.Add(`meta.lastModified le "2011-05-12T23:42:34-03:00"`)
	f.Add(`displayName eq "ärger strasse"`)
	f.Add("displayName eq \"a\u0308rger strasse\"")            // NFD literal, NFC data
	f.Add("displayName co \"A\u0308RG\" or userName sw \"x\"") // NFD inside or
	f.Add(`displayName sw "arg"`)                              // base letter of a composed one
	res := decodeUser(f, true)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		verr := Validate(e, userResolver)
		got, err := Match(e, res, userResolver)
		if (err == nil) != (verr == nil) {
			t.Fatalf("Match(%q) error %v but Validate error %v", s, err, verr)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidFilter) {
				t.Fatalf("Match(%q) error %v, want ErrInvalidFilter", s, err)
			}
			return
		}
		neg, err := Match(&Not{X: e}, res, userResolver)
		if err != nil || neg == got {
			t.Fatalf("Match(not (%s)) = %v, %v; Match = %v", s, neg, err, got)
		}
	})
}

// FuzzPrepare checks the properties RFC 7644 §7.8 matching relies on:
// preparing is idempotent and canonically equivalent strings (NFC and NFD)
// prepare alike; invalid UTF-8 must not panic.
func FuzzPrepare(f *testing.F) {
	for _, s := range []string{"bjensen", "Jose\u0301", "Jos\u00e9", "Stra\u00dfe", "\u2126\u212b", "\u0041\u030a\u0301", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			_ = Prepare(s, false) // must not panic; properties need valid text
			return
		}
		for _, exact := range []bool{false, true} {
			p := Prepare(s, exact)
			if again := Prepare(p, exact); again != p {
				t.Fatalf("Prepare(%+q, %v) = %+q, not idempotent: %+q", s, exact, p, again)
			}
			if a, b := Prepare(norm.NFC.String(s), exact), Prepare(norm.NFD.String(s), exact); a != b {
				t.Fatalf("Prepare NFC %+q != NFD %+q (caseExact %v)", a, b, exact)
			}
		}
	})
}
