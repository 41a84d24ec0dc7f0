package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// progressLine shows the progress of a run on a terminal's stderr: one
// line, redrawn in place at each snapshot of the runtime, under the log
// lines. The logger writes through it: a log line clears the progress
// line, then it is drawn again below. The last snapshot leaves one line
// for good.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	width int
	shown string // the line drawn, "" when none
}

func newProgressLine(w io.Writer, width int) *progressLine {
	return &progressLine{w: w, width: width}
}

// Write writes a log line above the progress line.
func (p *progressLine) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown != "" {
		io.WriteString(p.w, clearLine)
	}
	n, err := p.w.Write(b)
	if p.shown != "" {
		io.WriteString(p.w, p.shown)
	}
	return n, err
}

// Sync lets the logger flush through it.
func (p *progressLine) Sync() error { return nil }

// update draws a snapshot: in place while the executor runs, for good
// when it is the last.
func (p *progressLine) update(s runtime.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.Done {
		if p.shown != "" {
			io.WriteString(p.w, clearLine)
		}
		p.shown = ""
		io.WriteString(p.w, fit(progressText(s), p.width)+"\n")
		return
	}
	line := fit(progressText(s), p.width)
	io.WriteString(p.w, clearLine+line)
	p.shown = line
}

// progressText is one snapshot in words:
//
//	nmap: 12/256 targets reported · 40 results · 1m2s · 10.0.0.12:22/tcp open ssh
//	nmap: done in 4.2s · 256/256 targets reported · 301 results
//	nmap: timeout after 7.1s · 12/64 targets reported · 40 results
//
// The last one says "done" only of a run that succeeded (in full or in
// part); otherwise it names the outcome, as the summary does.
func progressText(s runtime.Progress) string {
	var parts []string
	switch {
	case s.Done && (s.Status == "" || s.Status == framework.StatusSuccess || s.Status == framework.StatusPartial):
		parts = append(parts, s.Injector+": done in "+roundElapsed(s.Elapsed))
	case s.Done:
		parts = append(parts, s.Injector+": "+string(s.Status)+" after "+roundElapsed(s.Elapsed))
	default:
		parts = append(parts, s.Injector+": running")
	}
	if s.Results > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d %s reported", s.Reported, s.Targets, plural(s.Targets, "target", "targets")),
			fmt.Sprintf("%d %s", s.Results, plural(s.Results, "result", "results")))
	} else {
		parts = append(parts, fmt.Sprintf("%d %s", s.Targets, plural(s.Targets, "target", "targets")))
	}
	if !s.Done {
		parts = append(parts, roundElapsed(s.Elapsed))
		if s.Last != "" {
			parts = append(parts, oneLine(s.Last))
		}
	}
	return strings.Join(parts, " · ")
}

// roundElapsed writes a duration to a tenth of a second under a minute,
// to the second above.
func roundElapsed(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// oneLine replaces the line breaks and control characters of s by spaces:
// C0, DEL and C1 (U+0080 to U+009F: U+009B is an 8-bit terminal's CSI),
// and its format characters and line and paragraph separators (a bidi
// override, U+202E, would make the rest of the line read backwards; a
// zero-width space hide in it; U+2028 break it).
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || (r >= 0x7f && r <= 0x9f) || r > 0x9f && unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			return ' '
		}
		return r
	}, s)
}

// fit cuts s to fewer than width runes, so that the line never wraps.
func fit(s string, width int) string {
	if width <= 1 || utf8.RuneCountInString(s) < width {
		return s
	}
	r := []rune(s)
	return string(r[:width-2]) + "…"
}
