package filter_test

import (
	"errors"
	"fmt"

	"github.com/scimtest/scimtest/reference/filter"
)

// flatResolver is a minimal Resolver: every attribute is a case-insensitive
// string, and "emails" is complex and multi-valued.
type flatResolver struct{}

func (flatResolver) Resolve(p filter.AttrPath) (filter.Resolved, error) {
	if p.Attr == "emails" && p.Sub == "" {
		return filter.Resolved{Attr: "emails", Type: "complex", MultiValued: true}, nil
	}
	return filter.Resolved{Attr: p.Attr, Sub: p.Sub, Type: "string", MultiValued: p.Attr == "emails"}, nil
}

func Example() {
	e, err := filter.Parse(`userName EQ "BJensen" and emails[type eq "work"].value ew "@example.com"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e) // canonical form; Entra's `].value` extension is folded into the brackets

	prog, err := filter.Compile(e, flatResolver{})
	if err != nil {
		fmt.Println(err)
		return
	}
	user := map[string]any{
		"userName": "bjensen",
		"emails":   []any{map[string]any{"type": "work", "value": "b@example.com"}},
	}
	fmt.Println(prog.Match(user))

	_, err = filter.Parse(`userName eq bjensen`)
	fmt.Println(errors.Is(err, filter.ErrInvalidFilter), err)
	// Output:
	// userName eq "BJensen" and emails[type eq "work" and value ew "@example.com"]
	// true
	// true filter: syntax error at offset 12: invalid value "bjensen": want a JSON string in double quotes, a number, true, false or null
}

func ExampleParsePath() {
	for _, s := range []string{
		`emails[type eq "work"].value`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
	} {
		p, err := filter.ParsePath(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("URN=%q Attr=%q Filter=%v Sub=%q\n", p.URN, p.Attr, p.Filter, p.Sub)
	}
	// Output:
	// URN="" Attr="emails" Filter=type eq "work" Sub="value"
	// URN="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" Attr="" Filter=<nil> Sub=""
	// URN="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" Attr="manager" Filter=<nil> Sub="value"
}
