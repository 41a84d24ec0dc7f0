package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
)

// The EXIT CODES of a command's help say what the README's exit-code
// table and Deployment section say of it: validate exits 1 when its
// verdict could not be written, outbox flush keeps its code whatever
// becomes of its stdout, and serve answers an inject whose runs ended
// the process openaev.MaxUnfinishedRuns times with its terminal ERROR.
func TestHelpExitCodesSayTheRules(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want *regexp.Regexp // matched in the EXIT CODES section, lines joined
	}{
		{"validate: exit 1, stdout not written", []string{"validate", "--help"},
			regexp.MustCompile(`(^| )1  [^0-9]*stdout not written`)},
		{"outbox flush: its code kept", []string{"outbox", "flush", "--help"},
			regexp.MustCompile(`stdout that could not be written .*changes none of these.* stdout not written`)},
		{"serve: a terminal ERROR after the unfinished runs", []string{"serve", "--help"},
			regexp.MustCompile(`run ends the process .* ended the process ` + strconv.Itoa(openaev.MaxUnfinishedRuns) +
				` times .*not run again: it gets its terminal ERROR`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, tt.args...)
			_, codes, ok := strings.Cut(r.stdout, "EXIT CODES:\n")
			if r.code != 0 || !ok {
				t.Fatalf("exit %d, no EXIT CODES:\n%s", r.code, r.stdout)
			}
			codes, _, _ = strings.Cut(codes, "\n\n")
			joined := regexp.MustCompile(`\n +`).ReplaceAllString(codes, " ")
			if !tt.want.MatchString(joined) {
				t.Errorf("EXIT CODES do not match %s:\n%s", tt.want, codes)
			}
		})
	}
}

// Each command's help of --outbox-max-bytes says what that command does
// at the limit: run exits 2 when the outbox is full before its inject
// runs and sends a result that does not fit without storing it; both
// refuse less than 1024 at start; serve pauses its consumption.
func TestHelpOutboxMaxBytesSaysWhatTheCommandDoes(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    []string
		notWant []string
	}{
		{"run", []string{"run", "--help"},
			[]string{"at least 1024 with a backend and an outbox (a smaller one is refused, exit 2", "full exits 2 before its inject runs", "sent without being stored, with a WARN"},
			[]string{"new injects fail", "pauses"}},
		{"serve", []string{"serve", "--help"},
			[]string{"at least 1024", "refused at start, exit 2", "pauses its consumption until room is freed"},
			[]string{"new injects fail", "sent without being stored"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := flagHelp(t, tt.args, "outbox-max-bytes", "INJECTKIT_OUTBOX_MAX_BYTES")
			checkSays(t, "--outbox-max-bytes help", line, tt.want, tt.notWant)
		})
	}
}

// outbox move's help says when a moved body is tried: a flush at once,
// a running serve's resender at its next pass (it does not watch the
// file), never that the resender tries it at once.
func TestHelpMoveSaysWhenServeTriesIt(t *testing.T) {
	r := run(t, registry(), nil, "outbox", "move", "--help")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
	help := regexp.MustCompile(`\s+`).ReplaceAllString(r.stdout, " ")
	if want := "a flush with --backend-url --to sends them at once, a running serve's resender at its next pass, within 5 min"; !strings.Contains(help, want) {
		t.Errorf("outbox move --help does not say %q:\n%s", want, r.stdout)
	}
	if strings.Contains(help, "resender tries the new one at once") {
		t.Errorf("outbox move --help says serve's resender tries a moved body at once:\n%s", r.stdout)
	}
}

