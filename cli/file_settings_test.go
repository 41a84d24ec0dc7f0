package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A directory or a missing file given to a file setting is refused with
// exit 2 in one form, the one of every setting: the key, the path, where
// it was given (the flag as written, or the environment variable) and the
// os error alone, never a "read <path>:" or "open <path>:" repeating it.
func TestInputFileDirectoryNamesTheFlag(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	backend := []string{"--backend-url", "https://127.0.0.1:1", "--inject-id", "inj-dir", "--token", "abcdefgh12", "--outbox", "none"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "abcdefgh12", "--injector-id", "00000000-0000-4000-8000-000000000001", "--injectors", "noop"}
	cert := writeFile(t, "cert.pem", "not a certificate\n")
	tests := []struct {
		name string
		args func(path string) []string
		env  func(path string) map[string]string
		key  string
		from string
	}{
		{"--targets-file", func(p string) []string { return []string{"run", "noop", "--targets-file", p} }, nil, "targets_file", "--targets-file"},
		{"INJECTKIT_TARGETS_FILE", func(string) []string { return []string{"run", "noop"} },
			func(p string) map[string]string { return map[string]string{"INJECTKIT_TARGETS_FILE": p} }, "targets_file", "env INJECTKIT_TARGETS_FILE"},
		{"--config", func(p string) []string { return []string{"run", "noop", "--target", "127.0.0.1", "--config", p} }, nil, "config", "--config"},
		{"INJECTKIT_CONFIG", func(string) []string { return []string{"run", "noop", "--target", "127.0.0.1"} },
			func(p string) map[string]string { return map[string]string{"INJECTKIT_CONFIG": p} }, "config", "env INJECTKIT_CONFIG"},
		{"--inject-file", func(p string) []string { return []string{"run", "noop", "--inject-file", p} }, nil, "inject_file", "--inject-file"},
		{"--openaev-message", func(p string) []string { return []string{"run", "--openaev-message", p} }, nil, "openaev_message", "--openaev-message"},
		{"run --ca-file", func(p string) []string {
			return append([]string{"run", "noop", "--target", "127.0.0.1", "--ca-file", p}, backend...)
		}, nil, "ca_file", "--ca-file"},
		{"serve --ca-file", func(p string) []string { return append(serve, "--ca-file", p) }, nil, "ca_file", "--ca-file"},
		{"serve --icon-file", func(p string) []string { return append(serve, "--icon-file", p) }, nil, "icon_file", "--icon-file"},
		{"serve --broker-ca-file", func(p string) []string { return append(serve, "--broker-ca-file", p) }, nil, "broker_ca_file", "--broker-ca-file"},
		{"serve --broker-key-file", func(p string) []string {
			return append(serve, "--broker-cert-file", cert, "--broker-key-file", p)
		}, nil, "broker_key_file", "--broker-key-file"},
		{"serve --broker-cert-file", func(p string) []string {
			return append(serve, "--broker-cert-file", p, "--broker-key-file", cert)
		}, nil, "broker_cert_file", "--broker-cert-file"},
	}
	for _, tt := range tests {
		for _, path := range []struct{ what, path, reason string }{
			{"directory", dir, "is a directory"},
			{"missing", missing, "no such file or directory"},
		} {
			t.Run(tt.name+" "+path.what, func(t *testing.T) {
				var env map[string]string
				if tt.env != nil {
					env = tt.env(path.path)
				}
				r := run(t, registry(), env, append(tt.args(path.path), "--log-level", "error")...)
				want := "injectkit: invalid " + tt.key + ` "` + path.path + `" (` + tt.from + "): " + path.reason + "\n"
				if r.code != 2 || !strings.HasSuffix(r.stderr, want) {
					t.Errorf("exit %d, stderr:\n%s\nwant exit 2 ending %q", r.code, r.stderr, want)
				}
			})
		}
	}
}

// A file setting given white space alone is refused (exit 2) naming the
// setting, the value and where it was given, as a blank inject id is:
// no file named " " is created (an outbox) or looked for, by any command.
func TestBlankFilePathRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // where a relative " " would be created
	conf := writeFile(t, "c.yaml", "outbox: \" \"\n")
	target := []string{"run", "noop", "--target", "127.0.0.1", "--log-level", "error"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "abcdefgh12",
		"--injector-id", "00000000-0000-4000-8000-000000000001", "--injectors", "noop", "--listen-addr", ""}
	backend := []string{"--backend-url", "https://127.0.0.1:1", "--inject-id", "inj-blank", "--token", "abcdefgh12"}
	tests := []refusal{
		{"run --outbox", nil, append(target, "--outbox", " "), `invalid outbox " " (--outbox): must not be blank`},
		{"run --outbox with a backend", nil, append(append(target, backend...), "--outbox", "\t"), `invalid outbox "\t" (--outbox): must not be blank`},
		{"env INJECTKIT_OUTBOX", map[string]string{"INJECTKIT_OUTBOX": " "}, target, `invalid outbox " " (env INJECTKIT_OUTBOX): must not be blank`},
		{"config outbox", nil, append(target, "--config", conf), `invalid outbox " " (config file ` + conf + `:1): must not be blank`},
		{"outbox list", nil, []string{"outbox", "list", "--outbox", " "}, `invalid outbox " " (--outbox): must not be blank`},
		{"outbox flush", nil, append([]string{"outbox", "flush", "--outbox", " "}, backend[:2]...), `invalid outbox " " (--outbox): must not be blank`},
		{"serve --outbox", nil, append(serve, "--outbox", " "), `invalid outbox " " (--outbox): must not be blank`},
		{"--targets-file", nil, []string{"validate", "noop", "--targets-file", " "}, `invalid targets_file " " (--targets-file): must not be blank`},
		{"--inject-file", nil, []string{"validate", "noop", "--inject-file", " "}, `invalid inject_file " " (--inject-file): must not be blank`},
		{"--config", nil, append(target, "--config", " "), `invalid config " " (--config): must not be blank`},
		{"env INJECTKIT_CONFIG", map[string]string{"INJECTKIT_CONFIG": " "}, target, `invalid config " " (env INJECTKIT_CONFIG): must not be blank`},
		{"--openaev-message", nil, []string{"run", "--openaev-message", " "}, `invalid openaev_message " " (--openaev-message): must not be blank`},
		{"run --ca-file", nil, append(append(target, backend...), "--ca-file", " "), `invalid ca_file " " (--ca-file): must not be blank`},
		{"serve --icon-file", nil, append(serve, "--icon-file", " "), `invalid icon_file " " (--icon-file): must not be blank`},
		{"serve --broker-key-file", nil, append(serve, "--broker-key-file", " "), `invalid broker_key_file " " (--broker-key-file): must not be blank`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			checkRefused(t, r, tt.want)
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("%s created %q", tt.name, entries[0].Name())
				for _, e := range entries {
					os.RemoveAll(e.Name())
				}
			}
		})
	}
}

