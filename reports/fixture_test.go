package reports

import (
	"fmt"
	"net/http"
	"time"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// Secrets a careless recorder let through; no output file may contain them.
const (
	testToken    = "tok-3f9a8c1e7d2b4a6f9e0c5b8a7d6e5f4c"
	testPassword = "Hunter2-ultra-secret-pw"
)

// hostile is a response body fragment that would run in a careless report.
const hostile = `<script>alert(1)</script>`

var t0 = time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)

func hdr(kv ...string) map[string][]string {
	h := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return h
}

// exchange builds an exchange that carries the test secrets the way a
// careless recorder would: the bearer token in Authorization and the password
// in the body.
func exchange(method, path string, status int, reqBody, respBody string) transcript.Exchange {
	return transcript.Exchange{
		Started:        t0.Add(time.Second),
		Duration:       12 * time.Millisecond,
		Method:         method,
		URL:            "https://scim.example.com/scim/v2" + path,
		RequestHeader:  hdr("Authorization", "Bearer "+testToken, "Accept", "application/scim+json", "Content-Type", "application/scim+json"),
		RequestBody:    reqBody,
		Status:         status,
		ResponseHeader: hdr("Content-Type", "application/scim+json", "Set-Cookie", "session="+testToken),
		ResponseBody:   respBody,
	}
}

