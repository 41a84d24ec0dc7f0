package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// quotedLogLine is a log line a document quotes with its level: "WARN
// `inject rejected`".
var quotedLogLine = regexp.MustCompile("\\b(DEBUG|INFO|WARN|ERROR)\\s+`([^`]+)`")

// logMessage is the message of one zap call of the module's code, as
// pieces: each literal text, and "" where the code puts a value known only
// when it runs (a variable, a call, a verb of fmt.Sprintf).
type logMessage []string

// prefixOf reports whether text is the start of a message m can write,
// any text standing for each of its values, with at least 6 of its
// characters (all of a shorter one) the message's own text: a value
// followed by one letter of text does not start every line.
func (m logMessage) prefixOf(text string) bool {
	type state struct{ piece, at, need int }
	seen := map[state]bool{} // the states tried, each failed
	var covers func(piece, at, need int) bool
	covers = func(piece, at, need int) bool {
		rest := text[at:]
		if rest == "" {
			return need <= 0
		}
		if piece == len(m) {
			return false
		}
		s := state{piece, at, max(need, 0)}
		if seen[s] {
			return false
		}
		seen[s] = true
		if p := m[piece]; p != "" {
			if len(rest) <= len(p) {
				return strings.HasPrefix(p, rest) && len(rest) >= need
			}
			return strings.HasPrefix(rest, p) && covers(piece+1, at+len(p), need-len(p))
		}
		end := len(text) // a value may end the text when it ends the message
		if slices.ContainsFunc(m[piece+1:], func(p string) bool { return p != "" }) {
			end-- // not when a text follows it: the document would stop inside a value
		}
		for i := at; i <= end; i++ {
			if covers(piece+1, i, need) {
				return true
			}
		}
		return false
	}
	return covers(0, 0, min(len(text), 6))
}

// messagePieces returns the pieces of a message expression, one
// message for each text it may hold: its string literals, constants
// (consts, its package's), the literals its file assigns to a variable it
// names (vars: what, msg := "redelivered message", "…"), the format of
// a fmt.Sprintf, and "" for anything else.
func messagePieces(e ast.Expr, consts map[string]string, vars map[string][]string) []logMessage {
	switch e := e.(type) {
	case *ast.BasicLit:
		if s, err := strconv.Unquote(e.Value); err == nil && e.Kind == token.STRING {
			return []logMessage{{s}}
		}
	case *ast.Ident:
		if s, ok := consts[e.Name]; ok {
			return []logMessage{{s}}
		}
		if texts := vars[e.Name]; len(texts) > 0 {
			var ms []logMessage
			for _, s := range texts {
				var m logMessage
				for i, lit := range strings.Split(s, "\x00") {
					if i > 0 {
						m = append(m, "")
					}
					m = append(m, lit)
				}
				ms = append(ms, m)
			}
			return ms
		}
	case *ast.ParenExpr:
		return messagePieces(e.X, consts, vars)
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			var ms []logMessage
			for _, x := range messagePieces(e.X, consts, vars) {
				for _, y := range messagePieces(e.Y, consts, vars) {
					ms = append(ms, append(slices.Clone(x), y...))
				}
			}
			return ms
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			var ms []logMessage
			for _, format := range messagePieces(e.Args[0], consts, vars) {
				var m logMessage
				for i, part := range sprintfVerb.Split(strings.Join(format, "\x00"), -1) {
					if i > 0 {
						m = append(m, "")
					}
					for j, lit := range strings.Split(part, "\x00") {
						if j > 0 {
							m = append(m, "")
						}
						m = append(m, lit)
					}
				}
				ms = append(ms, m)
			}
			return ms
		}
	}
	return []logMessage{{""}}
}

