package schema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/reference/scimerr"
)

// obj decodes a JSON object the way the server does (UseNumber).
func obj(t *testing.T, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

// canon re-encodes v so comparisons ignore key order and Go types.
func canon(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	b, _ = json.Marshal(x)
	return string(b)
}

func wantScimType(t *testing.T, err error, scimType string) {
	t.Helper()
	if scimType == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	e := scimerr.As(err)
	if e == nil {
		t.Fatalf("error = %v, want *scimerr.Error %s", err, scimType)
	}
	if e.Status != 400 || e.ScimType != scimType {
		t.Fatalf("error = %v, want 400 %s", e, scimType)
	}
}
