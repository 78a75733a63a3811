package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeAnswersAndShutsDown(t *testing.T) {
	t.Setenv("SCIMTEST_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, &stdout, &stderr, serveFlags{addr: "127.0.0.1:0", basePath: "/scim", seedUsers: 3})
	}()
	urlRE := regexp.MustCompile(`serving SCIM 2.0 at (\S+)`)
	tokRE := regexp.MustCompile(`bearer token: (\S+)`)
	var base, tok string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out := stdout.String()
		if m, n := urlRE.FindStringSubmatch(out), tokRE.FindStringSubmatch(out); m != nil && n != nil {
			base, tok = m[1], n[1]
			break
		}
	}
	if base == "" || len(tok) < 32 {
		t.Fatalf("no URL and generated token printed: %q", stdout.String())
	}
	req, _ := http.NewRequest("GET", base+"/Users?count=0", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"totalResults":3`) {
		t.Errorf("GET /Users: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not shut down")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "path=/scim/Users") || strings.Contains(logs, tok) {
		t.Errorf("request log missing or leaks the token: %q", logs)
	}
}

func TestServeFlags(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"serve", "--quirk", "list"}, exitOK, "error-status-integer"},
		{[]string{"serve", "--quirk", "no-such-quirk"}, exitUsage, ""},
		{[]string{"serve", "--seed-users", "-1"}, exitUsage, ""},
		{[]string{"serve", "--addr", "256.0.0.1:99999", "--token", "x"}, exitUsage, ""},
		{[]string{"serve", "--nope"}, exitUsage, ""},
		{[]string{"serve", "extra-arg"}, exitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			root := newRootCmd()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(io.Discard)
			root.SetArgs(tt.args)
			err := root.Execute()
			code := exitOK
			if err != nil {
				code = exitUsage
				if ee, ok := err.(*exitError); ok {
					code = ee.code
				}
			}
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("code %d (err %v), out %q; want code %d containing %q", code, err, out.String(), tt.wantCode, tt.wantOut)
			}
		})
	}
}
