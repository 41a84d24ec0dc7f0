package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// Bad input to run is refused (exit 2, naming it) before the outbox is
// opened: no outbox file is created, nothing reaches the backend.
func TestRunBadInputCreatesNoOutbox(t *testing.T) {
	backend := transporttest.NewBackend(t)
	https := strings.Replace(backend.URL, "http://", "https://", 1)
	noPEM := writeFile(t, "ca.pem", "no certificate here\n")
	msg := contractMessage(t, openaev.ContractID("noop"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"openaev, credentials in the URL", []string{"noop", "--target", "192.0.2.1", "--profile", "openaev", "--inject-id", "a",
			"--backend-url", strings.Replace(backend.URL, "http://", "http://u:p@", 1)}, `(--backend-url): must not hold credentials`},
		{"callback, CA file without PEM", []string{"noop", "--target", "192.0.2.1", "--inject-id", "a", "--backend-url", https,
			"--ca-file", noPEM}, `invalid ca_file "` + noPEM + `" (--ca-file): no PEM certificate found`},
		{"openaev, CA file without PEM", []string{"noop", "--target", "192.0.2.1", "--profile", "openaev", "--inject-id", "a",
			"--backend-url", https, "--ca-file", noPEM}, `invalid ca_file "` + noPEM + `" (--ca-file): no PEM certificate found`},
		{"message, credentials in the URL", []string{"noop", "--openaev-message", msg,
			"--backend-url", strings.Replace(backend.URL, "http://", "http://u:p@", 1)}, `(--backend-url): must not hold credentials`},
		{"message, CA file without PEM", []string{"noop", "--openaev-message", msg, "--backend-url", https, "--ca-file", noPEM},
			`invalid ca_file "` + noPEM + `" (--ca-file): no PEM certificate found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ob := filepath.Join(t.TempDir(), "outbox.db")
			r := run(t, registry(), nil, append(append([]string{"run"}, tt.args...), "--token", "tok", "--outbox", ob, "--log-level", "error")...)
			checkRefused(t, r, tt.want)
			noOutboxFile(t, ob)
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
}

// validate exits 2 with the error run would give: over the same bad
// input, both print the same stderr (they share one check).
func TestValidateGivesRunsError(t *testing.T) {
	backend := transporttest.NewBackend(t)
	noPEM := writeFile(t, "ca.pem", "no certificate here\n")
	creds := strings.Replace(backend.URL, "http://", "http://u:p@", 1)
	tests := []struct {
		name string
		args []string
	}{
		{"no inject id with a backend", []string{"noop", "--target", "192.0.2.1", "--backend-url", backend.URL}},
		{"openaev, no inject id with a backend", []string{"noop", "--target", "192.0.2.1", "--profile", "openaev", "--backend-url", backend.URL}},
		{"openaev, credentials in the URL", []string{"noop", "--target", "192.0.2.1", "--profile", "openaev", "--backend-url", creds, "--inject-id", "a"}},
		{"CA file without PEM", []string{"noop", "--target", "192.0.2.1", "--inject-id", "a", "--ca-file", noPEM,
			"--backend-url", strings.Replace(backend.URL, "http://", "https://", 1)}},
		{"URL scheme", []string{"noop", "--target", "192.0.2.1", "--inject-id", "a", "--backend-url", "ftp://127.0.0.1:1"}},
		{"unknown param", []string{"noop", "--target", "192.0.2.1", "--param", "bogus=1"}},
		{"bad param value", []string{"noop", "--target", "192.0.2.1", "--param", "delay=soon"}},
		{"unknown injector", []string{"nope", "--target", "192.0.2.1"}},
		{"no target", []string{"noop"}},
		{"option as a target", []string{"noop", "--target", "-oN/tmp/x"}},
		{"body limit under an empty body", []string{"noop", "--target", "192.0.2.1", "--max-payload-size", "10"}},
		{"bad expectation", []string{"noop", "--target", "192.0.2.1", "--expectation", "MANUAL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [2]string
			for i, cmd := range []string{"validate", "run"} {
				ob := filepath.Join(t.TempDir(), "outbox.db")
				r := run(t, registry(), nil, append(append([]string{cmd}, tt.args...), "--outbox", ob, "--log-level", "error")...)
				if r.code != cli.ExitUsage {
					t.Fatalf("%s: exit %d, want 2: %s", cmd, r.code, r.stderr)
				}
				got[i] = r.stderr
			}
			if got[0] != got[1] {
				t.Errorf("validate says\n%s\nrun says\n%s", got[0], got[1])
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
}

// outboxLimitCase is one way of giving outbox_max_bytes and what a
// command taking it says: want, in its stderr with exit 2, or "" when the
// value is taken (exit 0).
type outboxLimitCase struct {
	name string
	env  map[string]string
	args []string
	want string
}

// outboxLimitCases are the ways of giving an outbox_max_bytes below 1024
// (flagValue by the flag, then the environment and a config file), each
// refused naming the setting, the value and where it was given, and the
// least value, taken: the one check of run, validate and outbox list.
func outboxLimitCases(t *testing.T, flagValue string) []outboxLimitCase {
	file := writeFile(t, "c.yaml", "outbox_max_bytes: 512\n")
	return []outboxLimitCase{
		{"flag", nil, []string{"--outbox-max-bytes", flagValue},
			`invalid outbox_max_bytes "` + flagValue + `" (--outbox-max-bytes): must be at least 1024: a smaller outbox keeps next to no inject's result`},
		{"environment", map[string]string{"INJECTKIT_OUTBOX_MAX_BYTES": "1023"}, nil,
			`invalid outbox_max_bytes "1023" (env INJECTKIT_OUTBOX_MAX_BYTES): must be at least 1024`},
		{"config file", nil, []string{"--config", file}, `invalid outbox_max_bytes "512" (config file ` + file},
		{"the least", nil, []string{"--outbox-max-bytes", "1024"}, ""},
	}
}

// run (and validate) refuse an outbox limit below the least that holds a
// result, as serve does, with serve's one check: exit 2 naming the
// setting, the value and where it was given; nothing is sent and nothing
// stored, the outbox not even created. run took it, and sent every
// result unstored with a WARN. With no outbox (none) the limit bounds
// nothing and is taken.
func TestRunRefusesOutboxBelowAnyResult(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	tests := append(outboxLimitCases(t, "10"), outboxLimitCase{"openaev profile", nil, []string{"--profile", "openaev", "--outbox-max-bytes", "1000"},
		`invalid outbox_max_bytes "1000" (--outbox-max-bytes): must be at least 1024`})
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				box := filepath.Join(t.TempDir(), "outbox.db")
				env := map[string]string{"INJECTKIT_OUTBOX": box}
				for k, v := range tt.env {
					env[k] = v
				}
				before := len(be.got())
				r := run(t, registry(), env, append([]string{cmd, "noop", "--inject-id", "inj-min", "--target", "127.0.0.1",
					"--backend-url", be.URL, "--log-level", "error"}, tt.args...)...)
				if tt.want == "" {
					if r.code != 0 {
						t.Fatalf("exit %d, want 0; stderr %s", r.code, r.stderr)
					}
					return
				}
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
					t.Fatalf("exit %d, want 2 saying %q; stderr %s", r.code, tt.want, r.stderr)
				}
				if n := len(be.got()) - before; n != 0 {
					t.Errorf("%d requests sent, want none", n)
				}
				noOutboxFile(t, box)
			})
		}
	}
	r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": "none"}, "run", "noop", "--inject-id", "inj-none",
		"--target", "127.0.0.1", "--backend-url", be.URL, "--outbox-max-bytes", "10", "--log-level", "error")
	if r.code != 0 {
		t.Errorf("--outbox none --outbox-max-bytes 10: exit %d, want 0; stderr %s", r.code, r.stderr)
	}
	// Nor does a dry run, which stores nothing: the help says the bound
	// holds "with a backend and an outbox".
	box := filepath.Join(t.TempDir(), "outbox.db")
	r = run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": box}, "run", "noop", "--target", "127.0.0.1",
		"--outbox-max-bytes", "10", "-o", "json", "--log-level", "error")
	if r.code != 0 {
		t.Errorf("a dry run with --outbox-max-bytes 10: exit %d, want 0; stderr %s", r.code, r.stderr)
	}
}

// t104: outbox list takes --outbox-max-bytes (the limit it shows) by run's
// and serve's rule: below 1024 it exits 2 naming the setting, the value
// and where it was given, listing nothing. It took 5.
func TestOutboxListRefusesOutboxBelowAnyResult(t *testing.T) {
	tests := outboxLimitCases(t, "5")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"INJECTKIT_OUTBOX": filepath.Join(t.TempDir(), "outbox.db")}
			for k, v := range tt.env {
				env[k] = v
			}
			r := run(t, registry(), env, append([]string{"outbox", "list", "--log-level", "error"}, tt.args...)...)
			if tt.want == "" {
				if r.code != 0 || !strings.Contains(r.stdout, "0 pending, 0 dead") {
					t.Fatalf("exit %d, want 0 listing the outbox; stdout %s stderr %s", r.code, r.stdout, r.stderr)
				}
				return
			}
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Fatalf("exit %d, want 2 saying %q and nothing listed; stdout %q stderr %s", r.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
}
