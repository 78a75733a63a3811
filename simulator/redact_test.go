package simulator

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestRedactBody(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"userName":"a","password":"x"}`, `{"userName":"a","password":"REDACTED"}`},
		{`{"a":[{"b":{"PASSWORD":1}}]}`, `{"a":[{"b":{"PASSWORD":"REDACTED"}}]}`},
		{`{"Operations":[{"op":"replace","path":"password","value":"x"}]}`, `{"Operations":[{"op":"replace","path":"password","value":"REDACTED"}]}`},
		{`{"Operations":[{"op":"replace","path":"title","value":"password"}]}`, `{"Operations":[{"op":"replace","path":"title","value":"password"}]}`},
		{`{"userName":"a"}`, `{"userName":"a"}`},
		{`not json password=x`, `not json password=x`},
		{`{"pass\u0077ord":"x"}`, `{"pass\u0077ord":"REDACTED"}`},
	}
	for _, tt := range tests {
		if got := string(RedactBody([]byte(tt.in))); got != tt.want {
			t.Errorf("RedactBody(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzRedactBody checks that redaction never panics, keeps valid JSON valid
// and leaves no password value behind.
func FuzzRedactBody(f *testing.F) {
	for _, s := range []string{`{"password":"secret"}`, `[{"Password":["a",{"x":1}]}]`, `{"a":{"b":[1,2,{"password":null}]}}`, `"password"`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := RedactBody([]byte(in))
		if !gjson.Valid(in) {
			return
		}
		if !gjson.ValidBytes(out) {
			t.Fatalf("redaction broke valid JSON %q into %q", in, out)
		}
		var check func(v gjson.Result)
		check = func(v gjson.Result) {
			if !v.IsObject() && !v.IsArray() {
				return
			}
			v.ForEach(func(k, val gjson.Result) bool {
				if k.Type == gjson.String && strings.EqualFold(k.String(), "password") && val.String() != Redacted {
					t.Fatalf("password %s survived in %s", val.Raw, out)
				}
				check(val)
				return true
			})
		}
		check(gjson.ParseBytes(out))
	})
}
