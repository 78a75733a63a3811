package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/reference"
	"github.com/scimtest/scimtest/simulator"
)

const refToken = "reference-token"

// startReference serves the in-process reference provider and returns a
// client for it (hook may be nil).
func startReference(t testing.TB, hook func(simulator.Options) simulator.Options) *simulator.Client {
	t.Helper()
	srv, err := reference.New(reference.Options{BasePath: "/scim/v2", Token: refToken})
	if err != nil {
		t.Fatalf("reference.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	opts := simulator.Options{BaseURL: ts.URL + "/scim/v2", Auth: simulator.Bearer(refToken)}
	if hook != nil {
		opts = hook(opts)
	}
	c, err := simulator.New(opts)
	if err != nil {
		t.Fatalf("simulator.New: %v", err)
	}
	return c
}

// TestAgainstReference runs every flow against the reference provider and
// checks the provider's state after each, per dialect and filter encoding.
func TestAgainstReference(t *testing.T) {
	for _, cfg := range []Config{
		{Dialect: DialectOIN},
		{Dialect: DialectOIN, FilterEncoding: EncodingPlus, Headers: HeadersRunscope},
		{Dialect: DialectAIW},
		{Dialect: DialectOIN, RenameBeside: RenameInline},
	} {
		t.Run(fmt.Sprintf("%s-%s-%s-%s", cfg.Dialect, cfg.FilterEncoding, cfg.Headers, cfg.RenameBeside), func(t *testing.T) {
			ctx := context.Background()
			c := startReference(t, nil)
			p, err := New(c, cfg)
			must(t, err)
			gen := fixtures.New(21, "refrun")
			get := func(path string) *simulator.Response {
				t.Helper()
				resp, err := c.Get(ctx, path)
				must(t, err)
				return resp
			}

			must(t, p.TestCredentials(ctx))
			users := []fixtures.User{gen.OktaUser(), gen.OktaUser(), gen.OktaUser()}
			ids := make([]string, len(users))
			for i, u := range users {
				if ids[i], err = p.Assign(ctx, u); err != nil {
					t.Fatalf("Assign: %v", err)
				}
				if got := get("/Users/" + ids[i]).JSON(); got.Get("externalId").String() != u.OktaID || !got.Get("active").Bool() {
					t.Errorf("created user %s", got.Raw)
				}
			}

			u0 := users[0]
			u0.Name.GivenName = "Zoë-Updated"
			must(t, p.UpdateProfile(ctx, u0))
			if got := get("/Users/" + ids[0]).JSON().Get("name.givenName").String(); got != "Zoë-Updated" {
				t.Errorf("givenName after update = %q", got)
			}

			must(t, p.Deactivate(ctx, u0.OktaID))
			if get("/Users/" + ids[0]).JSON().Get("active").Bool() {
				t.Error("still active after Deactivate")
			}
			// Reassignment finds the inactive user, links and reactivates it.
			p.ForgetUser(u0.OktaID)
			again, err := p.Assign(ctx, u0)
			must(t, err)
			if again != ids[0] || !get("/Users/"+ids[0]).JSON().Get("active").Bool() {
				t.Errorf("reassign gave %q (want %q), active=%v", again, ids[0], get("/Users/"+ids[0]).JSON().Get("active").Bool())
			}
			must(t, p.SyncPassword(ctx, u0.OktaID, "An0ther-Secret!"))

			g := gen.Group()
			gid, err := p.PushGroup(ctx, g, []string{users[0].OktaID})
			must(t, err)
			members := func() []string {
				var out []string
				for _, m := range get("/Groups/" + gid).JSON().Get("members").Array() {
					out = append(out, m.Get("value").String())
				}
				sort.Strings(out)
				return out
			}
			wantMembers := func(want ...string) {
				t.Helper()
				sort.Strings(want)
				if got := members(); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("members %v, want %v", got, want)
				}
			}
			wantMembers(ids[0])
			must(t, p.UpdateMembers(ctx, g.OktaID, []string{users[1].OktaID, users[2].OktaID}, []string{users[0].OktaID}))
			wantMembers(ids[1], ids[2])
			must(t, p.ReplaceMembers(ctx, g.OktaID, []string{users[0].OktaID}))
			wantMembers(ids[0])
			must(t, p.RenameGroup(ctx, g.OktaID, g.DisplayName+" renamed"))
			if got := get("/Groups/" + gid).JSON().Get("displayName").String(); got != g.DisplayName+" renamed" {
				t.Errorf("displayName after rename = %q", got)
			}
			wantMembers(ids[0]) // a rename must not wipe members (idp-wire.md A6.2)

			imported, err := p.ImportUsers(ctx)
			must(t, err)
			if len(imported) != len(users) {
				t.Errorf("imported %d users, want %d", len(imported), len(users))
			}
			groups, err := p.ImportGroups(ctx)
			must(t, err)
			if len(groups) != 1 || groups[0].Members != 1 {
				t.Errorf("imported groups %+v", groups)
			}

			must(t, p.CheckGroup(ctx, g.OktaID))
			if _, err := c.Delete(ctx, "/Groups/"+gid, nil); err != nil {
				t.Fatal(err)
			}
			if err := p.CheckGroup(ctx, g.OktaID); !errors.Is(err, ErrGone) {
				t.Errorf("CheckGroup after an out-of-band delete = %v, want ErrGone", err)
			}
			must(t, p.UnlinkGroup(ctx, g.OktaID, false))
			if _, ok := p.GroupID(g.OktaID); ok {
				t.Error("UnlinkGroup kept the group in Okta's state")
			}
		})
	}
}

// TestStateStaysFlat checks the client-side state does not grow over a
// long lifecycle run once users are forgotten.
func TestStateStaysFlat(t *testing.T) {
	c := startReference(t, nil)
	p, err := New(c, Config{})
	must(t, err)
	gen := fixtures.New(5, "flat")
	for i := 0; i < 300; i++ {
		must(t, lifecycle(context.Background(), c, p, gen.OktaUser()))
	}
	if u, g := p.Counts(); u != 0 || g != 0 {
		t.Errorf("state holds %d users and %d groups after the run, want none", u, g)
	}
}

// lifecycle runs one user through create, update, deactivate, reactivate
// and delete. Okta never deletes users (idp-wire.md A1.3); the DELETE is the
// test's cleanup, sent through the same client.
func lifecycle(ctx context.Context, c *simulator.Client, p *Provisioner, u fixtures.User) error {
	id, err := p.Assign(ctx, u)
	if err != nil {
		return err
	}
	u.Title = "Updated title"
	if err := p.UpdateProfile(ctx, u); err != nil {
		return err
	}
	if err := p.Deactivate(ctx, u.OktaID); err != nil {
		return err
	}
	if err := p.Reactivate(ctx, u.OktaID); err != nil {
		return err
	}
	resp, err := c.Delete(ctx, "/Users/"+id, nil)
	if err != nil {
		return err
	}
	if resp.Status != 204 {
		return fmt.Errorf("delete %s: status %d", id, resp.Status)
	}
	p.ForgetUser(u.OktaID)
	return nil
}

// BenchmarkLifecycle is the Okta lifecycle of one user per op against the
// in-process reference provider over loopback HTTP: lookup, POST, GET+PUT,
// PATCH, PATCH, DELETE (6 round trips; 7 for AIW-style GET+PUT pairs).
func BenchmarkLifecycle(b *testing.B) {
	for _, d := range []Dialect{DialectOIN, DialectAIW} {
		b.Run(string(d), func(b *testing.B) {
			c := startReference(b, nil)
			p, err := New(c, Config{Dialect: d})
			if err != nil {
				b.Fatal(err)
			}
			gen := fixtures.New(1, "bench")
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := lifecycle(ctx, c, p, gen.OktaUser()); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			users, _ := p.Counts()
			b.ReportMetric(float64(users), "state-users")
		})
	}
}
