package okta

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimtest/scimtest/simulator"
	"github.com/scimtest/scimtest/simulator/scimjson"
	"github.com/tidwall/gjson"
)

// PageSize is Okta's fixed import page size (idp-wire.md A3.2).
const PageSize = 100

// maxPages bounds an import against a target whose totalResults never
// stops growing.
const maxPages = 100000

// TestCredentials is "Test API Credentials": one GET /Users?startIndex=1&count=2
// that must return a ListResponse with Resources, even an empty one
// (idp-wire.md A3.1).
func (p *Provisioner) TestCredentials(ctx context.Context) error {
	s := step{flow: "test API credentials", name: "list users", doing: "testing the API credentials",
		req: simulator.Request{Method: http.MethodGet, Path: "/Users", RawQuery: "startIndex=1&count=2"},
		ok:  []int{http.StatusOK}}
	resp, err := p.send(ctx, s)
	if err != nil {
		return err
	}
	_, err = parseList(s, resp, true, "No results for users returned")
	return err
}

// Imported is one resource read by an import.
type Imported struct {
	// ID is the SCIM id.
	ID string
	// Name is the userName of a user, the displayName of a group.
	Name string
	// Active is the user's active flag (true for groups).
	Active bool
	// Members counts a group's members.
	Members int
}

// ImportUsers reads every user in pages of 100 until totalResults is covered
// (idp-wire.md A3.2).
func (p *Provisioner) ImportUsers(ctx context.Context) ([]Imported, error) {
	return p.importAll(ctx, "/Users", "import users", "userName")
}

// ImportGroups reads every group in pages of 100 (idp-wire.md A3.3).
func (p *Provisioner) ImportGroups(ctx context.Context) ([]Imported, error) {
	return p.importAll(ctx, "/Groups", "import groups", "displayName")
}

func (p *Provisioner) importAll(ctx context.Context, path, flow, nameAttr string) ([]Imported, error) {
	var out []Imported
	err := p.pageAll(ctx, path, flow, "importing "+strings.TrimPrefix(path, "/"),
		"No results for "+strings.ToLower(strings.TrimPrefix(path, "/"))+" returned",
		func(_ step, _ *simulator.Response, r gjson.Result) error {
			active := scimjson.Get(r, "active")
			out = append(out, Imported{
				ID:      scimjson.Get(r, "id").String(),
				Name:    scimjson.Get(r, nameAttr).String(),
				Active:  !active.Exists() || active.Bool(),
				Members: len(scimjson.Get(r, "members").Array()),
			})
			return nil
		})
	return out, err
}

// pageAll reads path in Okta's import pages (startIndex=1, 101, ... with
// count=100) until totalResults is covered, handing every resource to
// each; a page that does not parse or an error from each stops it. doing
// completes "Error while ..." and empty is the admin message for a page
// without Resources.
func (p *Provisioner) pageAll(ctx context.Context, path, flow, doing, empty string,
	each func(s step, resp *simulator.Response, r gjson.Result) error) error {
	for start, page := 1, 1; page <= maxPages; page++ {
		s := step{flow: flow, name: "page " + strconv.Itoa(page), doing: doing,
			req: simulator.Request{Method: http.MethodGet, Path: path,
				RawQuery: fmt.Sprintf("startIndex=%d&count=%d", start, PageSize)},
			ok: []int{http.StatusOK}}
		resp, err := p.send(ctx, s)
		if err != nil {
			return err
		}
		l, err := parseList(s, resp, true, empty)
		if err != nil {
			return err
		}
		for _, r := range l.resources {
			if err := each(s, resp, r); err != nil {
				return err
			}
		}
		if start-1+l.perPage >= l.total {
			return nil
		}
		if len(l.resources) == 0 {
			return shapeError(s, resp, fmt.Sprintf(
				"Error while %s: page at startIndex %d is empty though totalResults is %d", s.doing, start, l.total))
		}
		start += PageSize
	}
	return fmt.Errorf("okta %s: more than %d pages", flow, maxPages)
}
