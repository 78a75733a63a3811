package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// JUnit XML in the shape GitHub Actions, GitLab and Jenkins read (the
// "common" JUnit schema): testsuites > testsuite (one per area) > testcase
// (one per spec).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes junit.xml: one testsuite per area, one testcase per spec
// (classname = area, name = spec text). A failed spec carries a <failure>
// with its message and its exchanges in <system-out>; a skipped spec carries
// <skipped> with the reason. A warning (a SHOULD/MAY failure in a non-strict
// run) is a passing testcase whose system-out starts with "WARNING"; in a
// strict run it is a failure, since the run fails on it.
func WriteJUnit(w io.Writer, r *Results) error {
	return writeJUnit(w, Redact(r))
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}

func writeJUnit(w io.Writer, r *Results) error {
	byArea := map[string]*junitSuite{}
	var areas []string
	props := runProperties(r)
	timestamp := ""
	if !r.Run.Started.IsZero() {
		timestamp = r.Run.Started.UTC().Format("2006-01-02T15:04:05")
	}
	durations := map[string]time.Duration{}
	for _, s := range r.Specs {
		area := s.Area
		if area == "" {
			area = "other"
		}
		suite := byArea[area]
		if suite == nil {
			suite = &junitSuite{Name: area, Timestamp: timestamp, Properties: props}
			byArea[area] = suite
			areas = append(areas, area)
		}
		c := junitCase{Classname: area, Name: s.Name, Time: seconds(s.Duration)}
		durations[area] += s.Duration
		suite.Tests++
		switch {
		case s.State == StateFailed || (s.State == StateWarning && r.Run.Strict):
			suite.Failures++
			c.Failure = junitFailureOf(r, s)
			c.SystemOut = exchangesText(s)
		case s.State == StateWarning:
			msg := ""
			if s.Failure != nil {
				msg = s.Failure.Message
			}
			c.SystemOut = "WARNING (" + s.Level + ", does not fail a non-strict run): " + msg + "\n" + requirementText(r, s) + "\n" + exchangesText(s)
		case s.State == StateSkipped:
			suite.Skipped++
			c.Skipped = &junitSkipped{Message: s.SkipReason}
		case s.State == StatePassed:
		default:
			// An unknown state is not a pass: count it as an error so CI shows it.
			suite.Errors++
			c.Failure = &junitFailure{Message: "unknown spec state " + s.State, Type: "error"}
		}
		suite.Cases = append(suite.Cases, c)
	}
	sort.Strings(areas)
	out := junitSuites{Name: "scimtest " + r.Run.Profile, Time: seconds(r.Duration())}
	for _, a := range areas {
		s := byArea[a]
		s.Time = seconds(durations[a])
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, *s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit.xml: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write junit.xml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write junit.xml: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit.xml: %w", err)
	}
	return nil
}

func junitFailureOf(r *Results, s Spec) *junitFailure {
	f := &junitFailure{Type: s.Level}
	if s.Failure != nil {
		f.Message = Truncate(ParseFailure(s.Failure.Message).Reason(), 500)
		f.Text = s.Failure.Message
		if s.Failure.Cause != "" {
			f.Text = "Cause: " + s.Failure.Cause + "\n\n" + f.Text
		}
		if s.Failure.Location != "" {
			f.Text += "\nat " + s.Failure.Location
		}
	}
	if req := requirementText(r, s); req != "" {
		f.Text += "\n\n" + req
	}
	return f
}

// requirementText lists the spec's requirements with their text.
func requirementText(r *Results, s Spec) string {
	var b strings.Builder
	for _, id := range s.Requirements {
		b.WriteString(id)
		if req, ok := r.Run.Requirements[id]; ok {
			fmt.Fprintf(&b, " (%s, %s): %s", req.Section, req.Level, req.Text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func exchangesText(s Spec) string {
	var b strings.Builder
	for _, e := range s.Exchanges {
		b.WriteString(viewExchange(e).text())
	}
	return b.String()
}

// runProperties are the run's metadata, repeated in every testsuite because
// the common schema allows properties only there.
func runProperties(r *Results) []junitProperty {
	p := []junitProperty{
		{"target", r.Run.Target},
		{"profile", r.Run.Profile},
		{"seed", fmt.Sprint(r.Run.Seed)},
		{"runId", r.Run.RunID},
		{"version", r.Run.Version},
		{"strict", fmt.Sprint(r.Run.Strict)},
		{"conformant", fmt.Sprint(r.Run.Conformant)},
	}
	if r.Run.LabelFilter != "" {
		p = append(p, junitProperty{"labelFilter", r.Run.LabelFilter})
	}
	if r.Run.Interrupted != "" {
		p = append(p, junitProperty{"interrupted", r.Run.Interrupted})
	}
	if t := r.Run.Throttle.Sentence(); t != "" {
		p = append(p, junitProperty{"throttled", t})
	}
	for _, e := range r.Run.Exclusions {
		p = append(p, junitProperty{"excluded", e.Line()})
	}
	for _, l := range r.Run.Refused {
		p = append(p, junitProperty{"refused", l})
	}
	return p
}
