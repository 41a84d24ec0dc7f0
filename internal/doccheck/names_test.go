package doccheck

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
)

var (
	// docFlag is a long flag as the documents write it: --backend-url.
	docFlag = regexp.MustCompile(`--[a-z][a-z0-9-]*[a-z0-9]`)
	// docEnv is an environment variable of injectkit: INJECTKIT_TOKEN
	// (INJECTKIT_PORT_<N>, a pattern, reads as INJECTKIT_PORT).
	docEnv = regexp.MustCompile(`INJECTKIT_[A-Z0-9_]*[A-Z0-9]`)
	// helpCommand is a line of a help's COMMANDS section: "   run   …".
	helpCommand = regexp.MustCompile(`(?m)^   ([a-z][a-z-]*)[ ,]`)
)

// notOurs are the flags and variables the documents name that no
// injectkit command takes, each on purpose: another tool's flag, a slip
// quoted to show its hint, a name quoted to say it is refused or
// ignored. A name added here must still be one the command line does not
// know, and one the documents still write.
var notOurs = map[string]string{
	"--apply-to": "rabbitmqctl set_policy's",
	"--now":      "systemctl enable's",
	"--taget":    "the slip whose hint suggests --target",
	"--dry-run":  "the flag the README says run does not have",

	"--stats-every":  "nmap's own, which the nmap injector gives it",
	"--exclude":      "nmap's own, which the nmap injector gives it",
	"--script":       "nmap's own, quoted as a hostile target the nmap injector refuses",
	"--host-timeout": "nmap's own, in the nmap injector's README (what nmap writes of a host it gave up on)",
	"--ambient-caps": "setpriv's, in the nmap injector's README",

	"INJECTKIT_BACKEND_ULR":           "a slip the command line refuses with its hint",
	"INJECTKIT_TOKN":                  "a slip the command line refuses with its hint",
	"INJECTKIT_OUTBOKS":               "a slip the command line refuses with its hint",
	"INJECTKIT_SHODAN_KEY":            "a slip the command line refuses with its hint",
	"INJECTKIT_QUERY_SHODAN_BASE_URL": "a setting written as its config key, refused",
	"INJECTKIT_NMAP_PORTS":            "a param written as a variable, refused",
	"INJECTKIT_VERSION":               "an unknown variable the command line ignores with a WARN",
	"INJECTKIT_HOME":                  "an unknown variable the command line ignores with a WARN",
	"INJECTKIT_SERVICE_HOST":          "a Kubernetes Service's, ignored",
	"INJECTKIT_SERVICE_PORT":          "a Kubernetes Service's, ignored",
	"INJECTKIT_PORT":                  "a Kubernetes Service's or a Docker link's, ignored",
	"INJECTKIT_NAME":                  "a Docker link's, ignored",
	"INJECTKIT_ENV":                   "a Docker link's (INJECTKIT_ENV_<VAR>), ignored",
}

// TestDocFlagsAndVariables checks that each long flag and each INJECTKIT_
// variable README.md, docs/*.md and the injectors' READMEs write is one
// the command line has: a
// flag some command's --help lists, a variable a --help names (env …) or
// an injector's setting reads, so that a flag or variable renamed in the
// code cannot stay in the documents, where a newcomer would type it.
func TestDocFlagsAndVariables(t *testing.T) {
	root := repoRoot(t)
	known := commandLineNames(t)
	written := map[string]string{} // name → the first document writing it
	for _, path := range readerDocs(t, root) {
		rel, _ := filepath.Rel(root, path)
		text := string(readRepoFile(t, path))
		for _, name := range append(docFlag.FindAllString(text, -1), docEnv.FindAllString(text, -1)...) {
			if _, ok := written[name]; !ok {
				written[name] = filepath.ToSlash(rel)
			}
		}
	}
	for name, doc := range written {
		if why, ok := notOurs[name]; ok {
			if known[name] {
				t.Errorf("%s is listed as no name of injectkit (%s), but the command line knows it", name, why)
			}
			continue
		}
		if !known[name] {
			t.Errorf("%s writes %s, which no command of the command line takes (no --help lists it, no injector's setting reads it)", doc, name)
		}
	}
	for name := range notOurs {
		if _, ok := written[name]; !ok {
			t.Errorf("notOurs lists %s, which no document writes any more: drop it", name)
		}
	}
}

// commandLineNames returns the long flags and the environment variables
// of the command line: those of every command's --help, the commands
// found from the application's own help down, and those of every
// registered injector's settings.
func commandLineNames(t *testing.T) map[string]bool {
	t.Helper()
	var help strings.Builder
	for _, out := range commandHelps(t) {
		help.WriteString(out)
	}
	run := injectkitRun(t)
	var injectors []struct {
		Settings []struct {
			Env string `json:"env"`
		} `json:"settings"`
	}
	if err := json.Unmarshal([]byte(run("injectors", "-o", "json")), &injectors); err != nil {
		t.Fatalf("injectors -o json: %v", err)
	}
	known := map[string]bool{}
	for _, name := range append(docFlag.FindAllString(help.String(), -1), docEnv.FindAllString(help.String(), -1)...) {
		known[name] = true
	}
	for _, in := range injectors {
		for _, s := range in.Settings {
			if s.Env != "" {
				known[s.Env] = true
			}
		}
	}
	if !known["--backend-url"] || !known["--openaev-url"] || !known["--to"] || !known["INJECTKIT_SHODAN_API_KEY"] {
		t.Fatalf("the command line's help and settings read no --backend-url, --openaev-url, --to or INJECTKIT_SHODAN_API_KEY: the reading broke")
	}
	return known
}

// injectkitRun returns a function running the command line of the
// built-in injectors with args, in an empty environment, failing t unless
// it exits 0; it returns its stdout.
func injectkitRun(t *testing.T) func(args ...string) string {
	t.Helper()
	reg := framework.NewRegistry()
	builtin.Register(reg)
	return func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := cli.Run(context.Background(), cli.Options{Registry: reg, Stdout: &stdout, Stderr: &stderr,
			Getenv: func(string) string { return "" }}, append([]string{"injectkit"}, args...))
		if code != cli.ExitOK {
			t.Fatalf("injectkit %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String()
	}
}

// commandHelps returns the --help of every command of the command line,
// found from the application's own help down, by the command's words
// ("" for the application, "run", "outbox flush").
func commandHelps(t *testing.T) map[string]string {
	t.Helper()
	run := injectkitRun(t)
	helps := map[string]string{}
	queue := [][]string{nil}
	for len(queue) > 0 {
		cmd := queue[0]
		queue = queue[1:]
		out := run(append(slices.Clone(cmd), "--help")...)
		helps[strings.Join(cmd, " ")] = out
		_, commands, ok := strings.Cut(out, "\nCOMMANDS:\n")
		commands, _, _ = strings.Cut(commands, "\n\n")
		for _, m := range helpCommand.FindAllStringSubmatch(commands, -1) {
			if ok && m[1] != "help" {
				queue = append(queue, append(slices.Clone(cmd), m[1]))
			}
		}
	}
	return helps
}
