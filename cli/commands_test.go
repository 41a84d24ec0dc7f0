package cli_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// runWith runs the command line in memory over options o (its streams and
// environment set here), in a state directory of its own.
func runWith(t *testing.T, o cli.Options, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	state := t.TempDir()
	o.Stdout, o.Stderr = &out, &errb
	o.Getenv = func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "XDG_STATE_HOME" {
			return state
		}
		return ""
	}
	o.Environ = environ(env)
	o = cli.WithHosts(cli.FastRetries(o, fastRetry), newHostsResolver(t, testHosts).LookupHost)
	code := cli.Run(context.Background(), o, append([]string{"bin"}, args...))
	return result{code, out.String(), errb.String()}
}

// withNmap is the test registry with a stand-in named nmap, to suggest.
func withNmap(r *framework.Registry) {
	r.Register("nmap", func() framework.Executor { return &frameworktest.Executor{Category: framework.Network} })
}

func TestVersion(t *testing.T) {
	o := cli.Options{Registry: registry(), Version: "1.2.3", Commit: "0123456789abcdef0123", GoVersion: "go1.26.1"}
	for _, tt := range []struct {
		name string
		o    cli.Options
		args []string
		want string
	}{
		{"command", o, []string{"version"}, "injectkit 1.2.3 (commit 0123456789ab, go1.26.1, " + goruntime.GOOS + "/" + goruntime.GOARCH + ")\n"},
		{"flag", o, []string{"--version"}, "injectkit 1.2.3 (commit 0123456789ab, go1.26.1, "},
		{"defaults", cli.Options{Registry: registry()}, []string{"version"}, "injectkit dev (commit unknown, " + goruntime.Version() + ", "},
		{"json", o, []string{"version", "-o", "json"}, `{"name":"injectkit","version":"1.2.3","commit":"0123456789abcdef0123","go_version":"go1.26.1","platform":"` +
			goruntime.GOOS + "/" + goruntime.GOARCH + `"}` + "\n"},
		{"json, Go version of the binary", cli.Options{Registry: registry(), Version: "1.2.3"}, []string{"version", "--output", "json"},
			`"commit":"unknown","go_version":"` + goruntime.Version() + `"`},
		{"named binary", cli.Options{Registry: registry(), Name: "hello", Version: "1.0.0"}, []string{"--version"}, "hello 1.0.0 ("},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, tt.o, nil, tt.args...)
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) {
				t.Errorf("exit %d, stdout %q, want %q; stderr %s", r.code, r.stdout, tt.want, r.stderr)
			}
		})
	}
	if r := runWith(t, o, nil, "version", "-o", "yaml"); r.code != 2 || !strings.Contains(r.stderr, `invalid output "yaml"`) {
		t.Errorf("-o yaml: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A mistyped command, flag or injector name exits 2 with the closest
// known one as a hint; nothing close, no hint. A flag given no value
// exits 2 too, in the same words for every command.
func TestDidYouMean(t *testing.T) {
	for _, tt := range []struct {
		name      string
		args      []string
		err, hint string // hint "": none
	}{
		{"command", []string{"rn"}, `injectkit: unknown command "rn" (see injectkit --help)`, "injectkit: hint: did you mean injectkit run?"},
		{"transposed command", []string{"vesrion"}, `unknown command "vesrion"`, "did you mean injectkit version?"},
		{"help topic", []string{"help", "injectrs"}, `unknown command "injectrs"`, "did you mean injectkit injectors?"},
		{"subcommand", []string{"outbox", "lst"}, `unknown command "lst" (see injectkit outbox --help)`, "did you mean injectkit outbox list?"},
		{"nothing close", []string{"frobnicate"}, `unknown command "frobnicate"`, ""},
		{"flag of run", []string{"run", "noop", "--taget", "127.0.0.1"}, "flag provided but not defined: --taget (see injectkit run --help)", "did you mean --target?"},
		{"flag prefix", []string{"run", "noop", "--backend", "http://x"}, "-backend", "did you mean --backend-url?"},
		{"flag of a subcommand", []string{"outbox", "list", "--outbx", "x"}, "(see injectkit outbox list --help)", "did you mean --outbox?"},
		{"flag of the application", []string{"--verison"}, "flag provided but not defined: --verison", "did you mean --version?"},
		{"single dash kept", []string{"run", "noop", "-taget=127.0.0.1"}, "flag provided but not defined: -taget (see", "did you mean --target?"},
		{"value form", []string{"run", "noop", "--taget=127.0.0.1"}, "flag provided but not defined: --taget (see", "did you mean --target?"},
		{"flag of run given to serve", []string{"serve", "--profile", "openaev"}, "flag provided but not defined: --profile (see injectkit serve --help)",
			"injectkit: hint: serve always speaks the openaev profile; --profile is a flag of run"},
		// Tester t155: the docs' "dry run" is a run without --backend-url,
		// and --dry-run got no hint.
		{"dry run of run", []string{"run", "noop", "--target", "127.0.0.1", "--dry-run"}, "flag provided but not defined: --dry-run (see injectkit run --help)",
			"injectkit: hint: a run without --backend-url is the dry run: it prints each body it would send to stdout and sends nothing"},
		{"dry run of validate", []string{"validate", "noop", "--dry-run"}, "flag provided but not defined: --dry-run (see injectkit validate --help)",
			"injectkit: hint: validate runs nothing and sends nothing: drop --dry-run"},
		{"injector of run", []string{"run", "nmpa", "--target", "127.0.0.1", "--log-level", "error"}, `unknown injector "nmpa"`, "did you mean nmap?"},
		{"injector of validate", []string{"validate", "nopo", "--target", "127.0.0.1", "--log-level", "error"}, `unknown injector "nopo"`, "did you mean noop?"},
		{"injector of injectors", []string{"injectors", "nmp"}, `unknown injector "nmp"`, "did you mean nmap?"},
		// A flag given no value says so, the way it was typed, whatever the command.
		{"flag without a value, next flag taken", []string{"outbox", "flush", "--backend-url", "--token", "x"},
			"injectkit: --backend-url needs a value, not the flag --token (see injectkit outbox flush --help)\n", ""},
		{"flag last without a value", []string{"outbox", "flush", "--backend-url"}, "injectkit: --backend-url needs a value (see injectkit outbox flush --help)\n", ""},
		{"flag without a value, single dash", []string{"outbox", "flush", "-backend-url"}, "injectkit: -backend-url needs a value (see", ""},
		{"short flag without a value", []string{"injectors", "-o"}, "injectkit: -o needs a value (see injectkit injectors --help)", ""},
		{"-o of version", []string{"version", "-o"}, "injectkit: -o needs a value (see injectkit version --help)", ""},
		{"-o of outbox list", []string{"outbox", "list", "-o"}, "injectkit: -o needs a value (see injectkit outbox list --help)", ""},
		{"flag of serve without a value", []string{"serve", "--openaev-url"}, "injectkit: --openaev-url needs a value (see injectkit serve --help)", ""},
		{"flag of validate without a value", []string{"validate", "noop", "--target"}, "injectkit: --target needs a value (see injectkit validate --help)", ""},
		{"number flag given the next flag", []string{"run", "noop", "--max-targets", "--target", "127.0.0.1"},
			"injectkit: --max-targets needs a value, not the flag --target (see injectkit run --help)", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withNmap), nil, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.err) || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q, want 2 and %q", r.code, r.stdout, r.stderr, tt.err)
			}
			switch {
			case tt.hint == "" && strings.Contains(r.stderr, "hint"):
				t.Errorf("unexpected hint: %s", r.stderr)
			case !strings.Contains(r.stderr, tt.hint):
				t.Errorf("stderr %q lacks the hint %q", r.stderr, tt.hint)
			}
		})
	}
}

