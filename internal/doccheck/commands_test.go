package doccheck

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// helpOptionLine is one line of a help's OPTIONS section: its names and
// its text ("   --output value, -o value   stdout: … (env INJECTKIT_OUTPUT)").
var helpOptionLine = regexp.MustCompile(`^   (-{1,2}[a-z][a-z0-9-]*)(?: value)?(?:, (-{1,2}[a-z][a-z0-9-]*)(?: value)?)?(?:\s{2,}(.*))?$`)

// helpOptions returns the options of a command's --help by each of their
// names (--output and -o alike), each with its text.
func helpOptions(help string) map[string]string {
	_, section, ok := strings.Cut(help, "OPTIONS:\n")
	if !ok {
		return nil
	}
	section, _, _ = strings.Cut(section, "\n\n")
	opts := map[string]string{}
	for line := range strings.Lines(section) {
		m := helpOptionLine.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if m == nil {
			continue
		}
		opts[m[1]] = m[3]
		if m[2] != "" {
			opts[m[2]] = m[3]
		}
	}
	return opts
}

// docInvocation is a command line of injectkit a document writes, in a
// code block or an inline code span: the command it runs and the flags
// it gives that command.
type docInvocation struct {
	doc     string
	line    int
	command string // "" for the application itself (injectkit --version)
	flags   []string
	text    string
}

var (
	// invoked finds injectkit run as a command: at the start, or after
	// white space, a path (bin/injectkit, ./cmd/injectkit) or $( ; and
	// the guide's hello, a binary serving the same command line.
	invoked = regexp.MustCompile(`(?:^|[\s/(])(injectkit|hello)[ \t]+`)
	// argFlag is an argument that is a flag: --target, --param=x, -o.
	argFlag = regexp.MustCompile(`^(--?[a-z][a-z0-9-]*)(?:=|$)`)
)

// invocations returns the command lines of injectkit md writes (a
// comment of a code block, from " #" on, is not one; a line of a code
// block ending in a backslash goes on in the next), each read as far
// as the shell would hand it its arguments: up to a pipe, a list
// operator, a redirection or the end of a command substitution.
// commands are the command line's commands, by their words.
func invocations(doc string, md []byte, commands map[string]bool) []docInvocation {
	var out []docInvocation
	inBlock := false
	lines := strings.Split(string(md), "\n")
	for n := 0; n < len(lines); n++ {
		line, start := lines[n], n
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		var pieces []string
		if inBlock {
			for strings.HasSuffix(line, "\\") && n+1 < len(lines) {
				n++
				line = strings.TrimSuffix(line, "\\") + " " + lines[n]
			}
			if i := strings.Index(line, " #"); i >= 0 {
				line = line[:i]
			}
			pieces = []string{line}
		} else {
			for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
				pieces = append(pieces, m[1])
			}
		}
		for _, piece := range pieces {
			for from := 0; ; {
				loc := invoked.FindStringSubmatchIndex(piece[from:])
				if loc == nil {
					break
				}
				binary := piece[from+loc[2] : from+loc[3]]
				inv, used, ok := invocation(piece[from+loc[1]:], commands, binary == "injectkit")
				from += loc[1]
				if ok {
					inv.doc, inv.line = doc, start+1
					out = append(out, inv)
					from += used // hello run hello --target …: the second hello is an argument
				}
			}
		}
	}
	return out
}

// invocation reads the arguments of injectkit from args: its command, the
// longest run of words naming one, and the flags that follow; and how
// many bytes of args they take. It reports false when args start with no
// command (prose: "injectkit is"), or, unless root, with no command but
// a flag (injectkit --version; the guide's hello is also the name of
// its injector: -contract-of hello -inject X).
func invocation(args string, commands map[string]bool, root bool) (docInvocation, int, bool) {
	var fields []string
	used := 0
	for rest := args; ; {
		trimmed := strings.TrimLeft(rest, " \t")
		f, _, _ := strings.Cut(trimmed, " ")
		f, _, _ = strings.Cut(f, "\t")
		if f == "" || strings.ContainsAny(f[:1], "|&;<>#`") || strings.HasPrefix(f, "2>") {
			break
		}
		at := len(args) - len(trimmed)
		if end := strings.IndexAny(f, ");|"); end >= 0 {
			if end > 0 {
				fields = append(fields, f[:end])
			}
			used = at + end
			break
		}
		fields = append(fields, f)
		used = at + len(f)
		rest = trimmed[len(f):]
	}
	inv := docInvocation{text: strings.Join(fields, " ")}
	i := 0
	for i < len(fields) && commands[strings.TrimSpace(inv.command+" "+fields[i])] {
		inv.command = strings.TrimSpace(inv.command + " " + fields[i])
		i++
	}
	if i == 0 && (!root || len(fields) == 0 || !strings.HasPrefix(fields[0], "-")) {
		return inv, 0, false
	}
	for _, f := range fields[i:] {
		if m := argFlag.FindStringSubmatch(f); m != nil {
			inv.flags = append(inv.flags, m[1])
		}
	}
	return inv, used, true
}

