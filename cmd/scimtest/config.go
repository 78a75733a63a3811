package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/scimtest/scimtest/suites"
)

// fileConfig is a --config file: the settings of a CI job, kept in the
// repository next to it. Its keys are the flags of the same name; a flag
// given on the command line wins over the file. A token is never read from
// the file (it would end up in the repository): token-env names the
// environment variable that holds it.
//
//	target: https://scim.example.com/scim/v2
//	token-env: SCIM_TOKEN
//	profile: okta
//	require: [patch, filter]
//	exclude:
//	  - spec: P-3.4.2.3-05
//	    reason: users without the sortBy value do not come last yet (JIRA-123)
//	timeout: 20m
//	request-timeout: 30s
type fileConfig struct {
	Target         string          `yaml:"target"`
	TokenEnv       string          `yaml:"token-env"`
	Profile        string          `yaml:"profile"`
	LabelFilter    string          `yaml:"label-filter"`
	Require        []string        `yaml:"require"`
	Exclude        []fileExclusion `yaml:"exclude"`
	Timeout        time.Duration   `yaml:"timeout"`
	RequestTimeout time.Duration   `yaml:"request-timeout"`
	Out            string          `yaml:"out"`
	Strict         bool            `yaml:"strict"`
	Seed           int64           `yaml:"seed"`
	CA             string          `yaml:"ca"`
	Insecure       bool            `yaml:"insecure"`

	// path is the file's path as given, the prefix of every error.
	path string
	// keys are the top-level keys the file sets.
	keys map[string]bool
}

// fileExclusion is one entry of exclude.
type fileExclusion struct {
	Spec   string `yaml:"spec"`
	Reason string `yaml:"reason"`
}

// configKeys are the keys a config file may hold, in the order --help
// lists them.
var configKeys = []string{"target", "token-env", "profile", "label-filter", "require", "exclude",
	"timeout", "request-timeout", "out", "strict", "seed", "ca", "insecure"}

// runConfigKeys are the keys `scimtest run` takes from the file as flags
// (token-env and exclude are not flags), simulateConfigKeys those of
// `scimtest simulate`, which ignores the run-only keys.
var (
	runConfigKeys      = []string{"target", "profile", "label-filter", "require", "timeout", "request-timeout", "out", "strict", "seed", "ca", "insecure"}
	simulateConfigKeys = []string{"target", "timeout", "request-timeout", "ca", "insecure"}
)

// applyConfigFile is what a command with --config does first: it reads the
// file at path, copies the given keys into the flags the command line did
// not set, and, unless --token was given, sets *token from the variable
// token-env names. It returns the file (for keys that are not flags, such
// as exclude); every error is a usage error (exit 2) of one line. Without
// --config (path "") it does nothing and returns a nil file, whose methods
// see no keys.
//
//	cfg, err := applyConfigFile(cmd, f.config, &f.token, simulateConfigKeys...)
func applyConfigFile(cmd *cobra.Command, path string, token *string, keys ...string) (*fileConfig, error) {
	if path == "" {
		return nil, nil
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	if err := cfg.apply(cmd, keys...); err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	if fl := cmd.Flags().Lookup("token"); fl == nil || !fl.Changed {
		tok, err := cfg.token()
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		if tok != "" {
			*token = tok
		}
	}
	return cfg, nil
}

// checkDuration checks that a timeout is a positive Go duration ("30s",
// "20m"): YAML would take 30 for an integer, and the decoder's own error
// does not say what to write instead.
func checkDuration(key string, n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	switch {
	case n.Kind != yaml.ScalarNode || err != nil:
		return fmt.Errorf("line %d: %s: %q is not a duration (write Go durations such as 30s, 5m or 1h30m)", n.Line, key, n.Value)
	case v <= 0:
		return fmt.Errorf("line %d: %s: %q: a timeout must be positive", n.Line, key, n.Value)
	}
	return nil
}

// loadConfig reads and checks a config file. Unknown keys, a token key
// anywhere, bad durations and bad YAML are errors that begin with the
// file's path and name the line.
func loadConfig(path string) (*fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fail("%s", yamlMessage(err))
	}
	c := &fileConfig{path: path, keys: map[string]bool{}}
	if len(doc.Content) == 0 { // an empty file sets nothing
		return c, nil
	}
	if err := refuseToken(&doc); err != nil {
		return nil, fail("%v", err)
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fail("line %d: want a mapping of keys (target: ..., profile: ...)", top.Line)
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k := top.Content[i]
		if !slices.Contains(configKeys, k.Value) {
			return nil, fail("line %d: unknown key %q (known: %s)", k.Line, k.Value, strings.Join(configKeys, ", "))
		}
		if c.keys[k.Value] {
			return nil, fail("line %d: key %q is set twice", k.Line, k.Value)
		}
		c.keys[k.Value] = true
		var err error
		switch k.Value {
		case "exclude":
			err = checkExcludeKeys(top.Content[i+1])
		case "timeout", "request-timeout":
			err = checkDuration(k.Value, top.Content[i+1])
		}
		if err != nil {
			return nil, fail("%v", err)
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, fail("%s", yamlMessage(err))
	}
	for i, x := range c.Exclude {
		if strings.TrimSpace(x.Spec) == "" || strings.TrimSpace(x.Reason) == "" {
			return nil, fail("exclude entry %d: want both spec and reason (the report shows why a spec is excluded)", i+1)
		}
	}
	return c, nil
}

// checkExcludeKeys checks that exclude is a list of {spec, reason}
// mappings, naming the line of the first thing that is not.
func checkExcludeKeys(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: exclude: want a list of entries with spec and reason", n.Line)
	}
	for _, e := range n.Content {
		if e.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: exclude: want an entry with spec and reason", e.Line)
		}
		for i := 0; i+1 < len(e.Content); i += 2 {
			if k := e.Content[i]; k.Value != "spec" && k.Value != "reason" {
				return fmt.Errorf("line %d: exclude: unknown key %q (an entry has spec and reason)", k.Line, k.Value)
			}
		}
	}
	return nil
}

