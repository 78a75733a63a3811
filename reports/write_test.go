package reports

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimtest/scimtest/simulator/transcript"
)

var allFiles = []string{FileHTML, FileMarkdown, FileJUnit, FileJSON, FileHAR}

func TestWriteAllWritesFiveFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "out")
	if err := WriteAll(dir, failingRun()); err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got, want := strings.Join(names, ","), "exchanges.har,junit.xml,report.html,results.json,summary.md"; got != want {
		t.Errorf("files = %s, want %s (no temporary files left)", got, want)
	}
}

func TestWriteAllErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		r    *Results
	}{
		{"nil results", t.TempDir(), nil},
		{"dir is a file", file, failingRun()},
		{"parent is a file", filepath.Join(file, "sub"), failingRun()},
	}
	for _, tt := range tests {
		if err := WriteAll(tt.dir, tt.r); err == nil {
			t.Errorf("%s: WriteAll succeeded, want an error", tt.name)
		}
	}
}

// TestNoSecretsInAnyFile gives the writers exchanges that a careless
// recorder did not redact and checks that the token and the password reach
// no file.
func TestNoSecretsInAnyFile(t *testing.T) {
	r := failingRun()
	// More places a careless producer could leave them.
	r.Specs[1].Failure.Message += "\nsent Authorization: Bearer " + testToken
	// A target echoing the password, quoted by the suite; a token in text.
	r.Specs[2].Failure.Message += "\n  actual:   \"" + testPassword + "\""
	r.Specs[3].Failure.Cause = "token " + testToken + " rejected"
	r.Specs[4].Exchanges[0].ResponseBody = `{"detail":"weak: ` + testPassword + `"}`
	r.Specs[2].Exchanges = append(r.Specs[2].Exchanges, transcript.Exchange{
		Method:        "PATCH",
		URL:           "https://admin:" + testPassword + "@scim.example.com/scim/v2/Users/1?access_token=" + testToken,
		RequestHeader: map[string][]string{"X-Api-Key": {testToken}, "authorization": {"Basic " + testToken}},
		RequestBody:   `{"Operations":[{"op":"replace","path":"password","value":"` + testPassword + `"},{"op":"replace","value":{"PassWord":"` + testPassword + `"}}]}`,
		ResponseBody:  `{"password":"` + testPassword, // cut at the cap: not valid JSON
		Truncated:     true,
		Error:         "Get \"https://admin:" + testPassword + "@scim.example.com\": timeout",
	})
	dir := t.TempDir()
	if err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	for _, name := range allFiles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{testToken, testPassword} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s contains the secret %q", name, secret)
			}
		}
		if name != FileMarkdown && !strings.Contains(string(data), transcript.Redacted) {
			t.Errorf("%s shows no redaction marker; were the secrets dropped silently?", name)
		}
	}
	// The input is left alone: redaction works on a copy.
	if !strings.Contains(r.Specs[1].Exchanges[0].RequestHeader["Authorization"][0], testToken) {
		t.Errorf("WriteAll modified its input")
	}
}

func TestWriteAllHAR(t *testing.T) {
	dir := t.TempDir()
	r := failingRun()
	if err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, FileHAR))
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Version string `json:"version"`
			Creator struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"creator"`
			Entries []struct {
				Spec     string `json:"_spec"`
				Request  struct{ Method, URL string }
				Response struct{ Status int }
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &har); err != nil {
		t.Fatalf("exchanges.har is not JSON: %v", err)
	}
	want := 0
	for _, s := range r.Specs {
		want += len(s.Exchanges)
	}
	if har.Log.Version != "1.2" || har.Log.Creator.Name != "scimtest" || har.Log.Creator.Version != "v0.3.0" || len(har.Log.Entries) != want {
		t.Fatalf("har log = version %q creator %+v entries %d (want %d)", har.Log.Version, har.Log.Creator, len(har.Log.Entries), want)
	}
	if e := har.Log.Entries[1]; e.Spec != r.Specs[1].Name || e.Request.Method != "POST" || e.Response.Status != 500 {
		t.Errorf("entry 1 = %+v, want the failed create of %q", e, r.Specs[1].Name)
	}
}

// TestWriteAllOddInput feeds shapes a converter might produce by mistake;
// every writer must still produce its file, without panicking.
func TestWriteAllOddInput(t *testing.T) {
	tests := []struct {
		name string
		r    *Results
	}{
		{"empty", &Results{}},
		{"failed without failure, no area or level", &Results{Specs: []Spec{{State: StateFailed}, {State: StateWarning}}}},
		{"unknown state", &Results{Specs: []Spec{{Area: "x", Level: "MUST", State: "exploded"}}}},
		{"invalid UTF-8 and control bytes", &Results{Run: Run{Target: "http://h/\xff"}, Specs: []Spec{{
			Area: "a\x00", Name: "n\xff\x1b[31m", State: StateFailed, Failure: &Failure{Message: "\xfe\x00"},
			Exchanges: []transcript.Exchange{{Method: "GET", URL: "::not a url", ResponseBody: "\xff\xfe{\"password\":", Status: 500}},
		}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteAll(dir, tt.r); err != nil {
				t.Fatalf("WriteAll: %v", err)
			}
			f, err := os.Open(filepath.Join(dir, FileJSON))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			back, err := ReadJSON(f)
			if err != nil {
				t.Fatalf("results.json does not read back: %v", err)
			}
			if len(back.Specs) != len(tt.r.Specs) {
				t.Errorf("read back %d specs, want %d", len(back.Specs), len(tt.r.Specs))
			}
			data, err := os.ReadFile(filepath.Join(dir, FileJUnit))
			if err != nil {
				t.Fatal(err)
			}
			var x xSuites
			if err := xml.Unmarshal(data, &x); err != nil {
				t.Errorf("junit.xml does not parse: %v", err)
			}
			har, err := os.ReadFile(filepath.Join(dir, FileHAR))
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(har) {
				t.Errorf("exchanges.har is not valid JSON")
			}
		})
	}
}