// assignedTexts returns the string literals f assigns to each variable
// name, wherever it does (x := "…", x, y = "…", "…", var x = "…"), and
// the messages built of them and of constants (msg := fmt.Sprintf("…",
// n), msg := what + " lost"), each as the text of one message (its
// values "", as messagePieces says them, joined by NUL).
func assignedTexts(f *ast.File, consts map[string]string) map[string][]string {
	vars := map[string][]string{}
	var built []struct {
		name string
		e    ast.Expr
	}
	add := func(lhs []ast.Expr, rhs []ast.Expr) {
		if len(lhs) != len(rhs) {
			return
		}
		for i, l := range lhs {
			id, ok := l.(*ast.Ident)
			if !ok {
				continue
			}
			if lit, isLit := rhs[i].(*ast.BasicLit); isLit && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					vars[id.Name] = append(vars[id.Name], s)
				}
				continue
			}
			built = append(built, struct {
				name string
				e    ast.Expr
			}{id.Name, rhs[i]})
		}
	}
	defer func() {
		for _, b := range built {
			for _, m := range messagePieces(b.e, consts, vars) {
				if len(m) > 1 || m[0] != "" {
					vars[b.name] = append(vars[b.name], strings.Join(m, "\x00"))
				}
			}
		}
	}()
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			add(n.Lhs, n.Rhs)
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				lhs[i] = id
			}
			add(lhs, n.Values)
		}
		return true
	})
	return vars
}

