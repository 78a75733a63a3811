package simulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// countingTransport counts the response body bytes the client reads.
type countingTransport struct{ read atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := defaultTransport().RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// rawResponse answers with head (status line and headers) and body written
// straight to the connection, then closes it: a server that breaks HTTP.
func rawResponse(t *testing.T, head, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		rw.WriteString(head + "\r\n\r\n" + body)
		rw.Flush()
	}
}

func TestResponseBodyFaults(t *testing.T) {
	doc := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"a"}`)
	zipped := gzipped(t, doc)
	bomb := gzipped(t, make([]byte, 256<<10)) // about 300 bytes on the wire
	const maxBody = 1024
	tests := []struct {
		name      string
		handler   func(t *testing.T) http.HandlerFunc
		wantBody  string // the decoded body when there is no error
		wantErr   error
		wantMsg   string // Diagnose's line
		wantTrace string // prefix of the body the exchange carries
	}{
		{
			name: "gzip not asked for is decoded",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("Accept-Encoding") != "" {
						t.Errorf("client asked for %q", r.Header.Get("Accept-Encoding"))
					}
					w.Header().Set("Content-Encoding", "gzip")
					w.Write(zipped)
				}
			},
			wantBody:  string(doc),
			wantTrace: string(doc),
		},
		{
			name: "empty body labelled gzip",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Encoding", "gzip")
					w.WriteHeader(http.StatusNoContent)
				}
			},
		},
		{
			name: "empty body labelled deflate",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Encoding", "deflate")
					w.WriteHeader(http.StatusNoContent)
				}
			},
		},
		{
			name: "broken gzip",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Encoding", "gzip")
					w.Write(doc)
				}
			},
			wantErr:   ErrContentEncoding,
			wantMsg:   "response body says Content-Encoding: gzip but does not decode (gzip: invalid header): fix the target's compression",
			wantTrace: string(doc),
		},
		{
			name: "gzip stream cut short",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Encoding", "gzip")
					w.Write(zipped[:len(zipped)/2])
				}
			},
			wantErr: ErrContentEncoding,
			wantMsg: "response body says Content-Encoding: gzip but does not decode (unexpected EOF): fix the target's compression",
		},
		{
			name: "body at the cap",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("x"), maxBody)) }
			},
			wantBody:  strings.Repeat("x", maxBody),
			wantTrace: strings.Repeat("x", 100),
		},
		{
			name: "body beyond the cap",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Write([]byte(`{"Resources":[`))
					for i := 0; i < 1<<14; i++ {
						if _, err := fmt.Fprintf(w, `{"id":"%d"},`, i); err != nil {
							return // the client stopped reading
						}
					}
				}
			},
			wantErr:   ErrBodyTooLarge,
			wantMsg:   "response body larger than the 1 KiB cap: the endpoint sends more than a SCIM answer should; check the path in --target (lists should be paged)",
			wantTrace: `{"Resources":[{"id":"0"},`,
		},
		{
			name: "gzip bomb",
			handler: func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Encoding", "gzip")
					w.Write(bomb)
				}
			},
			wantErr: ErrBodyTooLarge,
			wantMsg: "response body larger than the 1 KiB cap once gzip-decoded: the endpoint sends more than a SCIM answer should; check the path in --target (lists should be paged)",
		},
		{
			name: "connection closed before Content-Length",
			handler: func(t *testing.T) http.HandlerFunc {
				return rawResponse(t, "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: 100", `{"id":"u1","userName":"a","name":{"giv`)
			},
			wantErr:   ErrTruncatedBody,
			wantMsg:   "connection closed before the whole body arrived (38 of 100 bytes read): the target or a proxy cut the answer short; check their logs",
			wantTrace: `{"id":"u1","userName":"a","name":{"giv`,
		},
		{
			name: "chunked body without its last chunk",
			handler: func(t *testing.T) http.HandlerFunc {
				return rawResponse(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", "a\r\n{\"id\":\"u1\r\n")
			},
			wantErr: ErrTruncatedBody,
			wantMsg: "connection closed before the whole body arrived (10 bytes read): the target or a proxy cut the answer short; check their logs",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter := &countingTransport{}
			c, rec, _ := newTestClient(t, tt.handler(t), func(o *Options) {
				o.MaxBody = maxBody
				o.BodyCap = 100
				o.HTTPClient = &http.Client{Transport: counter}
			})
			resp, err := c.Get(context.Background(), "/Users")
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if string(resp.Body) != tt.wantBody {
					t.Errorf("body %q, want %q", resp.Body, tt.wantBody)
				}
			} else {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want it to wrap %v", err, tt.wantErr)
				}
				if got := Diagnose(err); got != tt.wantMsg {
					t.Errorf("Diagnose\n got %q\nwant %q", got, tt.wantMsg)
				}
			}
			if n := counter.read.Load(); n > maxBody+1 {
				t.Errorf("read %d body bytes, want at most the cap plus one (%d)", n, maxBody+1)
			}
			exs := rec.Exchanges()
			if len(exs) != 1 {
				t.Fatalf("%d exchanges, want 1", len(exs))
			}
			if !strings.HasPrefix(exs[0].ResponseBody, tt.wantTrace) || len(exs[0].ResponseBody) > 100 {
				t.Errorf("exchange body %q, want it to start with %q and stay within the 100-byte BodyCap", exs[0].ResponseBody, tt.wantTrace)
			}
			if (tt.wantErr != nil) != (exs[0].Error != "") {
				t.Errorf("exchange error %q, want one only when Get fails", exs[0].Error)
			}
		})
	}
}

