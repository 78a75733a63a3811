package simulator

import (
	"sync"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// Recorder keeps the exchanges reported to its [Recorder.Hook]. It is safe
// for concurrent use; the zero value is ready.
type Recorder struct {
	mu  sync.Mutex
	exs []transcript.Exchange
}

// Hook returns [Recorder.Record] as a hook to pass to [Options].Hook or
// [Client.WithHook].
func (r *Recorder) Hook() transcript.Hook { return r.Record }

// Record appends ex; it has the signature of a transcript.Hook.
func (r *Recorder) Record(ex transcript.Exchange) {
	r.mu.Lock()
	r.exs = append(r.exs, ex)
	r.mu.Unlock()
}

// Exchanges returns a copy of the exchanges recorded so far, in the order
// they completed.
func (r *Recorder) Exchanges() []transcript.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]transcript.Exchange(nil), r.exs...)
}

// Reset forgets every recorded exchange.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.exs = nil
	r.mu.Unlock()
}
