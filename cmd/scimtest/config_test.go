package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimtest/scimtest/reports"
)

// writeConfig writes text to scimtest.yaml in a fresh directory.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scimtest.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfig(t *testing.T) {
	good := `# a CI job
target: https://scim.example.com/scim/v2
token-env: SCIM_TOKEN
profile: okta
label-filter: users && MUST
require: [patch, filter]
exclude:
  - spec: P-3.5.2-01
    reason: sorting is not built yet (JIRA-123)
  - spec: "PATCH: remove"
    reason: known bug
timeout: 20m
request-timeout: 15s
out: report
strict: true
seed: 42
ca: ca.pem
insecure: false
`
	c, err := loadConfig(writeConfig(t, good))
	if err != nil {
		t.Fatalf("good file: %v", err)
	}
	if c.Target != "https://scim.example.com/scim/v2" || c.TokenEnv != "SCIM_TOKEN" || c.Profile != "okta" ||
		c.LabelFilter != "users && MUST" || strings.Join(c.Require, ",") != "patch,filter" || len(c.Exclude) != 2 ||
		c.Exclude[1].Spec != "PATCH: remove" || c.Timeout != 20*time.Minute ||
		c.RequestTimeout != 15*time.Second || c.Out != "report" || !c.Strict || c.Seed != 42 || c.CA != "ca.pem" {
		t.Errorf("good file read as %+v", c)
	}
	if !c.has("insecure") || c.has("nothing") {
		t.Errorf("keys = %v", c.keys)
	}

	tests := []struct {
		name, text, want string
	}{
		{"unknown key", "target: x\ntagret: y\n", `line 2: unknown key "tagret" (known: target, token-env,`},
		{"token key", "target: x\ntoken: s3cret\n", "line 2: a token is never read from the file; name its environment variable in token-env"},
		{"token key nested", "exclude:\n  - spec: x\n    reason: y\n    token: s3cret\n", "line 4: a token is never read from the file"},
		{"bad duration", "timeout: 30x\n", `line 1: timeout: "30x" is not a duration (write Go durations such as 30s, 5m or 1h30m)`},
		{"bare number duration", "request-timeout: 30\n", `line 1: request-timeout: "30" is not a duration`},
		{"negative duration", "timeout: -5s\n", "a timeout must be positive"},
		{"bad YAML", "target: [x\n", "line 1: did not find expected ',' or ']'"},
		{"not a mapping", "- target\n", "line 1: want a mapping of keys"},
		{"twice", "profile: rfc\nprofile: okta\n", `key "profile" is set twice`},
		{"bad type", "seed: abc\n", "line 1: cannot unmarshal !!str `abc` into int64"},
		{"exclude without reason", "exclude:\n  - spec: P-3.3-06\n", "exclude entry 1: want both spec and reason"},
		{"exclude unknown key", "exclude:\n  - spec: x\n    why: y\n", `line 3: exclude: unknown key "why"`},
		{"exclude not a list", "exclude: P-3.3-06\n", "line 1: exclude: want a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text)
			_, err := loadConfig(path)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path+": ") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error = %q\nwant one line starting with the path and containing %q", msg, tt.want)
			}
			if strings.Contains(msg, "s3cret") {
				t.Errorf("the error repeats the token: %q", msg)
			}
		})
	}

	if c, err := loadConfig(writeConfig(t, "# nothing yet\n")); err != nil || len(c.keys) != 0 {
		t.Errorf("a file of comments: %+v, %v", c, err)
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("a missing file: %v", err)
	}
}

func TestConfigApplyLetsFlagsWin(t *testing.T) {
	path := writeConfig(t, "target: http://file.example/scim\nprofile: okta\nrequire: [patch]\ntimeout: 2m\nout: rep\nseed: 9\n")
	c, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := newRunCmd()
	if err := cmd.Flags().Parse([]string{"--profile", "rfc"}); err != nil {
		t.Fatal(err)
	}
	if err := c.apply(cmd, runConfigKeys...); err != nil {
		t.Fatal(err)
	}
	get := func(name string) string { return cmd.Flags().Lookup(name).Value.String() }
	want := map[string]string{
		"target":  "http://file.example/scim",
		"profile": "rfc", // the flag wins
		"require": "[patch]",
		"timeout": "2m0s",
		"out":     filepath.Join(filepath.Dir(path), "rep"), // relative to the file
		"seed":    "9",
		"strict":  "false", // not in the file: the flag's default
	}
	for name, v := range want {
		if got := get(name); got != v {
			t.Errorf("--%s = %q, want %q", name, got, v)
		}
	}
}

