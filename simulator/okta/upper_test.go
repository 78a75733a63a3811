package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/scimtest/scimtest/simulator/scimjson/scimjsontest"
)

// seen records what reached the fake server: request line and the body
// re-encoded with sorted keys, so two runs compare by content.
type seen struct {
	next http.Handler
	mu   sync.Mutex
	reqs []string
}

func (s *seen) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var v any
	if json.Unmarshal(body, &v) == nil {
		if b, err := json.Marshal(v); err == nil {
			body = b
		}
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Method+" "+r.URL.RequestURI()+" "+string(body))
	s.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	s.next.ServeHTTP(w, r)
}

// upperScenarios adds, to the golden scenarios, the reads the goldens do
// not look at: a group import's member count and a SCIM error's detail.
var upperScenarios = append(append([]scenario(nil), scenarios...),
	scenario{"import-groups", func(t *testing.T, h *harness) {
		a, b := h.gen.OktaUser(), h.gen.OktaUser()
		h.assign(t, a)
		h.assign(t, b)
		g := h.gen.Group()
		id, err := h.p.PushGroup(context.Background(), g, []string{a.OktaID, b.OktaID})
		must(t, err)
		got, err := h.p.ImportGroups(context.Background())
		must(t, err)
		want := []Imported{{ID: id, Name: g.DisplayName, Active: true, Members: 2}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ImportGroups = %+v, want %+v", got, want)
		}
	}},
	scenario{"import-users-fields", func(t *testing.T, h *harness) {
		id := h.seedUser("gone@example.com", false)
		got, err := h.p.ImportUsers(context.Background())
		must(t, err)
		want := []Imported{{ID: id, Name: "gone@example.com", Active: false}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ImportUsers = %+v, want %+v", got, want)
		}
	}},
	scenario{"conflict-detail", func(t *testing.T, h *harness) {
		u := h.gen.OktaUser()
		h.seedUser(u.UserName, false) // the dropInactive lookup misses it
		_, err := h.p.Assign(context.Background(), u)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrConflict) || e.ScimType != "uniqueness" || e.Detail != "userName is taken" {
			t.Errorf("Assign over a hidden user = %v, want a 409 with scimType uniqueness and the server's detail", err)
		}
	}},
)

// TestUpperCaseNames runs every scenario against the fake server twice,
// as is and answering upper-case attribute names (legal: RFC 7643 §2.1),
// and wants the same requests, the same server state and no request body
// that carries one name twice (an echo must overwrite "USERNAME", not add
// "userName").
func TestUpperCaseNames(t *testing.T) {
	for _, v := range variants {
		for _, sc := range upperScenarios {
			if v.only != nil && !v.only[sc.name] {
				continue
			}
			t.Run(v.name+"/"+sc.name, func(t *testing.T) {
				q := quirks{dropInactive: sc.name == "conflict-detail"}
				var plain, upper *seen
				var up *scimjsontest.Upper
				hp := newWrappedHarness(t, v.cfg, q, func(h http.Handler) http.Handler {
					plain = &seen{next: h}
					return plain
				})
				hu := newWrappedHarness(t, v.cfg, q, func(h http.Handler) http.Handler {
					upper = &seen{next: h}
					up = scimjsontest.New(upper)
					return up
				})
				t.Run("plain", func(t *testing.T) { sc.run(t, hp) })
				t.Run("upper", func(t *testing.T) { sc.run(t, hu) })
				if d := up.Duplicates(); len(d) > 0 {
					t.Errorf("requests carry a name twice:\n%q", d)
				}
				if len(upper.reqs) != len(plain.reqs) {
					t.Fatalf("%d requests against upper-case names, %d against the plain server:\n%q\n%q",
						len(upper.reqs), len(plain.reqs), upper.reqs, plain.reqs)
				}
				for i := range plain.reqs {
					if upper.reqs[i] != plain.reqs[i] {
						t.Errorf("request %d differs:\nupper: %s\nplain: %s", i+1, upper.reqs[i], plain.reqs[i])
					}
				}
				if !reflect.DeepEqual(hu.fake.rs, hp.fake.rs) {
					t.Errorf("server state differs:\nupper: %v\nplain: %v", hu.fake.rs, hp.fake.rs)
				}
			})
		}
	}
}
