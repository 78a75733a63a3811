package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scimtest/scimtest/reports"
)

func init() { register(newReportCmd) }

// reportFlags are the options of `scimtest report`.
type reportFlags struct {
	from string
	out  string
}

func newReportCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report --from results.json",
		Short: "Regenerate report.html, summary.md, junit.xml and exchanges.har from results.json",
		Long: `Regenerate every report file of a run from its results.json (the format is
described in docs/results-schema.md): report.html, summary.md, junit.xml,
exchanges.har, and results.json itself (re-redacted).

--out defaults to the directory holding --from. The command exits 0 when the
files were written, whatever the run's verdict, and 2 when the input cannot
be read or was written by an incompatible scimtest.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReport(cmd.OutOrStdout(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "the `results.json` a run wrote (required)")
	fl.StringVar(&f.out, "out", "", "directory for the reports (default: the directory of --from)")
	return cmd
}

// runReport reads --from and writes every report file to --out.
func runReport(stdout io.Writer, f reportFlags) error {
	if f.from == "" {
		return errors.New("report: --from results.json is required")
	}
	in, err := os.Open(f.from)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer in.Close()
	r, err := reports.ReadJSON(in)
	if err != nil {
		return fmt.Errorf("report: %s: %w", f.from, err)
	}
	out := f.out
	if out == "" {
		out = filepath.Dir(f.from)
	}
	if err := reports.WriteAll(out, r); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	names := []string{reports.FileHTML, reports.FileMarkdown, reports.FileJUnit, reports.FileJSON, reports.FileHAR}
	if _, err := fmt.Fprintf(stdout, "wrote %s to %s\n", strings.Join(names, ", "), out); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