var sprintfVerb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// logMessages returns the messages the module's non-test code logs, by
// the zap method that logs them (Debug, Info, Warn, Error); a message
// that is a value alone (log.Warn(msg)) is left out, as it would match
// any text. Under "" it returns every text the code hands a function
// of its package (a call of a bare name) or returns, for the lines a
// helper writes at a level it chooses when it runs.
func logMessages(t *testing.T, root string) map[string][]logMessage {
	t.Helper()
	files := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files[filepath.Dir(path)] = append(files[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]logMessage{}
	for _, pkg := range files {
		consts := stringConsts(pkg)
		for _, f := range pkg {
			vars := assignedTexts(f, consts)
			ast.Inspect(f, func(n ast.Node) bool {
				if ret, ok := n.(*ast.ReturnStmt); ok {
					for _, r := range ret.Results {
						for _, m := range messagePieces(r, consts, vars) {
							if slices.ContainsFunc(m, func(p string) bool { return p != "" }) {
								out[""] = append(out[""], m) // a line's text made by a function (lostLine)
							}
						}
					}
				}
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				for _, arg := range call.Args {
					// The text a helper of the package is given, which
					// chooses the level when it runs (say(log, level, …),
					// level(kind+" failed")): a call of a bare name.
					if _, local := call.Fun.(*ast.Ident); !local {
						break
					}
					for _, m := range messagePieces(arg, consts, vars) {
						if len(m) > 1 && slices.ContainsFunc(m, func(p string) bool { return p != "" }) || len(m) == 1 && m[0] != "" {
							out[""] = append(out[""], m)
						}
					}
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch sel.Sel.Name {
				case "Debug", "Info", "Warn", "Error":
					for _, m := range messagePieces(call.Args[0], consts, vars) {
						if len(m) > 1 || m[0] != "" {
							out[sel.Sel.Name] = append(out[sel.Sel.Name], m)
						}
					}
				}
				return true
			})
		}
	}
	return out
}

// docLogLine returns the text of a quoted log line a message must start
// with: its white space folded (as the document wraps it), up to an
// ellipsis or the fields the document shows after it ({"status": …}).
func docLogLine(quoted string) string {
	text := strings.Join(strings.Fields(quoted), " ")
	for _, end := range []string{"…", "...", " {"} {
		text, _, _ = strings.Cut(text, end)
	}
	return strings.TrimRight(text, " ")
}

// TestDocLogLines checks that each log line README.md, docs/*.md and the
// injectors' READMEs quote with its level ("WARN `inject rejected`") is
// one the code of the module writes: a zap call at that level whose
// message starts with the quoted text, a value the code puts in it
// standing for any text (a variable, a call, fmt.Sprintf's verbs), so that
// a reader searching the logs for a quoted line finds it; a line the code
// writes at another level fails, and one a helper writes at a level it
// chooses when it runs (serve's registration, the outbox's resends) has
// its text checked alone.
func TestDocLogLines(t *testing.T) {
	root := repoRoot(t)
	messages := logMessages(t, root)
	n, unchecked := 0, 0
	for _, path := range readerDocs(t, root) {
		rel, _ := filepath.Rel(root, path)
		md := string(readRepoFile(t, path))
		for _, loc := range quotedLogLine.FindAllStringSubmatchIndex(md, -1) {
			level, text := md[loc[2]:loc[3]], docLogLine(md[loc[4]:loc[5]])
			if text == "" {
				continue
			}
			n++
			method := level[:1] + strings.ToLower(level[1:])
			if matches(messages[method], text) {
				continue
			}
			var other []string
			for _, m := range []string{"Debug", "Info", "Warn", "Error"} {
				if m != method && matches(messages[m], text) {
					other = append(other, strings.ToUpper(m))
				}
			}
			switch {
			case len(other) > 0:
				t.Errorf("%s:%d quotes %s `%s`: the code logs it at %s", filepath.ToSlash(rel), strings.Count(md[:loc[0]], "\n")+1, level, text, strings.Join(other, ", "))
			case matches(messages[""], text):
				unchecked++ // its level chosen when it runs
			default:
				t.Errorf("%s:%d quotes %s `%s`: no code logs it", filepath.ToSlash(rel), strings.Count(md[:loc[0]], "\n")+1, level, text)
			}
		}
	}
	if n < 60 {
		t.Fatalf("the documents quote %d log lines: the reading broke", n)
	}
	t.Logf("%d quoted log lines, %d of them written at a level the code chooses when it runs (their text checked, not their level)", n, unchecked)
}

// matches reports whether text starts a message of ms.
func matches(ms []logMessage, text string) bool {
	return slices.ContainsFunc(ms, func(m logMessage) bool { return m.prefixOf(text) })
}

// TestDocLogLinesFails proves the match of a quoted line fails where it
// must.
func TestDocLogLinesFails(t *testing.T) {
	m := messagePieces(mustExpr(t, `"terminal callback refused and " + why + ": the inject's result is lost"`), nil, nil)[0]
	s := messagePieces(mustExpr(t, `fmt.Sprintf("outbox full: %d of %d bytes; %s", n, max, reason)`), nil, nil)[0]
	k := messagePieces(mustExpr(t, `msgStop + "; exiting"`), map[string]string{"msgStop": "shutting down"}, nil)[0]
	v := messagePieces(mustExpr(t, `what + ": running it"`), nil, map[string][]string{"what": {"redelivered", "handled again"}})
	if len(v) != 2 || !v[1].prefixOf("handled again: running it") || v[0].prefixOf("handled again: running it") {
		t.Errorf("a variable's texts: %q", v)
	}
	for _, c := range []struct {
		m    logMessage
		text string
		want bool
	}{
		{m, "terminal callback refused and no outbox: the inject's result is lost", true},
		{m, "terminal callback refused and no outbox: the inject's", true}, // a prefix
		{m, "terminal callback refused", true},
		{m, "terminal callback lost and no outbox", false},
		{m, "terminal callback refused and no outbox: the result is lost", false},
		{s, "outbox full: 10 of 1024 bytes; no room", true},
		{s, "outbox full: 10 bytes", false},
		{k, "shutting down; exiting", true},
		{k, "shutting down now", false},
		{logMessage{"", "g: done"}, "registration went wrong", false}, // one letter of text
		{logMessage{"", " failed"}, "registration failed", true},
	} {
		if got := c.m.prefixOf(docLogLine(c.text)); got != c.want {
			t.Errorf("%q of %q: %v, want %v", c.text, c.m, got, c.want)
		}
	}
	if got := docLogLine("inject failed; its signatures\n  report the failure {\"status\": \"failed\"}"); got != "inject failed; its signatures report the failure" {
		t.Errorf("docLogLine: %q", got)
	}
}

func mustExpr(t *testing.T, src string) ast.Expr {
	t.Helper()
	e, err := parser.ParseExpr(src)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
