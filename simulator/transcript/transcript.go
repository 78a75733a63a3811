// Package transcript defines the record of one HTTP exchange between a SCIM
// client and a target, shared by the simulator (which records), the suites
// (which attach exchanges to specs) and the reports (which render them).
//
// It is a leaf package: it imports nothing from the rest of scimtest.
package transcript

import "time"

// Exchange is one request and its response, already redacted: the
// Authorization header and password values never reach an Exchange.
type Exchange struct {
	// Started is when the request was sent.
	Started time.Time `json:"started"`
	// Duration is the time from sending the request to reading the whole response.
	Duration time.Duration `json:"duration"`
	// Method is the HTTP method.
	Method string `json:"method"`
	// URL is the full request URL, query included.
	URL string `json:"url"`
	// RequestHeader holds the request headers (Authorization redacted).
	RequestHeader map[string][]string `json:"requestHeader,omitempty"`
	// RequestBody is the request body, capped (see Truncated).
	RequestBody string `json:"requestBody,omitempty"`
	// Status is the HTTP status code; 0 when no response arrived.
	Status int `json:"status"`
	// ResponseHeader holds the response headers.
	ResponseHeader map[string][]string `json:"responseHeader,omitempty"`
	// ResponseBody is the response body, capped (see Truncated).
	ResponseBody string `json:"responseBody,omitempty"`
	// Error is the transport error when no response arrived (timeout, reset).
	Error string `json:"error,omitempty"`
	// Truncated is true when a body was cut at the cap.
	Truncated bool `json:"truncated,omitempty"`
}

// Hook receives every exchange as soon as it completes. Hooks must be safe for
// concurrent use: a client may run many requests at once.
type Hook func(Exchange)