// refuseToken fails on a key "token" anywhere in the document: a secret in
// a file that lives in a repository is a leaked secret.
func refuseToken(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if strings.EqualFold(n.Content[i].Value, "token") {
				return fmt.Errorf("line %d: a token is never read from the file; name its environment variable in token-env", n.Content[i].Line)
			}
		}
	}
	for _, c := range n.Content {
		if err := refuseToken(c); err != nil {
			return err
		}
	}
	return nil
}

// yamlMessage makes a YAML error one line without the package prefix.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// has reports whether the file sets key.
func (c *fileConfig) has(key string) bool { return c != nil && c.keys[key] }

// apply copies the keys the file sets into cmd's flags of the same name,
// except flags given on the command line (they win). keys limits which
// keys apply (simulate takes target, timeouts and TLS only). A relative ca
// or out is taken relative to the file's directory, so the file means the
// same wherever scimtest runs.
func (c *fileConfig) apply(cmd *cobra.Command, keys ...string) error {
	if c == nil {
		return nil
	}
	for _, key := range keys {
		fl := cmd.Flags().Lookup(key)
		if !c.has(key) || fl == nil || fl.Changed {
			continue
		}
		v, err := c.value(key)
		if err != nil {
			return err
		}
		if err := cmd.Flags().Set(key, v); err != nil {
			return fmt.Errorf("%s: %s: %w", c.path, key, err)
		}
	}
	return nil
}

// value is the flag text of a key.
func (c *fileConfig) value(key string) (string, error) {
	switch key {
	case "target":
		return c.Target, nil
	case "profile":
		return c.Profile, nil
	case "label-filter":
		return c.LabelFilter, nil
	case "require":
		return strings.Join(c.Require, ","), nil
	case "timeout":
		return c.Timeout.String(), nil
	case "request-timeout":
		return c.RequestTimeout.String(), nil
	case "out":
		return c.relative(c.Out), nil
	case "ca":
		return c.relative(c.CA), nil
	case "strict":
		return strconv.FormatBool(c.Strict), nil
	case "insecure":
		return strconv.FormatBool(c.Insecure), nil
	case "seed":
		return strconv.FormatInt(c.Seed, 10), nil
	}
	return "", fmt.Errorf("%s: %s is not a flag", c.path, key)
}

// relative resolves p against the file's directory.
func (c *fileConfig) relative(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// token returns the token from the variable token-env names; "" when the
// file names none. A named variable that is unset or empty is an error: a
// CI job whose secret is missing must not run without it.
func (c *fileConfig) token() (string, error) {
	if !c.has("token-env") {
		return "", nil
	}
	name := strings.TrimPrefix(strings.TrimSpace(c.TokenEnv), "$")
	if name == "" {
		return "", fmt.Errorf("%s: token-env is empty; name the environment variable that holds the token", c.path)
	}
	tok := os.Getenv(name)
	if tok == "" {
		return "", fmt.Errorf("%s: token-env: $%s is not set", c.path, name)
	}
	return tok, nil
}

// exclusions are the file's exclude entries for [suites.Options].
func (c *fileConfig) exclusions() []suites.Exclusion {
	if c == nil {
		return nil
	}
	out := make([]suites.Exclusion, 0, len(c.Exclude))
	for _, x := range c.Exclude {
		out = append(out, suites.Exclusion{Spec: x.Spec, Reason: x.Reason})
	}
	return out
}
