package reference_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// Many clients adding distinct members to one group concurrently end with
// exactly all of them (no lost update in the member fast path).
func TestConcurrentMemberAdds(t *testing.T) {
	h := newHarness(t)
	gid := h.createGroup("crowd").str("id")
	const n = 64
	ids := make([]string, n)
	for i := range ids {
		ids[i] = h.createUser(fmt.Sprint("crowd", i)).str("id")
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			r := h.do("PATCH", "/Groups/"+gid+"?excludedAttributes=members", patchBody(op("add", "members", []any{map[string]any{"value": id}})))
			if r.status != http.StatusOK {
				t.Errorf("add %s: %d %s", id, r.status, r.raw)
			}
		})
	}
	wg.Wait()
	g := h.must(http.StatusOK, "GET", "/Groups/"+gid, nil)
	got := map[string]bool{}
	for _, m := range g.body["members"].([]any) {
		got[m.(map[string]any)["value"].(string)] = true
	}
	for _, id := range ids {
		if !got[id] {
			t.Errorf("member %s lost", id)
		}
	}
	if len(got) != n {
		t.Errorf("%d members, want %d", len(got), n)
	}
}

// Concurrent PATCHes of one user with If-Match lose no update: each either
// succeeds on the version it read or gets 412 and retries.
func TestConcurrentConditionalPatches(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("counter", "nickName", "0").str("id")
	const workers, each = 6, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for w := range workers {
		wg.Go(func() {
			for i := 0; i < each; {
				cur := h.must(http.StatusOK, "GET", "/Users/"+id, nil)
				var n int
				fmt.Sscan(cur.str("nickName"), &n)
				r := h.do("PATCH", "/Users/"+id, patchBody(op("replace", "nickName", fmt.Sprint(n+1))), "If-Match", cur.header.Get("ETag"))
				switch r.status {
				case http.StatusOK:
					i++
				case http.StatusPreconditionFailed:
					mu.Lock()
					conflicts++
					mu.Unlock()
				default:
					t.Errorf("worker %d: %d %s", w, r.status, r.raw)
					return
				}
			}
		})
	}
	wg.Wait()
	final := h.must(http.StatusOK, "GET", "/Users/"+id, nil)
	if final.str("nickName") != fmt.Sprint(workers*each) {
		t.Errorf("nickName = %s, want %d (conflicts %d)", final.str("nickName"), workers*each, conflicts)
	}
	t.Logf("%d conflicts answered 412", conflicts)
}

// Unconditional PATCHes of different attributes never overwrite each other.
func TestConcurrentUnconditionalPatches(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("multi").str("id")
	attrs := []string{"nickName", "title", "profileUrl", "userType", "preferredLanguage", "locale", "timezone", "displayName"}
	var wg sync.WaitGroup
	for _, a := range attrs {
		wg.Go(func() {
			v := "v-" + a
			if a == "profileUrl" {
				v = "https://example.com/" + a
			}
			h.must(http.StatusOK, "PATCH", "/Users/"+id, patchBody(op("add", a, v)))
		})
	}
	wg.Wait()
	r := h.must(http.StatusOK, "GET", "/Users/"+id, nil)
	for _, a := range attrs {
		if r.body[a] == nil {
			t.Errorf("update of %s lost: %s", a, r.raw)
		}
	}
}

// Unconditional PUTs racing on one resource all succeed: without If-Match a
// client must never see 412.
func TestConcurrentUnconditionalPuts(t *testing.T) {
	h := newHarness(t)
	id := h.createUser("racer").str("id")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if r := h.do("PUT", "/Users/"+id, userBody("racer", "title", fmt.Sprint(i))); r.status != http.StatusOK {
				t.Errorf("PUT %d: %d %s", i, r.status, r.raw)
			}
		})
	}
	wg.Wait()
}
