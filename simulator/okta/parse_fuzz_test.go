package okta

import (
	"net/http"
	"testing"

	"github.com/scimtest/scimtest/simulator"
	"github.com/tidwall/gjson"
)

// FuzzParseList feeds arbitrary list bodies to the ListResponse checks: they
// must return a list or an *Error, never panic.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		`{"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"a"}]}`,
		`{"totalResults":"1"}`, `[]`, `null`, `{"totalResults":1,"Resources":[]}`, ``, `<html>`, `{"totalResults":0}`, `{"Resources":{}}`,
	} {
		f.Add(s, 200)
	}
	f.Fuzz(func(t *testing.T, body string, status int) {
		s := step{flow: "fuzz", name: "list", doing: "fuzzing", req: simulator.Request{Method: http.MethodGet, Path: "/Users"}}
		resp := &simulator.Response{Status: status, Body: []byte(body)}
		for _, strict := range []bool{false, true} {
			l, err := parseList(s, resp, strict, "empty")
			if err == nil && l.total > 0 && !gjson.Get(body, "Resources").IsArray() && status != http.StatusNotFound {
				// Resources is required when totalResults is non-zero (RFC 7644, Section 3.4.2).
				t.Fatalf("accepted totalResults %d without Resources: %q", l.total, body)
			}
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T is not *Error", err)
				}
			}
		}
	})
}

func TestErrorMessageReadsLikeOkta(t *testing.T) {
	h := newHarness(t, Config{App: "Acme"}, quirks{emptyCreateBody: true})
	u := h.gen.OktaUser()
	_, err := h.p.Assign(t.Context(), u)
	want := "okta assign user: create: POST /Users returned 201: Okta would report: Automatic provisioning of user " +
		u.UserName + " to app Acme failed: Error while creating user " + u.UserName + ": Create new user returned empty user."
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
