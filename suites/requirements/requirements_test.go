package requirements

import (
	"strings"
	"testing"
)

func TestEmbeddedMatrixParses(t *testing.T) {
	rows, err := All()
	if err != nil {
		t.Fatal(err)
	}
	// The matrix's own "Row count per area" table says 339 rows.
	if len(rows) != 339 {
		t.Fatalf("parsed %d rows, the matrix declares 339", len(rows))
	}
	for _, r := range rows {
		if r.Section == "" || r.Keyword == "" || r.Text == "" || r.Level == "" || r.Area == "" {
			t.Errorf("row %s has an empty field: %+v", r.ID, r)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		id      string
		level   string
		needs   string
		section string
	}{
		{"P-3.3-06", LevelMUST, "", "7644 §3.3"},
		{"P-3.8-04", LevelSHOULD, "", "7644 §3.8"},
		{"P-3.12-05", LevelMAY, "", "7644 §3.12"},
		{"S-8.7-01", LevelSHOULD, "", "7643 §8.7.1"},
		{"P-3.4.2.3-01", LevelMUST, "sort,filter", "§3.4.2.3"},
		{"S-4.2-06", LevelMUST, "[Groups],filter", "7644 §3.6, §3.4"},
	}
	for _, tt := range tests {
		r, ok := Lookup(tt.id)
		if !ok {
			t.Errorf("Lookup(%s): not found", tt.id)
			continue
		}
		if r.Level != tt.level || strings.Join(r.Needs, ",") != tt.needs || r.Section != tt.section {
			t.Errorf("Lookup(%s) = level %s needs %q section %q, want %s %q %q", tt.id, r.Level, strings.Join(r.Needs, ","), r.Section, tt.level, tt.needs, tt.section)
		}
	}
	if _, ok := Lookup("P-99-01"); ok {
		t.Error("Lookup(P-99-01) found a row that does not exist")
	}
}

func TestLevelOf(t *testing.T) {
	tests := []struct{ kw, text, want string }{
		{"MUST", "", LevelMUST},
		{"SHALL NOT", "", LevelMUST},
		{"REQUIRED (if totalResults > 0)", "", LevelMUST},
		{"implied", "", LevelMUST},
		{"implied (warn)", "", LevelSHOULD},
		{"implied", "is interpreted (warn)", LevelSHOULD},
		{"stated (case-insensitive)", "", LevelMUST},
		{"implied / SHOULD", "", LevelMUST},
		{"SHOULD / must", "", LevelSHOULD},
		{"RECOMMENDED", "", LevelSHOULD},
		{"client-MUST", "", LevelSHOULD},
		{"must (client)", "", LevelSHOULD},
		{"interop", "", LevelSHOULD},
		{"errata", "", LevelSHOULD},
		{"MAY / MUST", "", LevelMAY},
		{"MAY (client)", "", LevelMAY},
		{"OPTIONAL", "", LevelMAY},
	}
	for _, tt := range tests {
		if got := LevelOf(tt.kw, tt.text); got != tt.want {
			t.Errorf("LevelOf(%q, %q) = %s, want %s", tt.kw, tt.text, got, tt.want)
		}
	}
}

func TestParseRejectsBrokenRows(t *testing.T) {
	tests := map[string]string{
		"five cells": "| P-1-01 | 7644 §1 | MUST | text | check |\n",
		"duplicate":  "| P-1-01 | s | MUST | t | c | - |\n| P-1-01 | s | MUST | t | c | - |\n",
	}
	for name, in := range tests {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("%s: Parse accepted %q", name, in)
		}
	}
}

func TestSplitRowKeepsPipesInCode(t *testing.T) {
	got := splitRow("| a | `x || y` | c |")
	if len(got) != 3 || got[1] != "`x || y`" {
		t.Fatalf("splitRow = %q", got)
	}
}

func TestUntestableAndPendingNameRealRows(t *testing.T) {
	un, err := Untestable()
	if err != nil {
		t.Fatal(err)
	}
	for id := range un {
		if _, ok := Lookup(id); !ok {
			t.Errorf("untestable.tsv names unknown ID %s", id)
		}
	}
	for _, id := range Pending() {
		r, ok := Lookup(id)
		if !ok {
			t.Errorf("pending.txt names unknown ID %s", id)
			continue
		}
		if r.Level != LevelMUST {
			t.Errorf("pending.txt lists %s, which is %s (only MUST rows belong there)", id, r.Level)
		}
		if _, both := un[id]; both {
			t.Errorf("%s is both pending and untestable", id)
		}
	}
}

// initialPending is the size of pending.txt when it was created; the list may
// only shrink, so it must never grow past this.
const initialPending = 181

func TestPendingOnlyShrinks(t *testing.T) {
	if n := len(Pending()); n > initialPending {
		t.Errorf("pending.txt lists %d IDs, more than the %d it started with: cover rows instead of adding them", n, initialPending)
	}
}
