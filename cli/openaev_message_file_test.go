package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
)

// A --openaev-message file's errors name the file, and the line and column
// of what is wrong when the message writes it, as an inject file's errors
// do (not a byte offset), a value of the wrong JSON type too; an inject
// id written empty is said to be empty, one written null null, not
// missing. Nothing is sent, whether the message names its inject or not:
// the platform is told of a message that cannot be read by serve alone
// (its INVALID_USAGE, which knows no file, keeps the byte).
func TestMessageFileErrorsNameLineAndColumn(t *testing.T) {
	tests := []struct {
		name, file, body, want string
	}{
		{"cut short", "cut.json", "{\"injection\":", "cut.json:1:14: invalid message: malformed message: not valid JSON: unexpected end of JSON input"},
		{"bad character on line 3", "bad.json", "{\"injection\": {\n  \"inject_id\": \"i-1\",\n  \"inject_content\": {'a': 1}}}",
			"bad.json:3:22: invalid message for inject i-1: malformed message: not valid JSON: invalid character '\\'' looking for beginning of object key string"},
		{"inject id twice", "twice.json", "{\"injection\": {\n\"inject_id\": \"a\",\n\"inject_id\": \"b\"}}",
			"twice.json:3:1: invalid message: malformed message: key injection.inject_id given twice: the platform writes each key once"},
		{"content key twice", "key.json", "{\"injection\": {\"inject_id\": \"i-1\",\n \"inject_content\": {\"a\": 1,\n   \"A\": 2}}}",
			"key.json:3:4: invalid message for inject i-1: malformed message: key injection.inject_content.A given twice"},
		{"empty inject id", "empty.json", "{\"injection\": {\n  \"inject_id\": \"\"}}", "empty.json:2:16: invalid message: injection.inject_id is empty"},
		{"blank inject id", "blank.json", "{\"injection\": {\"inject_id\": \" \"}}",
			"blank.json:1:29: invalid message: injection.inject_id is blank (white space alone)"},
		{"inject id not ASCII", "id.json", "{\"injection\": {\n  \"inject_id\": \"inj-\\u00e9\"}}",
			`id.json:2:16: invalid message: invalid injection.inject_id "inj-é": holds the non-ASCII character U+00E9 at byte 4`},
		{"no inject id", "none.json", `{"injection": {}}`, "none.json: invalid message: injection.inject_id is missing"},
		{"inject id a number", "num.json", "{\"injection\":\n {\"inject_id\": 5}}",
			"num.json:2:16: invalid message: malformed message: injection.inject_id: a number, want a string"},
		{"inject id null", "null.json", "{\"injection\":\n {\"inject_id\": null}}",
			"null.json:2:16: invalid message: injection.inject_id is null, want a string"},
		{"content a number", "content.json", "{\"injection\":\n {\"inject_id\": \"i-1\", \"inject_content\": 5}}",
			"content.json:2:41: invalid message for inject i-1: malformed message: injection.inject_content: a number, want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.body)
			r := run(t, registry(), nil, "run", "noop", "--openaev-message", path, "--log-level", "error")
			if want := "injectkit: openaev message " + path[:len(path)-len(tt.file)] + tt.want; r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, want)
			}
			if strings.Contains(r.stderr, "at byte") && !strings.Contains(tt.want, "at byte") {
				t.Errorf("stderr names a byte offset:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("printed (the platform would have been told):\n%s", r.stdout)
			}
		})
	}
}

// A --openaev-message file that is not a message (its last byte cut)
// is bad input: exit 2 naming the file's line and column, before the
// platform is asked anything, whether the inject it names finished
// (--rerun-finished or not) or not: no request, the inject's status as
// it was, not reopened.
func TestRunOpenAEVMessageBrokenAsksNothing(t *testing.T) {
	for _, tt := range []struct {
		name     string
		finished bool
		args     []string
	}{
		{"inject queuing", false, nil},
		{"inject finished", true, nil},
		{"inject finished, --rerun-finished", true, []string{"--rerun-finished"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const id = "inj-cut"
			p := noopPlatform(t, id)
			whole := oneAssetMessage(t, id, openaev.ContractID("noop"))
			if tt.finished {
				env, _ := outboxEnv(t)
				ranOnce(t, func(...string) result {
					return run(t, registry(), env, "run", "noop", "--openaev-message", whole, "--backend-url", p.URL, "--log-level", "warn")
				}, p, id)
			}
			body, err := os.ReadFile(whole)
			if err != nil {
				t.Fatal(err)
			}
			cut := writeFile(t, "cut.json", string(body[:len(body)-1]))
			calls, status := len(p.AllCalls()), p.InjectStatus(id)
			env, box := outboxEnv(t)
			r := run(t, registry(), env, append([]string{"run", "noop", "--openaev-message", cut, "--backend-url", p.URL}, tt.args...)...)
			want := "openaev message " + cut + ":1:" // the line and column of the end
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) ||
				!strings.Contains(r.stderr, "invalid message for inject "+id+": malformed message: not valid JSON: unexpected end of JSON input") ||
				strings.Contains(r.stderr, "already finished") {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 naming %s and the malformed message", r.code, r.stderr, want)
			}
			for _, c := range p.AllCalls()[calls:] {
				t.Errorf("the platform got %s %s", c.Method, c.Path)
			}
			if got := p.InjectStatus(id); got != status || p.Reopenings(id) != 0 {
				t.Errorf("inject status %s (was %s), %d reopenings", got, status, p.Reopenings(id))
			}
			noOutboxFile(t, box)
		})
	}
}
