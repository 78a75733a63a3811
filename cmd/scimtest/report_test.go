package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimtest/scimtest/reports"
	"github.com/scimtest/scimtest/simulator/transcript"
)

// captureStderr runs fn and returns what it wrote to os.Stderr (execute
// prints errors there). Not for parallel tests.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, r)
		done <- b.String()
	}()
	defer func() { os.Stderr = old }()
	fn()
	_ = w.Close()
	return <-done
}

func writeResults(t *testing.T, dir string) string {
	t.Helper()
	start := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	r := &reports.Results{
		Run: reports.Run{Target: "http://127.0.0.1:8080/scim/v2", Profile: "rfc", Seed: 7, Version: "test", Started: start, Finished: start.Add(time.Second)},
		Specs: []reports.Spec{
			{Area: "users", Name: "create returns 201", Level: reports.LevelMust, State: reports.StateFailed,
				Failure:   &reports.Failure{Message: "expected 201, got 500"},
				Exchanges: []transcript.Exchange{{Method: "POST", URL: "http://127.0.0.1:8080/scim/v2/Users", Status: 500, Started: start}}},
			{Area: "users", Name: "get returns 200", Level: reports.LevelMust, State: reports.StatePassed},
		},
	}
	path := filepath.Join(dir, "results.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteJSON(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportRegenerates(t *testing.T) {
	src := t.TempDir()
	from := writeResults(t, src)
	tests := []struct {
		name    string
		args    []string
		wantDir string
	}{
		{"explicit out", []string{"--out", filepath.Join(t.TempDir(), "new")}, ""},
		{"out defaults to the input's directory", nil, src},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"report", "--from", from}, tt.args...)
			dir := tt.wantDir
			if dir == "" {
				dir = tt.args[1]
			}
			var code int
			stderr := captureStderr(t, func() { code = execute(args) })
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			for _, name := range []string{reports.FileHTML, reports.FileMarkdown, reports.FileJUnit, reports.FileJSON, reports.FileHAR} {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatalf("%s not written: %v", name, err)
				}
				if !strings.Contains(string(data), "create returns 201") {
					t.Errorf("%s does not mention the failed spec", name)
				}
			}
		})
	}
}

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no --from", []string{"report"}, "--from results.json is required"},
		{"missing file", []string{"report", "--from", filepath.Join(dir, "nope.json")}, "no such file"},
		{"not json", []string{"report", "--from", write("bad.json", "<html>\n</html>")}, "invalid character"},
		{"other schema version", []string{"report", "--from", write("v9.json", `{"schemaVersion":"9","run":{},"specs":[]}`)}, `schemaVersion "9"`},
		{"unknown flag", []string{"report", "--form", "x"}, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var code int
			stderr := captureStderr(t, func() { code = execute(tt.args) })
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
}
