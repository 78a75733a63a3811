package reference_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference"
)

// FuzzRequestBodies sends arbitrary bytes as the body of every write
// endpoint through the whole handler: no input may cause a 500 or a panic,
// and every error must be a SCIM error body.
func FuzzRequestBodies(f *testing.F) {
	seeds := []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"f","emails":[{"value":"a@b","primary":"True"}]}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"USER"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"name.givenName":"x","active":"False"}}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"USER\"]"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"emails[type eq \"work\"].value","value":"x"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"b"}},{"method":"PATCH","path":"/Groups/bulkId:a","data":{}}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"emails[type eq \"work\" and value co \"@\"]","sortBy":"name.familyName","count":-1}`,
		`{"userName":1e999}`, `[`, `{"a":` + strings.Repeat("[", 40), `null`, "\x00\xff", `{"userName":"\ud800"}`,
	}
	for i, s := range seeds {
		for target := range 6 {
			if i%6 == target || i >= 7 {
				f.Add(uint8(target), []byte(s))
			}
		}
	}
	h, err := reference.New(reference.Options{Token: token, BulkMaxOperations: 20})
	if err != nil {
		f.Fatal(err)
	}
	do := func(method, path string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/scim/v2"+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	var created struct{ ID string }
	rec := do("POST", "/Users", []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"fuzz-owner"}`))
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.ID == "" {
		f.Fatalf("create user: %s", rec.Body)
	}
	uid := created.ID
	rec = do("POST", "/Groups", []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"fuzz-group","members":[{"value":"`+uid+`"}]}`))
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		f.Fatalf("create group: %s", rec.Body)
	}
	gid := created.ID
	targets := []struct{ method, path string }{
		{"POST", "/Users"}, {"PUT", "/Users/" + uid}, {"PATCH", "/Users/" + uid},
		{"PATCH", "/Groups/" + gid}, {"POST", "/Bulk"}, {"POST", "/Users/.search"},
	}
	f.Fuzz(func(t *testing.T, target uint8, body []byte) {
		body = bytes.ReplaceAll(body, []byte("USER"), []byte(uid))
		tg := targets[int(target)%len(targets)]
		rec := do(tg.method, tg.path, body)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: status %d: %s", tg.method, tg.path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["status"] == nil {
				t.Fatalf("%s %s: %d without SCIM error body: %q", tg.method, tg.path, rec.Code, rec.Body)
			}
		}
		// Keep the user and group the targets point at.
		if tg.method == "PUT" || tg.path == "/Bulk" {
			if r := do("GET", "/Users/"+uid, nil); r.Code != http.StatusOK {
				do("PUT", "/Users/"+uid, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"fuzz-owner"}`))
			}
		}
	})
}
