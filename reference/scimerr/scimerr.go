// Package scimerr defines the SCIM error value the reference provider
// returns, with the HTTP status, the scimType keyword and the RFC 7644
// Section 3.12 JSON body.
package scimerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// ErrorURN identifies a SCIM error message (RFC 7644, Section 3.12).
const ErrorURN = "urn:ietf:params:scim:api:messages:2.0:Error"

// The scimType keywords of RFC 7644, Section 3.12, Table 9.
const (
	InvalidFilter = "invalidFilter"
	TooMany       = "tooMany"
	Uniqueness    = "uniqueness"
	Mutability    = "mutability"
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	NoTarget      = "noTarget"
	InvalidValue  = "invalidValue"
	InvalidVers   = "invalidVers"
	Sensitive     = "sensitive"
)

// Error is a SCIM protocol error: an HTTP status, an optional scimType
// keyword (one of the Table 9 constants, only meaningful with 400, 409 and
// 403) and a human-readable detail.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail)
	}
	return fmt.Sprintf("scim %d: %s", e.Status, e.Detail)
}

// Body returns the RFC 7644 Section 3.12 error document. status is a JSON
// string, as the RFC's examples and schema show; scimType and detail are
// left out when empty.
func (e *Error) Body() map[string]any {
	b := map[string]any{
		"schemas": []any{ErrorURN},
		"status":  strconv.Itoa(e.Status),
	}
	if e.ScimType != "" {
		b["scimType"] = e.ScimType
	}
	if e.Detail != "" {
		b["detail"] = e.Detail
	}
	return b
}

// MarshalJSON encodes the error as its [Error.Body].
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(e.Body())
}

// New returns an Error with the given status, scimType and formatted detail.
func New(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 error with the given scimType.
func BadRequest(scimType, format string, args ...any) *Error {
	return New(http.StatusBadRequest, scimType, format, args...)
}

// Unauthorized returns a 401 error (no scimType is defined for it).
func Unauthorized(format string, args ...any) *Error {
	return New(http.StatusUnauthorized, "", format, args...)
}

// Forbidden returns a 403 error; scimType may be [Sensitive] or "".
func Forbidden(scimType, format string, args ...any) *Error {
	return New(http.StatusForbidden, scimType, format, args...)
}

// NotFound returns a 404 error.
func NotFound(format string, args ...any) *Error {
	return New(http.StatusNotFound, "", format, args...)
}

// MethodNotAllowed returns a 405 error.
func MethodNotAllowed(format string, args ...any) *Error {
	return New(http.StatusMethodNotAllowed, "", format, args...)
}

// Conflict returns a 409 error with scimType [Uniqueness], the only use
// RFC 7644 Section 3.12 gives 409.
func Conflict(format string, args ...any) *Error {
	return New(http.StatusConflict, Uniqueness, format, args...)
}

// PreconditionFailed returns a 412 error (If-Match mismatch, RFC 7644
// Section 3.14); it has no scimType.
func PreconditionFailed(format string, args ...any) *Error {
	return New(http.StatusPreconditionFailed, "", format, args...)
}

// PayloadTooLarge returns a 413 error (RFC 7644 Section 3.7.4).
func PayloadTooLarge(format string, args ...any) *Error {
	return New(http.StatusRequestEntityTooLarge, "", format, args...)
}

// Internal returns a 500 error.
func Internal(format string, args ...any) *Error {
	return New(http.StatusInternalServerError, "", format, args...)
}

// NotImplemented returns a 501 error.
func NotImplemented(format string, args ...any) *Error {
	return New(http.StatusNotImplemented, "", format, args...)
}

// As returns the *Error in err's chain, or nil when there is none.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// From returns the *Error in err's chain, or a 500 error carrying err's
// text when err is not a SCIM error. It returns nil for a nil err.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	if e := As(err); e != nil {
		return e
	}
	return Internal("%v", err)
}