func TestDefaultBodyCapMessage(t *testing.T) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:1/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := (&bodyTooLargeError{limit: c.maxBody}).Error(), "response body larger than the 32 MiB cap"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if got := formatBytes(1000); got != "1000-byte" {
		t.Errorf("formatBytes(1000) = %q", got)
	}
}

// TestAttemptNeverOutlivesTimeout checks that every way a server can stall
// (before the headers, in the middle of the body, one byte at a time, a
// redirect chain of slow hops) ends at the per-request timeout.
func TestAttemptNeverOutlivesTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	stall := hang(t)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"before headers", stall},
		{"mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte(`{"Resources":[`))
			w.(http.Flusher).Flush()
			stall(w, r)
		}},
		{"trickle", func(w http.ResponseWriter, r *http.Request) {
			for {
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}},
		{"slow redirects", func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(60 * time.Millisecond)
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTestClient(t, tt.handler, func(o *Options) { o.Timeout = timeout })
			start := time.Now()
			_, err := c.Get(context.Background(), "/Users")
			elapsed := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v, want the request timeout", err)
			}
			if !strings.Contains(Diagnose(err), "within 200ms (request timeout)") {
				t.Errorf("Diagnose = %q", Diagnose(err))
			}
			// Generous for a loaded CI machine; what matters is that it ends.
			if elapsed > timeout+2*time.Second {
				t.Errorf("attempt took %v with a %v timeout", elapsed, timeout)
			}
		})
	}
}

// TestCapBodyCopies: a capped body is a copy, so the recorded exchange,
// which lives as long as the run's report, does not keep the whole body
// it was cut from alive (16 capped 33 MiB answers once held 900 MiB).
func TestCapBodyCopies(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	got, cut := capBody(big, 1024)
	if !cut || len(got) != 1024 {
		t.Fatalf("capBody = %d bytes, cut %v; want 1024, true", len(got), cut)
	}
	if unsafe.StringData(got) == unsafe.StringData(big) {
		t.Error("the capped body shares the memory of the whole body")
	}
	if short, cut := capBody("small", 1024); cut || short != "small" {
		t.Errorf("capBody(small) = %q, %v", short, cut)
	}
}
