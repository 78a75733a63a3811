// Package referencetest starts the reference SCIM provider for tests in
// other packages, keeping the testing package out of package reference.
package referencetest

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/scimtest/scimtest/reference"
)

// NewTestServer starts the reference provider with opts on a loopback
// httptest server and returns it with the base URL (including the base
// path). The provider's log goes to tb.Log unless opts.Logger is set; the
// server is closed by tb.Cleanup.
func NewTestServer(tb testing.TB, opts reference.Options) (*httptest.Server, string) {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	h, err := reference.New(opts)
	if err != nil {
		tb.Fatalf("referencetest: %v", err)
	}
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	return ts, ts.URL + h.BasePath()
}

// tbWriter sends log lines to tb.Log.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(string(p))
	return len(p), nil
}
