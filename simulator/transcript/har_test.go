package transcript

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// harDoc is the HAR 1.2 shape a consumer (browser devtools, HAR viewers)
// relies on, parsed strictly enough to catch missing required fields.
type harDoc struct {
	Log struct {
		Version *string `json:"version"`
		Creator *struct {
			Name    string  `json:"name"`
			Version *string `json:"version"`
		} `json:"creator"`
		Entries []map[string]json.RawMessage `json:"entries"`
	} `json:"log"`
}

func sampleExchange(i int) Exchange {
	return Exchange{
		Started:        time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC),
		Duration:       1500 * time.Microsecond,
		Method:         "POST",
		URL:            fmt.Sprintf("https://scim.example.com/scim/v2/Users?attributes=userName&n=%d", i),
		RequestHeader:  map[string][]string{"Authorization": {"Bearer " + secretToken}, "Content-Type": {"application/scim+json"}},
		RequestBody:    `{"userName":"u","password":"` + secretPassword + `"}`,
		Status:         201,
		ResponseHeader: map[string][]string{"Content-Type": {"application/scim+json"}, "Location": {"https://scim.example.com/scim/v2/Users/1"}},
		ResponseBody:   `{"id":"1","userName":"u"}`,
	}
}

func parseHAR(t *testing.T, data []byte) harDoc {
	t.Helper()
	var doc harDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("HAR is not JSON: %v\n%s", err, data)
	}
	if doc.Log.Version == nil || *doc.Log.Version != "1.2" || doc.Log.Creator == nil || doc.Log.Creator.Version == nil {
		t.Fatalf("log.version/creator missing: %s", data)
	}
	return doc
}

// requireFields checks that obj has every listed member.
func requireFields(t *testing.T, where string, obj map[string]json.RawMessage, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := obj[n]; !ok {
			t.Errorf("%s lacks required field %q", where, n)
		}
	}
}

func TestWriteHARRequiredFields(t *testing.T) {
	var buf bytes.Buffer
	failed := Exchange{Method: "GET", URL: "https://scim.example.com/scim/v2/Users", Error: "context deadline exceeded", Duration: time.Second}
	if err := WriteHAR(&buf, "scimtest/1.2.3", []Exchange{sampleExchange(0), failed}); err != nil {
		t.Fatal(err)
	}
	doc := parseHAR(t, buf.Bytes())
	if doc.Log.Creator.Name != "scimtest" || *doc.Log.Creator.Version != "1.2.3" {
		t.Errorf("creator = %+v", doc.Log.Creator)
	}
	if len(doc.Log.Entries) != 2 {
		t.Fatalf("got %d entries, want 2", len(doc.Log.Entries))
	}
	for i, e := range doc.Log.Entries {
		requireFields(t, fmt.Sprintf("entry %d", i), e, "startedDateTime", "time", "request", "response", "cache", "timings")
		var req, resp, timings map[string]json.RawMessage
		for name, dst := range map[string]*map[string]json.RawMessage{"request": &req, "response": &resp, "timings": &timings} {
			if err := json.Unmarshal(e[name], dst); err != nil {
				t.Fatalf("entry %d %s: %v", i, name, err)
			}
		}
		requireFields(t, "request", req, "method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize")
		requireFields(t, "response", resp, "status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize")
		requireFields(t, "timings", timings, "send", "wait", "receive")
	}

	var first struct {
		StartedDateTime string  `json:"startedDateTime"`
		Time            float64 `json:"time"`
		Request         struct {
			QueryString []struct{ Name, Value string }  `json:"queryString"`
			PostData    struct{ MimeType, Text string } `json:"postData"`
			HeadersSize int                             `json:"headersSize"`
			BodySize    int                             `json:"bodySize"`
		} `json:"request"`
		Response struct {
			Status      int    `json:"status"`
			StatusText  string `json:"statusText"`
			RedirectURL string `json:"redirectURL"`
			Content     struct {
				Size     int    `json:"size"`
				MimeType string `json:"mimeType"`
				Text     string `json:"text"`
			} `json:"content"`
		} `json:"response"`
		Timings struct{ Wait float64 } `json:"timings"`
	}
	raw, _ := json.Marshal(doc.Log.Entries[0])
	if err := json.Unmarshal(raw, &first); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"startedDateTime", first.StartedDateTime, "2026-01-02T03:04:05.006Z"},
		{"time", first.Time, 1.5},
		{"timings.wait", first.Timings.Wait, 1.5},
		{"query", fmt.Sprint(first.Request.QueryString), "[{attributes userName} {n 0}]"},
		{"postData.mimeType", first.Request.PostData.MimeType, "application/scim+json"},
		{"request headersSize", first.Request.HeadersSize, -1},
		{"request bodySize", first.Request.BodySize, len(first.Request.PostData.Text)},
		{"status", first.Response.Status, 201},
		{"statusText", first.Response.StatusText, "Created"},
		{"redirectURL", first.Response.RedirectURL, "https://scim.example.com/scim/v2/Users/1"},
		{"content", first.Response.Content.Text, `{"id":"1","userName":"u"}`},
		{"content size", first.Response.Content.Size, 25},
		{"content mimeType", first.Response.Content.MimeType, "application/scim+json"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if !strings.Contains(string(doc.Log.Entries[1]["_error"]), "context deadline exceeded") {
		t.Errorf("transport error not recorded: %s", doc.Log.Entries[1]["_error"])
	}
	if bytes.Contains(buf.Bytes(), []byte(secretToken)) || bytes.Contains(buf.Bytes(), []byte(secretPassword)) {
		t.Errorf("HAR leaks a secret:\n%s", buf.String())
	}
}

func TestHARWriterEmptyAndClose(t *testing.T) {
	var buf bytes.Buffer
	h := NewHARWriter(&buf, "scimtest")
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	doc := parseHAR(t, buf.Bytes())
	if doc.Log.Entries == nil || len(doc.Log.Entries) != 0 {
		t.Errorf("want an empty entries array, got %s", buf.String())
	}
	if err := h.Add(sampleExchange(0)); !errors.Is(err, ErrHARClosed) {
		t.Errorf("Add after Close = %v, want ErrHARClosed", err)
	}
}

func TestHARWriterConcurrentAdd(t *testing.T) {
	var buf bytes.Buffer
	h := NewHARWriter(&buf, "scimtest/dev")
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := h.AddSpec(fmt.Sprintf("spec %d", w), sampleExchange(w*each+i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	doc := parseHAR(t, buf.Bytes())
	if len(doc.Log.Entries) != workers*each {
		t.Fatalf("got %d entries, want %d", len(doc.Log.Entries), workers*each)
	}
	seen := map[string]bool{}
	for _, e := range doc.Log.Entries {
		var spec string
		if err := json.Unmarshal(e["_spec"], &spec); err != nil || !strings.HasPrefix(spec, "spec ") {
			t.Fatalf("_spec = %s", e["_spec"])
		}
		seen[spec] = true
	}
	if len(seen) != workers {
		t.Errorf("entries name %d specs, want %d", len(seen), workers)
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

func TestHARWriterErrorsStick(t *testing.T) {
	for after := range 4 {
		h := NewHARWriter(&failWriter{after: after}, "scimtest")
		var err error
		for i := 0; i < 3 && err == nil; i++ {
			err = h.Add(sampleExchange(i))
		}
		if err == nil {
			err = h.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("after %d writes: err = %v, want disk full", after, err)
		}
		if err2 := h.Close(); err2 == nil {
			t.Errorf("after %d writes: Close after a failure succeeded", after)
		}
	}
}
