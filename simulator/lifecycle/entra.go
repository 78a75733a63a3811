package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/entra"
)

// entraDriver runs Entra's flows (idp-wire.md part B). Objects are keyed by
// index; their data is regenerated from the seed when a step needs it.
type entraDriver struct {
	p   *entra.Provisioner
	gen *fixtures.Gen
	cfg Config
}

func newEntraDriver(cfg Config, opts simulator.Options) (Driver, *simulator.Client, error) {
	d, err := entra.ParseDialect(cfg.Dialect)
	if err != nil {
		return nil, nil, fmt.Errorf("lifecycle: %w", err)
	}
	opts.Profile = entra.Profile("")
	c, err := simulator.New(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("lifecycle: %w", err)
	}
	p, err := entra.New(c, entra.Options{Dialect: d})
	if err != nil {
		return nil, nil, fmt.Errorf("lifecycle: %w", err)
	}
	return &entraDriver{p: p, gen: fixtures.New(cfg.Seed, cfg.RunID), cfg: cfg}, c, nil
}

// userKey is the Entra object id the driver uses for user i; only the
// provisioner's id map needs it, so a short key saves memory at scale.
func userKey(i int) string { return "u" + strconv.Itoa(i) }

// ref is user i as far as flows that need only its id are concerned.
func ref(i int) entra.User { return entra.User{ObjectID: userKey(i)} }

// user regenerates user i from the seed.
func (d *entraDriver) user(i int) entra.User {
	f := d.gen.Fork("user-" + strconv.Itoa(i)).EntraUser()
	u := entra.User{
		ObjectID:          userKey(i),
		UserPrincipalName: f.UserName,
		MailNickname:      f.MailNickname,
		Mail:              f.WorkEmail(),
		DisplayName:       f.DisplayName,
		JobTitle:          f.Title,
	}
	if f.Name != nil {
		u.GivenName, u.Surname = f.Name.GivenName, f.Name.FamilyName
	}
	if f.Enterprise != nil {
		u.Department, u.EmployeeID = f.Enterprise.Department, f.Enterprise.EmployeeNumber
	}
	return u
}

// updated is the change an HR update would bring to u: a new title, surname
// and department, so the PATCH carries plain, nested and extension paths.
func updated(u entra.User) entra.User {
	u.JobTitle = "Senior " + u.JobTitle
	u.Surname += "-Updated"
	u.Department += " (reorganised)"
	return u
}

// group regenerates group g from the seed.
func (d *entraDriver) group(g int) entra.Group {
	f := d.gen.Fork("group-" + strconv.Itoa(g)).Group()
	return entra.Group{ObjectID: f.ObjectID, DisplayName: f.DisplayName}
}

// members lists the users of group g: M consecutive users, wrapping round.
func members(cfg Config, g int) []int {
	out := make([]int, cfg.MembersPerGroup)
	for k := range out {
		out[k] = (g*cfg.MembersPerGroup + k) % cfg.Users
	}
	return out
}

// removed is how many of a group's members the membership-change step
// removes: the first half, rounded up.
func removed(cfg Config) int { return (cfg.MembersPerGroup + 1) / 2 }

// skip turns "this object was never provisioned" into [ErrSkipped]: it
// follows from an earlier failure that was already counted.
func skip(err error) error {
	if errors.Is(err, entra.ErrNotProvisioned) {
		return fmt.Errorf("%w: %w", ErrSkipped, err)
	}
	return err
}

func (d *entraDriver) TestCredentials(ctx context.Context) error {
	return d.p.TestConnection(ctx, d.gen.Fork("test-connection").Group().ObjectID)
}

// provisioned keeps the members Entra would send: those it has an id for.
func (d *entraDriver) provisioned(idx []int) []entra.User {
	out := make([]entra.User, 0, len(idx))
	for _, i := range idx {
		if _, ok := d.p.UserID(userKey(i)); ok {
			out = append(out, ref(i))
		}
	}
	return out
}

// groups runs do for each group as a phase of kind k.
func (d *entraDriver) groups(k Kind, do func(ctx context.Context, grp entra.Group, i int) error) Phase {
	return Phase{Kind: k, N: d.cfg.Groups, Do: func(ctx context.Context, i int) error {
		return skip(do(ctx, d.group(i), i))
	}}
}

