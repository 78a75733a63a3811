package reports

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// File names WriteAll writes inside its directory.
const (
	FileHTML     = "report.html"
	FileMarkdown = "summary.md"
	FileJUnit    = "junit.xml"
	FileJSON     = "results.json"
	FileHAR      = "exchanges.har"
)

// WriteAll creates dir if needed and writes the five report files into it.
// Each file is written to a temporary name and renamed, so a reader never
// sees half a report.
func WriteAll(dir string, r *Results) error {
	if r == nil {
		return fmt.Errorf("write reports: no results")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	clean := Redact(r)
	files := []struct {
		name  string
		write func(io.Writer, *Results) error
	}{
		{FileJSON, writeJSON},
		{FileHTML, writeHTML},
		{FileMarkdown, writeMarkdown},
		{FileJUnit, writeJUnit},
		{FileHAR, writeHAR},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), clean, f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, r *Results, write func(io.Writer, *Results) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(bw, r); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteHAR writes exchanges.har: every exchange of the run in run order, as
// HAR 1.2, each entry naming its spec in "_spec".
func WriteHAR(w io.Writer, r *Results) error {
	return writeHAR(w, Redact(r))
}

func writeHAR(w io.Writer, r *Results) error {
	h := transcript.NewHARWriter(w, "scimtest/"+r.Run.Version)
	for _, s := range r.Specs {
		for _, e := range s.Exchanges {
			if err := h.AddSpec(s.Name, e); err != nil {
				return fmt.Errorf("write exchanges.har: %w", err)
			}
		}
	}
	if err := h.Close(); err != nil {
		return fmt.Errorf("write exchanges.har: %w", err)
	}
	return nil
}
