package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/signatures"
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

// A secret given by mistake as a param (a setting's name, a name that
// looks like a secret's, or any unknown name) is refused, exit 2, without its value: not on
// stderr, not in the WARN log line, not in what the platform is sent,
// whether --param or the inject file's "params" gives it, for run under
// either profile and for validate. A setting is told where it is given.
func TestParamSecretValueWithheld(t *testing.T) {
	const shodanKey = "t46-Shodan+Key/ké"
	const awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	reg := registry(withQuery)
	p := openaevtest.NewPlatform(t, platformToken)
	registered(t, p, platformToken, reg)
	env := map[string]string{"INJECTKIT_SHODAN_API_KEY": "the-real-key", "INJECTKIT_SHODAN_BASE_URL": "http://127.0.0.1:9"}
	const hint = "shodan_api_key is a setting of query: give it as env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file"
	inject := func(key, value string) string {
		return writeFile(t, "inject.json", fmt.Sprintf(`{"inject_id":"t46-q2","targets":[{"query":"apache","asset":"asset-a"}],"params":{%q:%q}}`, key, value))
	}
	tests := []struct {
		name, secret string
		args         []string // after the command and injector
		want         string
	}{
		{"inject file, a setting", shodanKey, []string{"--inject-file", inject("shodan_api_key", shodanKey)},
			"invalid params.shodan_api_key (value withheld): unknown parameter (known: max_results, provider); " + hint},
		{"inject file, a secret's name", awsSecret, []string{"--inject-file", inject("aws_secret_access_key", awsSecret)},
			"invalid params.aws_secret_access_key (value withheld): unknown parameter (known: max_results, provider)"},
		{"--param, a setting", shodanKey, []string{"--query", "apache", "--param", "shodan_api_key=" + shodanKey},
			`invalid param "shodan_api_key" (value withheld) (--param): unknown parameter (known: max_results, provider); ` + hint},
		{"--param, a secret's name", awsSecret, []string{"--query", "apache", "--param", "AWS-Secret-Access-Key=" + awsSecret},
			`invalid param "AWS-Secret-Access-Key" (value withheld) (--param): unknown parameter (known: max_results, provider)`},
		// An unknown param is never quoted, whatever its name.
		{"inject file, unknown", "LEAKV", []string{"--inject-file", inject("pwd", "LEAKV")},
			"invalid params.pwd (value withheld): unknown parameter (known: max_results, provider)"},
		{"--param, unknown", "ghp_T52LeakedPat", []string{"--query", "apache", "--param", "pat=ghp_T52LeakedPat"},
			`invalid param "pat" (value withheld) (--param): unknown parameter (known: max_results, provider)`},
		{"--param, an unknown after a known", "SEKRETE", []string{"--query", "apache", "--param", "max_results=5", "--param", "jwt=SEKRETE"},
			`invalid param "jwt" (value withheld) (--param): unknown parameter (known: max_results, provider)`},
	}
	for i, tt := range tests {
		for _, mode := range []string{"validate", "run", "run openaev"} {
			t.Run(mode+" "+tt.name, func(t *testing.T) {
				id := fmt.Sprintf("inj-withheld-%d", i)
				args := append([]string{strings.Fields(mode)[0], "query"}, tt.args...)
				var b *backend
				switch mode {
				case "run":
					b = newBackend(t, http.StatusOK)
					args = append(args, "--backend-url", b.URL, "--token", platformToken, "--log-level", "warn")
				case "run openaev":
					p.AddInject(id, openaev.ContractID("query"))
					args = append(args, "--profile", "openaev", "--inject-id", id, "--backend-url", p.URL, "--token", platformToken,
						"--log-level", "warn")
				}
				r := run(t, reg, env, args...)
				checkRefused(t, r, tt.want)
				checkNotShown(t, r, tt.secret)
				if mode == "run" && (!strings.Contains(r.stderr, "inject rejected") && strings.HasPrefix(tt.args[0], "--inject-file") ||
					len(b.got()) != 0) {
					t.Errorf("want the WARN log line of the inject file's refusal and nothing sent: %d requests\n%s", len(b.got()), r.stderr)
				}
				if mode != "run openaev" {
					return
				}
				terminal, ok := p.Terminal(id)
				if msg, _ := terminal.Body["execution_message"].(string); !ok || terminal.Body["execution_status"] != "INVALID_USAGE" ||
					!strings.Contains(msg, "(value withheld)") {
					t.Errorf("terminal callback %v, want INVALID_USAGE saying the value is withheld", terminal.Body)
				}
				for _, c := range p.Calls(id) {
					if msg, _ := c.Body["execution_message"].(string); strings.Contains(msg, tt.secret) {
						t.Errorf("secret sent to the platform in %s: %q", c.Kind, msg)
					}
				}
			})
		}
	}
}

type vaultParams struct {
	AuthToken string `json:"auth_token"`
}

// Validate refuses a token that does not start with tok_, quoting it, as
// an injector may.
func (p *vaultParams) Validate() error {
	if !strings.HasPrefix(p.AuthToken, "tok_") {
		return &signatures.ValidationError{Field: "auth_token", Value: p.AuthToken, Reason: "must start with tok_"}
	}
	return nil
}

// vault is an injector with a param named like a secret.
type vault struct{ idle }

func (vault) NewParams() any { return &vaultParams{AuthToken: "tok_default"} }
func (v vault) Manifest() framework.Manifest {
	return framework.Manifest{Name: "vault", Category: framework.Network, Params: framework.MustParamsSpec(v.NewParams())}
}

