package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// Bad input is refused before anything runs: exit 2, no request to the
// backend, nothing in the outbox, no signatures on stderr or stdout.
func TestBinaryRefusesBadInputBeforeRunning(t *testing.T) {
	file := func(t *testing.T, content string) string {
		path := filepath.Join(t.TempDir(), "inject.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const ok = `"injector":"noop","targets":[{"value":"127.0.0.1"}]`
	noop := []string{"run", "noop", "--target", "127.0.0.1"}
	tests := []struct {
		name    string
		args    func(t *testing.T, backend string) []string
		backend bool // the case's args name the recording backend
		want    string
	}{
		{"control character in the inject id", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "f1\x01", "--backend-url", be)
		}, true, `invalid inject_id "f1\x01" (--inject-id): holds the non-printable character U+0001`},
		{"line break in the inject id", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "a\nb", "--backend-url", be)
		}, true, `invalid inject_id "a\nb"`},
		{"DEL in the inject id", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "a\x7fb", "--backend-url", be)
		}, true, `invalid inject_id "a\x7fb"`},
		{"inject id over 256 bytes", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", strings.Repeat("i", 257), "--backend-url", be)
		}, true, "257 bytes long, at most 256 allowed"},
		{"line break in the phase", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "ok", "--phase", "x\ny", "--backend-url", be)
		}, true, `invalid phase "x\ny"`},
		{"blank phase", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "ok", "--phase", " ", "--backend-url", be)
		}, true, `invalid phase " " (--phase): must not be blank`},
		// net/http refuses such a header only once the inject ran: the
		// body could never be sent.
		{"control character in the token", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "ok", "--backend-url", be, "--token", "tok\x01hunter2")
		}, true, `invalid token (secret) (--token): holds a control character`},
		{"non-ASCII token", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "ok", "--backend-url", be, "--token", "hunter2é", "--profile", "openaev")
		}, true, `invalid token (secret) (--token): holds a character outside ASCII`},
		{"backend port out of range", func(_ *testing.T, _ string) []string {
			return append(noop, "--inject-id", "ok", "--backend-url", "http://127.0.0.1:99999")
		}, false, `invalid backend_url "http://127.0.0.1:99999" (--backend-url): invalid port "99999": want a number from 1 to 65535`},
		{"credentials and a bad port in the backend URL", func(_ *testing.T, _ string) []string {
			return append(noop, "--inject-id", "ok", "--backend-url", "http://user:hunter2@127.0.0.1:0")
		}, false, `invalid backend_url "http://127.0.0.1:0" (--backend-url): invalid port "0"`},
		{"backend port not a number", func(_ *testing.T, _ string) []string {
			return append(noop, "--inject-id", "ok", "--backend-url", "http://127.0.0.1:abc")
		}, false, `invalid backend_url "http://127.0.0.1:REDACTED" (--backend-url): not a URL: invalid port after the host's ':', not a number`},
		// A password whose user name lost its '@' reads as the port: not
		// shown.
		{"password for the backend URL's port", func(_ *testing.T, _ string) []string {
			return append(noop, "--inject-id", "ok", "--backend-url", "http://user:hunter2")
		}, false, `invalid backend_url "http://user:REDACTED" (--backend-url): not a URL: invalid port after the host's ':', not a number`},
		{"size limit below one target", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "ok", "--backend-url", be, "--max-payload-size", "100")
		}, true, `invalid max_payload_size "100" (--max-payload-size): smaller than a body holding one minimal target`},
		{"size limit below this target", func(_ *testing.T, be string) []string {
			return append(noop, "--inject-id", "ok", "--backend-url", be, "--max-payload-size", "300")
		}, true, `invalid --target "127.0.0.1": its signatures fit in no body of at most 300 bytes (--max-payload-size); this inject needs at least N bytes`},
		{"size limit below this target, printed", func(_ *testing.T, _ string) []string {
			return append(noop, "--max-payload-size", "300")
		}, false, `invalid --target "127.0.0.1": its signatures fit in no body of at most 300 bytes (--max-payload-size); this inject needs at least N bytes`},
		{"one target larger than the default limit", func(t *testing.T, be string) []string {
			f := file(t, `{"inject_id":"big",`+ok[:len(ok)-2]+`,"asset":"`+strings.Repeat("a", 1<<20)+`"}]}`)
			return []string{"run", "--inject-file", f, "--backend-url", be}
		}, true, `: invalid targets[0] "127.0.0.1": its signatures fit in no body of at most`},
		{"key in another case", func(t *testing.T, be string) []string {
			f := file(t, `{"inject_id":"f1",`+ok+`,"Inject_ID":"f2"}`)
			return []string{"run", "--inject-file", f, "--backend-url", be}
		}, true, `:1:71: invalid Inject_ID: unknown field; keys are case-sensitive: write inject_id`},
		{"duplicate key", func(t *testing.T, be string) []string {
			f := file(t, `{"inject_id":"f1",`+ok+`,"targets":[{"value":"127.0.0.2"}]}`)
			return []string{"run", "--inject-file", f, "--backend-url", be}
		}, true, `invalid targets: duplicate key (first at line 1, column 37)`},
		{"trailing brace", func(t *testing.T, be string) []string {
			f := file(t, `{"inject_id":"f1",`+ok+"}\n}\n")
			return []string{"run", "--inject-file", f, "--backend-url", be}
		}, true, `:2:1: trailing data after the JSON object`},
		{"trailing bracket", func(t *testing.T, be string) []string {
			f := file(t, `{"inject_id":"f1",`+ok+`}]`)
			return []string{"run", "--inject-file", f, "--backend-url", be}
		}, true, `trailing data after the JSON object`},
		{"negative timeout", func(t *testing.T, be string) []string {
			f := file(t, `{"inject_id":"f1",`+ok+`,"timeout":-5}`)
			return []string{"run", "--inject-file", f, "--backend-url", be}
		}, true, `invalid timeout "-5": must be positive`},
		{"zero timeout", func(t *testing.T, be string) []string {
			f := file(t, `{"inject_id":"f1",`+ok+`,"timeout":"0s"}`)
			return []string{"run", "--inject-file", f, "--backend-url", be}
		}, true, `invalid timeout "0s": must be positive`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			be := transporttest.NewBackend(t)
			box := filepath.Join(t.TempDir(), "outbox.db")
			args := append(tt.args(t, be.URL), "--outbox", box)
			code, stdout, stderr := injectkit(t, nil, args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, stderr)
			}
			// The least size depends on the machine's source addresses.
			if !strings.Contains(regexp.MustCompile(`at least \d+ bytes`).ReplaceAllString(stderr, "at least N bytes"), tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, stderr)
			}
			if n := be.Len(); n != 0 {
				t.Errorf("the backend received %d requests", n)
			}
			for _, leak := range []string{"undelivered signatures", "signature_value", "expectation_signature", "hunter2"} {
				if strings.Contains(stderr, leak) || strings.Contains(stdout, leak) {
					t.Errorf("signatures printed (%q):\nstdout %s\nstderr %s", leak, stdout, stderr)
				}
			}
			if strings.Contains(stderr, "pre-execution signatures compiled") || strings.Contains(stderr, "executed") {
				t.Errorf("the injector ran:\n%s", stderr)
			}
			if _, err := os.Stat(box); err == nil {
				code, out, errs := injectkit(t, nil, "outbox", "list", "--outbox", box)
				if code != 0 || !strings.Contains(out+errs, " 0 pending, 0 dead") {
					t.Errorf("outbox list: exit %d\n%s%s", code, out, errs)
				}
			}
		})
	}
}
