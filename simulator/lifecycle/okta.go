package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/okta"
)

// oktaDriver runs Okta's flows (idp-wire.md part A). Users and groups are
// regenerated from the seed by index; Okta's ids in them are the keys of
// the provisioner's state.
type oktaDriver struct {
	p   *okta.Provisioner
	c   *simulator.Client // for the tester's own cleanup of users
	gen *fixtures.Gen
	cfg Config
	// ids holds the Okta id of user i, filled by the create phase, so later
	// phases need not regenerate the whole fixture to find their key.
	// Phases run one after another, so no lock is needed.
	ids []string
}

func newOktaDriver(cfg Config, opts simulator.Options) (Driver, *simulator.Client, error) {
	c, err := simulator.New(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("lifecycle: %w", err)
	}
	p, err := okta.New(c, okta.Config{Dialect: okta.Dialect(cfg.Dialect)})
	if err != nil {
		return nil, nil, fmt.Errorf("lifecycle: %w", err)
	}
	return &oktaDriver{p: p, c: c, gen: fixtures.New(cfg.Seed, cfg.RunID), cfg: cfg, ids: make([]string, cfg.Users)}, c, nil
}

// oktaResult turns a flow on an object never linked into [ErrSkipped]: its
// failure was counted already. An *okta.Error classifies itself (status,
// scimType, admin message).
func oktaResult(err error) error {
	if errors.Is(err, okta.ErrNotLinked) {
		return fmt.Errorf("%w: %w", ErrSkipped, err)
	}
	return err
}

func (d *oktaDriver) user(i int) fixtures.User {
	return d.gen.Fork("user-" + strconv.Itoa(i)).OktaUser()
}

// oktaID is the Okta id of user i, the key Okta's state is held under.
func (d *oktaDriver) oktaID(i int) string {
	if id := d.ids[i]; id != "" {
		return id
	}
	return d.user(i).OktaID // create never ran for i (interrupted run)
}

func (d *oktaDriver) group(g int) fixtures.Group {
	return d.gen.Fork("group-" + strconv.Itoa(g)).Group()
}

// linked returns the Okta ids of the given users that Okta has linked.
func (d *oktaDriver) linked(idx []int) []string {
	out := make([]string, 0, len(idx))
	for _, i := range idx {
		id := d.oktaID(i)
		if _, ok := d.p.UserID(id); ok {
			out = append(out, id)
		}
	}
	return out
}

func (d *oktaDriver) TestCredentials(ctx context.Context) error {
	return oktaResult(d.p.TestCredentials(ctx))
}

// groups runs do for each group as a phase of kind k.
func (d *oktaDriver) groups(k Kind, do func(ctx context.Context, grp fixtures.Group, i int) error) Phase {
	return Phase{Kind: k, N: d.cfg.Groups, Do: func(ctx context.Context, i int) error {
		return oktaResult(do(ctx, d.group(i), i))
	}}
}

// users runs do for each user's Okta id as a phase of kind k.
func (d *oktaDriver) users(k Kind, do func(ctx context.Context, oktaID string) error) Phase {
	return Phase{Kind: k, N: d.cfg.Users, Do: func(ctx context.Context, i int) error {
		return oktaResult(do(ctx, d.oktaID(i)))
	}}
}

