package scimjsontest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestUpper(t *testing.T) {
	var got []string // request bodies the wrapped handler saw
	h := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, string(b))
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"1","userName":"a","name":{"givenName":"G"},"emails":[{"value":"e"}],"n":1.50}`)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	tests := []struct {
		name, req, wantSeen, wantDup string
	}{
		{"first call learns names", `{"userName":"a"}`, `{"userName":"a"}`, ""},
		{"echo restored", `{"ID":"1","USERNAME":"b","NAME":{"GIVENNAME":"H"}}`, `{"id":"1","name":{"givenName":"H"},"userName":"b"}`, ""},
		{"duplicate reported", `{"USERNAME":"a","userName":"b"}`, ``, "POST /Users: USERNAME/userName"},
		{"not JSON passes", `hello`, `hello`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			before := len(h.Duplicates())
			resp, err := http.Post(srv.URL+"/Users", "application/scim+json", strings.NewReader(tt.req))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || resp.Header.Get("Content-Type") != "application/scim+json" {
				t.Errorf("status %d, Content-Type %q: not passed through", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if want := `{"EMAILS":[{"VALUE":"e"}],"ID":"1","N":1.50,"NAME":{"GIVENNAME":"G"},"USERNAME":"a"}`; string(body) != want {
				t.Errorf("response %s, want %s", body, want)
			}
			if tt.wantSeen != "" && (len(got) != 1 || got[0] != tt.wantSeen) {
				t.Errorf("handler saw %q, want %q", got, tt.wantSeen)
			}
			d := h.Duplicates()[before:]
			if (tt.wantDup == "") != (len(d) == 0) || len(d) > 0 && d[0] != tt.wantDup {
				t.Errorf("duplicates %q, want %q", d, tt.wantDup)
			}
		})
	}
}