func (d *entraDriver) Phases() []Phase {
	n, groups := d.cfg.Users, d.groups
	return []Phase{
		{Kind: KindCreateUser, N: n, Do: func(ctx context.Context, i int) error {
			_, _, err := d.p.ProvisionUser(ctx, d.user(i))
			return err
		}},
		{Kind: KindUpdateUser, N: n, Do: func(ctx context.Context, i int) error {
			u := d.user(i)
			return skip(d.p.UpdateUser(ctx, u, updated(u)))
		}},
		// Reference attributes come after the objects exist (idp-wire.md B2):
		// user i reports to user (i-1)/2, a balanced tree.
		{Kind: KindSetManager, N: n - 1, Do: func(ctx context.Context, i int) error {
			return skip(d.p.SetManager(ctx, ref(i+1), ref(i/2)))
		}},
		groups(KindPushGroup, func(ctx context.Context, grp entra.Group, _ int) error {
			_, _, err := d.p.ProvisionGroup(ctx, grp)
			return err
		}),
		groups(KindAddMembers, func(ctx context.Context, grp entra.Group, i int) error {
			m := d.provisioned(members(d.cfg, i))
			if len(m) == 0 {
				return nil
			}
			return d.p.AddMembers(ctx, grp, m...)
		}),
		groups(KindRemoveMembers, func(ctx context.Context, grp entra.Group, i int) error {
			m := d.provisioned(members(d.cfg, i)[:removed(d.cfg)])
			if len(m) == 0 {
				return nil
			}
			return d.p.RemoveMembers(ctx, grp, m...)
		}),
		groups(KindRenameGroup, func(ctx context.Context, grp entra.Group, _ int) error {
			return d.p.RenameGroup(ctx, grp, grp.DisplayName+" renamed")
		}),
		groups(KindReadGroup, func(ctx context.Context, grp entra.Group, _ int) error {
			return d.p.GetGroup(ctx, grp)
		}),
		{Kind: KindDeactivateUser, N: n, Do: func(ctx context.Context, i int) error {
			return skip(d.p.DisableUser(ctx, ref(i)))
		}},
		{Kind: KindReactivateUser, N: n, Do: func(ctx context.Context, i int) error {
			return skip(d.p.EnableUser(ctx, ref(i)))
		}},
	}
}

func (d *entraDriver) Cleanup() []Phase {
	return []Phase{
		d.groups(KindDeleteGroup, func(ctx context.Context, grp entra.Group, _ int) error {
			return d.p.DeleteGroup(ctx, grp)
		}),
		{Kind: KindDeleteUser, N: d.cfg.Users, Do: func(ctx context.Context, i int) error {
			return skip(d.p.DeleteUser(ctx, ref(i)))
		}},
	}
}

// Quarantine thresholds of Entra's provisioning service (idp-wire.md B2).
const (
	entraQuarantineMinFailures = 5000
	entraQuarantineRatio       = 0.40
)

func (d *entraDriver) Admin(s *Summary) []string {
	ok, failed, skipped := s.Totals()
	var out []string
	switch {
	case s.Quarantine:
		out = append(out, "Provisioning status: Quarantine. The job would be slowed to one cycle a day and disabled after 4 weeks unless the errors below are fixed.")
	case failed >= entraQuarantineMinFailures && float64(failed) > entraQuarantineRatio*float64(ok+failed):
		out = append(out, fmt.Sprintf("Provisioning status: Quarantine. %d of %d operations failed (more than 40%%).", failed, ok+failed))
	case failed > 0:
		out = append(out, fmt.Sprintf("Provisioning status: Healthy with errors. %d operations failed and would be escrowed and retried after 6 h, 12 h and 24 h.", failed))
	default:
		out = append(out, fmt.Sprintf("Provisioning status: Healthy. %d users and %d groups provisioned without errors.",
			s.Count(KindCreateUser).OK, s.Count(KindPushGroup).OK))
	}
	if skipped > 0 {
		out = append(out, fmt.Sprintf("%d operations were not attempted because the object was never provisioned.", skipped))
	}
	return append(out, s.adminErrors()...)
}