func createUser(status int, resp string) transcript.Exchange {
	return exchange(http.MethodPost, "/Users", status,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"scimtest-r1-alice","password":"`+testPassword+`","active":true}`,
		resp)
}

const dbDown = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"database unavailable"}`

// failingRun is a realistic run against a provider whose user creation is
// broken: a root cause that fails several specs, a standalone MUST failure
// with a hostile body, a SHOULD warning, skips and passes.
func failingRun() *Results {
	r := &Results{
		SchemaVersion: SchemaVersion,
		Run: Run{
			Target:       "https://scim.example.com/scim/v2",
			Profile:      "okta",
			LabelFilter:  "!bulk",
			Seed:         42,
			RunID:        "r1",
			Version:      "v0.3.0",
			Capabilities: map[string]bool{"patch": true, "filter": true, "bulk": false, "etag": false, "sort": false, "changePassword": false},
			Started:      t0,
			Finished:     t0.Add(83 * time.Second),
			Conformant:   false,
			Requirements: map[string]Requirement{
				"P-3.3-01":     {ID: "P-3.3-01", Section: "7644 §3.3", Keyword: "MUST", Level: LevelMust, Text: "A successful create returns 201 Created with the resource."},
				"P-3.3-06":     {ID: "P-3.3-06", Section: "7644 §3.3", Keyword: "MUST", Level: LevelMust, Text: "A duplicate userName is rejected with 409 and scimType uniqueness."},
				"P-3.4.2.2-01": {ID: "P-3.4.2.2-01", Section: "7644 §3.4.2.2", Keyword: "MUST", Level: LevelMust, Text: "The eq filter compares attribute values."},
				"P-3.5.2-01":   {ID: "P-3.5.2-01", Section: "7644 §3.5.2", Keyword: "MUST", Level: LevelMust, Text: "PATCH applies all operations or none."},
				"P-3.12-01":    {ID: "P-3.12-01", Section: "7644 §3.12", Keyword: "MUST", Level: LevelMust, Text: "Errors carry the SCIM error schema and a status string."},
				"P-3.4.2-05":   {ID: "P-3.4.2-05", Section: "7644 §3.4.2", Keyword: "SHOULD", Level: LevelShould, Text: "A list response should include itemsPerPage."},
				"P-3.7-01":     {ID: "P-3.7-01", Section: "7644 §3.7", Keyword: "MUST", Level: LevelMust, Text: "Bulk operations are processed in order."},
				"S-5-01":       {ID: "S-5-01", Section: "7643 §5", Keyword: "MUST", Level: LevelMust, Text: "ServiceProviderConfig describes the supported features."},
			},
		},
	}
	add := func(s Spec) { r.Specs = append(r.Specs, s) }
	okResp := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"scimtest-r1-alice"}`
	add(Spec{Area: "discovery", Name: "ServiceProviderConfig describes patch, bulk and filter", Level: LevelMust, Requirements: []string{"S-5-01"}, State: StatePassed, Duration: 30 * time.Millisecond,
		Exchanges: []transcript.Exchange{exchange(http.MethodGet, "/ServiceProviderConfig", 200, "", `{"patch":{"supported":true}}`)}})
	for i, name := range []string{
		"Users create returns 201 with the created resource",
		"Users create rejects a duplicate userName with 409 uniqueness",
		"PATCH replace of active deactivates the user",
	} {
		reqs := []string{"P-3.3-01", "P-3.3-06", "P-3.5.2-01"}[i : i+1]
		area := []string{"users", "users", "patch"}[i]
		add(Spec{Area: area, Name: name, Level: LevelMust, Requirements: reqs, State: StateFailed, Duration: 40 * time.Millisecond,
			Failure: &Failure{
				Message:  "POST /Users: expected status 201 Created, got 500 Internal Server Error\ndetail: database unavailable",
				Location: "suites/users.go:88",
				Cause:    "create user failed: POST /Users → 500 database unavailable",
			},
			Exchanges: []transcript.Exchange{createUser(500, dbDown)}})
	}
	// Two specs whose failures share the first failing exchange but carry no
	// Cause: the report must derive the group.
	for _, name := range []string{"Filter userName eq finds the user", "Filter is case-insensitive on attribute names"} {
		add(Spec{Area: "filter", Name: name, Level: LevelMust, Requirements: []string{"P-3.4.2.2-01"}, State: StateFailed, Duration: 25 * time.Millisecond,
			Failure: &Failure{Message: "[P-3.4.2.2-01 MUST, RFC 7644 §3.4.2.2] The eq filter compares attribute values.\n" +
				"  request:  GET /Users?filter=userName eq \"scimtest-r1-bob\"\n" +
				"  expected: status 200\n" +
				"  actual:   status 503, detail \"search index rebuilding\"\n" +
				"  body:     {\"detail\":\"search index rebuilding\",\"status\":\"503\"}"},
			Exchanges: []transcript.Exchange{exchange(http.MethodGet, "/Users?filter=userName+eq+%22scimtest-r1-bob%22", 503, "", `{"detail":"search index rebuilding","status":"503"}`)}})
	}
	add(Spec{Area: "errors", Name: "Error responses use the SCIM error schema | with pipes", Level: LevelMust, Requirements: []string{"P-3.12-01"}, State: StateFailed, Duration: 15 * time.Millisecond,
		Failure: &Failure{Message: "[P-3.12-01 MUST, RFC 7644 §3.12] Errors carry the SCIM error schema and a status string.\n" +
			"  request:  GET /Users/00000000-0000-4000-8000-000000000000\n" +
			"  expected: a JSON object body (SCIM error, RFC 7644 §3.12)\n" +
			"  actual:   body is not a JSON object\n" +
			"  body:     \"<html><body>Not found " + hostile + "</body></html>\"", Location: "suites/errors.go:41"},
		// The first exchange is a deliberate bad request; the check judged the second.
		Exchanges: []transcript.Exchange{
			exchange(http.MethodPost, "/Users", 400, `{"userName":""}`, `{"status":"400","scimType":"invalidValue","detail":"userName is required"}`),
			exchange(http.MethodGet, "/Users/00000000-0000-4000-8000-000000000000", 404, "", `<html><body>Not found `+hostile+`</body></html>`),
		}})
	add(Spec{Area: "users", Name: "List responses include itemsPerPage", Level: LevelShould, Requirements: []string{"P-3.4.2-05"}, State: StateWarning, Duration: 20 * time.Millisecond,
		Failure: &Failure{Message: "[P-3.4.2-05 SHOULD, RFC 7644 §3.4.2] A list response should include itemsPerPage.\n" +
			"  request:  GET /Users?startIndex=1&count=10\n" +
			"  expected: itemsPerPage in the ListResponse\n" +
			"  actual:   (absent)"},
		Exchanges: []transcript.Exchange{exchange(http.MethodGet, "/Users?startIndex=1&count=10", 200, "", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`)}})
	add(Spec{Area: "bulk", Name: "Bulk operations run in order", Level: LevelMust, Requirements: []string{"P-3.7-01"}, State: StateSkipped, SkipReason: "bulk.supported is false in /ServiceProviderConfig"})
	for i := range 6 {
		add(Spec{Area: "groups", Name: fmt.Sprintf("Groups spec %d passes", i), Level: LevelMust, Requirements: []string{"P-3.3-01"}, State: StatePassed, Duration: 10 * time.Millisecond,
			Exchanges: []transcript.Exchange{createUser(201, okResp), exchange(http.MethodDelete, "/Users/2819c223", 204, "", "")}})
	}
	return r
}
