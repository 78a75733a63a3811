package simulator

import "net/http"

// Auth sets the credentials on an outgoing request.
type Auth interface {
	Apply(r *http.Request)
}

// secretHeaders is implemented by an [Auth] that carries its secret in a
// header the redactor would not otherwise recognise.
type secretHeaders interface {
	SecretHeaders() []string
}

// Bearer returns an [Auth] that sends "Authorization: Bearer token"
// (RFC 6750, Section 2.1), which is what Okta's header-auth and OAuth modes
// and Entra send.
func Bearer(token string) Auth { return bearer(token) }

type bearer string

func (b bearer) Apply(r *http.Request) { r.Header.Set("Authorization", "Bearer "+string(b)) }

// Basic returns an [Auth] that sends HTTP Basic credentials (RFC 7617).
func Basic(user, pass string) Auth { return basic{user, pass} }

type basic struct{ user, pass string }

func (b basic) Apply(r *http.Request) { r.SetBasicAuth(b.user, b.pass) }

// NoAuth sends no credentials; the auth suites use it to provoke a 401.
var NoAuth Auth = noAuth{}

type noAuth struct{}

func (noAuth) Apply(*http.Request) {}

// Header returns an [Auth] that sets one custom header, for example
// Header("Authorization", token) for a template that sends the raw token
// without a scheme, or Header("X-Api-Key", key). Its value is always redacted
// in transcripts.
func Header(name, value string) Auth { return header{http.CanonicalHeaderKey(name), value} }

type header struct{ name, value string }

func (h header) Apply(r *http.Request) { r.Header.Set(h.name, h.value) }

func (h header) SecretHeaders() []string { return []string{h.name} }
