package transcript

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// HAR 1.2 document types (http://www.softwareishard.com/blog/har-12-spec/).
// Fields the spec marks optional and we cannot fill are left out.
type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	// Spec names the spec that made the exchange (a custom field: HAR allows
	// names starting with an underscore).
	Spec  string `json:"_spec,omitempty"`
	Error string `json:"_error,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harNV      `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// httpVersion is written for every message: the recording client does not
// keep the protocol version, and HAR requires the field.
const httpVersion = "HTTP/1.1"

func headerList(h map[string][]string) []harNV {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]harNV, 0, len(h))
	for _, name := range names {
		for _, v := range h[name] {
			out = append(out, harNV{Name: name, Value: v})
		}
	}
	return out
}

func headerValue(h map[string][]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func queryList(rawURL string) []harNV {
	out := []harNV{}
	u, err := url.Parse(rawURL)
	if err != nil || u.RawQuery == "" {
		return out
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return out
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	return out
}

func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// harFromExchange converts an already redacted exchange.
func harFromExchange(spec string, e Exchange) harEntry {
	req := harRequest{
		Method:      e.Method,
		URL:         e.URL,
		HTTPVersion: httpVersion,
		Cookies:     []harNV{},
		Headers:     headerList(e.RequestHeader),
		QueryString: queryList(e.URL),
		HeadersSize: -1,
		BodySize:    len(e.RequestBody),
	}
	if e.RequestBody != "" {
		mime := headerValue(e.RequestHeader, "Content-Type")
		if mime == "" {
			mime = "application/octet-stream"
		}
		req.PostData = &harPostData{MimeType: mime, Text: e.RequestBody}
	}
	resp := harResponse{
		Status:      e.Status,
		StatusText:  http.StatusText(e.Status),
		HTTPVersion: httpVersion,
		Cookies:     []harNV{},
		Headers:     headerList(e.ResponseHeader),
		Content: harContent{
			Size:     len(e.ResponseBody),
			MimeType: headerValue(e.ResponseHeader, "Content-Type"),
			Text:     e.ResponseBody,
		},
		RedirectURL: headerValue(e.ResponseHeader, "Location"),
		HeadersSize: -1,
		BodySize:    len(e.ResponseBody),
	}
	if e.Status == 0 {
		// No response arrived; HAR has no field for that beyond status 0.
		resp.HTTPVersion = ""
		resp.BodySize = -1
	}
	if e.Truncated {
		// The body was cut at the recording cap: its real size is unknown.
		req.BodySize = -1
		resp.BodySize = -1
		resp.Content.Comment = "body truncated by scimtest"
	}
	started := e.Started
	if started.IsZero() {
		started = time.Unix(0, 0)
	}
	return harEntry{
		StartedDateTime: started.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            millis(e.Duration),
		Request:         req,
		Response:        resp,
		// The client measures the whole round trip only; it is all "wait".
		Timings: harTimings{Send: 0, Wait: millis(e.Duration), Receive: 0},
		Spec:    spec,
		Error:   e.Error,
	}
}

// ErrHARClosed is returned by [HARWriter.Add] after [HARWriter.Close].
var ErrHARClosed = errors.New("har: writer closed")

// HARWriter streams exchanges to w as one HAR 1.2 document, so a long
// simulation never holds its whole transcript in memory. Add and Close are
// safe for concurrent use. Every exchange is redacted with [Redact] before it
// is written.
type HARWriter struct {
	mu      sync.Mutex
	w       io.Writer
	creator harCreator
	started bool
	closed  bool
	n       int
	err     error
}

// NewHARWriter returns a writer of a HAR document to w. creator names the
// producing tool as "name/version" (e.g. "scimtest/1.0.0"); without a slash
// the whole string is the name. Nothing is written until the first Add or
// Close.
func NewHARWriter(w io.Writer, creator string) *HARWriter {
	name, ver, _ := strings.Cut(creator, "/")
	if name == "" {
		name = "scimtest"
	}
	return &HARWriter{w: w, creator: harCreator{Name: name, Version: ver}}
}

// start writes the document head; the caller holds mu.
func (h *HARWriter) start() error {
	if h.started {
		return nil
	}
	h.started = true
	head, err := json.Marshal(h.creator)
	if err != nil {
		return fmt.Errorf("har: encode creator: %w", err)
	}
	if _, err := fmt.Fprintf(h.w, "{\"log\":{\"version\":\"1.2\",\"creator\":%s,\"entries\":[", head); err != nil {
		return fmt.Errorf("har: write head: %w", err)
	}
	return nil
}

// Add writes one exchange.
func (h *HARWriter) Add(e Exchange) error {
	return h.AddSpec("", e)
}

// AddSpec writes one exchange and names the spec that made it in the entry's
// "_spec" field.
func (h *HARWriter) AddSpec(spec string, e Exchange) error {
	entry, err := json.Marshal(harFromExchange(RedactText(spec), Redact(e)))
	if err != nil {
		return fmt.Errorf("har: encode %s %s: %w", e.Method, e.URL, err)
	}
	return h.locked(ErrHARClosed, func() error {
		sep := "\n"
		if h.n > 0 {
			sep = ",\n"
		}
		if _, err := io.WriteString(h.w, sep); err != nil {
			return fmt.Errorf("har: write entry: %w", err)
		}
		if _, err := h.w.Write(entry); err != nil {
			return fmt.Errorf("har: write entry: %w", err)
		}
		h.n++
		return nil
	})
}

// Close ends the HAR document. It does not close the underlying writer.
// Closing twice is a no-op.
func (h *HARWriter) Close() error {
	return h.locked(nil, func() error {
		h.closed = true
		if _, err := io.WriteString(h.w, "\n]}}\n"); err != nil {
			return fmt.Errorf("har: write tail: %w", err)
		}
		return nil
	})
}

// locked runs write under the lock once the document head is out. After a
// failed write it returns that error again, so a document cut short is
// never reported as complete; on a closed writer it returns ifClosed.
func (h *HARWriter) locked(ifClosed error, write func() error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	if h.closed {
		return ifClosed
	}
	if err := h.start(); err != nil {
		h.err = err
		return err
	}
	h.err = write()
	return h.err
}

// WriteHAR writes exchanges to w as one HAR 1.2 document.
func WriteHAR(w io.Writer, creator string, exchanges []Exchange) error {
	h := NewHARWriter(w, creator)
	for _, e := range exchanges {
		if err := h.Add(e); err != nil {
			return err
		}
	}
	return h.Close()
}
