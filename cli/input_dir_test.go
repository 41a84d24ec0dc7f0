package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
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
