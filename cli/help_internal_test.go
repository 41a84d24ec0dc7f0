package cli

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/injectors/builtin"
)

func TestWrap(t *testing.T) {
	text := "Scans the targets' TCP ports with nmap and reports the open ports and services per target " +
		strings.Repeat("x", 50)
	for _, width := range []int{20, 40, 100} {
		lines := wrap(text, width)
		if strings.Join(strings.Fields(strings.Join(lines, " ")), " ") == "" {
			t.Fatalf("width %d: nothing", width)
		}
		for _, l := range lines {
			if utf8.RuneCountInString(l) > width {
				t.Errorf("width %d: line %q is %d long", width, l, utf8.RuneCountInString(l))
			}
		}
	}
	// A word longer than a line (a setting's value: a long URL) is broken
	// over lines, every character kept, not cut short.
	long := "http://127.0.0.1:8080/" + strings.Repeat("seg/", 30) + "end"
	for _, width := range []int{10, 20, 40} {
		lines := wrap("set to "+long+" here", width)
		if got := strings.Join(lines, ""); !strings.Contains(got, long) || !strings.HasSuffix(got, "here") {
			t.Errorf("width %d: %q lost characters of %q", width, lines, long)
		}
		for _, l := range lines {
			if utf8.RuneCountInString(l) > width {
				t.Errorf("width %d: line %q is %d long", width, l, utf8.RuneCountInString(l))
			}
		}
	}
	if got := wrap("a b c", 100); len(got) != 1 || got[0] != "a b c" {
		t.Errorf("wrap = %q", got)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 10 << 10: "10 KiB",
		12 << 20: "12 MiB", 1 << 30: "1.0 GiB", 3 << 40: "3.0 TiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRename(t *testing.T) {
	o := Options{Name: "hello"}
	for in, want := range map[string]string{
		"resend with: injectkit outbox flush":       "resend with: hello outbox flush",
		"(see injectkit --help)":                    "(see hello --help)",
		"~/.local/state/injectkit/outbox.db":        "~/.local/state/injectkit/outbox.db",
		"injectkit-injector registered":             "injectkit-injector registered",
		"`injectkit run` then `injectkit serve`":    "`hello run` then `hello serve`",
		"the injectkit framework, injectkit serves": "the injectkit framework, injectkit serves",
	} {
		if got := o.rename(in); got != want {
			t.Errorf("rename(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (Options{}).rename("injectkit run"); got != "injectkit run" {
		t.Errorf("default name renamed: %q", got)
	}
}

// The reference injectors the help tells apart from a binary's own are
// the ones builtin registers.
func TestReferenceInjectorsAreBuiltins(t *testing.T) {
	if got := builtin.Names(); !slices.Equal(referenceInjectors, got) {
		t.Errorf("referenceInjectors = %v, builtin.Names() = %v", referenceInjectors, got)
	}
}