// Every command's help ends with examples of it, and the application's
// help documents --version and the exit codes.
func TestHelpShowsExamples(t *testing.T) {
	for _, path := range [][]string{{}, {"run"}, {"validate"}, {"serve"}, {"injectors"}, {"outbox"}, {"outbox", "list"},
		{"outbox", "flush"}, {"outbox", "drop"}, {"outbox", "compact"}, {"outbox", "retry-dead"}, {"outbox", "move"}, {"version"}, {"completion"}} {
		t.Run(strings.Join(append([]string{"injectkit"}, path...), " "), func(t *testing.T) {
			r := run(t, registry(), nil, append(path, "--help")...)
			_, examples, ok := strings.Cut(r.stdout, "\nEXAMPLES:\n")
			if r.code != 0 || !ok || !strings.Contains(examples, strings.Join(append([]string{"   injectkit"}, path...), " ")) {
				t.Errorf("exit %d, no example of the command:\n%s", r.code, r.stdout)
			}
			// A token in argv shows in ps to every local user for the
			// command's life: no example gives one.
			if strings.Contains(examples, "--token ") {
				t.Errorf("an example gives --token:\n%s", examples)
			}
			loopbackTargets(t, examples)
		})
	}
	r := run(t, registry(), nil, "--help")
	for _, w := range []string{"--version", "EXIT CODES", "validate", "completion"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("--help lacks %q", w)
		}
	}
}

