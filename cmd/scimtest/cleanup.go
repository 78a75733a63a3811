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
--run-id are deleted; nothing else is touched. Resources are found with
filters (userName co, displayName co, externalId co) or, when the target
does not filter, by paging through every resource.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCleanup(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "SCIM base URL (required)")
	fl.StringVar(&f.token, "token", "", "bearer token (default $SCIMTEST_TOKEN)")
	fl.StringVar(&f.runID, "run-id", "", "run ID printed by the interrupted run (required)")
	f.tls.register(cmd)
	fl.DurationVar(&f.requestTimeout, "request-timeout", 30*time.Second, "bound for one HTTP request")
	return cmd
}

// maxCleanupPages bounds paging on a target that ignores startIndex.
const maxCleanupPages = 1000

// runCleanup deletes the run's users, then its groups.
func runCleanup(ctx context.Context, w io.Writer, f cleanupFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if f.target == "" || strings.TrimSpace(f.runID) == "" {
		return fmt.Errorf("--target and --run-id are required")
	}
	if f.token == "" {
		f.token = os.Getenv("SCIMTEST_TOKEN")
	}
	hc, err := f.tls.client()
	if err != nil {
		return err
	}
	auth := simulator.NoAuth
	if f.token != "" {
		auth = simulator.Bearer(f.token)
	}
	c, err := simulator.New(simulator.Options{BaseURL: strings.TrimRight(f.target, "/"), Auth: auth, HTTPClient: hc, Timeout: f.requestTimeout})
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	total := 0
	for _, kind := range []struct {
		endpoint string
		attrs    []string
	}{
		{"/Users", []string{"userName", "externalId", "displayName"}},
		{"/Groups", []string{"displayName", "externalId"}},
	} {
		ids, err := findRun(ctx, c, kind.endpoint, kind.attrs, f.runID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			resp, err := c.Delete(ctx, kind.endpoint+"/"+url.PathEscape(id), nil)
			if err != nil {
				return fmt.Errorf("cleanup: %w", err)
			}
			if resp.Status != http.StatusNoContent && resp.Status != http.StatusOK && resp.Status != http.StatusNotFound {
				return fmt.Errorf("cleanup: DELETE %s/%s answered %d", kind.endpoint, id, resp.Status)
			}
			total++
		}
		fmt.Fprintf(w, "%s: deleted %d resources of run %s\n", kind.endpoint, len(ids), f.runID)
	}
	fmt.Fprintf(w, "deleted %d resources\n", total)
	return nil
}

// findRun returns the ids of resources at endpoint whose attrs carry the run
// marker. Every candidate is checked locally, so a target that ignores the
// filter cannot make cleanup delete foreign resources.
func findRun(ctx context.Context, c *simulator.Client, endpoint string, attrs []string, runID string) ([]string, error) {
	found := map[string]bool{}
	var order []string
	take := func(body gjson.Result) int {
		n := 0
		for _, r := range body.Get("Resources").Array() {
			n++
			id := r.Get("id").String()
			if id == "" || found[id] || !carriesRun(r, attrs, runID) {
				continue
			}
			found[id] = true
			order = append(order, id)
		}
		return n
	}
	filtered := true
	marker := fixtures.Marker(runID)
	for _, a := range attrs {
		q := url.Values{"filter": {fmt.Sprintf("%s co %q", a, marker)}, "count": {"1000"}}
		resp, err := c.Do(ctx, simulator.Request{Path: endpoint, Query: q})
		if err != nil {
			return nil, fmt.Errorf("cleanup: %w", err)
		}
		if resp.Status != http.StatusOK {
			filtered = false
			break
		}
		take(resp.JSON())
		if resp.JSON().Get("totalResults").Int() > int64(len(resp.JSON().Get("Resources").Array())) {
			filtered = false // more than one page: page through everything below
			break
		}
	}
	if filtered {
		return order, nil
	}
	for page, start := 0, 1; page < maxCleanupPages; page++ {
		resp, err := c.Do(ctx, simulator.Request{Path: endpoint, Query: url.Values{"startIndex": {fmt.Sprint(start)}, "count": {"100"}}})
		if err != nil {
			return nil, fmt.Errorf("cleanup: %w", err)
		}
		if resp.Status != http.StatusOK {
			return nil, fmt.Errorf("cleanup: GET %s answered %d", endpoint, resp.Status)
		}
		n := take(resp.JSON())
		start += n
		if n == 0 || int64(start) > resp.JSON().Get("totalResults").Int() {
			break
		}
	}
	return order, nil
}

// carriesRun reports whether one of attrs of resource r carries the run ID.
func carriesRun(r gjson.Result, attrs []string, runID string) bool {
	for _, a := range attrs {
		if fixtures.HasRunID(r.Get(a).String(), runID) {
			return true
		}
	}
	return false
}
