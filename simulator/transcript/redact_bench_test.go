package transcript

import (
	"fmt"
	"strings"
	"testing"
)

// listBody is a ListResponse of n users shaped like the fixtures' full user,
// each with a password when withPassword is set. The names carry a \u
// escape, as an encoder that escapes non-ASCII writes them, so even a body
// without secrets is parsed.
func listBody(n int, withPassword bool) string {
	var b strings.Builder
	b.WriteString(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":`)
	fmt.Fprintf(&b, "%d", n)
	b.WriteString(`,"Resources":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","userName":"scimtest-run-%d@example.com","name":{"givenName":"Ren\u00e9e","familyName":"Smith"},`+
			`"emails":[{"value":"u%d@example.com","type":"work","primary":true}],"active":true`, i, i, i)
		if withPassword {
			fmt.Fprintf(&b, `,"password":"pw-%d-Sw0rdfish!"`, i)
		}
		b.WriteString(`,"meta":{"resourceType":"User","location":"https://scim.example.com/scim/v2/Users/` + fmt.Sprint(i) + `"}}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

func BenchmarkRedactBody(b *testing.B) {
	for _, bc := range []struct {
		name string
		body string
	}{
		{"100 users with passwords", listBody(100, true)},
		{"100 users without secrets", listBody(100, false)},
		{"truncated with password", listBody(100, true)[:20000]},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				RedactBody(bc.body)
			}
		})
	}
}