// An outbox path naming a FIFO, a device or a directory is refused at
// once (exit 2), naming the setting, where it was given and the value:
// never opened (a FIFO's opening waits for a writer), nothing run.
func TestOutboxNotRegularRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.db")
	testkit.FIFO(t, fifo)
	conf := writeFile(t, "c.yaml", "outbox: "+fifo+"\n")
	target := []string{"run", "noop", "--target", "127.0.0.1", "--log-level", "error"}
	backend := []string{"--backend-url", "https://127.0.0.1:1", "--inject-id", "inj-fifo", "--token", "abcdefgh12"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "abcdefgh12",
		"--injector-id", "00000000-0000-4000-8000-000000000001", "--injectors", "noop", "--listen-addr", ""}
	isFIFO := "a FIFO (named pipe), not a regular file"
	tests := []refusal{
		{"run --outbox FIFO", nil, append(append(target, backend...), "--outbox", fifo), `invalid outbox "` + fifo + `" (--outbox): ` + isFIFO},
		{"env INJECTKIT_OUTBOX", map[string]string{"INJECTKIT_OUTBOX": fifo}, target, `invalid outbox "` + fifo + `" (env INJECTKIT_OUTBOX): ` + isFIFO},
		{"config outbox", nil, append(target, "--config", conf), `invalid outbox "` + fifo + `" (config file ` + conf + `:1): ` + isFIFO},
		{"outbox list", nil, []string{"outbox", "list", "--outbox", fifo}, `invalid outbox "` + fifo + `" (--outbox): ` + isFIFO},
		{"outbox flush", nil, append([]string{"outbox", "flush", "--outbox", fifo}, backend[:2]...), `invalid outbox "` + fifo + `" (--outbox): ` + isFIFO},
		{"serve --outbox", nil, append(serve, "--outbox", fifo), `invalid outbox "` + fifo + `" (--outbox): ` + isFIFO},
		{"/dev/null", nil, append(target, "--outbox", "/dev/null"), `invalid outbox "/dev/null" (--outbox): a character device, not a regular file`},
		{"a directory", nil, append(target, "--outbox", dir), `invalid outbox "` + dir + `" (--outbox): a directory, not a regular file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			checkRefused(t, r, tt.want)
			if strings.Contains(r.stderr, "lost") {
				t.Errorf("stderr speaks of signatures lost:\n%s", r.stderr)
			}
		})
	}
}

// A command refused before it reads its config file (a stray INJECTKIT_
// variable, --config twice, words it does not take) never opens the file
// to redact its error: a FIFO nobody writes to (or a terminal) exits 2 at
// once, not once a writer comes, and its stream is not consumed.
func TestEarlyRefusalLeavesConfigUnread(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "c.yaml")
	testkit.FIFO(t, fifo)
	typo := map[string]string{"INJECTKIT_TOKNE": "x"}
	tests := []refusal{
		{"run, a stray variable", typo, []string{"run", "noop", "--target", "127.0.0.1", "--config", fifo}, "INJECTKIT_TOKNE (did you mean INJECTKIT_TOKEN?)"},
		{"validate, a stray variable", typo, []string{"validate", "noop", "--target", "127.0.0.1", "--config", fifo}, "INJECTKIT_TOKNE"},
		{"serve, a stray variable", typo, []string{"serve", "--config", fifo}, "INJECTKIT_TOKNE"},
		{"outbox list, a stray variable", typo, []string{"outbox", "list", "--config", fifo}, "INJECTKIT_TOKNE"},
		{"--config twice", nil, []string{"run", "noop", "--config", fifo, "--config", fifo}, "--config given twice"},
		{"env INJECTKIT_CONFIG, a stray variable", map[string]string{"INJECTKIT_TOKNE": "x", "INJECTKIT_CONFIG": fifo},
			[]string{"run", "noop", "--target", "127.0.0.1"}, "INJECTKIT_TOKNE"},
		{"words run does not take", nil, []string{"run", "noop", "extra", "--config", fifo}, "run takes one injector name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan result, 1)
			go func() { done <- run(t, registry(), tt.env, tt.args...) }()
			var r result
			select {
			case r = <-done:
			case <-time.After(time.Minute): // only a hang fails here
				if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					_ = w.Close() // the reader sees the end: the command ends
				}
				<-done
				t.Fatalf("%v waited for the config file's writer", tt.args)
			}
			checkRefused(t, r, tt.want)
		})
	}
}
