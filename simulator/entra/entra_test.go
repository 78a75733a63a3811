package entra_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/entra"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// recorded is one request as the target saw it, in the form kept in goldens.
type recorded struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query,omitempty"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body,omitempty"`
}

// fakeTarget is a minimal SCIM target that records every request and
// answers as a well-behaved provider would; match decides whether filter
// queries find something.
type fakeTarget struct {
	mu    sync.Mutex
	reqs  []recorded
	next  int
	match bool
}

func (f *fakeTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Headers: map[string]string{}}
	for _, h := range []string{"User-Agent", "Accept", "Accept-Charset", "Content-Type", "Authorization"} {
		if v := r.Header.Get(h); v != "" {
			rec.Headers[h] = v
		}
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &rec.Body); err != nil {
			rec.Body = "INVALID JSON: " + string(raw)
		}
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	f.next++
	id := fmt.Sprintf("id-%d", f.next)
	match := f.match
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/scim+json")
	switch {
	case r.Method == "GET" && r.URL.Query().Get("filter") != "":
		if match {
			fmt.Fprintf(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":%q}]}`, "found-"+id)
			return
		}
		fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`)
	case r.Method == "GET":
		parts := strings.Split(r.URL.Path, "/")
		fmt.Fprintf(w, `{"id":%q}`, parts[len(parts)-1])
	case r.Method == "POST":
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%q}`, id)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *fakeTarget) take() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reqs
	f.reqs = nil
	return r
}

func newProvisioner(t *testing.T, h http.Handler, opts entra.Options) *entra.Provisioner {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := simulator.New(simulator.Options{
		BaseURL: srv.URL + "/scim/v2",
		Auth:    simulator.Bearer("test-token"),
		Profile: entra.Profile(""),
		Retry:   simulator.RetryPolicy{MaxRetries: -1},
	})
	if err != nil {
		t.Fatalf("simulator.New: %v", err)
	}
	p, err := entra.New(c, opts)
	if err != nil {
		t.Fatalf("entra.New: %v", err)
	}
	return p
}

var (
	alice = entra.User{ObjectID: "obj-alice", UserPrincipalName: "alice@contoso.test", MailNickname: "alice",
		Mail: "alice@contoso.test", GivenName: "Alice", Surname: "Adams", DisplayName: "Alice Adams",
		JobTitle: "Engineer", Department: "R&D", EmployeeID: "E-1"}
	bob = entra.User{ObjectID: "obj-bob", UserPrincipalName: "bob@contoso.test", MailNickname: "bob",
		Mail: "bob@contoso.test", GivenName: "Bob", Surname: "Brown"}
	carol = entra.User{ObjectID: "obj-carol", UserPrincipalName: "carol@contoso.test", MailNickname: "carol",
		Mail: "carol@contoso.test", GivenName: "Carol", Surname: "Clark"}
	team = entra.Group{ObjectID: "obj-team", DisplayName: "Team \"A\""}
)

// flows drives each flow after the users and group it needs exist; the
// setup requests are discarded so each golden holds one flow.
var flows = []struct {
	name  string
	match bool
	opts  entra.Options
	run   func(ctx context.Context, p *entra.Provisioner) error
}{
	{name: "test-connection", run: func(ctx context.Context, p *entra.Provisioner) error {
		return p.TestConnection(ctx, "00000000-0000-0000-0000-000000000001")
	}},
	{name: "create-user", run: func(ctx context.Context, p *entra.Provisioner) error {
		_, _, err := p.ProvisionUser(ctx, alice)
		return err
	}},
	{name: "match-user-existing", match: true, run: func(ctx context.Context, p *entra.Provisioner) error {
		id, created, err := p.ProvisionUser(ctx, alice)
		if err == nil && (created || id == "") {
			err = fmt.Errorf("ProvisionUser = %q, created %v; want a match", id, created)
		}
		return err
	}},
	{name: "match-user-externalid", opts: entra.Options{UserMatch: entra.MatchExternalID}, run: func(ctx context.Context, p *entra.Provisioner) error {
		_, err := p.MatchUser(ctx, alice)
		return err
	}},
	{name: "match-user-workemail", opts: entra.Options{UserMatch: entra.MatchWorkEmail}, run: func(ctx context.Context, p *entra.Provisioner) error {
		_, err := p.MatchUser(ctx, alice)
		return err
	}},
	{name: "update-user", run: func(ctx context.Context, p *entra.Provisioner) error {
		upd := alice
		upd.Surname, upd.Mail, upd.JobTitle, upd.Department = "Baker", "alice.baker@contoso.test", "", "Sales"
		old := alice
		old.DisplayName = ""
		upd.DisplayName = "Alice Baker"
		return p.UpdateUser(ctx, old, upd)
	}},
	{name: "disable-user", run: func(ctx context.Context, p *entra.Provisioner) error { return p.DisableUser(ctx, alice) }},
	{name: "enable-user", run: func(ctx context.Context, p *entra.Provisioner) error { return p.EnableUser(ctx, alice) }},
	{name: "delete-user", run: func(ctx context.Context, p *entra.Provisioner) error { return p.DeleteUser(ctx, alice) }},
	{name: "set-manager", run: func(ctx context.Context, p *entra.Provisioner) error { return p.SetManager(ctx, alice, bob) }},
	{name: "replace-manager", run: func(ctx context.Context, p *entra.Provisioner) error { return p.ReplaceManager(ctx, alice, carol) }},
	{name: "remove-manager", run: func(ctx context.Context, p *entra.Provisioner) error { return p.RemoveManager(ctx, alice) }},
	{name: "create-group", run: func(ctx context.Context, p *entra.Provisioner) error {
		_, _, err := p.ProvisionGroup(ctx, entra.Group{ObjectID: "obj-new", DisplayName: "New"})
		return err
	}},
	{name: "get-group", run: func(ctx context.Context, p *entra.Provisioner) error { return p.GetGroup(ctx, team) }},
	{name: "rename-group", run: func(ctx context.Context, p *entra.Provisioner) error { return p.RenameGroup(ctx, team, "Team B") }},
	{name: "add-members", run: func(ctx context.Context, p *entra.Provisioner) error {
		return p.AddMembers(ctx, team, alice, bob, carol)
	}},
	{name: "remove-members", run: func(ctx context.Context, p *entra.Provisioner) error { return p.RemoveMembers(ctx, team, bob, carol) }},
	{name: "delete-group", run: func(ctx context.Context, p *entra.Provisioner) error { return p.DeleteGroup(ctx, team) }},
}

