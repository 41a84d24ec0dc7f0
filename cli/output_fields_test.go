package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// documentedKeys are the field names the README gives a command's JSON
// object where it says "<command> prints `{"a","b",…}`", in that order.
func documentedKeys(t *testing.T, command string) []string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	m := regexp.MustCompile("`" + regexp.QuoteMeta(command) + "` prints `\\{([^}`]*)\\}`").FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("README.md does not say \"`%s` prints `{\"…\"}`\"", command)
	}
	var keys []string
	if err := json.Unmarshal([]byte("["+m[1]+"]"), &keys); err != nil {
		t.Fatalf("README.md's fields of %s, %q: %v", command, m[1], err)
	}
	return keys
}

// The JSON object version, validate, outbox list (of an empty outbox) and
// outbox move (of nothing) print is one document whose keys are the ones
// the README lists for it, no more and no fewer (those it says are left out
// when they do not apply are checked in TestOutboxJSONFieldsAsTheREADMESays
// and TestValidateJSONSaysAnInjectorCannotRun): a script
// goes by that list, and a field added, renamed or dropped without it
// fails here. Checked on the output itself, decoded as a script would.
func TestJSONObjectsCarryTheREADMEsFields(t *testing.T) {
	ob := filepath.Join(t.TempDir(), "outbox.db")
	for _, tt := range []struct {
		command string
		args    []string
		code    int // 1: move's nothing moved, its object printed all the same
	}{
		{"outbox list -o json", []string{"outbox", "list", "--outbox", ob, "-o", "json"}, 0},
		{"outbox move -o json", []string{"outbox", "move", "--outbox", ob, "--from", "http://127.0.0.1:9/",
			"--to", "http://127.0.0.1:10/", "-o", "json"}, 1},
		{"injectkit version -o json", []string{"version", "-o", "json"}, 0},
		{"validate -o json", []string{"validate", "noop", "--target", "127.0.0.1", "-o", "json"}, 0},
		{"validate -o json", []string{"validate", "noop", "--target", "127.0.0.1", "-o", "json", "--profile", "openaev",
			"--backend-url", "http://127.0.0.1:9/", "--inject-id", "i1", "--outbox", "none"}, 0},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, registry(), nil, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
			}
			var v map[string]any
			dec := json.NewDecoder(strings.NewReader(r.stdout))
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("stdout %q is not a JSON object: %v", r.stdout, err)
			}
			if dec.More() {
				t.Fatalf("stdout %q holds more than one JSON document", r.stdout)
			}
			var got []string
			for k := range v {
				got = append(got, k)
			}
			want := documentedKeys(t, tt.command)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("keys %q, the README lists %q", got, want)
			}
		})
	}
}

// A run without a backend URL prints, with -o json, one JSON document per
// line: a body of the callback profile, `{"phase","expectation_signature"}`
// as docs/wire-format.md gives it (an unchunked one: no chunk_index nor
// total_chunks), or, with --profile openaev, each platform call as
// `{"method","path","body"}`, as the README says. A key added or
// renamed, or the page's example changed, fails here.
func TestRunJSONLinesCarryTheDocumentedFields(t *testing.T) {
	for _, tt := range []struct {
		name, doc, example string
		args               []string
		keys               []string
	}{
		{"callback", "docs/wire-format.md", `{"phase": "execution_complete", "expectation_signature": {`,
			[]string{"run", "noop", "--target", "127.0.0.1", "-o", "json"}, []string{"expectation_signature", "phase"}},
		{"openaev", "README.md", "`{\"method\",\"path\",\"body\"}`",
			[]string{"run", "noop", "--target", "127.0.0.1", "-o", "json", "--profile", "openaev"}, []string{"body", "method", "path"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join("..", tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(doc), tt.example) {
				t.Fatalf("%s no longer gives a line as %s", tt.doc, tt.example)
			}
			r := run(t, registry(), nil, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			for _, line := range lines {
				var v map[string]json.RawMessage
				if err := json.Unmarshal([]byte(line), &v); err != nil {
					t.Fatalf("line %q is not a JSON object: %v", line, err)
				}
				var got []string
				for k := range v {
					got = append(got, k)
				}
				slices.Sort(got)
				if !slices.Equal(got, tt.keys) {
					t.Errorf("line %q has keys %q, %s gives %q", line, got, tt.doc, tt.keys)
				}
			}
		})
	}
}
