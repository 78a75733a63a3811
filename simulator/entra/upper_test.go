package entra_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/simulator/entra"
	"github.com/scimtest/scimtest/simulator/scimjson/scimjsontest"
)

// TestUpperCaseNames runs every golden flow in both dialects against the
// fake target as is and answering upper-case attribute names (legal: RFC
// 7643 §2.1, and nothing documents Entra reading names case-sensitively),
// and wants the same requests and the same ids learnt.
func TestUpperCaseNames(t *testing.T) {
	ids := func(p *entra.Provisioner) []string {
		var out []string
		for _, o := range []string{alice.ObjectID, bob.ObjectID, carol.ObjectID} {
			id, ok := p.UserID(o)
			out = append(out, fmt.Sprint(o, "=", id, ok))
		}
		for _, o := range []string{team.ObjectID, "obj-new"} {
			id, ok := p.GroupID(o)
			out = append(out, fmt.Sprint(o, "=", id, ok))
		}
		return out
	}
	run := func(t *testing.T, d entra.Dialect, f int, upper bool) ([]recorded, []string, *scimjsontest.Upper) {
		target := &fakeTarget{match: flows[f].match}
		var h http.Handler = target
		var up *scimjsontest.Upper
		if upper {
			up = scimjsontest.New(target)
			h = up
		}
		opts := flows[f].opts
		opts.Dialect = d
		p := newProvisioner(t, h, opts)
		// Flows that need existing objects get them through the target, so
		// the ids come from (upper-cased) responses too.
		ctx := context.Background()
		if flows[f].name != "create-user" && flows[f].name != "match-user-existing" && !strings.HasPrefix(flows[f].name, "test-") {
			for _, u := range []entra.User{alice, bob, carol} {
				if _, err := p.CreateUser(ctx, u); err != nil {
					t.Fatalf("setup create %s: %v", u.ObjectID, err)
				}
			}
			if _, err := p.CreateGroup(ctx, team); err != nil {
				t.Fatalf("setup create group: %v", err)
			}
		}
		if err := flows[f].run(ctx, p); err != nil {
			t.Fatalf("flow (upper-case names %v): %v", upper, err)
		}
		return target.take(), ids(p), up
	}
	for _, d := range []entra.Dialect{entra.DialectDefault, entra.DialectCompliant} {
		for i, f := range flows {
			t.Run(string(d)+"/"+f.name, func(t *testing.T) {
				plainReqs, plainIDs, _ := run(t, d, i, false)
				upperReqs, upperIDs, up := run(t, d, i, true)
				if !reflect.DeepEqual(upperReqs, plainReqs) {
					t.Errorf("requests differ:\nupper: %+v\nplain: %+v", upperReqs, plainReqs)
				}
				if !reflect.DeepEqual(upperIDs, plainIDs) {
					t.Errorf("ids learnt differ:\nupper: %v\nplain: %v", upperIDs, plainIDs)
				}
				if d := up.Duplicates(); len(d) > 0 {
					t.Errorf("requests carry a name twice: %q", d)
				}
			})
		}
	}
}

// TestUpperCaseJudgement checks Entra's judgement of a response still holds
// when the server spells names in upper case: what is wrong stays wrong,
// what is right is accepted, and error bodies are read.
func TestUpperCaseJudgement(t *testing.T) {
	const list = `{"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],`
	tests := []struct {
		name    string
		status  int
		body    string
		wantID  string
		wantErr string // substring of the error; "" means success
	}{
		{"one match", 200, list + `"TOTALRESULTS":1,"RESOURCES":[{"ID":"x1","USERNAME":"alice"}]}`, "x1", ""},
		{"mixed case", 200, list + `"totalresults":1,"resources":[{"Id":"x2"}]}`, "x2", ""},
		{"no match", 200, list + `"TOTALRESULTS":0,"RESOURCES":[]}`, "", ""},
		{"two matches", 200, list + `"TOTALRESULTS":2,"RESOURCES":[{"ID":"a"},{"ID":"b"}]}`, "", "returned 2 users"},
		{"match without id", 200, list + `"TOTALRESULTS":1,"RESOURCES":[{"USERNAME":"alice"}]}`, "", "has no id"},
		{"total without resources", 200, list + `"TOTALRESULTS":1}`, "", "has no Resources"},
		{"string total", 200, list + `"TOTALRESULTS":"1","RESOURCES":[{"ID":"a"}]}`, "", "numeric totalResults"},
		{"error body", 400, `{"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:Error"],"STATUS":"400","SCIMTYPE":"invalidFilter","DETAIL":"bad filter"}`,
			"", "scimType invalidFilter): bad filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvisioner(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/scim+json")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}), entra.Options{})
			id, err := p.MatchUser(context.Background(), alice)
			if tt.wantErr == "" {
				if err != nil || id != tt.wantID {
					t.Errorf("MatchUser = %q, %v; want %q", id, err, tt.wantID)
				}
				return
			}
			var e *entra.Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("MatchUser = %q, %v; want an *entra.Error saying %q", id, err, tt.wantErr)
			}
		})
	}
}
