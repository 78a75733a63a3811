package reports

import (
	"github.com/scimtest/scimtest/simulator/transcript"
)

// redacted returns a deep enough copy of r with every secret the writers can
// recognise removed. Exchanges should arrive redacted already; the writers
// redact again so that a careless producer cannot leak a token into a file
// (see [transcript.Redact]).
func redacted(r *Results) *Results {
	out := *r
	out.Run.Target = transcript.RedactURL(r.Run.Target)
	out.Run.Interrupted = transcript.RedactText(r.Run.Interrupted)
	out.Specs = make([]Spec, len(r.Specs))
	for i, s := range r.Specs {
		s.Name = transcript.RedactText(s.Name)
		s.SkipReason = transcript.RedactText(s.SkipReason)
		if s.Failure != nil {
			f := *s.Failure
			f.Message = transcript.RedactText(f.Message)
			f.Cause = transcript.RedactText(f.Cause)
			s.Failure = &f
		}
		if s.Exchanges != nil {
			ex := make([]transcript.Exchange, len(s.Exchanges))
			for j, e := range s.Exchanges {
				ex[j] = transcript.Redact(e)
			}
			s.Exchanges = ex
		}
		out.Specs[i] = s
	}
	return &out
}
