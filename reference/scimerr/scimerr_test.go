package scimerr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"
)

func TestBodyAndJSON(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want map[string]any
	}{
		{
			name: "bad request with scimType",
			err:  BadRequest(InvalidFilter, "bad %s", "filter"),
			want: map[string]any{"schemas": []any{ErrorURN}, "status": "400", "scimType": "invalidFilter", "detail": "bad filter"},
		},
		{
			name: "not found without scimType",
			err:  NotFound("User %q not found", "x"),
			want: map[string]any{"schemas": []any{ErrorURN}, "status": "404", "detail": `User "x" not found`},
		},
		{
			name: "conflict is uniqueness",
			err:  Conflict("dup"),
			want: map[string]any{"schemas": []any{ErrorURN}, "status": "409", "scimType": "uniqueness", "detail": "dup"},
		},
		{
			name: "empty detail is omitted",
			err:  &Error{Status: 412},
			want: map[string]any{"schemas": []any{ErrorURN}, "status": "412"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.err)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			var got map[string]any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("unmarshal %s: %v", raw, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("JSON = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConstructorsStatus(t *testing.T) {
	tests := []struct {
		err  *Error
		want int
	}{
		{BadRequest(InvalidValue, "x"), http.StatusBadRequest},
		{Unauthorized("x"), http.StatusUnauthorized},
		{Forbidden(Sensitive, "x"), http.StatusForbidden},
		{NotFound("x"), http.StatusNotFound},
		{MethodNotAllowed("x"), http.StatusMethodNotAllowed},
		{Conflict("x"), http.StatusConflict},
		{PreconditionFailed("x"), http.StatusPreconditionFailed},
		{PayloadTooLarge("x"), http.StatusRequestEntityTooLarge},
		{Internal("x"), http.StatusInternalServerError},
		{NotImplemented("x"), http.StatusNotImplemented},
	}
	for _, tt := range tests {
		if tt.err.Status != tt.want {
			t.Errorf("%v: status %d, want %d", tt.err, tt.err.Status, tt.want)
		}
	}
}

func TestAsAndFrom(t *testing.T) {
	inner := BadRequest(NoTarget, "nothing")
	wrapped := fmt.Errorf("patch: op 1: %w", inner)
	if got := As(wrapped); got != inner {
		t.Errorf("As(wrapped) = %v, want %v", got, inner)
	}
	if got := As(fmt.Errorf("plain")); got != nil {
		t.Errorf("As(plain) = %v, want nil", got)
	}
	if got := From(fmt.Errorf("boom")); got == nil || got.Status != 500 || got.Detail != "boom" {
		t.Errorf("From(plain) = %v, want 500 boom", got)
	}
	if got := From(nil); got != nil {
		t.Errorf("From(nil) = %v, want nil", got)
	}
	if got := From(wrapped); got != inner {
		t.Errorf("From(wrapped) = %v, want inner", got)
	}
	if s := inner.Error(); s != "scim 400 noTarget: nothing" {
		t.Errorf("Error() = %q", s)
	}
}
