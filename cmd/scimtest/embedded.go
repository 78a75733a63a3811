package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/scimtest/scimtest/reference"
)

// embeddedShutdownTimeout bounds how long the embedded reference may finish
// in-flight requests once the command is done with it.
const embeddedShutdownTimeout = 5 * time.Second

// embedded is the reference provider served in-process for `run` and
// `simulate` without --target.
type embedded struct {
	// URL is the SCIM base URL, on a free loopback port.
	URL string
	// Token is the random bearer token the provider accepts.
	Token string
	srv   *http.Server
}

// startEmbedded serves the reference provider with quirks switched on, on a
// free loopback port and with a random token, so a run without --target
// needs no setup and nothing else on the machine can reach it without the
// token.
func startEmbedded(quirks []string) (*embedded, error) {
	token, err := randomToken()
	if err != nil {
		return nil, fmt.Errorf("embedded reference: %w", err)
	}
	ref, err := reference.New(reference.Options{BasePath: reference.DefaultBasePath, Token: token, Quirks: quirks})
	if err != nil {
		return nil, fmt.Errorf("embedded reference: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded reference: listen: %w", err)
	}
	srv := &http.Server{Handler: ref, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // Serve returns ErrServerClosed on shutdown
	return &embedded{
		URL:   "http://" + ln.Addr().String() + reference.DefaultBasePath,
		Token: token,
		srv:   srv,
	}, nil
}

// Close shuts the provider down. It is best effort: the process is about
// to exit, and a failed shutdown changes nothing the user can act on.
func (e *embedded) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), embeddedShutdownTimeout)
	defer cancel()
	_ = e.srv.Shutdown(ctx)
}

// randomToken returns a fresh bearer token: 24 random bytes, hex-encoded.
func randomToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
