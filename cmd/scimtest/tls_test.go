package main

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference"
)

// TestTLSFlags runs every command that talks to a target against the
// reference behind a self-signed certificate: without --insecure or --ca
// it cannot run (exit 2), with either it reaches the target.
func TestTLSFlags(t *testing.T) {
	ref, err := reference.New(reference.Options{Token: "tls-token"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(ref)
	t.Cleanup(srv.Close)
	base := srv.URL + reference.DefaultBasePath
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("no certificate here"), 0o600); err != nil {
		t.Fatal(err)
	}
	commands := map[string][]string{
		"simulate": {"simulate", "okta", "--target", base, "--token", "tls-token", "--users", "2", "--groups", "1", "--members-per-group", "1"},
		"cleanup":  {"cleanup", "--target", base, "--token", "tls-token", "--run-id", "nothingtodelete"},
	}
	tests := []struct {
		name     string
		extra    []string
		wantCode int
		says     string
	}{
		{"unknown authority", nil, exitUsage, "certificate"},
		{"--insecure", []string{"--insecure"}, exitOK, ""},
		{"--ca", []string{"--ca", caFile}, exitOK, ""},
		{"--ca without a certificate", []string{"--ca", notPEM}, exitUsage, "no PEM certificate found"},
		{"--insecure and --ca", []string{"--insecure", "--ca", caFile}, exitUsage, "exclude each other"},
	}
	for cmdName, args := range commands {
		for _, tt := range tests {
			t.Run(cmdName+" "+tt.name, func(t *testing.T) {
				code, out, errOut := runCLI(t, nil, append(append([]string(nil), args...), tt.extra...)...)
				if code != tt.wantCode || !strings.Contains(errOut, tt.says) {
					t.Errorf("exit %d, want %d; stderr %q should say %q\nstdout:\n%s", code, tt.wantCode, errOut, tt.says, out)
				}
			})
		}
	}
}