// loopbackTargets fails t for each --target of a help's examples not on
// loopback: a user copies an example into a real scan, and the help named
// web.example.com and 10.0.0.1.
func loopbackTargets(t *testing.T, examples string) {
	t.Helper()
	for _, m := range regexp.MustCompile(`--target[ =](\S+)`).FindAllStringSubmatch(examples, -1) {
		if ip := net.ParseIP(m[1]); m[1] != "localhost" && (ip == nil || !ip.IsLoopback()) {
			t.Errorf("an example targets %s, not a loopback address:\n%s", m[1], examples)
		}
	}
}

// --help after a command's arguments shows the command's help: the
// arguments are not the name of a help topic. Applications run in
// parallel, as the tests do: urfave/cli's help flag, one package
// variable, is applied on a copy (-race sees them otherwise).
func TestHelpAfterArguments(t *testing.T) {
	for _, tt := range []struct {
		args []string
		cmd  string // whose help is shown
	}{
		{[]string{"run", "noop", "-h"}, "run"},
		{[]string{"run", "noop", "--target", "127.0.0.1", "--help"}, "run"},
		{[]string{"validate", "noop", "-h"}, "validate"},
		{[]string{"outbox", "drop", "7", "--help"}, "outbox drop"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			r := run(t, registry(), nil, tt.args...)
			if r.code != 0 || !strings.Contains(r.stdout, "NAME:\n   injectkit "+tt.cmd+" - ") {
				t.Errorf("exit %d, stdout %q, stderr %q; want the help of %s", r.code, r.stdout, r.stderr, tt.cmd)
			}
		})
	}
}

// The flags of the outbox commands are the ones each uses.
func TestOutboxCommandsShowTheirFlags(t *testing.T) {
	for _, tt := range []struct {
		sub       string
		has, lack []string
	}{
		{"list", []string{"--outbox ", "--outbox-max-bytes", "--outbox-lock-timeout", "--output", "-o ", "--log-level", "--config"},
			[]string{"--backend-url", "--token", "--ca-file", "--insecure"}},
		{"drop", []string{"--outbox ", "--outbox-lock-timeout", "--log-level"},
			[]string{"--backend-url", "--token", "--outbox-max-bytes", "--output"}},
		{"flush", []string{"--outbox ", "--backend-url", "--token", "--ca-file", "--insecure", "--log-level", "130  interrupted",
			"(those of other backends stay pending) (env INJECTKIT_BACKEND_URL)"},
			[]string{"--outbox-max-bytes", "--output"}},
		{"retry-dead", []string{"--outbox ", "--backend-url", "--token", "(env INJECTKIT_BACKEND_URL)"}, []string{"--outbox-max-bytes", "--output"}},
		{"move", []string{"--outbox ", "--from", "--to", "--output", "-o ", "2  invalid usage"}, []string{"--backend-url value", "--token value", "--ca-file", "--outbox-max-bytes"}},
	} {
		r := run(t, registry(), nil, "outbox", tt.sub, "--help")
		opts, _, _ := strings.Cut(r.stdout, "EXAMPLES:")
		checkSays(t, "outbox "+tt.sub+" options", opts, tt.has, tt.lack)
	}
	// A flag an outbox command does not take is refused with its help.
	if r := run(t, registry(), nil, "outbox", "list", "--token", "t"); r.code != 2 || !strings.Contains(r.stderr, "outbox list --help") {
		t.Errorf("list --token: exit %d, stderr %q", r.code, r.stderr)
	}
}

