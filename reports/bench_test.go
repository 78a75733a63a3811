package reports

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// bigRun is a 400-spec run with 5 exchanges per spec, a tenth of them failed.
func bigRun() *Results {
	r := failingRun()
	r.Specs = nil
	areas := []string{"users", "groups", "patch", "filter", "discovery", "errors", "okta", "entra"}
	for i := range 400 {
		s := Spec{Area: areas[i%len(areas)], Name: fmt.Sprintf("spec %d checks something specific", i), Level: LevelMust,
			Requirements: []string{"P-3.3-01"}, State: StatePassed, Duration: 20 * time.Millisecond}
		for j := range 5 {
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"%d-%d","userName":"scimtest-r1-%d","name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"value":"ada%d@example.com","primary":true}],"password":"%s"}`, i, j, i, i, testPassword)
			s.Exchanges = append(s.Exchanges, exchange(http.MethodPost, "/Users", 201, body, body))
		}
		if i%10 == 0 {
			s.State = StateFailed
			s.Failure = &Failure{Message: "expected 201, got 500", Cause: "create user failed: 500"}
		}
		r.Specs = append(r.Specs, s)
	}
	return r
}

func BenchmarkWriteAll(b *testing.B) {
	r := bigRun()
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteAll(dir, r); err != nil {
			b.Fatal(err)
		}
	}
}
