package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/spf13/cobra"
)

// tlsFlags are the TLS options of every command that talks to a target
// (run, simulate, cleanup), defined once so they read and behave alike.
type tlsFlags struct {
	insecure bool
	caFile   string
}

// register adds --insecure and --ca to cmd.
func (t *tlsFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&t.insecure, "insecure", false, "do not verify the target's TLS certificate")
	cmd.Flags().StringVar(&t.caFile, "ca", "", "PEM file of CA certificates to trust for the target")
}

// config returns the TLS configuration the flags ask for; nil means Go's
// default verification against the system roots.
func (t tlsFlags) config() (*tls.Config, error) {
	if t.insecure && t.caFile != "" {
		return nil, errors.New("--insecure and --ca exclude each other")
	}
	if !t.insecure && t.caFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.insecure {
		cfg.InsecureSkipVerify = true // the user asked for it with --insecure
	}
	if t.caFile != "" {
		pem, err := os.ReadFile(t.caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s: no PEM certificate found", t.caFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// client returns an HTTP client with the flags' TLS configuration; nil
// means the caller's default client.
func (t tlsFlags) client() (*http.Client, error) {
	cfg, err := t.config()
	if err != nil {
		return nil, err
	}
	return tlsClient(cfg), nil
}

// tlsClient returns an HTTP client with TLS configuration cfg (see
// [tlsFlags.config]); nil for a nil cfg, meaning the caller's default client.
func tlsClient(cfg *tls.Config) *http.Client {
	if cfg == nil {
		return nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	// The simulator decodes gzip itself (and records the Accept-Encoding it
	// sends); Go's transparent decoding would hide both from the transcript.
	tr.DisableCompression = true
	return &http.Client{Transport: tr}
}
