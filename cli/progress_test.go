package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// The progress line is redrawn in place, a log line goes above it, and
// the last snapshot stays.
func TestProgressLine(t *testing.T) {
	var b strings.Builder
	p := newProgressLine(&b, 120)
	p.update(runtime.Progress{Injector: "nmap", Targets: 256, Elapsed: 1500 * time.Millisecond})
	p.update(runtime.Progress{Injector: "nmap", Targets: 256, Reported: 12, Results: 40, Last: "10.0.0.12:22/tcp open ssh",
		Elapsed: 62 * time.Second})
	if _, err := p.Write([]byte("INFO\tnmap progress\n")); err != nil {
		t.Fatal(err)
	}
	p.update(runtime.Progress{Injector: "nmap", Targets: 256, Reported: 200, Results: 301, Elapsed: 90 * time.Second, Done: true})
	if _, err := p.Write([]byte("INFO\tdelivered\n")); err != nil {
		t.Fatal(err)
	}
	running := "nmap: running · 12/256 targets reported · 40 results · 1m2s · 10.0.0.12:22/tcp open ssh"
	want := clearLine + "nmap: running · 256 targets · 1.5s" +
		clearLine + running +
		clearLine + "INFO\tnmap progress\n" + running +
		clearLine + "nmap: done in 1m30s · 200/256 targets reported · 301 results\n" +
		"INFO\tdelivered\n"
	if got := b.String(); got != want {
		t.Errorf("stderr:\n%q\nwant:\n%q", got, want)
	}
}

func TestProgressText(t *testing.T) {
	tests := []struct {
		name  string
		p     runtime.Progress
		width int
		want  string
	}{
		{"one target, no result", runtime.Progress{Injector: "noop", Targets: 1, Elapsed: 250 * time.Millisecond}, 80,
			"noop: running · 1 target · 300ms"},
		{"cut to the width", runtime.Progress{Injector: "query", Targets: 2, Reported: 1, Results: 1,
			Last: "apache: 3 of 10 matches and a very long tail", Elapsed: time.Second}, 60,
			"query: running · 1/2 targets reported · 1 result · 1s · ap…"},
		{"line breaks in a result", runtime.Progress{Injector: "x", Targets: 1, Reported: 1, Results: 1, Last: "a\nb\x1b[2J"}, 80,
			"x: running · 1/1 target reported · 1 result · 0s · a b [2J"},
		{"done", runtime.Progress{Injector: "noop", Targets: 3, Elapsed: 4200 * time.Millisecond, Done: true}, 80,
			"noop: done in 4.2s · 3 targets"},
		{"partial success is done", runtime.Progress{Injector: "nmap", Targets: 2, Reported: 1, Results: 1, Elapsed: time.Second,
			Done: true, Status: framework.StatusPartial}, 80,
			"nmap: done in 1s · 1/2 targets reported · 1 result"},
		// h222: an interrupted scan's last state read "done in 7.1s" above
		// a summary saying "timeout".
		{"cut short", runtime.Progress{Injector: "nmap", Targets: 64, Reported: 12, Results: 40, Elapsed: 7100 * time.Millisecond,
			Done: true, Status: framework.StatusTimeout}, 80,
			"nmap: timeout after 7.1s · 12/64 targets reported · 40 results"},
		{"failed", runtime.Progress{Injector: "nmap", Targets: 1, Elapsed: time.Second, Done: true, Status: framework.StatusFailed}, 80,
			"nmap: failed after 1s · 1 target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fit(progressText(tt.p), tt.width); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
