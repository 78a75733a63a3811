// Package reference is the reference SCIM 2.0 service provider (RFC 7643,
// RFC 7644): an [http.Handler] over a [store.Store], driven by one schema
// registry, with named [Quirk]s that switch on the deviations real providers
// are known for so that the tester can prove it catches them.
//
// Decisions where the RFCs leave room:
//   - /ServiceProviderConfig, /ResourceTypes and /Schemas answer without a
//     token (RFC 7644 §4 lets discovery be unauthenticated); every other
//     endpoint needs `Authorization: Bearer <Options.Token>`. An empty Token
//     disables authentication.
//   - attributes and excludedAttributes together are rejected with 400
//     invalidSyntax (RFC 7644 §3.9 offers them as alternatives).
//   - PATCH answers 200 with the resource; /Me answers 501.
//   - Request bodies may be labelled application/scim+json,
//     application/json or nothing; other media types get 415.
//   - Group displayName is unique (case-insensitively) like userName.
//   - If-Match and If-None-Match take lists of entity-tags; one matching
//     tag is enough (RFC 7232 §3.1, §3.2).
//   - Filters compare strings after Unicode preparation (NFC, plus case
//     folding unless caseExact; RFC 7644 §7.8), and the userName, Group
//     displayName and externalId indexes use the same preparation.
//
// Resources are stored as compact JSON bodies and decoded on read; a filter
// scan decodes only the top-level attributes the filter names, outside the
// store's lock.
package reference

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/scimtest/scimtest/reference/scimerr"
	"github.com/scimtest/scimtest/reference/store"
)

// Limits applied when the corresponding [Options] field is zero.
const (
	DefaultBasePath       = "/scim/v2"
	DefaultMaxResults     = 1000
	DefaultMaxBodySize    = 1 << 20
	DefaultBulkMaxOps     = 1000
	DefaultBulkMaxPayload = 1 << 20
	// maxJSONDepth bounds nesting in request bodies; no SCIM resource
	// needs more than a handful of levels.
	maxJSONDepth = 32
)

// Options configures a [Server]. The zero value is a working provider
// without authentication.
type Options struct {
	// BasePath is where the provider is mounted (default "/scim/v2").
	BasePath string
	// Token is the bearer token every non-discovery endpoint requires;
	// empty disables authentication.
	Token string
	// Quirks names the deviations to switch on (see [Quirks]).
	Quirks []string
	// SeedUsers pre-creates that many users with deterministic attributes
	// (userName "seed-user-0001", ...).
	SeedUsers int
	// Logger receives one record per request; nil discards. The token and
	// the Authorization header are never logged.
	Logger *slog.Logger
	// MaxResults caps count on queries (filter.maxResults; default 1000).
	MaxResults int
	// MaxBodySize limits non-bulk request bodies in bytes (default 1 MiB).
	MaxBodySize int64
	// BulkMaxOperations and BulkMaxPayloadSize are the /Bulk limits
	// advertised in /ServiceProviderConfig (defaults 1000 and 1 MiB).
	BulkMaxOperations  int
	BulkMaxPayloadSize int64
	// Store keeps the resources; nil means a fresh in-memory store.
	Store store.Store
}

// Server is the reference provider. It implements [http.Handler]; requests
// outside BasePath get a SCIM 404.
type Server struct {
	opts   Options
	base   string // BasePath without trailing slash
	store  store.Store
	log    *slog.Logger
	quirks quirkSet
	// tombstones holds deleted userNames (quirk deleted-username-blocks).
	tombstones *nameSet
}

