package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/scimtest/scimtest/reference"
)

// passwordTap records every password a client sends in a request body: a
// member named password at any depth (the fixtures' generated users carry
// one) and the value of a PATCH operation on a password path.
type passwordTap struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (p *passwordTap) record(body []byte) {
	var walk func(v gjson.Result)
	walk = func(v gjson.Result) {
		if !v.IsObject() && !v.IsArray() {
			return
		}
		if strings.Contains(strings.ToLower(v.Get("path").Str), "password") {
			p.add(v.Get("value").Str)
		}
		v.ForEach(func(k, val gjson.Result) bool {
			if strings.EqualFold(k.Str, "password") {
				p.add(val.Str)
			}
			walk(val)
			return true
		})
	}
	walk(gjson.ParseBytes(body))
}

func (p *passwordTap) add(pw string) {
	if pw == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[pw] = true
}

func (p *passwordTap) passwords() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.seen))
	for pw := range p.seen {
		out = append(out, pw)
	}
	return out
}

// TestRunConsoleRedactsPasswords runs the users specs against the reference
// with the quirk that returns stored passwords: the failures it causes quote
// the returned value, and neither the console nor a report file may show it.
func TestRunConsoleRedactsPasswords(t *testing.T) {
	const quirk = "password-returned"
	ref, err := reference.New(reference.Options{Token: "tok", Quirks: []string{quirk}})
	if err != nil {
		t.Fatal(err)
	}
	tap := &passwordTap{seen: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tap.record(body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		ref.ServeHTTP(w, r)
	}))
	defer srv.Close()

	out := t.TempDir()
	code, text := runBinary(t, nil, "run", "--verbose", "--out", out, "--target", srv.URL+reference.DefaultBasePath,
		"--token", "tok", "--label-filter", "users", "--seed", "7")
	if code != exitNonConform {
		t.Fatalf("exit %d, want 1 (the quirk breaks S-4.1.1-05):\n%s", code, text)
	}
	if !strings.Contains(text, "never returns the password") || !strings.Contains(text, `"REDACTED"`) {
		t.Errorf("console does not show the password failure with its value redacted:\n%s", text)
	}
	sent := tap.passwords()
	if len(sent) == 0 {
		t.Fatal("the users specs sent no password; the test proves nothing")
	}
	files, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{"console": text}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(out, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		outputs[f.Name()] = string(data)
	}
	for where, s := range outputs {
		for _, pw := range sent {
			if strings.Contains(s, pw) {
				t.Errorf("%s shows the password %q the suites sent", where, pw)
			}
		}
	}
}
