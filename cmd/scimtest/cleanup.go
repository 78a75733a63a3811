package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/fixtures"
	"github.com/scimtest/scimtest/simulator"
)

func init() { register(newCleanupCmd) }

// cleanupFlags are the options of `scimtest cleanup`.
type cleanupFlags struct {
	target, token, runID string
	config               string
	tls                  tlsFlags
	requestTimeout       time.Duration
	timeout              time.Duration
}

func newCleanupCmd() *cobra.Command {
	var f cleanupFlags
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Delete what an interrupted run left on a target",
		Long: `Delete the users and groups an interrupted run created on a target.

Only resources whose userName, displayName or externalId carry the marker of
--run-id ("scimtest-<run ID>-", at the start of a word) are deleted; nothing
else is touched, not even a name that holds the run ID inside a longer word.
Resources are found with filters (userName co, displayName co, externalId
co) or, when the target does not filter, by paging through every resource;
each candidate is checked here, whatever the target answered.

A run ID is 1 to 64 letters and digits, so the marker of one run never
matches another's. An endpoint the target does not serve (404 or 501 on
GET /Groups: groups are optional in SCIM) has nothing to delete. Each
endpoint's count is printed as soon as it is done. --timeout bounds the
whole cleanup.

Exit codes: 0 all found resources deleted; 1 some could not be deleted,
the target's paging hid some resources from the search, or --timeout ran
out; 2 could not run (bad flags, unreachable target, refused token).

--config FILE reads target, token-env, request-timeout, ca and insecure
from the scimtest.yaml the run used; flags override it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := applyConfigFile(cmd, f.config, &f.token, cleanupConfigKeys...); err != nil {
				return err
			}
			return runCleanup(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "SCIM base URL (required)")
	fl.StringVar(&f.token, "token", "", "bearer token (default $SCIMTEST_TOKEN)")
	fl.StringVar(&f.runID, "run-id", "", "run ID printed by the interrupted run (required)")
	fl.StringVar(&f.config, "config", "", "scimtest.yaml with target, token-env, request-timeout, ca, insecure (flags override)")
	f.tls.register(cmd)
	fl.DurationVar(&f.requestTimeout, "request-timeout", 30*time.Second, "bound for one HTTP request")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "bound for the whole cleanup (one cut short exits 1 saying what it deleted)")
	return cmd
}

// cleanupConfigKeys are the keys of a scimtest.yaml that cleanup takes: a
// CI job that ran `scimtest run --config` cleans up with the same file.
var cleanupConfigKeys = []string{"target", "request-timeout", "ca", "insecure"}

// Paging bounds: a target that ignores startIndex repeats its first page,
// which the no-new-ids rule catches; maxCleanupPages bounds the rest.
const (
	maxCleanupPages = 1000
	cleanupPageSize = 100
)

// runCleanup deletes the run's users, then its groups, within f.timeout.
func runCleanup(ctx context.Context, w io.Writer, f cleanupFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	switch {
	case f.target == "":
		return usageErr("--target and --run-id are required: pass --target, the SCIM base URL the run tested")
	case f.runID == "":
		return usageErr("--target and --run-id are required: pass --run-id, the run ID the run printed (its console summary and results.json hold it)")
	case f.timeout <= 0 || f.requestTimeout <= 0:
		return usageErr("--timeout and --request-timeout must be positive (got %v and %v)", f.timeout, f.requestTimeout)
	}
	if err := fixtures.CheckRunID(f.runID); err != nil {
		return usageErr("--run-id %w", err)
	}
	if f.token == "" {
		f.token = os.Getenv("SCIMTEST_TOKEN")
	}
	hc, err := f.tls.client()
	if err != nil {
		return usageErr("%w", err)
	}
	c, err := cleanupClient(f.target, f.token, hc, f.requestTimeout)
	if err != nil {
		return usageErr("cleanup: --target: %w", err)
	}
	tctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	// Each endpoint's count goes out as soon as it is known, so what was
	// deleted is on record even when a later endpoint fails.
	sw, err := sweepRun(tctx, c, f.runID, sweepOptions{done: func(endpoint string, deleted int, absent string) {
		if absent != "" {
			fmt.Fprintf(w, "%s: nothing to delete (%s)\n", endpoint, absent)
			return
		}
		fmt.Fprintf(w, "%s: deleted %d resources of run %s\n", endpoint, deleted, f.runID)
	}})
	if ctx.Err() == nil && tctx.Err() != nil {
		fmt.Fprintf(w, "deleted %d resources\n", sw.deleted())
		return &exitError{code: exitNonConform, err: fmt.Errorf("cleanup: --timeout %s ran out after deleting %d resources of run %s; more may remain: run cleanup again", f.timeout, sw.deleted(), f.runID)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "deleted %d resources\n", sw.deleted())
	if err := sw.failure(f.runID); err != nil {
		return &exitError{code: exitNonConform, err: err}
	}
	return nil
}

// sweepAfterStop is the cleanup a run against an external target does
// before it exits, stopped by SIGINT or --timeout or not: the specs' own
// DeferCleanup deletes what they know of, but ignores a DELETE the target
// refused, and a create cut short after the target stored the resource
// leaves one they never learned the id of. It sweeps the run's marker within grace (a
// fresh bound: the run's own context is already cancelled) and returns how
// many resources it deleted; the error is one line saying what remains.
//
// quick asks each endpoint one filter (see [sweepOptions]): the sweep that
// follows every run must stay cheap.
func sweepAfterStop(target, token string, hc *http.Client, requestTimeout, grace time.Duration, runID string, quick bool) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	c, err := cleanupClient(target, token, hc, min(requestTimeout, grace))
	if err != nil {
		return 0, fmt.Errorf("cleanup after the stop: %w", err)
	}
	sw, err := sweepRun(ctx, c, runID, sweepOptions{quick: quick})
	if err == nil {
		err = sw.failure(runID)
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("cleanup: the sweep ran out of its %s, so resources of run %s may remain (%s)", grace.Round(time.Millisecond), runID, strings.TrimPrefix(err.Error(), "cleanup: "))
	}
	return sw.deleted(), err
}

// cleanupClient returns the client cleanup talks to the target through: the
// token as bearer credentials (none when empty), hc for TLS, and timeout
// bounding each request.
func cleanupClient(target, token string, hc *http.Client, timeout time.Duration) (*simulator.Client, error) {
	auth := simulator.NoAuth
	if token != "" {
		auth = simulator.Bearer(token)
	}
	return simulator.New(simulator.Options{BaseURL: strings.TrimRight(target, "/"), Auth: auth, HTTPClient: hc, Timeout: timeout})
}

// sweep is what [sweepRun] did.
type sweep struct {
	// users and groups count the deleted resources (or found gone).
	users, groups int
	// failed counts the resources that could not be deleted; firstFailure
	// says why the first one could not.
	failed       int
	firstFailure string
	// unchecked says why some resources could not be looked at (a
	// target whose paging repeats itself); "" when all were.
	unchecked string
}

// deleted is how many resources the sweep deleted (or found gone).
func (s sweep) deleted() int { return s.users + s.groups }

// sweepOptions say how [sweepRun] looks and whom it tells.
type sweepOptions struct {
	// quick filters each endpoint on one attribute (userName, a group's
	// displayName: every fixture carries the marker there) instead of on
	// each marked attribute, so a sweep after a clean run costs one query
	// per endpoint. The answers are checked on every attribute either way.
	quick bool
	// done, when set, is told each endpoint's outcome as soon as it is
	// known: how many resources it deleted, or why the endpoint has none
	// (absent: the target does not serve it).
	done func(endpoint string, deleted int, absent string)
}

// failure is the one-line error of a sweep that left resources behind or
// could not look at all of them; nil when it did neither.
func (s sweep) failure(runID string) error {
	switch {
	case s.failed > 0:
		return fmt.Errorf("cleanup: %d resources of run %s could not be deleted (first: %s); run cleanup again", s.failed, runID, s.firstFailure)
	case s.unchecked != "":
		return fmt.Errorf("cleanup: %s, so resources of run %s may remain; fix paging on the target and run cleanup again", s.unchecked, runID)
	}
	return nil
}

// sweepRun deletes every user, then every group, on the target of c whose
// userName, displayName or externalId carry the marker of runID (see
// [markedBy]); nothing else. It is `scimtest cleanup`, and what a stopped
// run calls to delete what its specs created but could not delete: a
// resource whose create was cut short by SIGINT or --timeout after the
// target had stored it. A resource that cannot be deleted is counted and
// the sweep goes on; the error is for a target that cannot be listed. An
// endpoint the target does not serve (404 or 501 on a plain GET: Groups are
// optional in SCIM) holds nothing to sweep; one serving neither is an
// error, as that is no SCIM base URL.
func sweepRun(ctx context.Context, c *simulator.Client, runID string, o sweepOptions) (sweep, error) {
	var s sweep
	var absent []string
	for _, kind := range []struct {
		endpoint string
		attrs    []string
		count    *int
	}{
		{"/Users", []string{"userName", "externalId", "displayName"}, &s.users},
		{"/Groups", []string{"displayName", "externalId"}, &s.groups},
	} {
		filters := kind.attrs
		if o.quick {
			filters = filters[:1]
		}
		f, err := findRun(ctx, c, kind.endpoint, kind.attrs, filters, runID)
		if err != nil {
			return s, err
		}
		if f.absent != "" {
			absent = append(absent, f.absent)
			if o.done != nil {
				o.done(kind.endpoint, 0, f.absent)
			}
			continue
		}
		if s.unchecked == "" {
			s.unchecked = f.unchecked
		}
		for _, id := range f.ids {
			path := kind.endpoint + "/" + url.PathEscape(id)
			resp, err := c.Delete(ctx, path, nil)
			why := ""
			switch {
			case err != nil:
				why = fmt.Sprintf("DELETE %s: %s", path, simulator.Diagnose(err))
			case resp.Status == http.StatusNoContent || resp.Status == http.StatusOK || resp.Status == http.StatusNotFound:
				*kind.count++
				continue
			default:
				why = fmt.Sprintf("DELETE %s answered %d", path, resp.Status)
			}
			s.failed++
			if s.firstFailure == "" {
				s.firstFailure = why
			}
		}
		if o.done != nil {
			o.done(kind.endpoint, *kind.count, "")
		}
	}
	if len(absent) == 2 {
		return s, fmt.Errorf("cleanup: the target serves neither /Users nor /Groups (%s): is the URL the SCIM base URL?", strings.Join(absent, "; "))
	}
	return s, nil
}

// lookup is what [findRun] learned of one endpoint.
type lookup struct {
	// ids are the resources that carry the run's marker.
	ids []string
	// unchecked says why some resources could not be looked at.
	unchecked string
	// absent says why the endpoint holds nothing: the target does not
	// serve it ("GET /Groups answered 404"); "" when it does.
	absent string
}

// findRun returns the ids of resources at endpoint whose attrs carry the run
// marker. Every candidate is checked locally, so a target that ignores the
// filter cannot make cleanup delete foreign resources; a filter answer that
// holds a resource without the marker shows the target does not filter, and
// cleanup pages through everything instead. unchecked is set when paging
// could not reach every resource. The lookup filters on each of filters
// (some of attrs); every answer is checked on all of attrs.
func findRun(ctx context.Context, c *simulator.Client, endpoint string, attrs, filters []string, runID string) (lookup, error) {
	found := map[string]bool{}
	var order []string
	// take keeps the run's resources of a page and returns how many
	// resources the page held and how many of them were not the run's.
	take := func(body gjson.Result) (n, foreign int) {
		for _, r := range body.Get("Resources").Array() {
			n++
			id := r.Get("id").String()
			if !carriesRun(r, attrs, runID) {
				foreign++
				continue
			}
			if id == "" || found[id] {
				continue
			}
			found[id] = true
			order = append(order, id)
		}
		return n, foreign
	}
	get := func(q url.Values) (gjson.Result, int, error) {
		resp, err := c.Do(ctx, simulator.Request{Path: endpoint, Query: q})
		if err != nil {
			return gjson.Result{}, 0, fmt.Errorf("cleanup: GET %s: %s", endpoint, simulator.Diagnose(err))
		}
		if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
			return gjson.Result{}, 0, fmt.Errorf("cleanup: GET %s answered %d: check the token (--token or SCIMTEST_TOKEN)", endpoint, resp.Status)
		}
		return resp.JSON(), resp.Status, nil
	}
	filtered := true
	marker := fixtures.Marker(runID)
	for _, a := range filters {
		body, status, err := get(url.Values{"filter": {fmt.Sprintf("%s co %q", a, marker)}, "count": {"1000"}})
		if err != nil {
			return lookup{}, err
		}
		if status != http.StatusOK || !body.Get("Resources").IsArray() && body.Get("totalResults").Int() > 0 {
			filtered = false
			break
		}
		n, foreign := take(body)
		if foreign > 0 || body.Get("totalResults").Int() > int64(n) {
			filtered = false // not filtered, or more than one page: page through everything
			break
		}
	}
	if filtered {
		return lookup{ids: order}, nil
	}
	listed := map[string]bool{}
	unchecked := ""
	for page, start := 0, 1; page < maxCleanupPages; page++ {
		body, status, err := get(url.Values{"startIndex": {fmt.Sprint(start)}, "count": {fmt.Sprint(cleanupPageSize)}})
		if err != nil {
			return lookup{}, err
		}
		if page == 0 && (status == http.StatusNotFound || status == http.StatusNotImplemented) {
			// A plain GET of the collection refused: the target has no such
			// endpoint (Groups are optional in SCIM), so nothing of the run
			// can be there. A filter refused with 501 only says the
			// target does not filter, hence this is asked without one.
			return lookup{absent: fmt.Sprintf("GET %s answered %d", endpoint, status)}, nil
		}
		if status != http.StatusOK {
			return lookup{}, fmt.Errorf("cleanup: GET %s answered %d: the target neither filters nor lists its resources", endpoint, status)
		}
		n, _ := take(body)
		fresh := 0
		body.Get("Resources.#.id").ForEach(func(_, id gjson.Result) bool {
			if !listed[id.String()] {
				listed[id.String()] = true
				fresh++
			}
			return true
		})
		start += n
		total := body.Get("totalResults").Int()
		if n > 0 && fresh == 0 {
			// A page that repeats what was listed: the target ignores
			// startIndex, and what lies beyond the first page is out of reach.
			if total > int64(len(listed)) {
				unchecked = fmt.Sprintf("GET %s repeats the same page whatever startIndex asks (only %d of its %d resources could be checked)", endpoint, len(listed), total)
			}
			break
		}
		// Past totalResults there is nothing left to ask for, whatever
		// the target would answer (RFC 7644 §3.4.2.4: totalResults is
		// REQUIRED); without it, a short page is the last.
		hasTotal := body.Get("totalResults").Exists()
		if n == 0 || hasTotal && int64(start) > total || !hasTotal && n < cleanupPageSize {
			break
		}
	}
	return lookup{ids: order, unchecked: unchecked}, nil
}

// carriesRun reports whether one of attrs of resource r carries the marker
// of runID.
func carriesRun(r gjson.Result, attrs []string, runID string) bool {
	for _, a := range attrs {
		if fixtures.HasRunID(r.Get(a).String(), runID) {
			return true
		}
	}
	return false
}
