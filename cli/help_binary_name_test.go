package cli_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// Every command's help of a binary of another name says that name where
// it quotes the binary's own lines ("hello: stdout not written: …", as
// its stderr says it; validate's and outbox flush's said injectkit's),
// and a binary serving only injectors of its own is shown them in serve's
// --injectors, not the reference ones it does not have ("e.g. nmap,query"
// beside "(known: greet, probe)").
func TestEveryHelpOfAnotherBinaryNamesIt(t *testing.T) {
	reg := framework.NewRegistry()
	for _, name := range []string{"greet", "probe"} {
		reg.Register(name, func() framework.Executor { return &frameworktest.Executor{Category: framework.Network} })
	}
	o := cli.Options{Registry: reg, Name: "hello", Version: "1.0.0"}
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"validate", "--help"}, {"serve", "--help"},
		{"injectors", "--help"}, {"outbox", "--help"}, {"outbox", "list", "--help"}, {"outbox", "flush", "--help"},
		{"outbox", "drop", "--help"}, {"outbox", "compact", "--help"}, {"outbox", "retry-dead", "--help"},
		{"outbox", "move", "--help"}, {"version", "--help"}, {"completion", "--help"}} {
		r := runWith(t, o, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if m := regexp.MustCompile(`(^|[\s(])injectkit[ :]`).FindString(r.stdout); m != "" {
			t.Errorf("%v: the help names injectkit (%q):\n%s", args, m, r.stdout)
		}
	}
	serve := strings.Join(strings.Fields(runWith(t, o, nil, "serve", "--help").stdout), " ")
	const want = "--injectors value injectors to register and consume for, e.g. greet,probe (repeatable or comma-separated; " +
		"default: every registered injector) (known: greet, probe)"
	if !strings.Contains(serve, want) {
		t.Errorf("serve --help: no %q in\n%s", want, serve)
	}
	// injectkit's own keeps its words.
	serve = strings.Join(strings.Fields(run(t, registry(withNmap, withQuery), nil, "serve", "--help").stdout), " ")
	if !strings.Contains(serve, "e.g. nmap,query (repeatable or comma-separated; default: every registered injector but noop, which is served only when named)") {
		t.Errorf("injectkit serve --help:\n%s", serve)
	}
}
