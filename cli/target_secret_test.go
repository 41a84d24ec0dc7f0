package cli_test

import (
	"strings"
	"testing"
)

// A file given to --targets-file by mistake (an environment file, a
// password file) is refused with exit 2 naming the file and line without
// showing the line; so is such a --target, an inject file's target or a
// configured one. A bad target that reads as an attempt at an address or
// host name is still quoted, so that the user sees the typo.
func TestTargetNotShownUnlessItReadsAsOne(t *testing.T) {
	envFile := writeFile(t, "serve.env", "INJECTKIT_TOKEN=S3cr3tTok\n")
	shadow := writeFile(t, "shadow", "root:$6$Zq9sEcReT$hash0123:19000:0:99999:7:::\n")
	colons := writeFile(t, "passwd", "svc:Zq9sEcReT:1000:1000::/home/svc:/bin/sh\n")
	yamlFile := writeFile(t, "c.yml", "db_password: S3cr3tTok\n")
	typo := writeFile(t, "hosts.txt", "127.0.0.1\n10.0.0.300\n")
	injectFile := writeFile(t, "inject.json", `{"injector": "noop", "targets": [{"value": "127.0.0.1"}, {"value": "api_key=S3cr3tTok"}]}`)
	conf := writeFile(t, "t.yaml", "target: ['PASSWORD=S3cr3tTok']\n")
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		want  string
		never string
	}{
		{"environment file", nil, []string{"--targets-file", envFile}, "serve.env:1: invalid target (not shown): ", "S3cr3tTok"},
		{"shadow file", nil, []string{"--targets-file", shadow}, "shadow:1: invalid target (not shown): ", "Zq9sEcReT"},
		{"passwd-like file", nil, []string{"--targets-file", colons}, "passwd:1: invalid target (not shown): ", "Zq9sEcReT"},
		{"YAML file", nil, []string{"--targets-file", yamlFile}, "c.yml:1: invalid target (not shown): ", "S3cr3tTok"},
		{"--target", nil, []string{"--target", "TOKEN=S3cr3tTok"}, "invalid --target (not shown): ", "S3cr3tTok"},
		{"env target", map[string]string{"INJECTKIT_TARGET": "TOKEN=S3cr3tTok"}, nil, "invalid target (not shown) (env INJECTKIT_TARGET): ", "S3cr3tTok"},
		{"config target", nil, []string{"--config", conf}, "invalid target (not shown) (config file " + conf + ":1): ", "S3cr3tTok"},
		{"inject file", nil, []string{"--inject-file", injectFile}, "inject file " + injectFile + ":1: invalid targets[1].value (not shown): ", "S3cr3tTok"},
		{"long line", nil, []string{"--target", strings.Repeat("a", 300)}, "invalid --target (not shown): ", "aaaa"},
		// Attempts at an address or host name are quoted as written.
		{"typo", nil, []string{"--targets-file", typo}, `hosts.txt:2: invalid target "10.0.0.300": `, ""},
		{"token", nil, []string{"--target", "ghp_S3cr3tTok0123456789"}, "invalid --target (not shown): ", "S3cr3tTok"},
		{"long piece", nil, []string{"--target", "S3cr3tTok" + strings.Repeat("x", 60) + ".example"}, "invalid --target (not shown): ", "S3cr3tTok"},
		{"two in one", nil, []string{"--target", "10.0.0.1 10.0.0.2"}, `invalid --target "10.0.0.1 10.0.0.2": `, ""},
		{"bad zone", nil, []string{"--target", "fe80::1%eth0 x"}, `invalid --target "fe80::1%eth0 x": `, ""},
		{"host and port", nil, []string{"--target", "web.example:8080"}, `invalid --target "web.example:8080": a target holds no port`, ""},
		{"bad IPv6", nil, []string{"--target", "2001:db8::1::2"}, `invalid --target "2001:db8::1::2": `, ""},
		{"option", nil, []string{"--target", "-oN/etc/passwd"}, `invalid --target "-oN/etc/passwd"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"run", "--outbox", "none", "--log-level", "error"}
			if !strings.Contains(strings.Join(tt.args, " "), "--inject-file") {
				args = append(args, "noop")
			}
			r := run(t, registry(), tt.env, append(args, tt.args...)...)
			switch {
			case r.code != 2:
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			case !strings.Contains(r.stderr, tt.want):
				t.Errorf("stderr lacks %q:\n%s", tt.want, r.stderr)
			case tt.never != "" && strings.Contains(r.stdout+r.stderr, tt.never):
				t.Errorf("shows %q:\n%s", tt.never, r.stderr)
			}
		})
	}
}