// New checks opts and returns a provider.
func New(opts Options) (*Server, error) {
	q, err := parseQuirks(opts.Quirks)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	if opts.BasePath == "" {
		opts.BasePath = DefaultBasePath
	}
	if !strings.HasPrefix(opts.BasePath, "/") {
		return nil, fmt.Errorf("reference: base path %q must start with /", opts.BasePath)
	}
	if opts.MaxResults <= 0 {
		opts.MaxResults = DefaultMaxResults
	}
	if opts.MaxBodySize <= 0 {
		opts.MaxBodySize = DefaultMaxBodySize
	}
	if opts.BulkMaxOperations <= 0 {
		opts.BulkMaxOperations = DefaultBulkMaxOps
	}
	if opts.BulkMaxPayloadSize <= 0 {
		opts.BulkMaxPayloadSize = DefaultBulkMaxPayload
	}
	if opts.SeedUsers < 0 {
		return nil, fmt.Errorf("reference: negative SeedUsers %d", opts.SeedUsers)
	}
	s := &Server{
		opts:       opts,
		base:       strings.TrimRight(opts.BasePath, "/"),
		store:      opts.Store,
		log:        opts.Logger,
		quirks:     q,
		tombstones: newNameSet(),
	}
	if s.store == nil {
		s.store = store.NewMemory()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.seed(context.Background(), opts.SeedUsers); err != nil {
		return nil, fmt.Errorf("reference: seed users: %w", err)
	}
	return s, nil
}

// BasePath returns the path the provider is mounted at.
func (s *Server) BasePath() string { return s.opts.BasePath }

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// ServeHTTP implements [http.Handler]: it logs, recovers from panics,
// authenticates and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			// A panic is a provider bug: answer 500 and log loudly so tests see it.
			s.log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec.status == 0 {
				s.write(rec, r, errorResponse(scimerr.Internal("internal error")))
			}
		}
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	}()
	s.write(rec, r, s.route(r))
}

// route maps a request to its handler and returns the response to send.
func (s *Server) route(r *http.Request) *response {
	rest, ok := strings.CutPrefix(r.URL.Path, s.base)
	if !ok || (rest != "" && rest[0] != '/') {
		return errorResponse(scimerr.NotFound("no SCIM endpoint at %s (base path is %s)", r.URL.Path, s.opts.BasePath))
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	ep := ""
	if len(segs) > 0 {
		ep = segs[0]
	}
	if !isDiscovery(ep) {
		if resp := s.authenticate(r); resp != nil {
			return resp
		}
	}
	if resp := checkMediaType(r); resp != nil {
		return resp
	}
	ctx := r.Context()
	switch {
	case len(segs) == 0:
		return methods(r, map[string]func() *response{
			http.MethodGet: func() *response { return s.queryRoot(ctx, r) },
		})
	case len(segs) == 1 && strings.EqualFold(ep, ".search"):
		return methods(r, map[string]func() *response{
			http.MethodPost: func() *response { return s.searchRoot(ctx, r) },
		})
	case strings.EqualFold(ep, "ServiceProviderConfig") && len(segs) == 1:
		return methods(r, map[string]func() *response{http.MethodGet: func() *response { return s.serviceProviderConfig(r) }})
	case strings.EqualFold(ep, "ResourceTypes") && len(segs) <= 2:
		return methods(r, map[string]func() *response{http.MethodGet: func() *response { return s.resourceTypes(r, segs[1:]) }})
	case strings.EqualFold(ep, "Schemas") && len(segs) <= 2:
		return methods(r, map[string]func() *response{http.MethodGet: func() *response { return s.schemas(r, segs[1:]) }})
	case strings.EqualFold(ep, "Bulk") && len(segs) == 1:
		return methods(r, map[string]func() *response{http.MethodPost: func() *response { return s.bulk(ctx, r) }})
	case strings.EqualFold(ep, "Me"):
		// RFC 7644 §3.11 lets a provider without an authenticated-subject
		// mapping answer /Me with 501.
		return errorResponse(scimerr.NotImplemented("/Me is not supported: the bearer token does not identify a User"))
	}
	rt := resourceTypeFor(ep)
	if rt == nil {
		return errorResponse(scimerr.NotFound("no SCIM endpoint at %s", r.URL.Path))
	}
	switch {
	case len(segs) == 1:
		return methods(r, map[string]func() *response{
			http.MethodGet:  func() *response { return s.query(ctx, r, rt) },
			http.MethodPost: func() *response { return s.create(ctx, r, rt) },
		})
	case len(segs) == 2 && segs[1] == ".search":
		return methods(r, map[string]func() *response{
			http.MethodPost: func() *response { return s.search(ctx, r, rt) },
		})
	case len(segs) == 2:
		id := segs[1]
		return methods(r, map[string]func() *response{
			http.MethodGet:    func() *response { return s.get(ctx, r, rt, id) },
			http.MethodPut:    func() *response { return s.replace(ctx, r, rt, id) },
			http.MethodPatch:  func() *response { return s.patch(ctx, r, rt, id) },
			http.MethodDelete: func() *response { return s.delete(ctx, r, rt, id) },
		})
	}
	return errorResponse(scimerr.NotFound("no SCIM endpoint at %s", r.URL.Path))
}

func isDiscovery(ep string) bool {
	return strings.EqualFold(ep, "ServiceProviderConfig") || strings.EqualFold(ep, "ResourceTypes") || strings.EqualFold(ep, "Schemas")
}

// methods dispatches on the request method; others get 405 with Allow
// (RFC 7231 §6.5.5, RFC 7644 §3.12).
func methods(r *http.Request, hs map[string]func() *response) *response {
	if h, ok := hs[r.Method]; ok {
		return h()
	}
	if r.Method == http.MethodHead {
		if h, ok := hs[http.MethodGet]; ok {
			return h()
		}
	}
	allow := make([]string, 0, len(hs))
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, ok := hs[m]; ok {
			allow = append(allow, m)
		}
	}
	resp := errorResponse(scimerr.MethodNotAllowed("method %s is not allowed here; allowed: %s", r.Method, strings.Join(allow, ", ")))
	resp.header().Set("Allow", strings.Join(allow, ", "))
	return resp
}

