package simulator

import (
	"strings"
	"testing"
)

func TestOneOf(t *testing.T) {
	type color string
	tests := []struct {
		name    string
		v       color
		want    color
		wantErr string
	}{
		{"empty takes the default", "", "red", ""},
		{"known value is kept", "blue", "blue", ""},
		{"default spelled out is kept", "red", "red", ""},
		{"unknown value lists the known ones", "Blue", "", `unknown colour "Blue" (want red, blue)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OneOf("colour", tt.v, "red", "red", "blue")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OneOf(%q) error %v, want %q", tt.v, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("OneOf(%q) = %q, %v; want %q", tt.v, got, err, tt.want)
			}
		})
	}
}