// TestGoldenRequests checks every flow in both dialects sends exactly the
// requests kept in testdata/<dialect>/<flow>.json (idp-wire.md part B).
func TestGoldenRequests(t *testing.T) {
	for _, d := range []entra.Dialect{entra.DialectDefault, entra.DialectCompliant} {
		for _, f := range flows {
			t.Run(string(d)+"/"+f.name, func(t *testing.T) {
				ctx := context.Background()
				target := &fakeTarget{}
				opts := f.opts
				opts.Dialect = d
				opts.MemberBatch = 2 // so add-members shows the batching
				p := newProvisioner(t, target, opts)
				p.Link(alice.ObjectID, "id-alice")
				p.Link(bob.ObjectID, "id-bob")
				p.Link(carol.ObjectID, "id-carol")
				p.LinkGroup(team.ObjectID, "id-team")
				target.match = f.match
				if err := f.run(ctx, p); err != nil {
					t.Fatalf("flow: %v", err)
				}
				got, err := json.MarshalIndent(target.take(), "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, '\n')
				path := filepath.Join("testdata", string(d), f.name+".json")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden (run with -update to create): %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("requests differ from %s:\n got: %s\nwant: %s", path, got, want)
				}
			})
		}
	}
}

// TestStateFollowsResponses checks the client-side map learns ids from
// creates and matches and forgets them on delete.
func TestStateFollowsResponses(t *testing.T) {
	ctx := context.Background()
	target := &fakeTarget{}
	p := newProvisioner(t, target, entra.Options{})
	id, created, err := p.ProvisionUser(ctx, alice)
	if err != nil || !created {
		t.Fatalf("ProvisionUser = %q, %v, %v; want a create", id, created, err)
	}
	if got, ok := p.UserID(alice.ObjectID); !ok || got != id {
		t.Fatalf("UserID after create = %q, %v; want %q", got, ok, id)
	}
	if err := p.DeleteUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.UserID(alice.ObjectID); ok {
		t.Fatal("UserID still known after delete")
	}
	if err := p.DisableUser(ctx, alice); !errors.Is(err, entra.ErrNotProvisioned) {
		t.Fatalf("DisableUser of an unknown user = %v; want ErrNotProvisioned", err)
	}
	target.match = true
	gid, created, err := p.ProvisionGroup(ctx, team)
	if err != nil || created || !strings.HasPrefix(gid, "found-") {
		t.Fatalf("ProvisionGroup on a match = %q, %v, %v; want the matched id", gid, created, err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	c := &fakeTarget{}
	for _, opts := range []entra.Options{
		{Dialect: "validator2"},
		{UserMatch: "nickName"},
		{GroupMatch: "id"},
	} {
		srv := httptest.NewServer(c)
		cl, err := simulator.New(simulator.Options{BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := entra.New(cl, opts); err == nil {
			t.Errorf("New(%+v) succeeded; want an error", opts)
		}
		srv.Close()
	}
	if _, err := entra.New(nil, entra.Options{}); err == nil {
		t.Error("New(nil) succeeded; want an error")
	}
}