// authenticate checks the bearer token (RFC 7644 §2, RFC 6750 §3). It
// returns nil when the request may proceed.
func (s *Server) authenticate(r *http.Request) *response {
	if s.opts.Token == "" {
		return nil
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") && constantTimeEqual(strings.TrimSpace(tok), s.opts.Token) {
		return nil
	}
	resp := errorResponse(scimerr.Unauthorized("missing or invalid bearer token"))
	resp.header().Set("WWW-Authenticate", `Bearer realm="scimtest"`)
	return resp
}

// checkMediaType accepts bodies labelled application/scim+json,
// application/json or nothing (RFC 7644 §3.8, lenient as real clients send
// either).
func checkMediaType(r *http.Request) *response {
	ct := r.Header.Get("Content-Type")
	if ct == "" || r.ContentLength == 0 {
		return nil
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if mt == "application/scim+json" || mt == "application/json" {
		return nil
	}
	return errorResponse(scimerr.New(http.StatusUnsupportedMediaType, "", "unsupported Content-Type %q: use application/scim+json", ct))
}

// readBody reads at most limit bytes of the request body.
func readBody(r *http.Request, limit int64) ([]byte, *scimerr.Error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "read request body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, scimerr.PayloadTooLarge("request body exceeds %d bytes", limit)
	}
	return b, nil
}

// storeError maps store errors to SCIM errors.
func storeError(err error, what string) *scimerr.Error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return scimerr.NotFound("%s not found", what)
	case errors.Is(err, store.ErrConflict):
		return scimerr.Conflict("%s: a resource with that unique attribute already exists", what)
	case errors.Is(err, store.ErrVersionMismatch):
		return scimerr.PreconditionFailed("%s: version does not match If-Match", what)
	case errors.Is(err, store.ErrInvalidMember):
		return scimerr.BadRequest(scimerr.InvalidValue, "%s: %v", what, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return scimerr.New(http.StatusServiceUnavailable, "", "%s: request cancelled", what)
	}
	return scimerr.Internal("%s: %v", what, err)
}
