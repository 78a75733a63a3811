package entra_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/simulator/entra"
)

// respond answers every request with one status and body.
func respond(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

// TestResponseChecks checks each response Entra refuses becomes an *Error
// saying what an Entra admin would read (idp-wire.md B4, B6).
func TestResponseChecks(t *testing.T) {
	ctx := context.Background()
	provision := func(ctx context.Context, p *entra.Provisioner) error {
		_, _, err := p.ProvisionUser(ctx, alice)
		return err
	}
	create := func(ctx context.Context, p *entra.Provisioner) error {
		_, err := p.CreateUser(ctx, alice)
		return err
	}
	tests := []struct {
		name       string
		handler    http.Handler
		run        func(context.Context, *entra.Provisioner) error
		status     int
		scimType   string
		quarantine bool
		says       string
	}{
		{"404 on filter miss", respond(404, `{"status":"404","detail":"no such user"}`), provision, 404, "", true, "returned 404 instead of 200"},
		{"401 on test connection", respond(401, `{"status":"401"}`), func(ctx context.Context, p *entra.Provisioner) error {
			return p.TestConnection(ctx, "guid")
		}, 401, "", true, "rejected the credentials"},
		{"200 instead of 201", respond(200, `{"id":"x"}`), create, 200, "", false, "200 OK instead of 201 Created"},
		{"create without id", respond(201, `{}`), create, 201, "", false, "has no id"},
		{"duplicate create", respond(409, `{"status":"409","scimType":"uniqueness","detail":"userName taken"}`), create, 409, "uniqueness", false, "already exists"},
		{"server error", respond(500, `oops`), create, 500, "", false, "server error"},
		{"totalResults as string", respond(200, `{"totalResults":"0","Resources":[]}`), provision, 200, "", true, "not a SCIM ListResponse"},
		{"resource without id", respond(200, `{"totalResults":1,"Resources":[{"userName":"a"}]}`), provision, 200, "", false, "has no id"},
		{"ambiguous match", respond(200, `{"totalResults":2,"Resources":[{"id":"a"},{"id":"b"}]}`), provision, 200, "", false, "returned 2 users"},
		{"test connection finds a random GUID", respond(200, `{"totalResults":1,"Resources":[{"id":"a"}]}`), func(ctx context.Context, p *entra.Provisioner) error {
			return p.TestConnection(ctx, "guid")
		}, 200, "", false, "instead of none"},
		{"patch answered 201", respond(201, `{}`), func(ctx context.Context, p *entra.Provisioner) error {
			return p.DisableUser(ctx, alice)
		}, 201, "", false, "expected 200 or 204"},
		{"patch rejected", respond(400, `{"status":"400","scimType":"invalidSyntax","detail":"bad op"}`), func(ctx context.Context, p *entra.Provisioner) error {
			return p.EnableUser(ctx, alice)
		}, 400, "invalidSyntax", false, "rejected the request as invalid"},
		{"patch on a deleted user", respond(404, `{"status":"404"}`), func(ctx context.Context, p *entra.Provisioner) error {
			return p.RemoveManager(ctx, alice)
		}, 404, "", false, "no longer exists"},
		{"delete answered 200", respond(200, `{}`), func(ctx context.Context, p *entra.Provisioner) error {
			return p.DeleteGroup(ctx, team)
		}, 200, "", false, "expected 204"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvisioner(t, tt.handler, entra.Options{})
			p.Link(alice.ObjectID, "id-alice")
			p.LinkGroup(team.ObjectID, "id-team")
			err := tt.run(ctx, p)
			var e *entra.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v; want *entra.Error", err)
			}
			if e.Status != tt.status || e.ScimType != tt.scimType || e.Quarantine != tt.quarantine {
				t.Errorf("got status %d scimType %q quarantine %v; want %d %q %v",
					e.Status, e.ScimType, e.Quarantine, tt.status, tt.scimType, tt.quarantine)
			}
			msg := err.Error()
			if !strings.Contains(msg, "Entra would report: ") || !strings.Contains(msg, tt.says) {
				t.Errorf("message %q does not say %q", msg, tt.says)
			}
		})
	}
}

// TestTransportError checks an unreachable target is an *Error with no
// status that unwraps to the transport failure.
func TestTransportError(t *testing.T) {
	p := newProvisioner(t, respond(200, `{}`), entra.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := p.TestConnection(ctx, "guid")
	var e *entra.Error
	if !errors.As(err, &e) || e.Status != 0 || e.Err == nil {
		t.Fatalf("err = %#v; want *entra.Error with Status 0 and a cause", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want it to wrap context.Canceled", err)
	}
}
