package lifecycle

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// subBuckets is the number of linear steps inside each power of two: the
// relative error of a percentile is at most 1/subBuckets (6.25%).
const (
	subBits    = 4
	subBuckets = 1 << subBits
	// nBuckets covers every non-negative int64 nanosecond count.
	nBuckets = (64 - subBits + 1) * subBuckets
)

// histogram is a fixed-size log-linear latency histogram. It keeps counts
// only, so memory stays the same whether a run sends ten requests or ten
// million; it is safe for concurrent use without locks.
type histogram struct {
	counts [nBuckets]atomic.Int64
	total  atomic.Int64
}

// bucket maps a duration in nanoseconds to its bucket: values below
// subBuckets get a bucket each, larger ones are split by their top bit and
// the subBits bits below it.
func bucket(ns int64) int {
	if ns < 0 {
		ns = 0
	}
	v := uint64(ns)
	if v < subBuckets {
		return int(v)
	}
	exp := bits.Len64(v) - subBits // ≥ 1
	return exp*subBuckets + int(v>>(uint(exp)-1))&(subBuckets-1)
}

// bucketUpper is the largest value that falls in bucket b.
func bucketUpper(b int) int64 {
	if b < subBuckets {
		return int64(b)
	}
	exp := b / subBuckets
	sub := b % subBuckets
	shift := uint(exp) - 1
	lower := (uint64(subBuckets) | uint64(sub)) << shift
	upper := lower + (uint64(1) << shift) - 1
	if upper > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(upper)
}

// observe records one duration.
func (h *histogram) observe(d time.Duration) {
	h.counts[bucket(int64(d))].Add(1)
	h.total.Add(1)
}

// count is the number of observations.
func (h *histogram) count() int64 { return h.total.Load() }

// quantile returns an upper bound of the q-quantile (0 < q ≤ 1), accurate
// to the bucket width; 0 when nothing was observed.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for b := range h.counts {
		seen += h.counts[b].Load()
		if seen >= rank {
			return time.Duration(bucketUpper(b))
		}
	}
	return time.Duration(bucketUpper(nBuckets - 1))
}
