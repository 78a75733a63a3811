package transcript

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

const (
	secretToken    = "tok-9d8c7b6a5f4e3d2c1b0a"
	secretPassword = "Sw0rdfish-very-secret"
)

func TestRedactBody(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no secret keeps formatting", "{\n  \"userName\": \"bjensen\"\n}", "{\n  \"userName\": \"bjensen\"\n}"},
		{"password keeps member order", `{"userName":"b","password":"` + secretPassword + `","active":true,"n":1.50}`, `{"userName":"b","password":"REDACTED","active":true,"n":1.50}`},
		{"nested and case-insensitive", `{"a":[{"PassWord":"x"}]}`, `{"a":[{"PassWord":"REDACTED"}]}`},
		{"urn-qualified key", `{"urn:ietf:params:scim:schemas:core:2.0:User:password":"x"}`, `{"urn:ietf:params:scim:schemas:core:2.0:User:password":"REDACTED"}`},
		{"patch op value", `{"Operations":[{"value":"x","op":"replace","path":"password"},{"op":"replace","path":"active","value":false}]}`, `{"Operations":[{"value":"REDACTED","op":"replace","path":"password"},{"op":"replace","path":"active","value":false}]}`},
		{"html not escaped", `{"password":"x","note":"<b>&</b>"}`, `{"password":"REDACTED","note":"<b>&</b>"}`},
		{"truncated json", `{"userName":"b","password":"` + secretPassword[:6], `{"userName":"b","password":"REDACTED"`},
		{"truncated patch", `{"Operations":[{"op":"replace","path":"password","value":"abc`, `{"Operations":[{"op":"replace","path":"password","value":"REDACTED"`},
		{"form", "grant_type=x&password=" + secretPassword + "&u=1", "grant_type=x&password=REDACTED&u=1"},
		{"bearer in text", "token was Bearer " + secretToken + " ok", "token was Bearer REDACTED ok"},
		{"trailing garbage", `{"password":"x"} {"b":1}`, `{"password":"REDACTED"} {"b":1}`},
		{"plain text", "hello", "hello"},
		{"empty", "", ""},
		{"non-string password", `{"a":[{"b":{"PASSWORD":1}}]}`, `{"a":[{"b":{"PASSWORD":"REDACTED"}}]}`},
		{"object password", `{"password":{"value":"x"}}`, `{"password":"REDACTED"}`},
		{"patch path is case-insensitive", `{"op":"replace","PATH":"password","Value":"x"}`, `{"op":"replace","PATH":"password","Value":"REDACTED"}`},
		{"patch path with urn", `{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"x"}`, `{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"REDACTED"}`},
		{"patch path naming a password", `{"op":"add","path":"passwordHistory","value":"x"}`, `{"op":"add","path":"passwordHistory","value":"REDACTED"}`},
		{"patch value that is the word password", `{"Operations":[{"op":"replace","path":"title","value":"password"}]}`, `{"Operations":[{"op":"replace","path":"title","value":"password"}]}`},
		{"pathless patch value", `{"op":"replace","value":{"password":"x","title":"t"}}`, `{"op":"replace","value":{"password":"REDACTED","title":"t"}}`},
		{"escaped key", `{"pass\u0077ord":"x"}`, `{"pass\u0077ord":"REDACTED"}`},
		{"escaped key, no secret word", `{"n\u00e4me":"x"}`, `{"n\u00e4me":"x"}`},
		{"form after text", `not json password=x`, `not json password=REDACTED`},
		{"json string that looks like a form", `"password=x"`, `"password=x"`},
		{"already redacted", `{"password":"REDACTED"}`, `{"password":"REDACTED"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactBody(tt.in); got != tt.want {
				t.Errorf("RedactBody(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactBodyDeepNesting(t *testing.T) {
	nest := func(depth int, inner string) string {
		return strings.Repeat(`{"a":`, depth) + inner + strings.Repeat("}", depth)
	}
	tests := []struct {
		name, in, want string
	}{
		{"no secret, too deep to parse", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), strings.Repeat("[", 100000) + strings.Repeat("]", 100000)},
		// Deep but within the bound: walked, so a number is caught too.
		{"deep number", nest(maxJSONDepth-1, `{"password":12345678}`), nest(maxJSONDepth-1, `{"password":"REDACTED"}`)},
		// Past the bound the patterns still catch a string value.
		{"too deep string", nest(maxJSONDepth+1, `{"password":"abc"}`), nest(maxJSONDepth+1, `{"password":"REDACTED"}`)},
		{"brackets in strings do not count", `{"a":"` + strings.Repeat("[", maxJSONDepth+1) + `","password":1}`, `{"a":"` + strings.Repeat("[", maxJSONDepth+1) + `","password":"REDACTED"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactBody(tt.in); got != tt.want {
				t.Errorf("RedactBody changed %d bytes into %d bytes, want %d", len(tt.in), len(got), len(tt.want))
			}
		})
	}
}

func TestNestedWithin(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  bool
	}{
		{`[[]]`, 2, true},
		{`[[[]]]`, 2, false},
		{`{"a":{"b":1}}`, 2, true},
		{`["[[[[", "\"[[[["]`, 1, true},
		{`"\\"[[`, 1, false},
		{`]]]][[`, 1, false},
		{``, 0, true},
	}
	for _, tt := range tests {
		if got := nestedWithin(tt.in, tt.limit); got != tt.want {
			t.Errorf("nestedWithin(%s, %d) = %v, want %v", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	e := Redact(Exchange{
		URL: "https://admin:" + secretPassword + "@scim.example.com/Users?access_token=" + secretToken + "&filter=x",
		RequestHeader: map[string][]string{
			"authorization": {"Bearer " + secretToken},
			"Cookie":        {"s=" + secretToken},
			"X-Auth-Token":  {secretToken},
			"Accept":        {"application/scim+json"},
		},
		ResponseHeader: map[string][]string{"Set-Cookie": {"s=" + secretToken}, "Www-Authenticate": {`Bearer realm="scim"`}},
		Error:          `Get "https://admin:` + secretPassword + `@scim.example.com": EOF`,
	})
	all := fmt.Sprint(e)
	for _, secret := range []string{secretToken, secretPassword} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q survives Redact: %s", secret, all)
		}
	}
	if got := e.RequestHeader["Accept"][0]; got != "application/scim+json" {
		t.Errorf("Accept changed to %q", got)
	}
	if !strings.Contains(e.URL, "filter=x") || strings.Contains(e.URL, "admin") {
		t.Errorf("URL = %q, want userinfo dropped and filter kept", e.URL)
	}
	if got := e.ResponseHeader["Www-Authenticate"][0]; got != `Bearer realm="scim"` {
		t.Errorf("Www-Authenticate = %q, a challenge holds no secret", got)
	}
}

func TestRedactText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"dial https://admin:pw@host/x failed", "dial https://host/x failed"},
		{`{"url":"http://u@h","mail":"bjensen@example.com"}`, `{"url":"http://h","mail":"bjensen@example.com"}`},
		{"https://example.com/users/a@b", "https://example.com/users/a@b"},
		{"see https:// @x", "see https:// @x"},
		{"Authorization: basic dXNlcjpwYXNz", "Authorization: basic REDACTED"},
		{`WWW-Authenticate: Bearer error="invalid_token"`, `WWW-Authenticate: Bearer error="invalid_token"`},
		{"nothing here", "nothing here"},
	}
	for _, tt := range tests {
		if got := RedactText(tt.in); got != tt.want {
			t.Errorf("RedactText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzRedactBody checks that redaction never panics, is idempotent, keeps
// valid JSON valid, and leaves no password value at any depth of a JSON body.
func FuzzRedactBody(f *testing.F) {
	for _, seed := range []string{
		`{"password":"x"}`, `{"Operations":[{"op":"replace","path":"password","value":"x"}]}`,
		`{"a":[1,2.5e3,true,null,{"token":{"x":1}}]}`, `password=x&y=1`, `Bearer abc`, `{"password":"ab`, `[[[`,
		`[{"Password":["a",{"x":1}]}]`, `{"a":{"b":[1,2,{"password":null}]}}`, `"password"`, `{`, `{"pass\u0077ord":1}`,
		`"password=x"`, ` {"url":"http://u:p@h/"} `,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		once := RedactBody(body)
		if twice := RedactBody(once); twice != once {
			t.Errorf("not idempotent:\n%q\n%q\n%q", body, once, twice)
		}
		if !gjson.Valid(body) {
			return
		}
		if !gjson.Valid(once) {
			t.Fatalf("redaction broke valid JSON %q into %q", body, once)
		}
		var check func(v gjson.Result)
		check = func(v gjson.Result) {
			if !v.IsObject() && !v.IsArray() {
				return // ForEach would yield a scalar itself
			}
			v.ForEach(func(k, val gjson.Result) bool {
				if k.Type == gjson.String && strings.EqualFold(k.Str, "password") && val.Str != Redacted {
					t.Fatalf("password %s survives in %q", val.Raw, once)
				}
				check(val)
				return true
			})
		}
		check(gjson.Parse(once))
	})
}

func TestRedactCollect(t *testing.T) {
	found := map[string]bool{}
	RedactCollect(Exchange{
		URL:            "https://admin:pw-in-url-1@h/x?access_token=query-token-1",
		RequestHeader:  map[string][]string{"Authorization": {"Bearer " + secretToken}, "Cookie": {"a=cookie-val-1; b=x"}},
		RequestBody:    `{"password":"` + secretPassword + `","Operations":[{"path":"password","value":"patch-pw-1"}],"short":{"password":"abc"}}`,
		ResponseBody:   "Basic basic-cred-1",
		ResponseHeader: map[string][]string{"Content-Type": {"application/scim+json"}},
	}, found)
	for _, want := range []string{secretToken, "Bearer " + secretToken, "pw-in-url-1", "query-token-1", "cookie-val-1", secretPassword, "patch-pw-1", "basic-cred-1"} {
		if !found[want] {
			t.Errorf("secret %q not collected", want)
		}
	}
	for _, notWant := range []string{"abc", "x", Redacted, "application/scim+json"} {
		if found[notWant] {
			t.Errorf("%q collected, but it is too short or not secret", notWant)
		}
	}
	// Redact itself collects nothing and must not panic on a nil map.
	_ = Redact(Exchange{RequestBody: `{"password":"abcdefgh"}`})
}

func TestRedactTextQuotedJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`body: {"id":"1","password":"bso7C!QZ","userName":"u"}`, `body: {"id":"1","password":"REDACTED","userName":"u"}`},
		{`body: "{\"password\":\"a\\\\b\",\"x\":1}"`, `body: "{\"password\":\"REDACTED\",\"x\":1}"`},
		{`expected: no password attribute`, `expected: no password attribute`},
	}
	for _, tt := range tests {
		if got := RedactText(tt.in); got != tt.want {
			t.Errorf("RedactText(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestRedactBodyEveryKeyIsParsed(t *testing.T) {
	// Every secret key must be found in a JSON body, which requires the
	// cheap pre-check to know its word.
	for k := range secretKeys {
		in := `{"` + k + `":"value-of-the-secret"}`
		if got := RedactBody(in); strings.Contains(got, "value-of-the-secret") {
			t.Errorf("RedactBody(%s) = %s", in, got)
		}
	}
}

func TestRedactHeader(t *testing.T) {
	tests := []struct {
		name   string
		header string
		value  string
		extra  []string
		want   string
	}{
		{"bearer keeps its scheme", "Authorization", "Bearer " + secretToken, nil, "Bearer REDACTED"},
		{"basic keeps its scheme", "authorization", "Basic YWRtaW46cHc=", nil, "Basic REDACTED"},
		{"proxy credentials", "Proxy-Authorization", "Basic YWRtaW46cHc=", nil, "Basic REDACTED"},
		{"raw token has no scheme", "Authorization", secretToken, nil, "REDACTED"},
		{"scheme-like parameter is no scheme", "Authorization", "token=abc def", nil, "REDACTED"},
		{"cookie", "Cookie", "sid=" + secretToken, nil, "REDACTED"},
		{"set-cookie", "Set-Cookie", "sid=" + secretToken + "; HttpOnly", nil, "REDACTED"},
		{"api key", "X-Api-Key", secretToken, nil, "REDACTED"},
		{"vendor token", "X-Auth-Token", secretToken, nil, "REDACTED"},
		{"vendor secret", "X-Client-Secret", secretToken, nil, "REDACTED"},
		{"extra name in any case", "X-Custom-Credential", secretToken, []string{"x-custom-CREDENTIAL"}, "REDACTED"},
		{"other header keeps its value", "Accept", "application/scim+json", []string{"X-Other"}, "application/scim+json"},
		{"credential quoted in another header", "X-Debug", "sent Bearer " + secretToken, nil, "sent Bearer REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string][]string{tt.header: {tt.value}}
			got := RedactHeader(in, tt.extra...)
			if len(got) != 1 || len(got[tt.header]) != 1 || got[tt.header][0] != tt.want {
				t.Fatalf("RedactHeader(%s: %s) = %v, want %q", tt.header, tt.value, got, tt.want)
			}
			if in[tt.header][0] != tt.value {
				t.Errorf("RedactHeader modified its input: %v", in)
			}
		})
	}
	if got := RedactHeader(nil); got != nil {
		t.Errorf("RedactHeader(nil) = %v, want nil", got)
	}
}
