package reports

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// Redact returns a copy of r with every secret the writers can recognise
// removed; r is not modified. The writers call it themselves; a console
// printing failure messages from r should print from Redact(r) too.
//
// Exchanges should arrive redacted already; the writers redact again so
// that a careless producer cannot leak a token into a file (see
// [transcript.Redact]). Secret values found in the exchanges (a token, a
// password the target echoed) are then scrubbed from all the run's text,
// such as a failure message quoting them.
func Redact(r *Results) *Results {
	out := *r
	found := map[string]bool{}
	out.Specs = make([]Spec, len(r.Specs))
	for i, s := range r.Specs {
		if s.Exchanges != nil {
			ex := make([]transcript.Exchange, len(s.Exchanges))
			for j, e := range s.Exchanges {
				ex[j] = transcript.RedactCollect(e, found)
			}
			s.Exchanges = ex
		}
		out.Specs[i] = s
	}
	for i := range out.Specs {
		if f := out.Specs[i].Failure; f != nil {
			cp := *f
			cp.Message = redactQuotedPassword(cp.Message, found)
			out.Specs[i].Failure = &cp
		}
	}
	scrub := scrubber(found)
	out.Run.Target = scrub(transcript.RedactURL(r.Run.Target))
	out.Run.Interrupted = scrub(transcript.RedactText(r.Run.Interrupted))
	if r.Run.Refused != nil {
		out.Run.Refused = make([]string, len(r.Run.Refused))
		for i, l := range r.Run.Refused {
			out.Run.Refused[i] = scrub(transcript.RedactText(l))
		}
	}
	for i := range out.Specs {
		s := &out.Specs[i]
		s.Name = scrub(transcript.RedactText(s.Name))
		s.SkipReason = scrub(transcript.RedactText(s.SkipReason))
		if s.Failure != nil {
			f := *s.Failure // already a copy
			f.Message = scrub(transcript.RedactText(f.Message))
			f.Cause = scrub(transcript.RedactText(f.Cause))
			s.Failure = &f
		}
		if len(found) == 0 {
			continue
		}
		for j := range s.Exchanges {
			e := &s.Exchanges[j]
			e.URL = scrub(e.URL)
			e.RequestBody = scrub(e.RequestBody)
			e.ResponseBody = scrub(e.ResponseBody)
			e.Error = scrub(e.Error)
			e.RequestHeader = scrubHeader(e.RequestHeader, scrub)
			e.ResponseHeader = scrubHeader(e.ResponseHeader, scrub)
		}
	}
	return &out
}

// scrubber returns a function replacing every secret value by
// [transcript.Redacted], longest first so that a value containing another is
// replaced whole.
func scrubber(secrets map[string]bool) func(string) string {
	if len(secrets) == 0 {
		return func(s string) string { return s }
	}
	vals := make([]string, 0, len(secrets))
	for v := range secrets {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool {
		if len(vals[i]) != len(vals[j]) {
			return len(vals[i]) > len(vals[j])
		}
		return vals[i] < vals[j]
	})
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, transcript.Redacted)
	}
	rep := strings.NewReplacer(pairs...)
	return rep.Replace
}

func scrubHeader(h map[string][]string, scrub func(string) string) map[string][]string {
	for name, values := range h {
		for i, v := range values {
			values[i] = scrub(v)
		}
		h[name] = values
	}
	return h
}

// quotedValue is a line value that is one quoted string.
var quotedValue = regexp.MustCompile(`^"(?:[^"\\]|\\.)*"$`)

// redactQuotedPassword handles the suites' message format: when the
// "expected:" line is about a password, an "actual:" or "body:" line that is
// one quoted string is the password the target returned. It is replaced,
// and added to found so that it is scrubbed everywhere else too.
func redactQuotedPassword(msg string, found map[string]bool) string {
	if !strings.Contains(strings.ToLower(ParseFailure(msg).Expected), "password") {
		return msg
	}
	lines := strings.Split(msg, "\n")
	for i, line := range lines {
		key, val, ok := strings.Cut(line, ":")
		k := strings.ToLower(strings.TrimSpace(key))
		if !ok || (k != "actual" && k != "body") {
			continue
		}
		v := strings.TrimSpace(val)
		if !quotedValue.MatchString(v) || v == `"`+transcript.Redacted+`"` {
			continue
		}
		if unq, err := strconv.Unquote(v); err == nil && len(unq) >= transcript.MinSecretLen {
			found[unq] = true
		}
		lines[i] = key + ":" + strings.Replace(val, v, `"`+transcript.Redacted+`"`, 1)
	}
	return strings.Join(lines, "\n")
}