func (d *oktaDriver) Phases() []Phase {
	n, groups, users := d.cfg.Users, d.groups, d.users
	return []Phase{
		{Kind: KindCreateUser, N: n, Do: func(ctx context.Context, i int) error {
			u := d.user(i)
			d.ids[i] = u.OktaID
			_, err := d.p.Assign(ctx, u)
			return oktaResult(err)
		}},
		{Kind: KindUpdateUser, N: n, Do: func(ctx context.Context, i int) error {
			u := d.user(i)
			if u.Name != nil {
				u.Name.FamilyName += "-Updated"
				u.DisplayName = u.Name.GivenName + " " + u.Name.FamilyName
			}
			return oktaResult(d.p.UpdateProfile(ctx, u))
		}},
		// Groups are pushed empty, then the membership changes follow as
		// their own operations so each kind is counted apart.
		groups(KindPushGroup, func(ctx context.Context, grp fixtures.Group, _ int) error {
			_, err := d.p.PushGroup(ctx, grp, nil)
			return err
		}),
		groups(KindAddMembers, func(ctx context.Context, grp fixtures.Group, i int) error {
			add := d.linked(members(d.cfg, i))
			if len(add) == 0 {
				return nil
			}
			return d.p.UpdateMembers(ctx, grp.OktaID, add, nil)
		}),
		groups(KindRemoveMembers, func(ctx context.Context, grp fixtures.Group, i int) error {
			rm := d.linked(members(d.cfg, i)[:removed(d.cfg)])
			if len(rm) == 0 {
				return nil
			}
			return d.p.UpdateMembers(ctx, grp.OktaID, nil, rm)
		}),
		groups(KindRenameGroup, func(ctx context.Context, grp fixtures.Group, _ int) error {
			return d.p.RenameGroup(ctx, grp.OktaID, grp.DisplayName+" renamed")
		}),
		users(KindDeactivateUser, d.p.Deactivate),
		users(KindReactivateUser, d.p.Reactivate),
		{Kind: KindImportUsers, N: 1, Sequential: true, Do: func(ctx context.Context, _ int) error {
			_, err := d.p.ImportUsers(ctx)
			return oktaResult(err)
		}},
		{Kind: KindImportGroups, N: 1, Sequential: true, Do: func(ctx context.Context, _ int) error {
			_, err := d.p.ImportGroups(ctx)
			return oktaResult(err)
		}},
	}
}

func (d *oktaDriver) Cleanup() []Phase {
	return []Phase{
		d.groups(KindDeleteGroup, func(ctx context.Context, grp fixtures.Group, _ int) error {
			return d.p.UnlinkGroup(ctx, grp.OktaID, true)
		}),
		// Okta never deletes users (idp-wire.md A1.3); this DELETE is the
		// tester removing what it created, outside Okta's traffic.
		d.users(KindDeleteUser, d.deleteUser),
	}
}

// cleanupError is a failed cleanup DELETE; it is not an Okta flow, so it
// carries no admin message.
type cleanupError struct {
	status int
	op     string // "cleanup: DELETE /Users/42"
	msg    string
	err    error
}

func (e *cleanupError) Unwrap() error { return e.err }

func (e *cleanupError) Error() string    { return e.msg }
func (e *cleanupError) HTTPStatus() int  { return e.status }
func (e *cleanupError) SCIMType() string { return "" }

func (d *oktaDriver) deleteUser(ctx context.Context, oktaID string) error {
	id, ok := d.p.UserID(oktaID)
	if !ok {
		return fmt.Errorf("%w: user %s was never linked", ErrSkipped, oktaID)
	}
	path := "/Users/" + url.PathEscape(id)
	resp, err := d.c.Do(ctx, simulator.Request{Method: http.MethodDelete, Path: path})
	if err != nil {
		return &cleanupError{op: "cleanup: DELETE " + path, msg: fmt.Sprintf("cleanup: %v", err), err: err}
	}
	if resp.Status != http.StatusNoContent {
		return &cleanupError{status: resp.Status, msg: fmt.Sprintf(
			"cleanup: DELETE %s returned %d, want 204 (RFC 7644, Section 3.6)", path, resp.Status)}
	}
	d.p.ForgetUser(oktaID)
	return nil
}

func (d *oktaDriver) Admin(s *Summary) []string {
	_, failed, skipped := s.Totals()
	var out []string
	if tc := s.Count(KindTestCredentials); tc.Failed > 0 {
		out = append(out, "Test API Credentials failed: Okta would not let the admin enable provisioning.")
	} else if failed == 0 {
		out = append(out, fmt.Sprintf("No provisioning errors: %d users assigned, %d groups pushed.",
			s.Count(KindCreateUser).OK, s.Count(KindPushGroup).OK))
	} else {
		out = append(out, fmt.Sprintf("%d failed operations would each raise a provisioning task (Dashboard → Tasks) that needs a manual retry; Okta does not retry them on its own.", failed))
	}
	if skipped > 0 {
		out = append(out, fmt.Sprintf("%d operations were not attempted because the user or group was never linked.", skipped))
	}
	return append(out, s.adminErrors()...)
}
