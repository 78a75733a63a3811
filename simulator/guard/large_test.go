package guard_test

import (
	"errors"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/scimtest/scimtest/simulator/guard"
)

// bigBody is a list response of n bytes: one resource, then padding inside
// a string, generated as it is read so the test itself allocates nothing.
type bigBody struct {
	head   string
	n, off int
}

func newBigBody(n int) *bigBody {
	return &bigBody{head: `{"totalResults":1,"Resources":[{"id":"real-1","userName":"real@example.com"},{"id":"x","pad":"`, n: n}
}

func (b *bigBody) Read(p []byte) (int, error) {
	if b.off >= b.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && b.off < b.n {
		switch {
		case b.off < len(b.head):
			p[k] = b.head[b.off]
		case b.off >= b.n-3:
			p[k] = `"}]`[b.off-(b.n-3)]
		default:
			p[k] = 'a'
		}
		k++
		b.off++
	}
	return k, nil
}

func (b *bigBody) Close() error { return nil }

// bodyTransport answers GET with a bigBody of n bytes (Content-Length set
// when known) and everything else with 204.
type bodyTransport struct {
	n     int
	known bool
}

func (t bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp := &http.Response{StatusCode: http.StatusNoContent, Header: http.Header{}, Body: http.NoBody, Request: req}
	if req.Method == http.MethodGet {
		resp.StatusCode, resp.Body, resp.ContentLength = http.StatusOK, newBigBody(t.n), -1
		if t.known {
			resp.ContentLength = int64(t.n)
		}
	}
	return resp, nil
}

// readList reads a list of n bytes through g.
func readList(tb testing.TB, g *guard.Guard, n int, known bool) {
	resp, err := g.Client(&http.Client{Transport: bodyTransport{n, known}}).Get("http://t.example/Users")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
}

// TestLargeBodyCopyIsBounded: the guard's copy of a 40 MiB body stays within
// its 8 MiB cap (it used to grow a buffer to 40 MiB, allocating about 80),
// with and without Content-Length, and the part it kept still teaches the
// ids the body begins with.
func TestLargeBodyCopyIsBounded(t *testing.T) {
	for _, known := range []bool{true, false} {
		g := guard.New()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		readList(t, g, 40<<20, known)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 17<<20 {
			t.Errorf("Content-Length known %v: reading a 40 MiB body allocated %d MiB, want at most 17 (twice the 8 MiB cap, for growth)", known, got>>20)
		}
		req, _ := http.NewRequest(http.MethodDelete, "http://t.example/Users/real-1", nil)
		if _, err := g.Client(&http.Client{Transport: bodyTransport{}}).Do(req); !errors.Is(err, guard.ErrForeign) {
			t.Errorf("Content-Length known %v: DELETE of a user listed at the start of a cut body: %v, want ErrForeign", known, err)
		}
	}
}

// BenchmarkLargeBody reads a 40 MiB body through the guard; run with
// -benchmem to see the bytes the guard allocates for its copy.
func BenchmarkLargeBody(b *testing.B) {
	for _, known := range []bool{true, false} {
		name := "unknown-length"
		if known {
			name = "content-length"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				readList(b, guard.New(), 40<<20, known)
			}
		})
	}
}

// TestCutBodyGrantsNothing: a body cut at the cap teaches only what it
// shows; a resource in it that carries the run's marker is not taken for
// the run's, since the rest of the body could not be checked.
func TestCutBodyGrantsNothing(t *testing.T) {
	g := guard.New().Own("real@")
	readList(t, g, 9<<20, true)
	if g.Created("Users", "real-1") {
		t.Errorf("a marked resource in a cut body was taken for the run's")
	}
}