// `completion bash|zsh|fish` prints a script naming the binary: bash and
// zsh ask the binary for the words (the request is tested below), fish
// lists the commands and the injectors.
func TestCompletionScripts(t *testing.T) {
	commands := []string{"run", "validate", "serve", "injectors", "outbox", "version", "completion"}
	for _, tt := range []struct {
		shell string
		want  []string
	}{
		{"bash", []string{"complete -o bashdefault -o default -F _injectkit_complete injectkit", "--generate-bash-completion"}},
		{"zsh", []string{"#compdef injectkit", "compdef _injectkit_complete injectkit", "--generate-bash-completion"}},
		{"fish", append([]string{"complete -c injectkit", "'__fish_seen_subcommand_from run validate injectors' -f -a 'nmap noop'",
			"-l target", "-l outbox", "-f -l backend-url -r",
			// A path's flag completes file names: no -f.
			"'__fish_seen_subcommand_from run' -l config -r", "'__fish_seen_subcommand_from run' -l targets-file -r",
			"'__fish_seen_subcommand_from run' -l outbox -r"}, commands...)},
	} {
		t.Run(tt.shell, func(t *testing.T) {
			r := run(t, registry(withNmap), nil, "completion", tt.shell)
			if r.code != 0 || strings.TrimSpace(r.stdout) == "" || r.stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			checkSays(t, "the "+tt.shell+" script", r.stdout, tt.want, nil)
		})
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}, {"completion", "bash", "zsh"}} {
		if r := run(t, registry(), nil, args...); r.code != 2 || !strings.Contains(r.stderr, "bash, zsh or fish") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// The completion request of the bash and zsh scripts: the words typed,
// maybe the flag being typed, then --generate-bash-completion.
func TestCompletionRequest(t *testing.T) {
	const marker = "--generate-bash-completion"
	for _, tt := range []struct {
		name  string
		words []string
		want  []string // nil: nothing
	}{
		{"commands", nil, []string{"run", "validate", "serve", "injectors", "outbox", "version", "completion"}},
		{"injectors of run", []string{"run"}, []string{"nmap", "noop"}},
		{"injectors of validate after a flag", []string{"validate", "--target", "127.0.0.1"}, []string{"nmap", "noop"}},
		{"injectors of injectors", []string{"injectors"}, []string{"nmap", "noop"}},
		{"flags being typed", []string{"run", "noop", "--inj"}, []string{"--inject-id", "--inject-file"}},
		{"flags of a subcommand", []string{"outbox", "list", "--out"}, []string{"--outbox", "--outbox-max-bytes", "--outbox-lock-timeout", "--output"}},
		{"subcommands", []string{"outbox"}, []string{"list", "flush", "drop", "compact", "retry-dead", "move"}},
		{"shells", []string{"completion"}, []string{"bash", "zsh", "fish"}},
		{"value of a flag: files", []string{"run", "--inject-file"}, nil},
		{"after the injector: files", []string{"run", "noop"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withNmap), nil, append(tt.words, marker)...)
			got := strings.Fields(r.stdout)
			if r.code != 0 || strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("exit %d, words %q, want %q; stderr %s", r.code, got, tt.want, r.stderr)
			}
		})
	}
}

// The help of serve's --shutdown-timeout says that the shutdown takes up
// to serve.AbandonGrace more, as the README's systemd note does: the
// deliveries the timeout cuts short are waited for that long.
func TestHelpShutdownTimeoutSaysTheGrace(t *testing.T) {
	line := flagHelp(t, []string{"serve", "--help"}, "shutdown-timeout", "INJECTKIT_SHUTDOWN_TIMEOUT")
	checkSays(t, "--shutdown-timeout help", line,
		[]string{"before they are requeued", "then takes up to " + serve.AbandonGrace.String() + " more"}, nil)
}

// A command group's help says its usage as the application's says its
// own: the group, then a command (urfave/cli's subcommand template wrote
// "injectkit outbox [command options]", no command), by --help, by its
// help command and by the group given alone; a binary of another name
// says its own.
func TestHelpGroupUsageNamesACommand(t *testing.T) {
	for _, args := range [][]string{{"outbox", "--help"}, {"outbox", "help"}, {"outbox"}} {
		r := run(t, registry(), nil, args...)
		if !strings.Contains(r.stdout+r.stderr, "USAGE:\n   injectkit outbox command [command options]\n") {
			t.Errorf("%q: exit %d, its usage names no command:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	var out bytes.Buffer
	cli.Run(context.Background(), cli.Options{Registry: registry(), Name: "acme", Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }},
		[]string{"acme", "outbox", "--help"})
	if !strings.Contains(out.String(), "USAGE:\n   acme outbox command [command options]\n") {
		t.Errorf("another binary's group usage:\n%s", out.String())
	}
}

// flagHelp runs the help args ask for and returns the text of --flag's
// entry, its lines joined: what stands between "--flag value" and its
// "(env ENV)".
func flagHelp(t *testing.T, args []string, flag, env string) string {
	t.Helper()
	r := run(t, registry(), nil, args...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d:\n%s", args, r.code, r.stderr)
	}
	joined := regexp.MustCompile(`\n +`).ReplaceAllString(r.stdout, " ")
	_, line, ok := strings.Cut(joined, "--"+flag+" value")
	line, _, found := strings.Cut(line, "(env "+env+")")
	if !ok || !found {
		t.Fatalf("%v: no --%s in the help:\n%s", args, flag, r.stdout)
	}
	return line
}

// The exit-2 entry of the help said that, with the openaev profile, an
// inject naming its id "still gets its reception and terminal
// INVALID_USAGE", while a setting that cannot be read (an --expectation
// the injector does not declare, a --timeout of 0) exits 2 with nothing
// sent, as the README says. The help now says which refusals reach the
// platform, and the run does as it says.
func TestHelpExitUsageSaysWhatReachesThePlatform(t *testing.T) {
	help := run(t, registry(), nil, "run", "--help").stdout
	for _, want := range []string{"whose targets or params the injector refuses", "an --expectation the injector does not declare or a --timeout of 0, sends nothing"} {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), want) {
			t.Errorf("run --help lacks %q", want)
		}
	}
	be := newBackend(t, http.StatusOK)
	for _, bad := range [][]string{{"--expectation", "VULNERABILITY"}, {"--timeout", "0"}, {"--param", "timing"}} {
		r := run(t, registry(), nil, append([]string{"run", "nmap", "--profile", "openaev", "--inject-id", "inj-1", "--target", "127.0.0.1",
			"--backend-url", be.URL, "--outbox", "none"}, bad...)...)
		if r.code != 2 || len(be.got()) != 0 {
			t.Errorf("%v: exit %d, %d requests; want 2, none\n%s", bad, r.code, len(be.got()), r.stderr)
		}
	}
}

