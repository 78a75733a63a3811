package reference_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"testing"

	"github.com/scimtest/scimtest/reference"
)

// benchServer drives the handler in-process, without sockets, so the
// numbers measure the provider.
type benchServer struct {
	tb testing.TB
	h  *reference.Server
}

func newBenchServer(tb testing.TB) *benchServer {
	h, err := reference.New(reference.Options{Token: token, MaxResults: 1000})
	if err != nil {
		tb.Fatal(err)
	}
	return &benchServer{tb: tb, h: h}
}

func (s *benchServer) do(method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/scim/v2"+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

func (s *benchServer) must(status int, method, path string, body []byte) []byte {
	rec := s.do(method, path, body)
	if rec.Code != status {
		s.tb.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

func benchUser(i int) []byte {
	b, _ := json.Marshal(userBody(fmt.Sprintf("bench.user.%06d", i), "externalId", fmt.Sprint("ext-", i), "displayName", fmt.Sprint("Bench User ", i)))
	return b
}

func (s *benchServer) populate(n int) []string {
	ids := make([]string, n)
	for i := range n {
		var r struct{ ID string }
		if err := json.Unmarshal(s.must(http.StatusCreated, "POST", "/Users", benchUser(i)), &r); err != nil {
			s.tb.Fatal(err)
		}
		ids[i] = r.ID
	}
	return ids
}

func BenchmarkUserNameEq(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := newBenchServer(b)
			s.populate(n)
			q := "/Users?filter=" + url.QueryEscape(fmt.Sprintf(`userName eq "BENCH.USER.%06d"`, n/2))
			b.ResetTimer()
			for b.Loop() {
				s.must(http.StatusOK, "GET", q, nil)
			}
		})
	}
}

// BenchmarkIndexLookups covers the other indexed equalities: allocations
// per lookup must not grow with the number of stored users.
func BenchmarkIndexLookups(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		s := newBenchServer(b)
		ids := s.populate(n)
		for _, q := range []struct{ name, filter string }{
			{"id", fmt.Sprintf(`id eq "%s"`, ids[n/2])},
			{"externalId", fmt.Sprintf(`externalId eq "ext-%d"`, n/2)},
		} {
			b.Run(fmt.Sprint(q.name, "/", n), func(b *testing.B) {
				path := "/Users?filter=" + url.QueryEscape(q.filter)
				b.ReportAllocs()
				for b.Loop() {
					s.must(http.StatusOK, "GET", path, nil)
				}
			})
		}
	}
}

func BenchmarkCreateUser(b *testing.B) {
	s := newBenchServer(b)
	i := 0
	for b.Loop() {
		s.must(http.StatusCreated, "POST", "/Users", benchUser(i))
		i++
	}
}

// bigGroup creates a group with n members, added in chunks that stay under
// the body size limit.
func bigGroup(b *testing.B, s *benchServer, n int) (gid string, extra string) {
	ids := s.populate(n + 1)
	body, _ := json.Marshal(groupBody("big"))
	var r struct{ ID string }
	if err := json.Unmarshal(s.must(http.StatusCreated, "POST", "/Groups", body), &r); err != nil {
		b.Fatal(err)
	}
	const chunk = 5000
	for from := 0; from < n; from += chunk {
		members := make([]any, 0, chunk)
		for _, id := range ids[from:min(from+chunk, n)] {
			members = append(members, map[string]any{"value": id})
		}
		body, _ := json.Marshal(patchBody(op("add", "members", members)))
		s.must(http.StatusOK, "PATCH", "/Groups/"+r.ID+"?excludedAttributes=members", body)
	}
	return r.ID, ids[n]
}

func BenchmarkPatchAddMember50k(b *testing.B) {
	toggleMember(b, 50000)
}

// toggleMember PATCHes one member into and out of a group of n members,
// alternating add and remove so each iteration changes one member.
func toggleMember(b *testing.B, n int) {
	s := newBenchServer(b)
	gid, extra := bigGroup(b, s, n)
	add, _ := json.Marshal(patchBody(op("add", "members", []any{map[string]any{"value": extra}})))
	remove, _ := json.Marshal(patchBody(op("remove", `members[value eq "`+extra+`"]`, nil)))
	path := "/Groups/" + gid + "?excludedAttributes=members"
	i := 0
	for b.Loop() {
		body := add
		if i%2 == 1 {
			body = remove
		}
		s.must(http.StatusOK, "PATCH", path, body)
		i++
	}
}

// BenchmarkPatchMemberSizes shows a member PATCH costs the same at 1k and
// 100k members: allocations per operation must not grow with the group.
func BenchmarkPatchMemberSizes(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			toggleMember(b, n)
		})
	}
}

func BenchmarkGetGroupExcludingMembers50k(b *testing.B) {
	s := newBenchServer(b)
	gid, _ := bigGroup(b, s, 50000)
	for b.Loop() {
		s.must(http.StatusOK, "GET", "/Groups/"+gid+"?excludedAttributes=members", nil)
	}
}

func BenchmarkFilterCoPage100k(b *testing.B) {
	s := newBenchServer(b)
	s.populate(100000)
	// "user.0" matches every user, "user.05" one in ten.
	for _, sub := range []string{"user.0", "user.05"} {
		b.Run(sub, func(b *testing.B) {
			q := "/Users?count=100&filter=" + url.QueryEscape(`userName co "`+sub+`"`)
			for b.Loop() {
				s.must(http.StatusOK, "GET", q, nil)
			}
		})
	}
}

// BenchmarkMemoryPerUser reports the heap held per stored user next to the
// size of its JSON representation.
func BenchmarkMemoryPerUser(b *testing.B) {
	const n = 20000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := newBenchServer(b)
		s.populate(n)
		runtime.GC()
		runtime.ReadMemStats(&after)
		jsonSize := 0
		for i := range n {
			jsonSize += len(benchUser(i))
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/user")
		b.ReportMetric(float64(jsonSize)/n, "json-bytes/user")
		b.ReportMetric(float64(int(after.HeapAlloc-before.HeapAlloc)-jsonSize)/n, "overhead-bytes/user")
		runtime.KeepAlive(s)
	}
}
