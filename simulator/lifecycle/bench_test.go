package lifecycle_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/scimtest/scimtest/simulator/lifecycle"
)

// BenchmarkOktaLifecycle runs the whole Okta lifecycle against the
// in-process reference at 1k and 10k users (target: 10k in ≤ 15 s on 2
// cores). It reports requests per second and the heap in use after the
// run, which must not grow with the number of requests.
func BenchmarkOktaLifecycle(b *testing.B) {
	for _, users := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			b.ReportAllocs()
			for n := 0; n < b.N; n++ {
				cfg := config("okta", startReference(b))
				cfg.Users, cfg.Groups, cfg.MembersPerGroup, cfg.Concurrency = users, users/100, 50, 8
				s, err := lifecycle.Run(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				if _, failed, _ := s.Totals(); failed > 0 {
					b.Logf("%d operations failed; first: %+v", failed, s.Errors[0])
				}
				b.ReportMetric(s.Throughput(), "req/s")
				b.ReportMetric(float64(s.Requests), "requests")
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap")
			}
		})
	}
}
