package simulator

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/tidwall/gjson"
)

// Request is one SCIM request.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is relative to the base URL ("/Users/2819c223"), or an absolute
	// http(s) URL such as a meta.location, used as is.
	Path string
	// Query holds query parameters, encoded with url.Values.Encode.
	Query url.Values
	// RawQuery, when set, is sent verbatim instead of Query: the encoding of a
	// filter (%20 or +) is part of what is being tested.
	RawQuery string
	// Body is nil (no body), []byte, string, json.RawMessage, or a value to
	// marshal as JSON.
	Body any
	// Header overrides profile headers; a key with no values removes it.
	Header http.Header
}

// Response is the outcome of a request, after any retries.
type Response struct {
	// Status is the HTTP status code of the last attempt.
	Status int
	// Header holds the response headers of the last attempt.
	Header http.Header
	// Body is the whole (decoded) response body of the last attempt.
	Body []byte
	// Duration is the wall time of all attempts and waits.
	Duration time.Duration
	// Attempts counts the requests sent, 1 when there was no retry.
	Attempts int
}

// JSON returns the body parsed by gjson. A body that is not valid JSON gives
// the zero Result, on which every path does not exist: gjson alone would
// read a prefix of a broken body, and a tester must not pass what a strict
// IdP parser rejects.
func (r *Response) JSON() gjson.Result {
	if !gjson.ValidBytes(r.Body) {
		return gjson.Result{}
	}
	return gjson.ParseBytes(r.Body)
}

// Get sends GET path.
func (c *Client) Get(ctx context.Context, path string) (*Response, error) {
	return c.Do(ctx, Request{Method: http.MethodGet, Path: path})
}

// Post sends POST path with body.
func (c *Client) Post(ctx context.Context, path string, body any) (*Response, error) {
	return c.Do(ctx, Request{Method: http.MethodPost, Path: path, Body: body})
}

// Put sends PUT path with body.
func (c *Client) Put(ctx context.Context, path string, body any) (*Response, error) {
	return c.Do(ctx, Request{Method: http.MethodPut, Path: path, Body: body})
}

// Patch sends PATCH path with body.
func (c *Client) Patch(ctx context.Context, path string, body any) (*Response, error) {
	return c.Do(ctx, Request{Method: http.MethodPatch, Path: path, Body: body})
}

// Delete sends DELETE path; body is usually nil.
func (c *Client) Delete(ctx context.Context, path string, body any) (*Response, error) {
	return c.Do(ctx, Request{Method: http.MethodDelete, Path: path, Body: body})
}
