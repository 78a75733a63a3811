package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

// Parsed JUnit, as a CI would read it.
type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, r *Results) xSuites {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		t.Fatalf("WriteJUnit: %v", err)
	}
	var x xSuites
	if err := xml.Unmarshal(buf.Bytes(), &x); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, buf.String())
	}
	return x
}

func TestWriteJUnit(t *testing.T) {
	tests := []struct {
		name         string
		strict       bool
		wantFailures int
	}{
		{"non-strict: the SHOULD warning passes", false, 6},
		{"strict: the SHOULD warning fails", true, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := failingRun()
			r.Run.Strict = tt.strict
			x := parseJUnit(t, r)
			if x.Tests != len(r.Specs) || x.Failures != tt.wantFailures || x.Skipped != 1 || x.Errors != 0 {
				t.Errorf("totals tests=%d failures=%d skipped=%d errors=%d, want %d/%d/1/0", x.Tests, x.Failures, x.Skipped, x.Errors, len(r.Specs), tt.wantFailures)
			}
			if x.Time != "83.000" {
				t.Errorf("time = %q, want 83.000", x.Time)
			}
			cases, failures, skipped := 0, 0, 0
			for _, s := range x.Suites {
				if len(s.Cases) != s.Tests {
					t.Errorf("suite %s: tests=%d but %d testcases", s.Name, s.Tests, len(s.Cases))
				}
				if len(s.Props) == 0 {
					t.Errorf("suite %s has no properties", s.Name)
				}
				for _, c := range s.Cases {
					cases++
					if c.Classname != s.Name {
						t.Errorf("testcase %q classname %q in suite %q", c.Name, c.Classname, s.Name)
					}
					if c.Failure != nil {
						failures++
						if c.Failure.Message == "" || strings.Contains(c.Failure.Message, "\n") {
							t.Errorf("failure message of %q should be one non-empty line: %q", c.Name, c.Failure.Message)
						}
					}
					if c.Skipped != nil {
						skipped++
						if c.Skipped.Message != "bulk.supported is false in /ServiceProviderConfig" {
							t.Errorf("skip message = %q", c.Skipped.Message)
						}
					}
				}
			}
			if cases != len(r.Specs) || failures != tt.wantFailures || skipped != 1 {
				t.Errorf("counted cases=%d failures=%d skipped=%d", cases, failures, skipped)
			}
		})
	}
}

func TestWriteJUnitFailureDetail(t *testing.T) {
	x := parseJUnit(t, failingRun())
	var found, warning bool
	for _, s := range x.Suites {
		for _, c := range s.Cases {
			switch c.Name {
			case "Users create returns 201 with the created resource":
				found = true
				if c.Classname != "users" || c.Failure == nil || c.Failure.Type != LevelMust {
					t.Fatalf("unexpected testcase %+v", c)
				}
				for _, want := range []string{"Cause: create user failed", "P-3.3-01 (7644 §3.3, MUST): A successful create returns 201", "suites/users.go:88"} {
					if !strings.Contains(c.Failure.Text, want) {
						t.Errorf("failure text lacks %q:\n%s", want, c.Failure.Text)
					}
				}
				for _, want := range []string{"--> POST https://scim.example.com/scim/v2/Users", "<-- 500 Internal Server Error", `"detail": "database unavailable"`} {
					if !strings.Contains(c.SystemOut, want) {
						t.Errorf("system-out lacks %q:\n%s", want, c.SystemOut)
					}
				}
			case "List responses include itemsPerPage":
				warning = true
				if c.Failure != nil || !strings.HasPrefix(c.SystemOut, "WARNING (SHOULD") {
					t.Errorf("warning should pass with a WARNING system-out, got failure=%v out=%q", c.Failure, c.SystemOut)
				}
			}
		}
	}
	if !found || !warning {
		t.Errorf("expected testcases missing (failure %v, warning %v)", found, warning)
	}
}

func TestWriteJUnitInvalidXMLChars(t *testing.T) {
	r := failingRun()
	r.Specs[1].Exchanges[0].ResponseBody = "bad\x00\x1b[31mbytes\xff"
	r.Specs[1].Failure.Message = "nul \x00 here"
	parseJUnit(t, r) // must still parse
}
