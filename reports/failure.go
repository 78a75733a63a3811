package reports

import (
	"net/url"
	"strings"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// FailureDetail is a failure message taken apart. The suites write messages
// as a first line naming the requirement, then indented "request:",
// "expected:", "actual:" and "body:" lines; other messages (a panic, a
// timeout) only have Summary.
type FailureDetail struct {
	// Summary is the message's first line.
	Summary string
	// Request is the request line the assertion judged ("POST /Users").
	Request string
	// Expected and Actual say what the requirement wants and what came back.
	Expected string
	Actual   string
}

// ParseFailure takes a failure message apart; it never fails, fields it
// cannot find stay empty.
func ParseFailure(msg string) FailureDetail {
	d := FailureDetail{Summary: FirstLine(msg)}
	for line := range strings.SplitSeq(msg, "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.ToLower(key) {
		case "request":
			if d.Request == "" {
				d.Request = val
			}
		case "expected":
			if d.Expected == "" {
				d.Expected = val
			}
		case "actual":
			if d.Actual == "" {
				d.Actual = val
			}
		}
	}
	return d
}

// Reason is the failure in one line: "POST /Users: expected status 409,
// actual status 400" when the message has expected and actual, else its
// summary.
func (d FailureDetail) Reason() string {
	if d.Expected == "" || d.Actual == "" {
		return d.Summary
	}
	r := "expected " + d.Expected + ", actual " + d.Actual
	if d.Request != "" {
		r = d.Request + ": " + r
	}
	return r
}

// judgedExchange returns the index of the exchange a failed spec's
// assertion judged: the last one matching the message's request line, else
// the first with an error status or no response, else -1.
func judgedExchange(s Spec) int {
	if s.Failure != nil {
		if method, target, ok := strings.Cut(ParseFailure(s.Failure.Message).Request, " "); ok {
			for i := len(s.Exchanges) - 1; i >= 0; i-- {
				e := s.Exchanges[i]
				if strings.EqualFold(e.Method, method) && requestMatches(e.URL, target) {
					return i
				}
			}
		}
	}
	for i, e := range s.Exchanges {
		if e.Status == 0 || e.Status >= 400 {
			return i
		}
	}
	return -1
}

// requestMatches reports whether a recorded URL is the target of a request
// line, which the suites write relative to the base URL ("/Users/123?x=1").
func requestMatches(rawURL, target string) bool {
	target, _, _ = strings.Cut(strings.TrimSpace(target), " ")
	tPath, _, _ := strings.Cut(target, "?")
	if tPath == "" {
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	return strings.HasSuffix(u.Path, tPath) || strings.HasSuffix(u.EscapedPath(), tPath)
}

// exchangeAt returns s.Exchanges[i] when i is a valid index.
func exchangeAt(s Spec, i int) (transcript.Exchange, bool) {
	if i < 0 || i >= len(s.Exchanges) {
		return transcript.Exchange{}, false
	}
	return s.Exchanges[i], true
}