// A platform message whose param named like a secret is refused gets its
// INVALID_USAGE without the value, and serve's log holds none either:
// a value its Validate refuses, or a list where one value is wanted.
func TestIntegrationServeParamSecretWithheld(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	const refused, listed = "hunter2/Refused-Secret", "Listed-Secret-2"
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	reg := withFake("vault", vault{})
	d := serveWith(t, reg, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--log-format", "json", "--injectors", "vault")
	defer func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", d.stderr)
		}
	}()
	messages := map[string]any{
		"sw-refused": refused,
		"sw-list":    []string{"Listed-Secret-1", listed},
	}
	for id, token := range messages {
		p.AddInject(id, openaev.ContractID("vault"))
		servetest.Publish(t, queue, openaevtest.Message(openaevtest.QueuedInject{ID: id, ContractID: openaev.ContractID("vault"),
			Content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1", "auth_token": token}}))
	}
	timeout, stopTimer := context.WithTimeout(context.Background(), 60*time.Second)
	defer stopTimer()
	ctx, cancel := d.Context(timeout)
	defer cancel()
	for id := range messages {
		done, err := p.WaitTerminal(ctx, id)
		if err != nil {
			t.Fatalf("%s: no terminal callback: %v", id, err)
		}
		msg, _ := done.Body["execution_message"].(string)
		if done.Body["execution_status"] != "INVALID_USAGE" || !strings.Contains(msg, "auth_token (value withheld)") {
			t.Errorf("%s: terminal callback %v, want INVALID_USAGE saying auth_token's value is withheld", id, done.Body)
		}
	}
	if code := d.Stop(t); code != 0 {
		t.Errorf("exit %d after cancellation, want 0", code)
	}
	for _, secret := range []string{refused, listed} {
		for _, c := range p.AllCalls() {
			if strings.Contains(fmt.Sprint(c.Body), secret) {
				t.Errorf("%q sent to the platform in %s: %v", secret, c.Kind, c.Body)
			}
		}
		if strings.Contains(d.stderr.String(), secret) {
			t.Errorf("%q in serve's log", secret)
		}
	}
}

// A param refused whose value holds the token is withheld with what is
// wrong with it: nmap's ports parser cuts the value at a '-' and quotes
// the piece before it, a fragment of the token no redaction of the whole
// recognises. So it is, the token as it is or with bytes encoded (percent
// escapes, once or twice, a percent sign as a character reference or a
// \u escape), from --param, with and without the openaev profile, from
// an inject file and from a platform message's inject_content, in the
// error, the WARN line and the INVALID_USAGE message alike; another bad
// value is still quoted.
func TestParamHoldingSecretWithheld(t *testing.T) {
	const tok = "S3cr3t-a1b2c3d4-Tok"
	withNmap := registry(withNmapScanner)
	env := map[string]string{"INJECTKIT_TOKEN": tok}
	injectFile := writeFile(t, "inject.json", `{"injector": "nmap", "inject_id": "i1", "targets": [{"value": "127.0.0.1"}], "params": {"ports": "`+tok+`"}}`)
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-p","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("nmap")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1","ports":"`+tok+`"}}}`)
	base := []string{"run", "--outbox", "none", "--log-level", "warn"}
	withheld := "ports (value withheld)"
	tests := []struct {
		name       string
		args       []string
		want       string
		platformed bool
	}{
		{"--param", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=" + tok}, withheld, false},
		{"--param, a range to the token", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=1-" + tok}, withheld, false},
		{"--param, openaev profile", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=" + tok, "--profile", "openaev"}, withheld, true},
		{"--param, the token percent-encoded", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=S3cr3t%2Da1b2c3d4%2dTok"}, withheld, false},
		{"--param, the token percent-encoded, openaev profile", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=S3cr3t%2Da1b2c3d4-Tok", "--profile", "openaev"}, withheld, true},
		{"--param, the token percent-encoded twice", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=S3cr3t%252Da1b2c3d4-Tok"}, withheld, false},
		{"--param, the token's percent sign an HTML reference", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=S3cr3t&#37;2Da1b2c3d4-Tok"}, withheld, false},
		{"--param, the token's percent sign \\u-escaped, openaev profile", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", `ports=S3cr3t\u00252Da1b2c3d4-Tok`, "--profile", "openaev"}, withheld, true},
		{"inject file", []string{"--inject-file", injectFile}, withheld, false},
		{"platform message", []string{"--openaev-message", msg}, "inject_content.ports (value withheld)", true},
		{"another bad value quoted", []string{"nmap", "--target", "127.0.0.1", "--inject-id", "i1", "--param", "ports=22x"}, `"22x" is not a port number`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, withNmap, env, append(base, tt.args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			}
			checkNotShown(t, r, "S3cr3t", "a1b2c3d4")
			if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "inject rejected") {
				t.Errorf("stderr has no WARN inject rejected and %q:\n%s", tt.want, r.stderr)
			}
			if !tt.platformed {
				return
			}
			lines := printedLines(t, r.stdout)
			if len(lines) == 0 || lines[len(lines)-1].Body["execution_status"] != "INVALID_USAGE" {
				t.Fatalf("printed %s, want INVALID_USAGE last", r.stdout)
			}
			if m, _ := lines[len(lines)-1].Body["execution_message"].(string); !strings.Contains(m, "(value withheld)") {
				t.Errorf("execution_message %q does not withhold the value", m)
			}
		})
	}
}
