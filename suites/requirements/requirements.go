// Package requirements is the RFC 7643/7644 requirement matrix the suites
// check, parsed from the embedded requirements.md.
//
// Every spec names the requirement IDs it checks; the matrix gives each ID its
// section, keyword, paraphrase and the level the tester scores it at.
//
// Level mapping (the Kw column, first keyword wins):
//
//   - MUST, MUST NOT, SHALL, SHALL NOT, REQUIRED, implied, stated -> MUST,
//     unless the row says "(warn)" anywhere in Kw or text -> SHOULD.
//   - SHOULD, SHOULD NOT, RECOMMENDED, client-MUST, "(client)" qualified
//     keywords, interop and errata rows -> SHOULD (errata rows in the matrix
//     ask for warnings or information only).
//   - MAY, OPTIONAL -> MAY.
package requirements

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Levels the tester scores requirements at.
const (
	LevelMUST   = "MUST"
	LevelSHOULD = "SHOULD"
	LevelMAY    = "MAY"
)

//go:embed requirements.md
var matrix []byte

//go:embed untestable.tsv
var untestable []byte

//go:embed pending.txt
var pending []byte

// Row is one requirement of the matrix.
type Row struct {
	// ID is the stable identifier, e.g. "P-3.3-06".
	ID string
	// Section is the RFC section, e.g. "7644 §3.3".
	Section string
	// Keyword is the Kw column as written (MUST, implied, SHOULD / must, ...).
	Keyword string
	// Level is LevelMUST, LevelSHOULD or LevelMAY (see the package doc).
	Level string
	// Text is the requirement's paraphrase.
	Text string
	// Check is the black-box check the matrix suggests.
	Check string
	// Needs are the conditions under which the row applies ("patch",
	// "[Groups]", ...); empty means always.
	Needs []string
	// Area is the matrix heading the row sits under.
	Area string
}

// idPattern matches the first cell of a requirement row.
var idPattern = regexp.MustCompile(`^(P|S|E)-[0-9][0-9.]*(-[0-9]+)?$`)

// Parse reads the requirement tables of a matrix in the requirements.md
// format: every table row whose first cell is an ID and that has six cells.
func Parse(r io.Reader) ([]Row, error) {
	var rows []Row
	seen := map[string]bool{}
	area := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(text, "## ") {
			area = strings.TrimSpace(strings.TrimPrefix(text, "## "))
			continue
		}
		if !strings.HasPrefix(text, "| ") {
			continue
		}
		cells := splitRow(text)
		if len(cells) == 0 || !idPattern.MatchString(cells[0]) {
			continue
		}
		if len(cells) != 6 {
			return nil, fmt.Errorf("requirements line %d: row %s has %d cells, want 6", line, cells[0], len(cells))
		}
		if seen[cells[0]] {
			return nil, fmt.Errorf("requirements line %d: duplicate ID %s", line, cells[0])
		}
		seen[cells[0]] = true
		row := Row{ID: cells[0], Section: cells[1], Keyword: cells[2], Text: cells[3], Check: cells[4], Area: area}
		row.Level = LevelOf(row.Keyword, row.Text)
		if n := strings.TrimSpace(cells[5]); n != "-" && n != "" {
			for _, need := range strings.Split(n, ",") {
				row.Needs = append(row.Needs, strings.TrimSpace(need))
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read requirements: %w", err)
	}
	return rows, nil
}

// splitRow splits a Markdown table row into trimmed cells. Pipes inside
// backticks are kept (the check column quotes filters such as `a || b`).
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	var cells []string
	var cur strings.Builder
	inCode := false
	for _, r := range line {
		switch {
		case r == '`':
			inCode = !inCode
			cur.WriteRune(r)
		case r == '|' && !inCode:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// LevelOf maps a Kw cell (and the row text, which may say "(warn)") to the
// level the tester scores the row at; see the package doc for the mapping.
func LevelOf(keyword, text string) string {
	kw := strings.ToLower(strings.TrimSpace(keyword))
	if strings.Contains(kw, "(warn)") || strings.Contains(strings.ToLower(text), "(warn)") {
		return LevelSHOULD
	}
	first := kw
	if i := strings.IndexAny(kw, " /"); i >= 0 {
		first = kw[:i]
	}
	if strings.Contains(kw, "(client)") && (first == "must" || first == "should") {
		return LevelSHOULD
	}
	switch first {
	case "must", "shall", "required", "implied", "stated":
		return LevelMUST
	case "may", "optional":
		return LevelMAY
	default: // should, recommended, client-must, interop, errata
		return LevelSHOULD
	}
}

var (
	loadOnce sync.Once
	loaded   []Row
	byID     map[string]Row
	loadErr  error
)

func load() {
	loaded, loadErr = Parse(bytes.NewReader(matrix))
	byID = make(map[string]Row, len(loaded))
	for _, r := range loaded {
		byID[r.ID] = r
	}
}

// All returns every row of the embedded matrix in document order. The
// embedded file is checked by the package's tests, so an error here means a
// broken build.
func All() ([]Row, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	return append([]Row(nil), loaded...), nil
}

// Lookup returns the row with the given ID.
func Lookup(id string) (Row, bool) {
	loadOnce.Do(load)
	r, ok := byID[id]
	return r, ok
}

// Untestable returns the rows the suites deliberately do not cover, mapped to
// the reason (from the embedded untestable.tsv: "ID<TAB>reason" lines).
func Untestable() (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(string(untestable), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("untestable.tsv line %d: want \"ID<TAB>reason\", got %q", i+1, line)
		}
		out[strings.TrimSpace(id)] = strings.TrimSpace(reason)
	}
	return out, nil
}

// Pending returns the MUST rows not yet covered by any spec (from the
// embedded pending.txt). The list must only shrink: engineers remove IDs as
// their specs cover them.
func Pending() []string {
	var out []string
	for _, line := range strings.Split(string(pending), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}
