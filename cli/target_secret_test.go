package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
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

// With the openaev profile the runtime refuses a bad target, so that the
// platform gets INVALID_USAGE: a target that does not read as one is not
// shown there either (the WARN "inject rejected" line, the terminal
// callback's execution_message), from a targets file, a flag or an inject
// file, and the refusal gives the reason it gives without the profile.
func TestTargetNotShownWithOpenAEVProfile(t *testing.T) {
	envFile := writeFile(t, "serve.env", "INJECTKIT_TOKEN=S3cr3t/Tok+=\n")
	shadow := writeFile(t, "shadow", "root:$6$Zq9sEcReT$hash0123:19000:0:99999:7:::\n")
	injectFile := writeFile(t, "inject.json", `{"injector": "noop", "inject_id": "i1", "targets": [{"value": "127.0.0.1"}, {"value": "api_key=S3cr3tTok"}]}`)
	tests := []struct {
		name, never string
		args        []string
	}{
		{"environment file", "S3cr3t", []string{"--targets-file", envFile}},
		{"shadow file", "Zq9sEcReT", []string{"--targets-file", shadow}},
		{"--target", "S3cr3tTok", []string{"--target", "pw=S3cr3tTok"}},
		{"--target holding a slash", "S3cr3tTok", []string{"--target", "pw=S3cr3tTok/x"}},
		{"inject file", "S3cr3tTok", []string{"--inject-file", injectFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"run", "--outbox", "none", "--log-level", "warn"}
			if tt.args[0] != "--inject-file" {
				args = append(args, "noop", "--inject-id", "i1")
			}
			args = append(args, tt.args...)
			plain := run(t, registry(), nil, args...)
			r := run(t, registry(), nil, append(args, "--profile", "openaev")...)
			if r.code != 2 || plain.code != 2 {
				t.Fatalf("exit %d with the profile, %d without, want 2:\n%s\n%s", r.code, plain.code, r.stderr, plain.stderr)
			}
			if i := strings.Index(r.stdout+r.stderr, tt.never); i >= 0 {
				t.Errorf("shows %q:\n%s\n%s", tt.never, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "inject rejected") || !strings.Contains(r.stderr, "(not shown)") {
				t.Errorf("no WARN inject rejected line with the target not shown:\n%s", r.stderr)
			}
			lines := printedLines(t, r.stdout)
			if len(lines) != 2 || lines[1].Body["execution_status"] != "INVALID_USAGE" {
				t.Fatalf("printed %s, want the reception and INVALID_USAGE", r.stdout)
			}
			msg, _ := lines[1].Body["execution_message"].(string)
			if !strings.Contains(msg, "(not shown)") {
				t.Errorf("execution_message %q does not say (not shown)", msg)
			}
			// One reason, with or without the profile.
			if got, want := lastLine(r.stderr), lastLine(plain.stderr); got != want {
				t.Errorf("refusal with the profile:\n%s\nwithout:\n%s", got, want)
			}
		})
	}
}

// lastLine returns the last line of s.
func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// A platform message's manual target that does not read as one
// (inject_content.targets "pw=…") is not shown either: not in the WARN
// "inject rejected" line nor in the INVALID_USAGE execution_message, with
// --openaev-message alone or with --profile openaev.
func TestMessageTargetNotShown(t *testing.T) {
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-pw","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1,pw=hunter2Secret"}}}`)
	tests := []struct {
		name string
		args []string
	}{
		{"message", nil},
		{"message, openaev profile", []string{"--profile", "openaev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--openaev-message", msg, "--outbox", "none", "--log-level", "warn"}, tt.args...)
			r := run(t, registry(), nil, args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			}
			checkNotShown(t, r, "hunter2")
			if !strings.Contains(r.stderr, "invalid inject_content.targets (not shown): ") {
				t.Errorf("no refusal with the target not shown:\n%s", r.stderr)
			}
			lines := printedLines(t, r.stdout)
			if len(lines) == 0 || lines[len(lines)-1].Body["execution_status"] != "INVALID_USAGE" {
				t.Fatalf("printed %s, want INVALID_USAGE last", r.stdout)
			}
			if m, _ := lines[len(lines)-1].Body["execution_message"].(string); !strings.Contains(m, "(not shown)") {
				t.Errorf("execution_message %q does not say (not shown)", m)
			}
		})
	}
}