// misplacedFlags returns an error for each flag an invocation gives
// that its command's --help does not list (--help and -h aside, which
// every command takes).
func misplacedFlags(invs []docInvocation, helps map[string]string) []error {
	var errs []error
	for _, inv := range invs {
		opts := helpOptions(helps[inv.command])
		name := strings.TrimSpace("injectkit " + inv.command)
		for _, f := range inv.flags {
			if _, ok := opts[f]; !ok && f != "--help" && f != "-h" {
				errs = append(errs, fmt.Errorf("%s:%d: `injectkit %s`: %s is no flag of %s (its --help does not list it)",
					inv.doc, inv.line, inv.text, f, name))
			}
		}
	}
	return errs
}

// TestDocCommandFlags checks that each command line of injectkit that
// README.md, docs/*.md and the injectors' READMEs write, in a code block
// or an inline code span, and each command's --help in its EXAMPLES,
// gives its command only flags that command's --help lists: TestDocFlagsAndVariables takes a flag some command has,
// where a reader copying `injectkit outbox list --backend-url URL` is
// refused (flag provided but not defined, exit 2).
func TestDocCommandFlags(t *testing.T) {
	root := repoRoot(t)
	helps := commandHelps(t)
	commands := map[string]bool{}
	for c := range helps {
		if c != "" {
			commands[c] = true
		}
	}
	if !commands["outbox flush"] || len(helpOptions(helps["run"])) < 30 {
		t.Fatalf("read %d commands and %d options of run from the helps: the reading broke", len(commands), len(helpOptions(helps["run"])))
	}
	n, flags := 0, 0
	for _, path := range readerDocs(t, root) {
		rel, _ := filepath.Rel(root, path)
		invs := invocations(filepath.ToSlash(rel), readRepoFile(t, path), commands)
		for _, inv := range invs {
			flags += len(inv.flags)
		}
		n += len(invs)
		for _, err := range misplacedFlags(invs, helps) {
			t.Error(err)
		}
	}
	// Each command's --help ends with examples, command lines too.
	for c, help := range helps {
		_, examples, ok := strings.Cut(help, "\nEXAMPLES:\n")
		if !ok {
			t.Errorf("injectkit %s --help has no EXAMPLES", c)
			continue
		}
		invs := invocations(strings.TrimSpace("injectkit "+c)+" --help", []byte("```sh\n"+examples+"\n```\n"), commands)
		if len(invs) == 0 {
			t.Errorf("injectkit %s --help: no command line of injectkit read in its EXAMPLES", c)
		}
		for _, inv := range invs {
			flags += len(inv.flags)
		}
		n += len(invs)
		for _, err := range misplacedFlags(invs, helps) {
			t.Error(err)
		}
	}
	if n < 60 || flags < 40 {
		t.Fatalf("the documents write %d command lines of injectkit giving %d flags: the reading broke", n, flags)
	}
	t.Logf("%d command lines of injectkit, %d flags", n, flags)
}

// TestDocCommandFlagsFails proves the reading of command lines and the
// check fail where they must.
func TestDocCommandFlagsFails(t *testing.T) {
	helps := map[string]string{
		"":             "GLOBAL OPTIONS:\n   --version   print the version\n   --help, -h  show help\n",
		"outbox list":  "OPTIONS:\n   --summary                  counts\n   --output value, -o value   format (env INJECTKIT_OUTPUT)\n\nEXAMPLES:\n   --backend-url\n",
		"outbox flush": "OPTIONS:\n   --backend-url value  URL (env INJECTKIT_BACKEND_URL)\n",
		"outbox":       "OPTIONS:\n   --help, -h  show help\n",
	}
	commands := map[string]bool{"outbox": true, "outbox list": true, "outbox flush": true}
	md := "Run `injectkit outbox list --summary -o json | jq .` then `bin/injectkit outbox flush --backend-url URL`;\n" +
		"`injectkit --version`, and injectkit is a tool (`injectkit is`).\n" +
		"```sh\n" +
		"injectkit outbox list --backend-url URL   # --limit in a comment is no flag\n" +
		"x=$(injectkit outbox flush --backend-url=U --summary) && injectkit outbox list -x\n" +
		"bin/hello outbox list \\\n  --summary --limit 5\n" +
		"```\n" +
		"`injectkit --verbose outbox list`\n" +
		"`go run ./examples/hello outbox list hello --summary --limit 1` `standin -contract-of hello -inject X`\n"
	invs := invocations("bad.md", []byte(md), commands)
	var got []string
	for _, err := range misplacedFlags(invs, helps) {
		got = append(got, err.Error())
	}
	want := []string{
		"bad.md:4: `injectkit outbox list --backend-url URL`: --backend-url is no flag of injectkit outbox list (its --help does not list it)",
		"bad.md:5: `injectkit outbox flush --backend-url=U --summary`: --summary is no flag of injectkit outbox flush (its --help does not list it)",
		"bad.md:5: `injectkit outbox list -x`: -x is no flag of injectkit outbox list (its --help does not list it)",
		"bad.md:6: `injectkit outbox list --summary --limit 5`: --limit is no flag of injectkit outbox list (its --help does not list it)",
		"bad.md:9: `injectkit --verbose outbox list`: --verbose is no flag of injectkit (its --help does not list it)",
		"bad.md:10: `injectkit outbox list hello --summary --limit 1`: --limit is no flag of injectkit outbox list (its --help does not list it)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(invs) != 9 {
		t.Errorf("read %d command lines, want 9: %+v", len(invs), invs)
	}
}
