package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// --version given a word too is refused like `version extra`: exit 2,
// the word named, no version printed; a command's name too, which
// urfave/cli would run instead.
func TestVersionFlagRefusesArguments(t *testing.T) {
	o := cli.Options{Registry: registry(), Version: "1.2.3"}
	for _, args := range [][]string{{"--version", "extra"}, {"--version", "a", "b"}} {
		r := runWith(t, o, nil, args...)
		want := fmt.Sprintf("injectkit: --version takes no arguments, got %q", strings.Join(args[1:], " "))
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, no stdout, %q", args, r.code, r.stdout, r.stderr, want)
		}
	}
}

// --version given before a command is refused naming the command: urfave/cli
// ran the command (here an inject, whose backend then got a POST) and
// ignored --version.
func TestVersionFlagRefusesACommand(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the command ran: %s %s", r.Method, r.URL.Path)
	}))
	defer backend.Close()
	o := cli.Options{Registry: registry(), Version: "1.2.3"}
	for _, tt := range []struct {
		args []string
		cmd  string
	}{
		{[]string{"--version", "run", "noop", "--target", "127.0.0.1", "--backend-url", backend.URL, "--outbox", "none"}, "run"},
		{[]string{"--version", "version"}, "version"},
		{[]string{"--version", "outbox", "list"}, "outbox"},
	} {
		r := runWith(t, o, nil, tt.args...)
		want := fmt.Sprintf("injectkit: --version takes no command, got %q (injectkit --version prints the version; give %s without --version)", tt.cmd, tt.cmd)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, no stdout, %q", tt.args, r.code, r.stdout, r.stderr, want)
		}
	}
}

// --version prints what `version` prints in the same environment: the
// line of text, or, with INJECTKIT_OUTPUT=json, the JSON object (it
// printed text, so a script exporting INJECTKIT_OUTPUT=json got the two
// forms from the two spellings); an INJECTKIT_OUTPUT neither takes is
// refused by both, exit 2.
func TestVersionFlagPrintsAsVersionDoes(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		json bool
		code int
	}{
		{"no output set", nil, false, 0},
		{"INJECTKIT_OUTPUT=text", map[string]string{"INJECTKIT_OUTPUT": "text"}, false, 0},
		{"INJECTKIT_OUTPUT=json", map[string]string{"INJECTKIT_OUTPUT": "json"}, true, 0},
		{"INJECTKIT_OUTPUT=yaml", map[string]string{"INJECTKIT_OUTPUT": "yaml"}, false, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			flag := run(t, registry(), tt.env, "--version")
			cmd := run(t, registry(), tt.env, "version")
			if flag.code != tt.code || cmd.code != tt.code {
				t.Fatalf("exit %d (--version), %d (version), want %d:\n%s\n%s", flag.code, cmd.code, tt.code, flag.stderr, cmd.stderr)
			}
			if flag.stdout != cmd.stdout {
				t.Errorf("--version printed %q, version %q", flag.stdout, cmd.stdout)
			}
			if got := json.Valid([]byte(flag.stdout)); tt.code == 0 && got != tt.json {
				t.Errorf("--version printed %q: JSON %v, want %v", flag.stdout, got, tt.json)
			}
		})
	}
}
