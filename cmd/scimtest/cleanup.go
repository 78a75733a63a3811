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

Exit codes: 0 all found resources deleted; 1 some could not be deleted, or
the target's paging hid some resources from the search; 2 could not run
(bad flags, unreachable target, refused token).

--config FILE reads target, token-env, request-timeout, ca and insecure
from the scimtest.yaml the run used; flags override it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.config != "" {
				if _, err := applyConfigFile(cmd, f.config, &f.token, cleanupConfigKeys...); err != nil {
					return err
				}
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

// maxRunIDLen bounds --run-id; generated IDs have 8 characters.
const maxRunIDLen = 64

// checkRunID rejects a run ID that could not have marked a run's data: the
// marker must stay one word of letters, digits and dashes, so it cannot
// match more than that run's resources.
func checkRunID(id string) error {
	if id == "" {
		return fmt.Errorf("--target and --run-id are required: pass --run-id, the run ID the run printed (its console summary and results.json hold it)")
	}
	ok := len(id) <= maxRunIDLen
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("--run-id %q is not a run ID: use the 1 to %d letters, digits and dashes the run printed", id, maxRunIDLen)
	}
	return nil
}

// runCleanup deletes the run's users, then its groups.
func runCleanup(ctx context.Context, w io.Writer, f cleanupFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if f.target == "" {
		return usageErr("--target and --run-id are required: pass --target, the SCIM base URL the run tested")
	}
	if err := checkRunID(f.runID); err != nil {
		return usageErr("%w", err)
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
	sw, err := sweepRun(ctx, c, f.runID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "/Users: deleted %d resources of run %s\n", sw.users, f.runID)
	fmt.Fprintf(w, "/Groups: deleted %d resources of run %s\n", sw.groups, f.runID)
	fmt.Fprintf(w, "deleted %d resources\n", sw.users+sw.groups)
	if err := sw.failure(f.runID); err != nil {
		return &exitError{code: exitNonConform, err: err}
	}
	return nil
}

// sweepAfterStop is the cleanup a run stopped by SIGINT or --timeout does
// before it exits: the specs' own DeferCleanup deletes what they know of,
// but a create cut short after the target stored the resource leaves one
// they never learned the id of. It sweeps the run's marker within grace (a
// fresh bound: the run's own context is already cancelled) and returns how
// many resources it deleted; the error is one line saying what remains.
func sweepAfterStop(target, token string, hc *http.Client, requestTimeout, grace time.Duration, runID string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	c, err := cleanupClient(target, token, hc, min(requestTimeout, grace))
	if err != nil {
		return 0, fmt.Errorf("cleanup after the stop: %w", err)
	}
	sw, err := sweepRun(ctx, c, runID)
	if err == nil {
		err = sw.failure(runID)
	}
	return sw.users + sw.groups, err
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
// the sweep goes on; the error is for a target that cannot be listed.
func sweepRun(ctx context.Context, c *simulator.Client, runID string) (sweep, error) {
	var s sweep
	for _, kind := range []struct {
		endpoint string
		attrs    []string
		count    *int
	}{
		{"/Users", []string{"userName", "externalId", "displayName"}, &s.users},
		{"/Groups", []string{"displayName", "externalId"}, &s.groups},
	} {
		ids, unchecked, err := findRun(ctx, c, kind.endpoint, kind.attrs, runID)
		if err != nil {
			return s, err
		}
		if s.unchecked == "" {
			s.unchecked = unchecked
		}
		for _, id := range ids {
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
	}
	return s, nil
}

// findRun returns the ids of resources at endpoint whose attrs carry the run
// marker. Every candidate is checked locally, so a target that ignores the
// filter cannot make cleanup delete foreign resources; a filter answer that
// holds a resource without the marker shows the target does not filter, and
// cleanup pages through everything instead. unchecked is set when paging
// could not reach every resource.
func findRun(ctx context.Context, c *simulator.Client, endpoint string, attrs []string, runID string) (ids []string, unchecked string, err error) {
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
	for _, a := range attrs {
		body, status, err := get(url.Values{"filter": {fmt.Sprintf("%s co %q", a, marker)}, "count": {"1000"}})
		if err != nil {
			return nil, "", err
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
		return order, "", nil
	}
	listed := map[string]bool{}
	for page, start := 0, 1; page < maxCleanupPages; page++ {
		body, status, err := get(url.Values{"startIndex": {fmt.Sprint(start)}, "count": {fmt.Sprint(cleanupPageSize)}})
		if err != nil {
			return nil, "", err
		}
		if status != http.StatusOK {
			return nil, "", fmt.Errorf("cleanup: GET %s answered %d: the target neither filters nor lists its resources", endpoint, status)
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
		if n == 0 || (n < cleanupPageSize && int64(start) > total) {
			break
		}
	}
	return order, unchecked, nil
}

// carriesRun reports whether one of attrs of resource r carries the marker
// of runID.
func carriesRun(r gjson.Result, attrs []string, runID string) bool {
	for _, a := range attrs {
		if markedBy(r.Get(a).String(), runID) {
			return true
		}
	}
	return false
}

// markedBy reports whether s carries the marker of runID at the start of a
// word, in any letter case (servers may fold userName). Fixtures put the
// marker at the start of userName, externalId and a group's displayName,
// and after "(" in a user's displayName; a name that holds the marker inside
// a longer word ("xscimtest-<id>-1", "a.scimtest-<id>-1") is someone else's.
func markedBy(s, runID string) bool {
	if !fixtures.HasRunID(s, runID) {
		return false
	}
	low, m := strings.ToLower(s), strings.ToLower(fixtures.Marker(runID))
	for off := 0; ; {
		i := strings.Index(low[off:], m)
		if i < 0 {
			return false
		}
		i += off
		if i == 0 || !joinsWord(low[i-1]) {
			return true
		}
		off = i + 1
	}
}

// joinsWord reports whether byte b continues a word of a name or an e-mail
// local part, so a marker right after it is inside a longer word. Bytes of
// multi-byte UTF-8 characters (letters in other scripts) count as letters.
func joinsWord(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b >= 0x80
}
