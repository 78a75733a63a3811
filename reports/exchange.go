package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/scimtest/scimtest/simulator/transcript"
)

// exchangeView is an exchange laid out for reading: what the HTML report and
// JUnit's system-out show.
type exchangeView struct {
	// Title is one line: "POST /scim/v2/Users → 201 Created (12ms)".
	Title string
	// Failed marks an error status or a missing response.
	Failed bool
	// Request is the request line and headers.
	Request string
	// RequestBody is the body, pretty-printed when it is JSON.
	RequestBody string
	// Response is the status line and headers; empty when none arrived.
	Response string
	// ResponseBody is the body, pretty-printed when it is JSON.
	ResponseBody string
	// Error is the transport error when no response arrived.
	Error string
	// Truncated says a body was cut at the recording cap.
	Truncated bool
	// Judged marks the exchange a failed assertion judged.
	Judged bool
}

func viewExchange(e transcript.Exchange) exchangeView {
	v := exchangeView{
		Failed:       e.Status == 0 || e.Status >= 400,
		Request:      e.Method + " " + e.URL + "\n" + headerText(e.RequestHeader),
		RequestBody:  prettyBody(e.RequestBody),
		ResponseBody: prettyBody(e.ResponseBody),
		Error:        e.Error,
		Truncated:    e.Truncated,
	}
	target := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		target = u.EscapedPath()
		if u.RawQuery != "" {
			target += "?" + u.RawQuery
		}
	}
	outcome := "no response"
	if e.Status != 0 {
		outcome = statusLine(e.Status)
		v.Response = statusLine(e.Status) + "\n" + headerText(e.ResponseHeader)
	}
	v.Title = fmt.Sprintf("%s %s → %s (%s)", e.Method, target, outcome, FormatDuration(e.Duration))
	return v
}

func statusLine(code int) string {
	return strings.TrimSpace(fmt.Sprintf("%d %s", code, http.StatusText(code)))
}

// headerText lists headers one per line, sorted, as on the wire.
func headerText(h map[string][]string) string {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		for _, v := range h[n] {
			b.WriteString(n)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// prettyBody indents a JSON body (keeping the target's key order) and returns
// anything else unchanged.
func prettyBody(body string) string {
	if body == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(body), "", "  "); err != nil {
		return body
	}
	return buf.String()
}

// text renders the exchange as plain text for JUnit's system-out.
func (v exchangeView) text() string {
	var b strings.Builder
	b.WriteString("=== ")
	b.WriteString(v.Title)
	b.WriteString("\n")
	writeMessage(&b, "--> ", v.Request, v.RequestBody)
	if v.Response != "" {
		writeMessage(&b, "<-- ", v.Response, v.ResponseBody)
	}
	if v.Error != "" {
		b.WriteString("<-- no response: ")
		b.WriteString(v.Error)
		b.WriteString("\n")
	}
	if v.Truncated {
		b.WriteString("(body truncated)\n")
	}
	return b.String()
}

// FormatDuration renders a duration for people: "0.4ms", "12ms", "1.25s",
// "1m23s". Sub-millisecond exchanges against a local target are common, and
// rounding them to "0s" would hide them.
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// writeMessage writes one side of an exchange: the arrow, the start line
// and headers (which end in a newline), then the body after a blank line,
// as on the wire.
func writeMessage(b *strings.Builder, arrow, head, body string) {
	b.WriteString(arrow)
	b.WriteString(head)
	if body != "" {
		b.WriteString("\n")
		b.WriteString(body)
		b.WriteString("\n")
	}
}
