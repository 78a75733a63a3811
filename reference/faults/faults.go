// Package faults wraps an http.Handler so it misbehaves on purpose at the
// HTTP level — hangs, HTML pages, truncated or oversized bodies, redirects,
// gzip, 429 storms — for testing clients against hostile targets.
//
// A [Handler] tries its [Rule]s in order. A rule that matches a request's
// method and path counts it; when the count is past the rule's After, on the
// rule's Every-th request and within its Times, the rule's [Fault] answers
// instead of the wrapped handler and no later rule is tried. Requests no
// rule takes go to the wrapped handler untouched.
//
//	h := faults.Wrap(ref,
//		faults.Rule{Method: http.MethodGet, Path: regexp.MustCompile(`^/scim/v2/Groups/`), Fault: faults.Hang()},
//		faults.Rule{Every: 3, Fault: faults.Throttle("1")},
//	)
//	ts := httptest.NewServer(h)
//	defer ts.Close()
//	defer h.Close() // runs first: releases hanging requests so ts.Close returns
//
// Hanging requests end when the client goes away (the request's context is
// done) or when [Handler.Close] is called; httptest.Server.Close waits for
// active requests, so call h.Close (or ts.CloseClientConnections) before it
// when a client may still hold a hanging request open. In a test, [Serve]
// does all of this.
package faults

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
)

// Fault answers a request in place of the wrapped handler. next is the
// wrapped handler, for faults that distort a real answer (NonJSON,
// WrongShape, Truncate, Stall, Gzip); r's context is done when the client
// goes away or [Handler.Close] is called. Tests may write their own.
type Fault func(w http.ResponseWriter, r *http.Request, next http.Handler)

// Rule selects the requests a Fault answers.
type Rule struct {
	// Method is the HTTP method to match; "" matches any.
	Method string
	// Path is matched against r.URL.Path; nil matches any path.
	Path *regexp.Regexp
	// After lets this many matching requests through before the fault
	// starts.
	After int
	// Every injects the fault on every Every-th matching request after
	// After (the others go through); 0 or 1 means each one.
	Every int
	// Times is how many times the fault is injected; 0 means forever.
	Times int
	// Fault is what answers; nil lets the request through.
	Fault Fault
}

// matches reports whether r is a request the rule is about.
func (rule *Rule) matches(r *http.Request) bool {
	if rule.Method != "" && rule.Method != r.Method {
		return false
	}
	return rule.Path == nil || rule.Path.MatchString(r.URL.Path)
}

// Handler is an http.Handler that injects the faults of its rules; see the
// package documentation. It is safe for concurrent use.
type Handler struct {
	next  http.Handler
	rules []Rule

	mu       sync.Mutex
	seen     []int // matching requests per rule
	injected []int // faults injected per rule

	stop     context.Context // done once Close is called
	stopFunc context.CancelFunc
}

// Wrap returns a [Handler] that answers with the faults of rules and passes
// every other request to next. The result is an http.Handler; keep it as
// *Handler to call [Handler.Close] or [Handler.Injected].
func Wrap(next http.Handler, rules ...Rule) *Handler {
	stop, cancel := context.WithCancel(context.Background())
	return &Handler{
		next:     next,
		rules:    append([]Rule(nil), rules...),
		seen:     make([]int, len(rules)),
		injected: make([]int, len(rules)),
		stop:     stop,
		stopFunc: cancel,
	}
}

// Serve starts an [httptest.Server] for Wrap(next, rules...) and returns it
// with the [Handler]. Both are closed at t's cleanup, the Handler first, so
// a hanging request cannot keep the server's Close waiting.
func Serve(t testing.TB, next http.Handler, rules ...Rule) (*httptest.Server, *Handler) {
	t.Helper()
	h := Wrap(next, rules...)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	t.Cleanup(h.Close)
	return ts, h
}

// Close ends every request the handler is holding (Hang, Stall) and makes
// later ones return at once, so a server's Close does not wait on them. The
// handler keeps serving otherwise. Close is idempotent.
func (h *Handler) Close() { h.stopFunc() }

// Injected returns how many times the rule at index i (in the order given
// to [Wrap]) has injected its fault.
func (h *Handler) Injected(i int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i < 0 || i >= len(h.injected) {
		return 0
	}
	return h.injected[i]
}

// ServeHTTP answers r with the fault of the first rule that takes it, or
// with the wrapped handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	unhook := context.AfterFunc(h.stop, cancel)
	defer unhook()
	r = r.WithContext(ctx)

	if f := h.pick(r); f != nil {
		f(w, r, h.next)
		return
	}
	h.next.ServeHTTP(w, r)
}

// pick counts r against the rules and returns the fault to inject, or nil.
func (h *Handler) pick(r *http.Request) Fault {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.rules {
		rule := &h.rules[i]
		if !rule.matches(r) {
			continue
		}
		h.seen[i]++
		n := h.seen[i] - rule.After
		if n <= 0 || rule.Fault == nil {
			continue
		}
		if rule.Every > 1 && n%rule.Every != 0 {
			continue
		}
		if rule.Times > 0 && h.injected[i] >= rule.Times {
			continue
		}
		h.injected[i]++
		return rule.Fault
	}
	return nil
}
