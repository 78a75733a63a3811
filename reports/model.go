// Package reports turns the results of a conformance run into the files a
// reviewer and a CI read: report.html, summary.md, junit.xml, results.json
// and exchanges.har.
//
// The suites produce a [Results] value; everything here is rendered from it,
// so `scimtest report --from results.json` regenerates every file.
package reports

import (
	"time"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// SchemaVersion is the version of the results.json format. Bump it on any
// incompatible change and document the change in docs/results-schema.md.
const SchemaVersion = "1"

// Spec states, as written to results.json.
const (
	StatePassed  = "passed"
	StateFailed  = "failed"
	StateSkipped = "skipped"
	// StateWarning is a failed SHOULD/MAY spec in a non-strict run: reported, but
	// the run is still conformant.
	StateWarning = "warning"
)

// Results is one conformance run: its metadata and every spec.
type Results struct {
	// SchemaVersion is [SchemaVersion] when written by this build.
	SchemaVersion string `json:"schemaVersion"`
	// Run describes the run.
	Run Run `json:"run"`
	// Specs lists every spec in execution order.
	Specs []Spec `json:"specs"`
}

// Run is the metadata of a conformance run.
type Run struct {
	// Target is the base URL tested (no credentials).
	Target string `json:"target"`
	// Embedded is true when the target was the in-process reference provider.
	Embedded bool `json:"embedded,omitempty"`
	// Profile is the --profile the run used (rfc, okta, ...).
	Profile string `json:"profile"`
	// LabelFilter is the effective Ginkgo label filter.
	LabelFilter string `json:"labelFilter,omitempty"`
	// Seed fixes fixture data and spec order.
	Seed int64 `json:"seed"`
	// RunID is carried by every resource the run created.
	RunID string `json:"runId"`
	// Version is the scimtest version.
	Version string `json:"version"`
	// Strict is true when SHOULD failures fail the run.
	Strict bool `json:"strict,omitempty"`
	// Capabilities are what the target advertised (patch, bulk, filter, ...).
	Capabilities map[string]bool `json:"capabilities,omitempty"`
	// Started and Finished bound the run.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Conformant is the verdict: no MUST failure (and no SHOULD failure when strict).
	Conformant bool `json:"conformant"`
	// Interrupted is set when the run was stopped (SIGINT, --timeout).
	Interrupted string `json:"interrupted,omitempty"`
	// TimedOut is true when --timeout stopped the run: the spec running
	// then failed, the specs after it were skipped, cleanup still ran.
	TimedOut bool `json:"timedOut,omitempty"`
	// Throttle is set when the target answered 429 or 503 during the run:
	// how often, and how long the run waited honouring Retry-After.
	Throttle *Throttle `json:"throttle,omitempty"`
	// Exclusions are the specs the configuration excluded, each with its
	// reason and how many specs of this run it excluded (those are skipped
	// with "excluded by configuration: <reason>").
	Exclusions []Exclusion `json:"exclusions,omitempty"`
	// Refused lists, one line each, the requests scimtest refused to send
	// because they would have changed or deleted a resource the run did
	// not create (the spec that made one failed with the same line).
	Refused []string `json:"refused,omitempty"`
	// Requirements maps a requirement ID to its text, for the requirement IDs
	// that appear in Specs (so the report is readable on its own).
	Requirements map[string]Requirement `json:"requirements,omitempty"`
}

// Throttle is how the target's rate limiting slowed a run.
type Throttle struct {
	// Throttled counts the 429 and 503 answers.
	Throttled int `json:"throttled"`
	// Retries counts the requests sent again after one.
	Retries int `json:"retries"`
	// Waited is the total time requests were held back (nanoseconds in
	// JSON, like every duration here).
	Waited time.Duration `json:"waited"`
	// GaveUp counts the requests still throttled after the last retry;
	// the specs that sent them failed.
	GaveUp int `json:"gaveUp"`
	// NotSent counts the requests never sent because the target asked to
	// hold back for longer than they could still wait; the specs that made
	// them failed. Kept apart from GaveUp: the target never answered them.
	NotSent int `json:"notSent,omitempty"`
}

// Exclusion is one spec exclusion of the run's configuration.
type Exclusion struct {
	// Spec is a regular expression on the spec's full name, or a
	// requirement ID (every spec that checks it).
	Spec string `json:"spec"`
	// Reason is why it is excluded, as configured.
	Reason string `json:"reason"`
	// Excluded counts the specs of this run it excluded.
	Excluded int `json:"excluded"`
}

// Requirement is one row of the requirement matrix.
type Requirement struct {
	// ID is the row's ID, e.g. "P-3.3-06".
	ID string `json:"id"`
	// Section is the RFC section, e.g. "7644 §3.3".
	Section string `json:"section"`
	// Keyword is the RFC keyword (MUST, SHOULD, implied, ...).
	Keyword string `json:"keyword"`
	// Level is the level the tester scores it at: MUST, SHOULD or MAY.
	Level string `json:"level"`
	// Text is the requirement's paraphrase.
	Text string `json:"text"`
}

// Spec is the outcome of one spec.
type Spec struct {
	// Area is the spec's area label (users, patch, okta, ...).
	Area string `json:"area"`
	// Name is the spec's full text (containers and leaf).
	Name string `json:"name"`
	// Labels are all the spec's labels.
	Labels []string `json:"labels,omitempty"`
	// Level is MUST, SHOULD or MAY.
	Level string `json:"level"`
	// Requirements are the requirement IDs the spec checks.
	Requirements []string `json:"requirements,omitempty"`
	// State is one of the State constants.
	State string `json:"state"`
	// Duration is how long the spec ran.
	Duration time.Duration `json:"duration"`
	// Failure is set when State is failed or warning.
	Failure *Failure `json:"failure,omitempty"`
	// SkipReason says why a skipped spec did not run.
	SkipReason string `json:"skipReason,omitempty"`
	// Exchanges are the HTTP exchanges the spec made, in order.
	Exchanges []transcript.Exchange `json:"exchanges,omitempty"`
}

// Failure explains why a spec failed.
type Failure struct {
	// Message is the full failure message (requirement, expected vs actual, fragment).
	Message string `json:"message"`
	// Location is file:line of the failed assertion.
	Location string `json:"location,omitempty"`
	// Cause groups failures with one root cause (e.g. "create user failed:
	// 500"); empty when the failure stands alone.
	Cause string `json:"cause,omitempty"`
}
