package okta

import (
	"net/http"

	"github.com/scimtest/scimtest/simulator"
)

// Okta's User-Agent values (idp-wire.md A1.1, A5.1).
const (
	UserAgentRuntime  = "Okta SCIM Client 1.0.0"
	UserAgentRunscope = "OKTA SCIM Integration"
)

// RuntimeProfile returns the headers of Okta's production provisioning
// client for SCIM 2.0 (idp-wire.md A1.1): Content-Type only on requests
// with a body.
func RuntimeProfile() simulator.Profile {
	return simulator.Profile{
		Name:          "okta-runtime",
		UserAgent:     UserAgentRuntime,
		Accept:        "application/scim+json",
		AcceptCharset: "utf-8",
		ContentType:   "application/scim+json; charset=utf-8",
		Extra:         http.Header{"Accept-Encoding": {"gzip,deflate"}},
	}
}

// RunscopeProfile returns the headers of Okta's Runscope SPEC suite as sent
// on GETs (idp-wire.md A5.1); [Provisioner] switches POSTs to the suite's
// POST headers.
func RunscopeProfile() simulator.Profile {
	return simulator.Profile{
		Name:          "okta-runscope",
		UserAgent:     UserAgentRunscope,
		Accept:        "application/scim+json",
		AcceptCharset: "utf-8",
		ContentType:   "application/scim+json; charset=utf-8",
	}
}

func profileFor(cfg Config) simulator.Profile {
	p := RuntimeProfile()
	if cfg.Headers == HeadersRunscope {
		p = RunscopeProfile()
	}
	if cfg.Connection != "" {
		extra := http.Header{}
		for k, v := range p.Extra {
			extra[k] = v
		}
		extra.Set("Connection", cfg.Connection)
		p.Extra = extra
	}
	return p
}

// headerFor returns the per-request header overrides of the profile: the
// Runscope suite sends Content-Type on GETs too, and other media types on
// POSTs.
func (p *Provisioner) headerFor(method string) http.Header {
	if p.cfg.Headers != HeadersRunscope || p.cfg.KeepClientProfile {
		return nil
	}
	switch method {
	case http.MethodPost:
		return http.Header{
			"Content-Type": {"application/json"},
			"Accept":       {"application/scim+json; charset=utf-8"},
		}
	case http.MethodGet, http.MethodDelete:
		return http.Header{"Content-Type": {"application/scim+json; charset=utf-8"}}
	}
	return nil
}
