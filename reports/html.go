package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

//go:embed report.html.tmpl
var htmlTemplateText string

// htmlTemplate is parsed once; html/template escapes everything the target
// sent for the context it lands in.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"lower":    strings.ToLower,
	"exchange": exchangeArgs,
}).Parse(htmlTemplateText))

// exchangeArg is what the "exchange" template renders: one exchange, shown
// expanded or not.
type exchangeArg struct {
	E    exchangeView
	Open bool
}

func exchangeArgs(e any, open bool) (exchangeArg, error) {
	switch v := e.(type) {
	case exchangeView:
		return exchangeArg{v, open}, nil
	case *exchangeView:
		if v != nil {
			return exchangeArg{*v, open}, nil
		}
	}
	return exchangeArg{}, fmt.Errorf("exchange: unexpected %T", e)
}

// WriteHTML writes report.html: one self-contained page (inline CSS and
// script, no network) with the verdict, the run's metadata, coverage per area
// and level, failures grouped by root cause with their requirements and
// exchanges, then warnings, passing and skipped specs.
func WriteHTML(w io.Writer, r *Results) error {
	return writeHTML(w, Redact(r))
}

func writeHTML(w io.Writer, r *Results) error {
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, newHTMLView(r)); err != nil {
		return fmt.Errorf("render report.html: %w", err)
	}
	if _, err := w.Write(visibleControls(buf.Bytes())); err != nil {
		return fmt.Errorf("write report.html: %w", err)
	}
	return nil
}

// visibleControls replaces the C0 control bytes a target may put in a body
// (terminal colour codes, NULs) with their Unicode control pictures ("␛"),
// except tab and line breaks: html/template escapes markup but passes them
// through, and HTML forbids them. Markup itself never holds them, so the
// whole rendered page can be rewritten.
func visibleControls(b []byte) []byte {
	var out []byte
	for i, c := range b {
		if (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\r' {
			if out != nil {
				out = append(out, c)
			}
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(b)+64), b[:i]...)
		}
		pic := rune(0x2400) + rune(c)
		if c == 0x7f {
			pic = 0x2421
		}
		out = utf8.AppendRune(out, pic)
	}
	if out == nil {
		return b
	}
	return out
}

type htmlView struct {
	Run          Run
	Throttled    string
	Counts       Counts
	Verdict      string
	Duration     string
	Started      string
	Capabilities []capabilityView
	Areas        []tallyRow
	Levels       []tallyRow
	Failures     []groupView
	Warnings     []groupView
	Passed       []specView
	Skipped      []specView
	AreaNames    []string
	LevelNames   []string
}

type capabilityView struct {
	Name string
	On   bool
}

type tallyRow struct {
	Name string
	Tally
}

type groupView struct {
	Cause string
	// Shared is true when more than one spec failed of this cause.
	Shared bool
	// Evidence is the failing exchange the shared cause shows once, above
	// its specs; nil when the specs have none.
	Evidence *exchangeView
	Specs    []specView
}

type requirementView struct {
	ID string
	Requirement
	Known bool
}

type specView struct {
	Anchor       string
	Name         string
	Area         string
	Level        string
	State        string
	Labels       []string
	Requirements []requirementView
	Message      string
	Location     string
	SkipReason   string
	Duration     string
	Exchanges    []exchangeView
	// FirstFailing is the index of the exchange the assertion judged, shown
	// open; -1 for none.
	FirstFailing int
	// Detail is the failure message taken apart, for expected vs actual.
	Detail FailureDetail
	// Search is the text the search box matches, lower case.
	Search string
	// Open shows the spec expanded: a failure standing alone is, a spec
	// beneath a shared root cause is collapsed so the cause reads once.
	Open bool
}

func newHTMLView(r *Results) htmlView {
	c := r.Counts()
	v := htmlView{
		Run:        r.Run,
		Counts:     c,
		Verdict:    Verdict(r, c),
		Throttled:  r.Run.Throttle.Sentence(),
		Duration:   FormatDuration(r.Duration()),
		AreaNames:  c.Areas(),
		LevelNames: c.Levels(),
	}
	if !r.Run.Started.IsZero() {
		v.Started = r.Run.Started.UTC().Format(time.RFC3339)
	}
	for name, on := range r.Run.Capabilities {
		v.Capabilities = append(v.Capabilities, capabilityView{name, on})
	}
	sort.Slice(v.Capabilities, func(i, j int) bool { return v.Capabilities[i].Name < v.Capabilities[j].Name })
	for _, a := range v.AreaNames {
		v.Areas = append(v.Areas, tallyRow{a, c.ByArea[a]})
	}
	for _, l := range v.LevelNames {
		v.Levels = append(v.Levels, tallyRow{l, c.ByLevel[l]})
	}
	n := 0
	spec := func(s Spec) specView {
		n++
		return newSpecView(r, s, n)
	}
	groups := func(gs []FailureGroup) []groupView {
		out := make([]groupView, 0, len(gs))
		for _, g := range gs {
			gv := groupView{Cause: g.Cause, Shared: len(g.Specs) > 1}
			for _, s := range g.Specs {
				sv := spec(s)
				sv.Open = !gv.Shared
				if gv.Shared && gv.Evidence == nil && sv.FirstFailing >= 0 {
					ev := sv.Exchanges[sv.FirstFailing]
					gv.Evidence = &ev
				}
				gv.Specs = append(gv.Specs, sv)
			}
			out = append(out, gv)
		}
		return out
	}
	v.Failures = groups(r.Failures())
	v.Warnings = groups(r.Warnings())
	for _, s := range r.Specs {
		switch s.State {
		case StatePassed:
			v.Passed = append(v.Passed, spec(s))
		case StateSkipped:
			v.Skipped = append(v.Skipped, spec(s))
		}
	}
	return v
}

func newSpecView(r *Results, s Spec, n int) specView {
	sv := specView{
		Anchor:       fmt.Sprintf("spec-%d", n),
		Name:         s.Name,
		Area:         s.Area,
		Level:        s.Level,
		State:        s.State,
		Labels:       s.Labels,
		SkipReason:   s.SkipReason,
		Duration:     FormatDuration(s.Duration),
		FirstFailing: -1,
	}
	search := []string{s.Name, s.Area, s.Level, s.State, s.SkipReason}
	for _, id := range s.Requirements {
		req, ok := r.Run.Requirements[id]
		sv.Requirements = append(sv.Requirements, requirementView{ID: id, Requirement: req, Known: ok})
		search = append(search, id, req.Text)
	}
	if s.Failure != nil {
		sv.Message = s.Failure.Message
		sv.Detail = ParseFailure(s.Failure.Message)
		sv.Location = s.Failure.Location
		search = append(search, s.Failure.Message, s.Failure.Cause)
	}
	for _, e := range s.Exchanges {
		sv.Exchanges = append(sv.Exchanges, viewExchange(e))
	}
	if s.State == StateFailed || s.State == StateWarning {
		sv.FirstFailing = judgedExchange(s)
		if sv.FirstFailing < 0 && len(sv.Exchanges) > 0 {
			// No error status and no request line: the last exchange is the
			// best guess at what the assertion judged.
			sv.FirstFailing = len(sv.Exchanges) - 1
		}
		if sv.FirstFailing >= 0 {
			sv.Exchanges[sv.FirstFailing].Judged = true
		}
	}
	sv.Search = strings.ToLower(strings.Join(search, " "))
	return sv
}
