package suites

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/tidwall/gjson"
)

// Helpers shared by the PATCH, PUT, DELETE, ETag and Bulk specs: building
// PatchOp operations, sending them, and judging what was stored.

// omitted marks an operation member that is left out of the JSON, so
// patchOp can build operations without "value" (and tell that apart from an
// explicit null).
type omitted struct{}

// noValue leaves "value" out of an operation built by patchOp.
var noValue omitted

// patchOp builds one PATCH operation (RFC 7644 §3.5.2); an empty path and
// noValue leave those members out.
func patchOp(op, path string, value any) map[string]any {
	m := map[string]any{"op": op}
	if path != "" {
		m["path"] = path
	}
	if _, skip := value.(omitted); !skip {
		m["value"] = value
	}
	return m
}

// patch sends a PatchOp message holding ops to the resource at p.
func (a *api) patch(ctx SpecContext, p string, ops ...map[string]any) *reply {
	GinkgoHelper()
	return a.send(ctx, http.MethodPatch, p, patchBody(ops...))
}

// patched sends ops to p, requires success (200 with the resource or 204,
// both allowed by RFC 7644 §3.5.2) for requirement id and returns a fresh
// GET of the resource: what counts is what was stored, not what was echoed.
func (a *api) patched(ctx SpecContext, id, p string, ops ...map[string]any) *reply {
	GinkgoHelper()
	r := a.patch(ctx, p, ops...)
	r.expectStatus(id, http.StatusOK, http.StatusNoContent)
	return a.readBack(ctx, p)
}

// patchRefused sends ops to p and requires a 400 refusal with a SCIM error
// body (RFC 7644 §3.5.2: a failed PATCH returns a status and an error) that
// left the resource as before. It returns the refusal for scimType checks.
func (a *api) patchRefused(ctx SpecContext, id, p string, before *reply, ops ...map[string]any) *reply {
	GinkgoHelper()
	r := a.patch(ctx, p, ops...)
	r.expectStatus(id, http.StatusBadRequest)
	r.expectSCIMError("P-3.5.2-13")
	expectUnchanged(id, before, a.readBack(ctx, p))
	return r
}

// expectUnchanged requires after to hold the same resource as before: the
// same JSON values, whatever the key order.
func expectUnchanged(id string, before, after *reply) {
	GinkgoHelper()
	if !sameJSON(before.JSON(), after.JSON()) {
		failReq(id, after, "the resource unchanged: "+fragment(before.JSON()), "it changed", after.JSON())
	}
}

// sameJSON reports whether two JSON documents hold the same values (object
// key order does not matter, RFC 7159 §4).
func sameJSON(x, y gjson.Result) bool {
	var vx, vy any
	if json.Unmarshal([]byte(x.Raw), &vx) != nil || json.Unmarshal([]byte(y.Raw), &vy) != nil {
		return false
	}
	return reflect.DeepEqual(vx, vy)
}

// sameAttr reports whether two attribute values are equal: both absent, or
// the same JSON whatever the key order, with the elements of arrays in any
// order (a multi-valued attribute is a set of values, RFC 7643 §2.4).
func sameAttr(x, y gjson.Result) bool {
	if !x.Exists() || !y.Exists() {
		return x.Exists() == y.Exists()
	}
	if !x.IsArray() || !y.IsArray() {
		return sameJSON(x, y)
	}
	xs, ys := x.Array(), y.Array()
	if len(xs) != len(ys) {
		return false
	}
	used := make([]bool, len(ys))
	for _, e := range xs {
		found := false
		for j, f := range ys {
			if !used[j] && sameJSON(e, f) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// where returns the values of a multi-valued attribute whose sub-attribute
// sub equals want. Sub-attributes such as type and value are caseExact false
// by default (RFC 7643 §2.2), so the comparison ignores case.
func where(list gjson.Result, sub, want string) []gjson.Result {
	var out []gjson.Result
	for _, v := range list.Array() {
		if strings.EqualFold(field(v, sub).String(), want) {
			out = append(out, v)
		}
	}
	return out
}

// primaries counts the values of a multi-valued attribute with primary true.
func primaries(list gjson.Result) int {
	n := 0
	for _, v := range list.Array() {
		if field(v, "primary").Type == gjson.True {
			n++
		}
	}
	return n
}

// values lists the value sub-attribute of each element of a multi-valued
// attribute, for messages and membership checks.
func values(list gjson.Result) []string {
	var out []string
	for _, v := range list.Array() {
		out = append(out, field(v, "value").String())
	}
	return out
}

// sameSet reports whether got and want hold the same strings, in any order
// (multi-valued attributes are unordered, RFC 7643 §2.4).
func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	count := map[string]int{}
	for _, s := range got {
		count[s]++
	}
	for _, s := range want {
		count[s]--
		if count[s] < 0 {
			return false
		}
	}
	return true
}

// lastModified parses meta.lastModified of r (xsd:dateTime, RFC 7643 §3.1).
func lastModified(r *reply) (time.Time, error) {
	s := r.F("meta.lastModified").String()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse meta.lastModified %q: %w", s, err)
	}
	return t, nil
}

// expectModified requires that a successful change moved the resource
// forward (RFC 7643 §3.1): meta.lastModified not earlier than before, and,
// so that a provider with whole-second timestamps is not failed for a fast
// test, either a later lastModified or a new meta.version when it has one.
func expectModified(id string, before, after *reply) {
	GinkgoHelper()
	t0, err0 := lastModified(before)
	t1, err1 := lastModified(after)
	if err0 != nil || err1 != nil {
		failReq(id, after, "meta.lastModified as xsd:dateTime before and after the change", fmt.Sprintf("%v; %v", err0, err1), after.F("meta"))
		return
	}
	after.expect(id, !t1.Before(t0), "meta", "meta.lastModified not earlier than "+t0.Format(time.RFC3339Nano), fragment(after.F("meta.lastModified")))
	v0, v1 := before.F("meta.version"), after.F("meta.version")
	moved := t1.After(t0) || (v0.Exists() && v1.Exists() && v0.String() != v1.String())
	if !v0.Exists() && t1.Equal(t0) && t0.Nanosecond() == 0 {
		// Whole-second timestamps and no version: an equal value cannot be
		// told apart from a change made within the same second.
		moved = true
	}
	after.expect(id, moved, "meta", "a later meta.lastModified (or a new meta.version) after the change, was "+fragment(before.F("meta")), fragment(after.F("meta")))
}
