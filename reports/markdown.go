package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// MaxMarkdownRows caps the failures table of summary.md so that it stays
// readable as a pull-request comment; the rest is counted in "and N more".
const MaxMarkdownRows = 50

// WriteMarkdown writes summary.md: GitHub-flavoured Markdown for
// $GITHUB_STEP_SUMMARY or a pull-request comment with the verdict, the counts
// and a table of failures (then warnings), capped at [MaxMarkdownRows].
func WriteMarkdown(w io.Writer, r *Results) error {
	return writeMarkdown(w, Redact(r))
}

func writeMarkdown(w io.Writer, r *Results) error {
	bw := bufio.NewWriter(w)
	c := r.Counts()
	fmt.Fprintf(bw, "## %s %s\n\n", verdictIcon(r), mdEscape(Verdict(r, c)))
	fmt.Fprintf(bw, "Target %s · profile %s · seed %d · scimtest %s · %s\n\n",
		mdCode(r.Run.Target), mdCode(r.Run.Profile), r.Run.Seed, mdCode(r.Run.Version), FormatDuration(r.Duration()))
	if r.Run.Interrupted != "" {
		fmt.Fprintf(bw, "> [!WARNING]\n> Run interrupted: %s. Specs that did not run are skipped.\n\n", mdEscape(Truncate(r.Run.Interrupted, 300)))
	}
	if t := r.Run.Throttle.Sentence(); t != "" {
		fmt.Fprintf(bw, "> [!NOTE]\n> %s\n\n", mdEscape(t))
	}
	if len(r.Run.Refused) > 0 {
		fmt.Fprintf(bw, "> [!CAUTION]\n> scimtest refused %s that would have changed data the run did not create:\n", plural(len(r.Run.Refused), "request"))
		for _, l := range r.Run.Refused {
			fmt.Fprintf(bw, "> - %s\n", mdEscape(Truncate(l, 300)))
		}
		bw.WriteString("\n")
	}
	bw.WriteString("| Level | Specs | Passed | Failed | Warnings | Skipped |\n|---|--:|--:|--:|--:|--:|\n")
	for _, l := range c.Levels() {
		t := c.ByLevel[l]
		fmt.Fprintf(bw, "| %s | %d | %d | %d | %d | %d |\n", mdEscape(l), t.Total, t.Passed, t.Failed, t.Warnings, t.Skipped)
	}
	fmt.Fprintf(bw, "| **All** | **%d** | **%d** | **%d** | **%d** | **%d** |\n\n", c.Total, c.Passed, c.Failed, c.Warnings, c.Skipped)

	rows := 0
	more := 0
	table := func(title string, groups []FailureGroup) {
		if len(groups) == 0 {
			return
		}
		n := 0
		for _, g := range groups {
			n += len(g.Specs)
		}
		causes := ""
		if len(groups) < n {
			causes = fmt.Sprintf(", %s", plural(len(groups), "root cause"))
		}
		fmt.Fprintf(bw, "### %s (%d%s)\n\n| Spec | Level | Requirement | Reason |\n|---|---|---|---|\n", title, n, causes)
		for _, g := range groups {
			for _, s := range g.Specs {
				if rows >= MaxMarkdownRows {
					more++
					continue
				}
				rows++
				fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", mdEscape(s.Name), mdEscape(s.Level), mdEscape(strings.Join(s.Requirements, ", ")), mdEscape(oneLineReason(s)))
			}
		}
		bw.WriteString("\n")
	}
	table("Failures", r.Failures())
	table("Warnings", r.Warnings())
	if more > 0 {
		fmt.Fprintf(bw, "_and %d more — see report.html_\n\n", more)
	}
	if rows == 0 && c.Failed == 0 && c.Warnings == 0 {
		bw.WriteString("No failures.\n\n")
	}
	if len(r.Run.Exclusions) > 0 {
		n := r.Run.excluded()
		fmt.Fprintf(bw, "### Excluded by configuration (%s)\n\n| Spec | Reason | Excluded |\n|---|---|--:|\n", plural(n, "spec"))
		for _, e := range r.Run.Exclusions {
			fmt.Fprintf(bw, "| %s | %s | %d |\n", mdCode(e.Spec), mdEscape(e.Reason), e.Excluded)
		}
		bw.WriteString("\n")
	}
	bw.WriteString("Full report with request/response transcripts: `report.html`.\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write summary.md: %w", err)
	}
	return nil
}

// oneLineReason is the reason shown for a spec in a table: the root cause
// the suite named, else expected vs actual, else the message's first line.
func oneLineReason(s Spec) string {
	if s.Failure == nil {
		return ""
	}
	if s.Failure.Cause != "" {
		return Truncate("cause: "+s.Failure.Cause, 200)
	}
	return Truncate(ParseFailure(s.Failure.Message).Reason(), 200)
}

// Verdict is the one-line verdict: "Conformant" or "Not conformant" (timed
// out or interrupted), with the MUST failure and SHOULD warning counts and
// how many specs the configuration excluded.
func Verdict(r *Results, c Counts) string {
	must := c.ByLevel[LevelMust].Failed
	should := c.ByLevel[LevelShould].Failed + c.ByLevel[LevelShould].Warnings
	word := "Conformant"
	if !r.Run.Conformant {
		word = "Not conformant"
	}
	if r.Run.TimedOut {
		word += " (timed out)"
	} else if r.Run.Interrupted != "" {
		word += " (interrupted)"
	}
	excluded := ""
	if n := r.Run.excluded(); n > 0 {
		// An exclusion must never read as a pass: the verdict says it.
		excluded = fmt.Sprintf(", %s excluded by configuration", plural(n, "spec"))
	}
	if c.Ran() == 0 {
		return word + ": no spec ran" + excluded
	}
	return fmt.Sprintf("%s: %s, %s%s", word, plural(must, "MUST failure"), plural(should, "SHOULD failure"), excluded)
}

// excluded counts the specs the run's exclusions kept out.
func (r Run) excluded() int {
	n := 0
	for _, e := range r.Exclusions {
		n += e.Excluded
	}
	return n
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func verdictIcon(r *Results) string {
	if r.Run.Conformant {
		return "✅"
	}
	return "❌"
}

// mdEscaper makes text safe inside a GFM table cell: pipes would end the
// cell, newlines the row, and HTML or Markdown syntax from the target would
// render.
var mdEscaper = strings.NewReplacer(
	"|", `\|`,
	"\r\n", " ",
	"\n", " ",
	"\r", " ",
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	"`", "\\`",
	"*", `\*`,
	"_", `\_`,
	"[", `\[`,
	"]", `\]`,
	"\\", `\\`,
)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// mdCode renders s as inline code; backticks inside cannot be escaped in a
// code span, so they are replaced.
func mdCode(s string) string {
	if s == "" {
		return "—"
	}
	s = strings.NewReplacer("`", "'", "\n", " ", "\r", " ", "|", `\|`).Replace(s)
	return "`" + s + "`"
}