func TestConfigToken(t *testing.T) {
	c, err := loadConfig(writeConfig(t, "token-env: SCIMTEST_CFG_TOKEN\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SCIMTEST_CFG_TOKEN", "")
	if _, err := c.token(); err == nil || !strings.HasSuffix(err.Error(), ": token-env: $SCIMTEST_CFG_TOKEN is not set") {
		t.Errorf("unset variable: %v", err)
	}
	t.Setenv("SCIMTEST_CFG_TOKEN", "tok")
	if tok, err := c.token(); err != nil || tok != "tok" {
		t.Errorf("token() = %q, %v", tok, err)
	}
	none, err := loadConfig(writeConfig(t, "profile: rfc\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := none.token(); tok != "" || err != nil {
		t.Errorf("no token-env: %q, %v", tok, err)
	}
}

// TestRunConfigFile runs with a config file and a flag that overrides one
// of its keys: the file's exclusions are applied and reported, the flag
// wins, and the token comes from the variable token-env names.
func TestRunConfigFile(t *testing.T) {
	out := t.TempDir()
	path := writeConfig(t, `profile: rfc
label-filter: errors
seed: 5
exclude:
  - spec: P-3.12-08
    reason: tracked as JIRA-7
request-timeout: 5s
`)
	code, stdout, stderr := runCLI(t, nil, "run", "--config", path, "--out", out, "--seed", "8")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	r := readResults(t, out)
	if r.Run.Seed != 8 || !strings.Contains(r.Run.LabelFilter, "errors") {
		t.Errorf("run = %+v: want the flag's seed 8 and the file's label filter", r.Run)
	}
	if len(r.Run.Exclusions) != 1 || r.Run.Exclusions[0].Reason != "tracked as JIRA-7" || r.Run.Exclusions[0].Excluded == 0 {
		t.Fatalf("exclusions = %+v", r.Run.Exclusions)
	}
	excluded := 0
	for _, s := range r.Specs {
		if s.SkipReason == "excluded by configuration: tracked as JIRA-7" {
			excluded++
			if len(s.Exchanges) != 0 {
				t.Errorf("excluded spec %q sent requests", s.Name)
			}
		}
	}
	if excluded != r.Run.Exclusions[0].Excluded {
		t.Errorf("%d specs skipped as excluded, the results count %d", excluded, r.Run.Exclusions[0].Excluded)
	}
	md, err := os.ReadFile(filepath.Join(out, reports.FileMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "### Excluded by configuration") || !strings.Contains(string(md), "tracked as JIRA-7") {
		t.Errorf("summary.md does not list the exclusion:\n%s", md)
	}
}

func TestRunConfigErrors(t *testing.T) {
	tests := []struct {
		name, text string
		env        []string
		want       string
	}{
		{"token in file", "token: abc\n", nil, "line 1: a token is never read from the file"},
		{"unset token-env", "token-env: SCIMTEST_NO_SUCH_VAR\n", nil, "token-env: $SCIMTEST_NO_SUCH_VAR is not set"},
		{"exclusion matching nothing", "exclude:\n  - spec: Usres\n    reason: typo\n", nil, `exclude: "Usres" matches no spec`},
		{"exclusion of everything", "label-filter: discovery\nexclude:\n  - spec: .\n    reason: too broad\n", nil, "excludes every selected spec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeConfig(t, tt.text)
			code, stdout, stderr := runCLI(t, tt.env, "run", "--config", path, "--out", t.TempDir())
			if code != exitUsage || !strings.HasPrefix(stderr, "scimtest: ") || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q\n%s", code, stderr, tt.want, stdout)
			}
			if strings.Contains(stderr+stdout, "abc") {
				t.Errorf("the output repeats the token")
			}
		})
	}
}

// TestExampleConfigLoads keeps the example the README links to valid.
func TestExampleConfigLoads(t *testing.T) {
	c, err := loadConfig(filepath.Join("..", "..", "testdata", "scimtest.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range configKeys {
		switch key {
		case "label-filter", "seed", "ca", "insecure":
			continue // commented out in the example
		}
		if !c.has(key) {
			t.Errorf("the example does not show %s", key)
		}
	}
	// Its exclusions must name real specs: the run checks them before it
	// contacts the target, so an unreachable one proves they passed.
	code, stdout, stderr := runCLI(t, []string{"SCIM_TOKEN=x"}, "run", "--config", filepath.Join("..", "..", "testdata", "scimtest.example.yaml"),
		"--target", "http://127.0.0.1:1/scim/v2", "--out", t.TempDir())
	if code != exitUsage || !strings.Contains(stderr, "target unreachable: connection refused") {
		t.Errorf("exit %d, want the unreachable target, not a config error:\n%s%s", code, stdout, stderr)
	}
}

// TestApplyConfigFileForSimulate checks the one call simulate makes: only
// the keys it takes apply, the token comes from token-env unless --token
// was given, errors are usage errors.
func TestApplyConfigFileForSimulate(t *testing.T) {
	path := writeConfig(t, "target: http://file.example/scim\nprofile: okta\ntoken-env: SCIMTEST_SIM_TOKEN\ntimeout: 1m\n")
	t.Setenv("SCIMTEST_SIM_TOKEN", "from-env")
	newCmd := func() (*cobra.Command, *string, *string, *time.Duration) {
		var target, token string
		var timeout time.Duration
		cmd := &cobra.Command{Use: "simulate"}
		cmd.Flags().StringVar(&target, "target", "", "")
		cmd.Flags().StringVar(&token, "token", "", "")
		cmd.Flags().DurationVar(&timeout, "timeout", time.Hour, "")
		cmd.Flags().String("profile", "rfc", "") // a run-only key the file sets
		return cmd, &target, &token, &timeout
	}
	cmd, target, token, timeout := newCmd()
	if _, err := applyConfigFile(cmd, path, token, simulateConfigKeys...); err != nil {
		t.Fatal(err)
	}
	if *target != "http://file.example/scim" || *token != "from-env" || *timeout != time.Minute || cmd.Flags().Lookup("profile").Value.String() != "rfc" {
		t.Errorf("target %q token %q timeout %v profile %s", *target, *token, *timeout, cmd.Flags().Lookup("profile").Value)
	}
	cmd, _, token, _ = newCmd()
	if err := cmd.Flags().Parse([]string{"--token", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	if _, err := applyConfigFile(cmd, path, token, simulateConfigKeys...); err != nil || *token != "from-flag" {
		t.Errorf("--token given: token %q, %v", *token, err)
	}
	cmd, _, token, _ = newCmd()
	_, err := applyConfigFile(cmd, writeConfig(t, "token: x\n"), token, simulateConfigKeys...)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Errorf("a token key: %v, want a usage error", err)
	}
}