// `outbox list -o json` prints the counts and the records as one JSON
// object; the text form writes sizes in binary units.
func TestOutboxListJSONAndSizes(t *testing.T) {
	be := newSwitchable(t, http.StatusBadRequest)
	box := writeFile(t, "unused", "") + ".db"
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	if r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-j", "--target", "127.0.0.1", "--backend-url", be.URL,
		"--log-level", "error"); r.code == 0 {
		t.Fatalf("run delivered to a backend answering 400: %s", r.stderr)
	}
	got := listOutbox(t, env)
	if got.Outbox != box || got.Dead != 1 || got.Pending != 0 || got.MaxBytes != 1<<30 || len(got.Records) != 1 ||
		got.Records[0].InjectID != "inj-j" || got.Records[0].Next != "dead: status 400" || int64(got.Records[0].Size) != got.Bytes {
		t.Errorf("list -o json: %+v", got)
	}
	r := run(t, registry(), env, "outbox", "list")
	if !strings.Contains(r.stdout, "0 pending, 1 dead, ") || !strings.Contains(r.stdout, "dead: status 400") ||
		strings.Contains(r.stdout, " 1073741824") {
		t.Errorf("list:\n%s", r.stdout)
	}

	// The limit list shows is the one it is given: the file does not
	// record the one of the process that wrote it (serve
	// --outbox-max-bytes 3000, say); without one, list claims none.
	cfg := writeFile(t, "c.yaml", "outbox_max_bytes: 3000\n")
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
		lack string
	}{
		{"not given", nil, nil, "(limit: the --outbox-max-bytes of run and serve, 1.0 GiB by default)", " of 1.0 GiB"},
		{"flag", nil, []string{"--outbox-max-bytes", "3000"}, " of 2.9 KiB\n", "by default"},
		{"environment", map[string]string{"INJECTKIT_OUTBOX_MAX_BYTES": "3000"}, nil, " of 2.9 KiB\n", "by default"},
		{"config file", nil, []string{"--config", cfg}, " of 2.9 KiB\n", "by default"},
	} {
		e := map[string]string{"INJECTKIT_OUTBOX": box}
		for k, v := range tt.env {
			e[k] = v
		}
		r := run(t, registry(), e, append([]string{"outbox", "list"}, tt.args...)...)
		if r.code != 0 || !strings.Contains(r.stdout, tt.want) || strings.Contains(r.stdout, tt.lack) {
			t.Errorf("%s: exit %d, list:\n%s%s\nwant %q, not %q", tt.name, r.code, r.stdout, r.stderr, tt.want, tt.lack)
		}
	}
}

// help --help, of the application or of a group, shows the help help
// would show, exit 0: the help command has no flags of its own. It said
// "Incorrect Usage: flag: help requested" and exited 2. The topic given
// beside it is kept: help run --help is run's help.
func TestHelpCommandHelpFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // the start of the help shown
	}{
		{[]string{"help", "--help"}, "NAME:\n   injectkit - "},
		{[]string{"help", "-h"}, "NAME:\n   injectkit - "},
		{[]string{"outbox", "help", "--help"}, "NAME:\n   injectkit outbox - "},
		{[]string{"outbox", "h", "-h"}, "NAME:\n   injectkit outbox - "},
		{[]string{"help", "outbox"}, "NAME:\n   injectkit outbox - "},
		{[]string{"outbox", "help", "flush"}, "NAME:\n   injectkit outbox flush - "},
		// The topic kept beside --help: it showed the application's help.
		{[]string{"help", "run", "--help"}, "NAME:\n   injectkit run - "},
		{[]string{"help", "-h", "run"}, "NAME:\n   injectkit run - "},
		{[]string{"outbox", "help", "flush", "-h"}, "NAME:\n   injectkit outbox flush - "},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			r := run(t, registry(), nil, tt.args...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, tt.want) || r.stderr != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}
