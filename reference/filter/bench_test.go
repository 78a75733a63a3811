package filter

import "testing"

var benchFilters = []string{
	`userName eq "bjensen@example.com"`,
	`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
	`emails[type eq "work" and value co "@example.com"] or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915"`,
	`meta.lastModified gt "2011-05-13T04:42:34Z" and not (displayName eq "ärger straße")`,
}

func BenchmarkParse(b *testing.B) {
	for _, s := range benchFilters {
		b.Run(s[:min(len(s), 30)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMatch measures Program.Match (resolved once, as a server filters
// a collection) and package-level Match (resolving on every call).
func BenchmarkMatch(b *testing.B) {
	res := decodeUser(b, false)
	for _, s := range benchFilters {
		e, err := Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		prog, err := Compile(e, userResolver)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("compiled/"+s[:min(len(s), 30)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				prog.Match(res)
			}
		})
		b.Run("uncompiled/"+s[:min(len(s), 30)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Match(e, res, userResolver); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
