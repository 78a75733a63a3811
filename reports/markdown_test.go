package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestMdEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a | b", `a \| b`},
		{"line1\nline2\r\nline3", "line1 line2 line3"},
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{"**bold** _it_ [link](x)", `\*\*bold\*\* \_it\_ \[link\](x)`},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := mdEscape(tt.in); got != tt.want {
			t.Errorf("mdEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// tableRows returns the data rows of the markdown tables following heading.
func tableRows(md, heading string) []string {
	_, rest, ok := strings.Cut(md, heading)
	if !ok {
		return nil
	}
	var rows []string
	for i, line := range strings.Split(rest, "\n")[1:] {
		if i == 0 && line == "" {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		rows = append(rows, line)
	}
	if len(rows) < 2 {
		return nil
	}
	return rows[2:] // header and delimiter rows
}

// cells splits a GFM table row on unescaped pipes.
func cells(row string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row):
			cur.WriteByte(row[i])
			cur.WriteByte(row[i+1])
			i++
		case row[i] == '|':
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	return out[1:] // leading pipe
}

func TestWriteMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, failingRun()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	if !strings.HasPrefix(md, "## ❌ Not conformant: 6 MUST failures, 1 SHOULD failure\n") {
		t.Errorf("verdict line wrong:\n%s", md)
	}
	rows := tableRows(md, "### Failures (6, 3 root causes)")
	if len(rows) != 6 {
		t.Fatalf("failures table has %d rows, want 6:\n%s", len(rows), md)
	}
	for _, row := range rows {
		if c := cells(row); len(c) != 4 {
			t.Errorf("row has %d cells, want 4: %s", len(c), row)
		}
	}
	if !strings.Contains(md, `Error responses use the SCIM error schema \| with pipes`) {
		t.Errorf("pipe in spec name not escaped:\n%s", md)
	}
	if strings.Contains(md, "<html>") {
		t.Errorf("raw HTML from the target reached the summary:\n%s", md)
	}
	if rows := tableRows(md, "### Warnings (1)"); len(rows) != 1 {
		t.Errorf("warnings table has %d rows, want 1", len(rows))
	}
	if !strings.Contains(md, "| **All** | **15** | **7** | **6** | **1** | **1** |") {
		t.Errorf("counts row missing:\n%s", md)
	}
}

func TestWriteMarkdownCapsRows(t *testing.T) {
	tests := []struct {
		failed   int
		wantRows int
		wantMore string
	}{
		{MaxMarkdownRows, MaxMarkdownRows, ""},
		{MaxMarkdownRows + 7, MaxMarkdownRows, "_and 7 more — see report.html_"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.failed), func(t *testing.T) {
			r := &Results{Run: Run{Profile: "rfc"}}
			for i := range tt.failed {
				r.Specs = append(r.Specs, Spec{Area: "users", Name: fmt.Sprintf("spec %d", i), Level: LevelMust, State: StateFailed,
					Failure: &Failure{Message: fmt.Sprintf("boom %d\nsecond line", i)}})
			}
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, r); err != nil {
				t.Fatal(err)
			}
			md := buf.String()
			if rows := tableRows(md, fmt.Sprintf("### Failures (%d)", tt.failed)); len(rows) != tt.wantRows {
				t.Errorf("got %d rows, want %d", len(rows), tt.wantRows)
			}
			if tt.wantMore != "" && !strings.Contains(md, tt.wantMore) {
				t.Errorf("missing %q", tt.wantMore)
			}
			if tt.wantMore == "" && strings.Contains(md, "more — see") {
				t.Errorf("unexpected 'and N more'")
			}
			if strings.Contains(md, "second line") {
				t.Errorf("reason should be one line")
			}
		})
	}
}
