package suites

import (
	"testing"
	"time"
)

func TestBoundSplitsTheTimeout(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		timeout, request, grace time.Duration
	}{
		{30 * time.Minute, 30 * time.Second, 30 * time.Second}, // capped at 30s
		{30 * time.Minute, time.Second, 5 * time.Second},       // at least 5s
		{30 * time.Minute, 4 * time.Second, 8 * time.Second},   // two requests
		{6 * time.Second, time.Second, 3 * time.Second},        // at most half
		{0, 10 * time.Second, 20 * time.Second},                // DefaultTimeout
	}
	for _, tt := range tests {
		b := newBound(now, tt.timeout, tt.request)
		timeout := tt.timeout
		if timeout == 0 {
			timeout = DefaultTimeout
		}
		if b.grace != tt.grace || RunGracePeriod(tt.timeout, tt.request) != tt.grace {
			t.Errorf("timeout %v, request %v: grace %v, want %v", tt.timeout, tt.request, b.grace, tt.grace)
		}
		end := now.Add(timeout)
		if !b.specsEnd.Equal(end.Add(-tt.grace)) || !b.httpEnd.After(b.specsEnd) || !b.httpEnd.Before(end) {
			t.Errorf("timeout %v: specs end %v, requests end %v, run ends %v", tt.timeout, b.specsEnd, b.httpEnd, end)
		}
	}
	b := newBound(now, 6*time.Second, time.Second)
	if d, err := b.specsTimeout(now.Add(time.Second)); err != nil || d != 2*time.Second {
		t.Errorf("specsTimeout 1s in = %v, %v; want 2s", d, err)
	}
	if _, err := b.specsTimeout(now.Add(4 * time.Second)); err == nil {
		t.Error("specsTimeout after the specs' end: no error")
	}
}
