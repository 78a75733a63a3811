package faults

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// Hang answers nothing: the request is held until the client goes away or
// [Handler.Close] is called, and then the connection is dropped. It is a
// target that hangs on an endpoint.
func Hang() Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		<-r.Context().Done()
		abort(w)
	}
}

// Stall lets the wrapped handler answer, sends its status and headers with
// the full Content-Length and the first half of the body, and then holds
// the rest like [Hang]: a target that hangs mid-body, which only a timeout
// that covers reading the body ends.
func Stall() Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := record(next, r)
		body := rec.Body.Bytes()
		copyHeader(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		<-r.Context().Done()
		abort(w)
	}
}

// Status answers with code, the Content-Type contentType (none when
// empty) and body, without calling the wrapped handler: a 500, a 503 from
// a proxy, a bare 401.
func Status(code int, contentType, body string) Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// html404Page is what a web server or proxy shows for a path it does not
// know: the body of [HTML404].
const html404Page = `<!DOCTYPE html>
<html><head><title>404 Not Found</title></head>
<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p>
<hr><address>Apache/2.4.62 (Unix) Server</address></body></html>
`

// HTML404 answers 404 with an HTML page, as a web server does for a base
// path that holds no SCIM service.
func HTML404() Fault {
	return Status(http.StatusNotFound, "text/html; charset=utf-8", html404Page)
}

// nonJSONBody is what [NonJSON] puts in place of the real body.
const nonJSONBody = "<html><body>Request received. Thank you!</body></html>\n"

// NonJSON lets the wrapped handler answer, keeps its status and headers
// (so the Content-Type still claims JSON) and replaces the body with text
// that is not JSON.
func NonJSON() Fault {
	return replaceBody(nonJSONBody)
}

// WrongShape lets the wrapped handler answer, keeps its status and headers
// and replaces the body with body: well-formed JSON of the wrong shape,
// such as `[]`, `"ok"` or `{"id":42}`.
func WrongShape(body string) Fault {
	return replaceBody(body)
}

// replaceBody is the fault that keeps the real status and headers and
// sends body instead of the real body.
func replaceBody(body string) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := record(next, r)
		copyHeader(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, body)
	}
}

// Truncate lets the wrapped handler answer, sends its status and headers
// with the full Content-Length but only the first half of the body, and
// then closes the connection: a connection cut mid-body. A body of one
// byte or less is cut to nothing.
func Truncate() Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := record(next, r)
		body := rec.Body.Bytes()
		h := rec.Header().Clone()
		h.Set("Content-Length", strconv.Itoa(len(body)))
		half := body[:len(body)/2]

		conn, buf, err := hijack(w)
		if err != nil {
			// No hijacking (HTTP/2): send the half and abort the stream.
			copyHeader(w.Header(), h)
			w.WriteHeader(rec.Code)
			_, _ = w.Write(half)
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			panic(http.ErrAbortHandler)
		}
		defer func() { _ = conn.Close() }()
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
		h.Set("Connection", "close")
		_ = h.Write(buf)
		_, _ = buf.WriteString("\r\n")
		_, _ = buf.Write(half)
		_ = buf.Flush()
	}
}

// largeHead and largeTail frame the padding of a [Large] body, so it reads
// as the start of a SCIM ListResponse.
const (
	largeHead = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"large","userName":"`
	largeTail = `"}]}`
)

// Large answers 200 with an application/scim+json body of exactly n bytes
// (at least the size of its JSON frame) without calling the wrapped
// handler: a ListResponse whose one user has a userName padded with 'x',
// streamed so n may exceed memory. Writing stops when the client goes away.
func Large(n int64) Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		pad := n - int64(len(largeHead)+len(largeTail))
		if pad < 0 {
			pad = 0
		}
		w.Header().Set("Content-Type", "application/scim+json")
		w.Header().Set("Content-Length", strconv.FormatInt(int64(len(largeHead)+len(largeTail))+pad, 10))
		w.WriteHeader(http.StatusOK)
		if _, err := io.WriteString(w, largeHead); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte{'x'}, 32<<10)
		for pad > 0 {
			if r.Context().Err() != nil {
				return
			}
			c := chunk
			if int64(len(c)) > pad {
				c = c[:pad]
			}
			if _, err := w.Write(c); err != nil {
				return
			}
			pad -= int64(len(c))
		}
		_, _ = io.WriteString(w, largeTail)
	}
}

// Redirect answers code (301, 302, 303, 307 or 308) with Location to, which
// is an absolute URL (to another origin, say) or a path, which keeps the
// request's origin. The request's query is not carried over; to names the
// whole place. For moving a whole tree see [RedirectPrefix].
func Redirect(code int, to string) Fault {
	return func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		redirect(w, code, to)
	}
}

// RedirectPrefix answers code with a Location made from the request's path
// with its leading from replaced by to (an absolute URL's origin and path,
// or a path on the same origin), keeping the query: a target that moved.
// from matches whole path segments ("/scim" takes "/scim/Users", not
// "/scimx"; "/" takes every path). A path that does not start with from is
// let through to the wrapped handler.
func RedirectPrefix(code int, from, to string) Fault {
	from = strings.TrimSuffix(from, "/")
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rest, ok := strings.CutPrefix(r.URL.Path, from)
		if !ok || (rest != "" && rest[0] != '/') {
			next.ServeHTTP(w, r)
			return
		}
		loc := strings.TrimSuffix(to, "/") + rest
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		redirect(w, code, loc)
	}
}

// redirect writes a redirect to loc with a short body, as servers do.
func redirect(w http.ResponseWriter, code int, loc string) {
	body := "Moved to " + loc + "\n"
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

// Gzip lets the wrapped handler answer and sends its body compressed with
// Content-Encoding: gzip whatever the request's Accept-Encoding says.
func Gzip() Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := record(next, r)
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_, _ = zw.Write(rec.Body.Bytes())
		_ = zw.Close()
		copyHeader(w.Header(), rec.Header())
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		w.Header().Set("Content-Length", strconv.Itoa(z.Len()))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(z.Bytes())
	}
}

// throttleBody is the SCIM error of a [Throttle] answer.
const throttleBody = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"Too many requests; retry later."}`

// Throttle answers 429 Too Many Requests with Retry-After: retryAfter
// (seconds or an HTTP date; none when empty) and a SCIM error body,
// without calling the wrapped handler.
func Throttle(retryAfter string) Fault {
	st := Status(http.StatusTooManyRequests, "application/scim+json", throttleBody)
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		st(w, r, next)
	}
}

// record runs next on r and returns what it answered.
func record(next http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	return rec
}

// copyHeader copies src into dst, leaving out Content-Length, which the
// fault sets for the body it really sends.
func copyHeader(dst, src http.Header) {
	for k, v := range src {
		if k == "Content-Length" {
			continue
		}
		dst[k] = append([]string(nil), v...)
	}
}

// hijack takes over w's connection, so a fault can cut it where it wants.
func hijack(w http.ResponseWriter) (io.Closer, *bufio.ReadWriter, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("faults: %T cannot be hijacked", w)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("faults: hijack: %w", err)
	}
	return conn, buf, nil
}

// abort drops w's connection without an answer: hijacked and closed on
// HTTP/1, the stream reset (http.ErrAbortHandler) otherwise.
func abort(w http.ResponseWriter) {
	conn, _, err := hijack(w)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
