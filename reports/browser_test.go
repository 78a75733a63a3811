package reports

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write ../docs/report-failing.png from the failing fixture")

// chromium returns the browser to render with. In CI a missing browser is a
// failure (the check would silently vanish); locally it is a skip.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "chromium not found: the HTML report is checked in a real browser; install it with `apt-get install -y chromium`"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// runChromium runs headless chromium on a page with args and returns stdout.
func runChromium(t *testing.T, args ...string) []byte {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

func writeReport(t *testing.T, r *Results) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileHTML)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReportInBrowser opens report.html in headless Chromium, as a reviewer
// would, and reads the DOM after the inline script ran.
func TestReportInBrowser(t *testing.T) {
	chromium(t) // fail or skip once, not per case
	path := writeReport(t, failingRun())
	tests := []struct {
		name     string
		fragment string
		want     []string
		notWant  []string
		// visible and hidden list areas whose spec elements must be shown or
		// hidden after the script ran.
		visible, hidden []string
	}{
		{
			name: "verdict and failure count",
			want: []string{"✗ Not conformant", "Not conformant: 6 MUST failures, 1 SHOULD failure",
				`id="count-failed"><b>6</b>failed`, `<nav id="filters">`},
			notWant: []string{`<script>alert(1)`},
			visible: []string{"users", "filter", "discovery", "bulk"},
		},
		{
			name:     "filter preset by link hides other areas",
			fragment: "#area=filter",
			want:     []string{"2 of 15 specs shown"},
			visible:  []string{"filter"},
			hidden:   []string{"users", "discovery", "bulk", "groups"},
		},
		{
			name:     "search box",
			fragment: "#q=ITEMSperpage",
			want:     []string{"1 of 15 specs shown"},
			hidden:   []string{"filter", "discovery"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dom := string(runChromium(t, "--dump-dom", "file://"+path+tt.fragment))
			if !strings.Contains(dom, "</html>") {
				t.Fatalf("chromium returned no DOM: %.300s", dom)
			}
			for _, w := range tt.want {
				if !strings.Contains(dom, w) {
					t.Errorf("DOM lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(dom, w) {
					t.Errorf("DOM contains %q", w)
				}
			}
			for _, area := range tt.visible {
				if n, hidden := specTags(dom, area); n == 0 || hidden > 0 {
					t.Errorf("area %s: %d spec elements, %d hidden; want all shown", area, n, hidden)
				}
			}
			for _, area := range tt.hidden {
				if n, hidden := specTags(dom, area); n == 0 || hidden != n {
					t.Errorf("area %s: %d spec elements, %d hidden; want all hidden", area, n, hidden)
				}
			}
		})
	}
}

// specTags counts the opening tags of an area's spec elements and how many
// of them carry the hidden attribute.
func specTags(dom, area string) (n, hidden int) {
	re := regexp.MustCompile(`<[a-z]+ [^>]*data-area="` + regexp.QuoteMeta(area) + `"[^>]*>`)
	for _, tag := range re.FindAllString(dom, -1) {
		n++
		if strings.Contains(tag, " hidden") {
			hidden++
		}
	}
	return n, hidden
}

// TestReportScreenshot renders a failing run's report to PNG; with
// -update-screenshot it refreshes docs/report-failing.png.
func TestReportScreenshot(t *testing.T) {
	path := writeReport(t, failingRun())
	png := filepath.Join(t.TempDir(), "report.png")
	if *updateScreenshot {
		png = filepath.Join("..", "docs", "report-failing.png")
	}
	runChromium(t, "--screenshot="+png, "--window-size=1280,2000", "file://"+path)
	data, err := os.ReadFile(png)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || len(data) < 10_000 {
		t.Errorf("screenshot is not a plausible PNG (%d bytes)", len(data))
	}
}
