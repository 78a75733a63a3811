package simulator

import "net/http"

// Version is the scimtest version reported in the default User-Agent. The
// command sets it from its build version.
var Version = "dev"

// Profile is the set of headers a client dialect sends on every request. An
// empty field sends no such header.
type Profile struct {
	// Name identifies the profile in reports ("rfc", "okta-runtime", ...).
	Name string
	// UserAgent is the User-Agent header.
	UserAgent string
	// Accept is the Accept header.
	Accept string
	// AcceptCharset is the Accept-Charset header.
	AcceptCharset string
	// ContentType is sent only on requests that carry a body.
	ContentType string
	// Extra holds further headers sent on every request (Accept-Encoding,
	// Connection, ...).
	Extra http.Header
}

// DefaultProfile returns the plain RFC 7644 profile: Accept and Content-Type
// application/scim+json (RFC 7644, Section 3.1) and a scimtest User-Agent.
func DefaultProfile() Profile {
	return Profile{
		Name:        "rfc",
		UserAgent:   "scimtest/" + Version,
		Accept:      "application/scim+json",
		ContentType: "application/scim+json",
	}
}

// apply sets the profile's headers on r; hasBody tells whether Content-Type
// belongs on it.
func (p Profile) apply(h http.Header, hasBody bool) {
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	if p.UserAgent != "" {
		h.Set("User-Agent", p.UserAgent)
	} else {
		// An empty value stops net/http from adding its own Go-http-client UA.
		h["User-Agent"] = []string{""}
	}
	set("Accept", p.Accept)
	set("Accept-Charset", p.AcceptCharset)
	if hasBody {
		set("Content-Type", p.ContentType)
	}
	for k, vs := range p.Extra {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
}
