package reports

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	in := failingRun()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadJSON(&buf)
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	// What comes back is the redacted run; everything else must survive.
	want := Redact(in)
	if !reflect.DeepEqual(out.Run, want.Run) {
		t.Errorf("run differs:\n got %+v\nwant %+v", out.Run, want.Run)
	}
	if len(out.Specs) != len(want.Specs) {
		t.Fatalf("got %d specs, want %d", len(out.Specs), len(want.Specs))
	}
	for i := range want.Specs {
		g, w := out.Specs[i], want.Specs[i]
		// time.Time loses its monotonic reading and location in JSON.
		for j := range g.Exchanges {
			if !g.Exchanges[j].Started.Equal(w.Exchanges[j].Started) {
				t.Errorf("spec %d exchange %d started %v, want %v", i, j, g.Exchanges[j].Started, w.Exchanges[j].Started)
			}
			g.Exchanges[j].Started = w.Exchanges[j].Started
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("spec %d differs:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestWriteJSONSetsVersion(t *testing.T) {
	r := failingRun()
	r.SchemaVersion = ""
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"schemaVersion": "`+SchemaVersion+`"`) {
		t.Errorf("schemaVersion not written:\n%.200s", buf.String())
	}
	if r.SchemaVersion != "" {
		t.Errorf("WriteJSON modified its input")
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"version mismatch", `{"schemaVersion":"99","run":{},"specs":[]}`, `schemaVersion "99", this scimtest reads "1"`},
		{"no version", `{"run":{},"specs":[]}`, "no schemaVersion"},
		{"not json", `<html>`, "invalid character"},
		{"empty", ``, "EOF"},
		{"wrong type", `{"schemaVersion":"1","specs":{}}`, "cannot unmarshal"},
		{"version not a string", `{"schemaVersion":1}`, "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadJSON(%q) error = %v, want one containing %q", tt.in, err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error should be one line: %q", err)
			}
		})
	}
}
