package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scimtest/scimtest/suites"
	"github.com/scimtest/scimtest/suites/requirements"
)

func init() { register(newRequirementsCmd) }

func newRequirementsCmd() *cobra.Command {
	var level string
	var uncovered bool
	cmd := &cobra.Command{
		Use:   "requirements",
		Short: "Print the RFC requirement matrix and which specs cover each row",
		Long: `Print the RFC 7643/7644 requirement matrix with, for every row, the specs
that check it (or why it is not tested), and the coverage per level.

--level keeps one level (MUST, SHOULD or MAY); --uncovered keeps the rows no
spec checks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRequirements(cmd.OutOrStdout(), strings.ToUpper(level), uncovered)
		},
	}
	cmd.Flags().StringVar(&level, "level", "", "only rows of this level: MUST, SHOULD or MAY")
	cmd.Flags().BoolVar(&uncovered, "uncovered", false, "only rows no spec covers")
	return cmd
}

// runRequirements prints the matrix with its coverage.
func runRequirements(w io.Writer, level string, onlyUncovered bool) error {
	switch level {
	case "", requirements.LevelMUST, requirements.LevelSHOULD, requirements.LevelMAY:
	default:
		return fmt.Errorf("--level %q: want MUST, SHOULD or MAY", level)
	}
	rows, err := requirements.All()
	if err != nil {
		return fmt.Errorf("requirement matrix: %w", err)
	}
	untestable, err := requirements.Untestable()
	if err != nil {
		return fmt.Errorf("requirement matrix: %w", err)
	}
	specs, err := suites.Preview()
	if err != nil {
		return fmt.Errorf("spec tree: %w", err)
	}
	by := map[string][]string{}
	for _, s := range specs {
		for _, id := range s.Requirements {
			by[id] = append(by[id], fmt.Sprintf("[%s %s] %s", s.Area, s.Level, s.Name))
		}
	}
	type tally struct{ rows, covered, untestable int }
	totals := map[string]*tally{}
	for _, r := range rows {
		if level != "" && r.Level != level {
			continue
		}
		t := totals[r.Level]
		if t == nil {
			t = &tally{}
			totals[r.Level] = t
		}
		t.rows++
		covering := by[r.ID]
		reason, isUntestable := untestable[r.ID]
		switch {
		case len(covering) > 0:
			t.covered++
		case isUntestable:
			t.untestable++
		}
		if onlyUncovered && len(covering) > 0 {
			continue
		}
		fmt.Fprintf(w, "%-14s %-6s %-22s %s\n", r.ID, r.Level, r.Section, oneLine(r.Text, 100))
		switch {
		case len(covering) > 0:
			for _, c := range covering {
				fmt.Fprintf(w, "    covered by %s\n", c)
			}
		case isUntestable:
			fmt.Fprintf(w, "    not tested: %s\n", reason)
		default:
			fmt.Fprintf(w, "    UNCOVERED\n")
		}
	}
	fmt.Fprintln(w)
	for _, l := range []string{requirements.LevelMUST, requirements.LevelSHOULD, requirements.LevelMAY} {
		if t := totals[l]; t != nil {
			fmt.Fprintf(w, "%-6s %3d of %3d rows covered by specs, %d untestable, %d uncovered\n", l, t.covered, t.rows, t.untestable, t.rows-t.covered-t.untestable)
		}
	}
	return nil
}

// oneLine cuts s to n runes on one line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
