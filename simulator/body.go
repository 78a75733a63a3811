package simulator

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// encodeBody turns a Request.Body into bytes.
func encodeBody(b any) ([]byte, bool, error) {
	switch v := b.(type) {
	case nil:
		return nil, false, nil
	case []byte:
		return v, true, nil
	case string:
		return []byte(v), true, nil
	case json.RawMessage:
		return v, true, nil
	default:
		out, err := json.Marshal(v)
		if err != nil {
			return nil, false, fmt.Errorf("encode body: %w", err)
		}
		return out, true, nil
	}
}

// ErrBodyTooLarge is wrapped by the error [Client.Do] returns when a
// response body, as sent or once decoded, exceeds the client's cap
// ([Options].MaxBody, by default [MaxBodyBytes]). At most one byte more than
// the cap is read, so a runaway target cannot exhaust memory.
var ErrBodyTooLarge = errors.New("response body too large")

// ErrTruncatedBody is wrapped by the error [Client.Do] returns when the
// connection ended before the whole body arrived (fewer bytes than
// Content-Length, or a chunked body without its last chunk).
var ErrTruncatedBody = errors.New("response body truncated")

// ErrContentEncoding is wrapped by the error [Client.Do] returns when a body
// does not decode as its Content-Encoding says (a broken gzip stream).
var ErrContentEncoding = errors.New("response body does not decode")

// bodyTooLargeError says which cap a body exceeded.
type bodyTooLargeError struct {
	limit int64
	enc   string // the Content-Encoding when the decoded body was too large
}

func (e *bodyTooLargeError) Error() string {
	s := "response body larger than the " + formatBytes(e.limit) + " cap"
	if e.enc != "" {
		s += " once " + e.enc + "-decoded"
	}
	return s
}

func (e *bodyTooLargeError) Unwrap() error { return ErrBodyTooLarge }

// truncatedError counts what arrived of a body cut short.
type truncatedError struct {
	read int64
	want int64 // Content-Length, -1 when unknown
	err  error
}

func (e *truncatedError) Error() string {
	return "connection closed before the whole body arrived (" + e.count() + ")"
}

func (e *truncatedError) count() string {
	if e.want >= 0 {
		return fmt.Sprintf("%d of %d bytes read", e.read, e.want)
	}
	return fmt.Sprintf("%d bytes read", e.read)
}

func (e *truncatedError) Unwrap() []error { return []error{ErrTruncatedBody, e.err} }

// encodingError is a body that does not decode as labelled.
type encodingError struct {
	enc string
	err error
}

func (e *encodingError) Error() string {
	return fmt.Sprintf("response body labelled Content-Encoding: %s does not decode: %v", e.enc, e.err)
}

func (e *encodingError) Unwrap() []error { return []error{ErrContentEncoding, e.err} }

// readBody reads a response body of declared length size (-1 unknown) up
// to limit bytes. It reads at most limit+1 bytes whatever the server
// sends, and returns what it read along with any error: a
// [bodyTooLargeError], a [truncatedError] when the stream ended early, or
// the read error (a timeout, a reset).
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 && size <= limit {
		buf.Grow(int(size)) // one allocation for an honest Content-Length
	}
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	b := buf.Bytes()
	switch {
	case n > limit:
		return b[:limit], &bodyTooLargeError{limit: limit}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return b, &truncatedError{read: n, want: size, err: err}
	case err != nil:
		return b, fmt.Errorf("read response body (%d bytes read): %w", n, err)
	}
	return b, nil
}

// decode undoes a Content-Encoding; an unknown or absent one leaves b as
// is. A decoded body beyond limit bytes is a [bodyTooLargeError] (a small
// gzip stream can expand enormously); one that does not decode is an
// [encodingError].
func decode(enc string, b []byte, limit int64) ([]byte, error) {
	if len(b) == 0 {
		// An empty body (a 204, a HEAD) labelled gzip has nothing to decode.
		return b, nil
	}
	var r io.ReadCloser
	var err error
	name := strings.ToLower(strings.TrimSpace(enc))
	switch name {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "deflate":
		// "deflate" is zlib-wrapped (RFC 9110, Section 8.4.1.2), but some
		// servers send raw DEFLATE.
		if r, err = zlib.NewReader(bytes.NewReader(b)); err != nil {
			r, err = flate.NewReader(bytes.NewReader(b)), nil
		}
	default:
		return b, nil
	}
	if err != nil {
		return nil, &encodingError{enc: name, err: err}
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &encodingError{enc: name, err: err}
	}
	if int64(len(out)) > limit {
		return nil, &bodyTooLargeError{limit: limit, enc: name}
	}
	return out, nil
}

// formatBytes writes n in the largest binary unit that divides it.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d-byte", n)
	}
}

// capBody cuts b to at most limit bytes on a UTF-8 boundary and reports
// whether it cut anything.
func capBody(b string, limit int) (string, bool) {
	if limit <= 0 || len(b) <= limit {
		return b, false
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	// A copy, not a slice: the recorded exchange lives as long as the run's
	// report, and a slice would keep the whole (up to 32 MiB) body alive.
	return strings.Clone(b[:cut]), true
}

// read performs the round trip and reads the body, decoding any content
// encoding the server applied.
func (c *Client) read(hreq *http.Request) (*Response, error) {
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer hresp.Body.Close()
	out := &Response{Status: hresp.StatusCode, Header: hresp.Header}
	raw, err := readBody(hresp.Body, hresp.ContentLength, c.maxBody)
	out.Body = raw // what arrived is evidence even when the read failed
	if err != nil {
		return out, err
	}
	// Decoded whether or not the request asked for it: a target that
	// compresses anyway still gets judged on its JSON.
	decoded, err := decode(hresp.Header.Get("Content-Encoding"), raw, c.maxBody)
	if err != nil {
		return out, err
	}
	out.Body = decoded
	if hreq.URL.Scheme == "http" && out.Status == http.StatusBadRequest && tlsPortAnswer(out.Body) {
		return out, fmt.Errorf("%w: the server answered 400 %q", ErrSchemeMismatch, firstLine(out.Body))
	}
	return out, nil
}

// tlsPortAnswer reports whether body is the 400 page a TLS server (Go's
// net/http, nginx) sends to a request in plain HTTP.
func tlsPortAnswer(body []byte) bool {
	s := string(body)
	return strings.Contains(s, "Client sent an HTTP request to an HTTPS server") ||
		strings.Contains(s, "plain HTTP request was sent to HTTPS port")
}

// firstLine returns the first line of b, at most 120 bytes of it.
func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
