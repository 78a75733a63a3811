package main

import (
	"strings"
	"testing"
)

// TestBadInputIsOneLine holds every command to the CLI's rule for input it
// cannot run with: exit 2 and one line on stderr that names the problem,
// never a usage dump, a panic or a stack trace.
func TestBadInputIsOneLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		says string
	}{
		{"unknown command", []string{"nope"}, `unknown command "nope"`},
		{"run: not an http URL", []string{"run", "--target", "ftp://x"}, `"ftp://x" is not an http(s) URL`},
		{"run: bad duration", []string{"run", "--timeout", "nonsense"}, `invalid argument "nonsense" for "--timeout"`},
		{"run: bad seed", []string{"run", "--seed", "abc"}, `invalid argument "abc" for "--seed"`},
		{"run: unknown quirk", []string{"run", "--quirk", "no-such-quirk"}, `--quirk "no-such-quirk": no such quirk`},
		{"run: TLS flags clash", []string{"run", "--insecure", "--ca", "ca.pem", "--target", "https://x"}, "--insecure and --ca exclude each other"},
		{"run: unknown profile", []string{"run", "--profile", "nope"}, `unknown profile "nope"`},
		{"run: stray argument", []string{"run", "extra"}, `unknown command "extra"`},
		{"simulate: unknown IdP", []string{"simulate", "nope"}, `unknown IdP "nope"`},
		{"serve: address without port", []string{"serve", "--addr", "bad", "--token", "t"}, "listen on bad"},
		{"serve: unknown quirk", []string{"serve", "--quirk", "no-such-quirk"}, `--quirk "no-such-quirk": no such quirk`},
		{"serve: relative base path", []string{"serve", "--base-path", "nope", "--token", "t"}, `base path "nope"`},
		{"report: missing file", []string{"report", "--from", "/nonexistent/results.json"}, "no such file"},
		{"report: no --from", []string{"report"}, "--from results.json is required"},
		{"cleanup: no target", []string{"cleanup", "--run-id", "r1"}, "--target and --run-id are required"},
		{"cleanup: not an http URL", []string{"cleanup", "--target", "ftp://x", "--run-id", "r1"}, `base URL "ftp://x"`},
		{"requirements: unknown level", []string{"requirements", "--level", "sometimes"}, "want MUST, SHOULD or MAY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, nil, tt.args...)
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if code != exitUsage || len(lines) != 1 || !strings.Contains(errOut, tt.says) {
				t.Errorf("scimtest %s: exit %d, stderr %q; want exit 2 and one line saying %q", strings.Join(tt.args, " "), code, errOut, tt.says)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
				t.Errorf("scimtest %s: stderr shows a panic: %q", strings.Join(tt.args, " "), errOut)
			}
		})
	}
}