// The help command shows what --help shows, for every command it names:
// `injectkit help outbox` stopped after the group's description (no
// COMMANDS, no OPTIONS, no EXAMPLES: urfave/cli's template read the
// group's categories, set only when the group runs), and `injectkit help
// outbox flush` showed the outbox group's help instead of flush's. A name
// that is no command exits 2 naming the group it is not in. So does
// --help written before the path (`injectkit -h outbox flush` showed the
// outbox group's page).
func TestHelpCommandShowsWhatHelpFlagShows(t *testing.T) {
	tests := []struct {
		help, flag []string
	}{
		{[]string{"help", "run"}, []string{"run", "--help"}},
		{[]string{"help", "run", "noop"}, []string{"run", "--help"}},
		{[]string{"help", "outbox"}, []string{"outbox", "--help"}},
		{[]string{"h", "outbox"}, []string{"outbox", "--help"}},
		{[]string{"help", "outbox", "flush"}, []string{"outbox", "flush", "--help"}},
		{[]string{"help", "outbox", "retry-dead"}, []string{"outbox", "retry-dead", "--help"}},
		{[]string{"outbox", "help", "list"}, []string{"outbox", "list", "--help"}},
		{[]string{"outbox", "help"}, []string{"outbox", "--help"}},
		// --help before the command path asks for the same page.
		{[]string{"--help", "outbox"}, []string{"outbox", "--help"}},
		{[]string{"-h", "outbox", "flush"}, []string{"outbox", "flush", "--help"}},
		{[]string{"--help", "run", "noop"}, []string{"run", "--help"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.help, " "), func(t *testing.T) {
			want := run(t, registry(), nil, tt.flag...)
			got := run(t, registry(), nil, tt.help...)
			if want.code != 0 || !strings.Contains(want.stdout, "EXAMPLES:") {
				t.Fatalf("%q: exit %d, no EXAMPLES:\n%s%s", tt.flag, want.code, want.stdout, want.stderr)
			}
			if got.code != 0 || got.stdout != want.stdout {
				t.Errorf("%q: exit %d, its help:\n%s\nwant %q's:\n%s", tt.help, got.code, got.stdout, tt.flag, want.stdout)
			}
		})
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "outbox", "flsh"}, `unknown command "flsh" (see injectkit outbox --help)`},
		{[]string{"outbox", "help", "nosuch"}, `unknown command "nosuch" (see injectkit outbox --help)`},
		{[]string{"help", "nosuch"}, `unknown command "nosuch" (see injectkit --help)`},
		{[]string{"-h", "nosuch"}, `unknown command "nosuch" (see injectkit --help)`},
		// The group's help flag looks the topic up in the group: its
		// error points to the group's help and suggests its command.
		{[]string{"outbox", "-h", "nosuch"}, `unknown command "nosuch" (see injectkit outbox --help)`},
		{[]string{"outbox", "--help", "lst"}, `unknown command "lst" (see injectkit outbox --help)`},
		{[]string{"outbox", "-h", "lst"}, `hint: did you mean injectkit outbox list?`},
	} {
		r := run(t, registry(), nil, tt.args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s\nwant exit 2 saying %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
}
