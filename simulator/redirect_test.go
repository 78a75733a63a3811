package simulator

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestCrossOriginRedirectNotFollowed checks that a redirect to another
// server ends the request with ErrCrossOriginRedirect and that the other
// server never sees a request, so never sees the token.
func TestCrossOriginRedirectNotFollowed(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			var reached atomic.Int32
			b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				t.Errorf("server B received %s %s with Authorization %q", r.Method, r.URL, r.Header.Get("Authorization"))
			}))
			t.Cleanup(b.Close)
			c, rec, _ := newTestClient(t, http.RedirectHandler(b.URL+"/scim/v2/Users", code), nil)
			_, err := c.Post(context.Background(), "/Users", `{"userName":"a"}`)
			if !errors.Is(err, ErrCrossOriginRedirect) {
				t.Fatalf("error %v, want it to wrap ErrCrossOriginRedirect", err)
			}
			if reached.Load() != 0 {
				t.Errorf("server B got %d requests", reached.Load())
			}
			if !strings.Contains(err.Error(), b.URL) {
				t.Errorf("error %q does not name where the redirect led", err)
			}
			if want := "redirected to another origin (" + b.URL + "): not followed"; !strings.HasPrefix(Diagnose(err), want) {
				t.Errorf("Diagnose = %q, want prefix %q", Diagnose(err), want)
			}
			if exs := rec.Exchanges(); len(exs) != 1 || exs[0].Error == "" {
				t.Errorf("want one exchange carrying the error, got %+v", exs)
			}
		})
	}
}

// TestSameOriginRedirects checks that redirects within the origin are
// followed, that 307 and 308 keep the method, body and token, and that 301
// and 302 turn a POST into a GET.
func TestSameOriginRedirects(t *testing.T) {
	tests := []struct {
		code       int
		wantMethod string
		wantBody   string
	}{
		{301, http.MethodGet, ""},
		{302, http.MethodGet, ""},
		{307, http.MethodPost, `{"userName":"a"}`},
		{308, http.MethodPost, `{"userName":"a"}`},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.code), func(t *testing.T) {
			var method, body, auth string
			mux := http.NewServeMux()
			mux.Handle("/scim/v2/Users", http.RedirectHandler("/scim/v2/Final", tt.code))
			mux.HandleFunc("/scim/v2/Final", func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				method, body, auth = r.Method, string(b), r.Header.Get("Authorization")
				w.WriteHeader(http.StatusCreated)
				w.Write([]byte(`{"id":"1"}`))
			})
			c, _, _ := newTestClient(t, mux, nil)
			resp, err := c.Post(context.Background(), "/Users", `{"userName":"a"}`)
			if err != nil {
				t.Fatalf("Post: %v", err)
			}
			if resp.Status != http.StatusCreated || method != tt.wantMethod || body != tt.wantBody {
				t.Errorf("final request %s %q answered %d, want %s %q answered 201", method, body, resp.Status, tt.wantMethod, tt.wantBody)
			}
			if auth != "Bearer s3cret-token" {
				t.Errorf("the same origin got Authorization %q, want the token", auth)
			}
		})
	}
}

func TestRedirectLoop(t *testing.T) {
	var n atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	})
	c, _, _ := newTestClient(t, h, nil)
	start := time.Now()
	_, err := c.Get(context.Background(), "/Users")
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("error %v, want ErrTooManyRedirects", err)
	}
	if n.Load() != maxRedirects {
		t.Errorf("server got %d requests, want %d", n.Load(), maxRedirects)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("loop took %v", time.Since(start))
	}
}

// TestCallerCheckRedirectKept checks the decision documented on
// [Options].HTTPClient: the caller's CheckRedirect is asked first and may
// stop a redirect, the caller's client is not modified, and a CheckRedirect
// that allows everything still cannot send the request to another origin.
func TestCallerCheckRedirectKept(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	t.Cleanup(other.Close)
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/Me", http.RedirectHandler("/scim/v2/Users/1", http.StatusPermanentRedirect))
	mux.Handle("/scim/v2/Away", http.RedirectHandler(other.URL+"/x", http.StatusFound))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	stop := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	allow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	base, err := New(Options{BaseURL: srv.URL + "/scim/v2"})
	if err != nil {
		t.Fatal(err)
	}
	for name, hc := range map[string]*http.Client{"stop": stop, "allow": allow} {
		c, err := New(Options{BaseURL: srv.URL + "/scim/v2", HTTPClient: hc})
		if err != nil {
			t.Fatal(err)
		}
		if name == "allow" {
			c = base.WithHTTPClient(hc) // the same rules through a copy
		}
		resp, err := c.Get(context.Background(), "/Me")
		if name == "stop" && (err != nil || resp.Status != http.StatusPermanentRedirect) {
			t.Errorf("%s: /Me gave %v, %v; want the 308 itself", name, resp, err)
		}
		if _, err := c.Get(context.Background(), "/Away"); name == "allow" && !errors.Is(err, ErrCrossOriginRedirect) {
			t.Errorf("%s: /Away gave %v, want ErrCrossOriginRedirect", name, err)
		}
		if err := hc.CheckRedirect(&http.Request{URL: &url.URL{Scheme: "http", Host: "elsewhere"}}, []*http.Request{{URL: &url.URL{Scheme: "http", Host: "here"}}}); (err == nil) != (name == "allow") {
			t.Errorf("%s: the caller's own CheckRedirect was replaced", name)
		}
	}
	if reached.Load() != 0 {
		t.Errorf("the other origin got %d requests", reached.Load())
	}
}

func TestOrigin(t *testing.T) {
	same := [][2]string{
		{"http://h/a", "http://h:80/b"},
		{"https://H.example:443/", "https://h.example/x"},
		{"http://[::1]:8080/", "http://[::1]:8080/y"},
	}
	differ := [][2]string{
		{"http://h/", "https://h/"},
		{"http://h:8080/", "http://h:8081/"},
		{"http://h/", "http://g/"},
		{"https://h/", "https://h.evil/"},
	}
	parse := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, p := range same {
		if Origin(parse(p[0])) != Origin(parse(p[1])) {
			t.Errorf("%s and %s should be one origin", p[0], p[1])
		}
	}
	for _, p := range differ {
		if Origin(parse(p[0])) == Origin(parse(p[1])) {
			t.Errorf("%s and %s should be two origins", p[0], p[1])
		}
	}
}
