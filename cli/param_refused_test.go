package cli_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/signatures"
)

type webParams struct {
	Path string `json:"path"`
	Port int    `json:"port"`
}

// web has params and settings: a plain one, a secret one, and one with
// no environment variable.
type web struct{ idle }

func (web) NewParams() any { return &webParams{Path: "/", Port: 80} }
func (web) Manifest() framework.Manifest {
	return framework.Manifest{Name: "web", Category: framework.Network, Settings: []framework.Setting{
		{Key: "user_agent", Env: "WEB_USER_AGENT", Default: "injectkit", Doc: "User-Agent header"},
		{Key: "api_key", Env: "WEB_API_KEY", Secret: true, Doc: "API key"},
		{Key: "proxy_host", Doc: "proxy host"},
	}}
}

// A setting given as --param, its name in any case and with any
// separator, is refused, exit 2, saying where a setting is given; a setting's value is never quoted (it may be a secret).
func TestParamNamingASetting(t *testing.T) {
	reg := withFake("web", web{})
	tests := []struct {
		param string
		want  string
	}{
		{"user_agent=x", `invalid param "user_agent" (value withheld) (--param): unknown parameter (known: path, port); ` +
			`user_agent is a setting of web: give it as env WEB_USER_AGENT or web.user_agent in the config file`},
		{"api_key=s3cr3t-value", `invalid param "api_key" (value withheld) (--param): unknown parameter (known: path, port); ` +
			`api_key is a setting of web: give it as env WEB_API_KEY or web.api_key in the config file`},
		{"proxy_host=p", `proxy_host is a setting of web: give it as web.proxy_host in the config file`},
		{"user-agent=x", `invalid param "user-agent" (value withheld) (--param): unknown parameter (known: path, port); ` +
			`user_agent is a setting of web: give it as env WEB_USER_AGENT or web.user_agent in the config file`},
		{"apiKey=s3cr3t-value", `apiKey" (value withheld) (--param): unknown parameter (known: path, port); ` +
			`api_key is a setting of web: give it as env WEB_API_KEY or web.api_key in the config file`},
		{"Proxy.Host=p", `proxy_host is a setting of web: give it as web.proxy_host in the config file`},
		{"colour=red", `invalid param "colour" (value withheld) (--param): unknown parameter (known: path, port)`},
	}
	for _, cmd := range []string{"run", "validate"} {
		for _, tt := range tests {
			t.Run(cmd+" "+tt.param, func(t *testing.T) {
				r := run(t, reg, nil, cmd, "web", "--target", "127.0.0.1", "--param", tt.param)
				checkRefused(t, r, tt.want)
				checkNotShown(t, r, "s3cr3t")
				if strings.HasPrefix(tt.param, "colour") && strings.Contains(r.stderr, "is a setting") {
					t.Errorf("a param naming no setting is called one: %s", r.stderr)
				}
			})
		}
	}
}

// An inject file's params key holding a line break and an escape
// sequence, or a line separator, is shown Go-quoted in its refusal, as
// the same key given as --param is: it forges no line of stderr. A
// printable key is shown as it is. No raw escape reaches stderr.
func TestInjectFileParamKeyQuoted(t *testing.T) {
	inject := func(key string) string {
		return writeFile(t, "inject.json", `{"inject_id":"i-9","injector":"noop","targets":[{"value":"127.0.0.1"}],"params":{`+key+`:"x"}}`)
	}
	var tests []refusal
	for _, tt := range []struct{ name, key, want string }{
		{"escape and line break", `"a\u001b[31m\nINFO forged"`, `invalid "params.a\x1b[31m\nINFO forged" (value withheld): unknown parameter`},
		{"line separator", `"a\u2028INFO forged"`, `invalid "params.a\u2028INFO forged" (value withheld): unknown parameter`},
		{"printable", `"pwd"`, `invalid params.pwd (value withheld): unknown parameter`},
	} {
		tests = append(tests, refusal{name: tt.name, args: []string{"--inject-file", inject(tt.key)}, want: tt.want})
	}
	// The same key as --param, for comparison.
	tests = append(tests, refusal{name: "--param", args: []string{"--target", "127.0.0.1", "--param", "a\x1b[31m\nINFO forged=x"},
		want: `invalid param "a\x1b[31m\nINFO forged" (value withheld) (--param): unknown parameter`})
	wantRefused(t, registry(), nil, []string{"noop"}, "\x1b", tests)
}

// validate refuses a --param its injector refuses with the one error line
// naming the pair, exit 2, whatever refuses it (given twice, not of its
// type, a value the injector's check refuses): it runs no inject, so it
// logs no WARN "inject rejected", which named a made-up inject id. run
// still logs it before the error, as for any refused inject.
func TestValidateRefusedParamLogsNoRejection(t *testing.T) {
	withNmap := registry(withNmapScanner)
	tests := []struct {
		name   string
		params []string
		want   string
	}{
		{"given twice", []string{"--param", "ports=22", "--param", "ports=23"}, `invalid param "ports=23" (--param): ports given twice`},
		{"not an integer", []string{"--param", "timing=abc"}, `invalid param "timing=abc" (--param): not an integer`},
		{"refused by the injector", []string{"--param", "ports=22;id"}, `invalid param "ports=22;id" (--param): "22;id" is not a port number`},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"validate", "run"} {
			t.Run(cmd+"/"+tt.name, func(t *testing.T) {
				args := append([]string{cmd, "nmap", "--target", "127.0.0.1", "--outbox", "none"}, tt.params...)
				if cmd == "validate" {
					args = append([]string{cmd, "nmap", "--target", "127.0.0.1"}, tt.params...)
				}
				r := run(t, withNmap, nil, args...)
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
					t.Fatalf("exit %d, want 2 saying %q:\n%s", r.code, tt.want, r.stderr)
				}
				if logged := strings.Contains(r.stderr, "inject rejected"); logged != (cmd == "run") {
					t.Errorf("WARN inject rejected logged: %v, want %v:\n%s", logged, cmd == "run", r.stderr)
				}
			})
		}
	}
}

// A scan type the process lacks the privileges for is refused as any
// other param its injector refuses, named where it was given: --param
// "scan_type=syn", the inject file's params.scan_type at its place, the
// platform message's inject_content.scan_type. It said `scan_type "syn":`
// everywhere. Not parallel: NMAP_UNPRIVILEGED is read from the process's
// environment, and makes even root refused.
func TestScanTypeNeedingRootRefusedAsAParam(t *testing.T) {
	t.Setenv("NMAP_PRIVILEGED", "")
	os.Unsetenv("NMAP_PRIVILEGED") // set even empty, it would make nmap privileged
	t.Setenv("NMAP_UNPRIVILEGED", "1")
	withNmap := registry(withNmapScanner)
	file := writeFile(t, "inject.json", `{"injector": "nmap", "inject_id": "i1", "targets": [{"value": "127.0.0.1"}], "params": {"scan_type": "syn"}}`)
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-s","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("nmap")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1","scan_type":["syn"]}}}`)
	const why = "scan type needs root privileges: NMAP_UNPRIVILEGED is set"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"run --param", []string{"run", "nmap", "--target", "127.0.0.1", "--param", "scan_type=syn", "--outbox", "none"},
			`invalid param "scan_type=syn" (--param): ` + why},
		{"validate --param", []string{"validate", "nmap", "--target", "127.0.0.1", "--param", "scan_type=syn"},
			`invalid param "scan_type=syn" (--param): ` + why},
		{"inject file", []string{"run", "--inject-file", file, "--outbox", "none"},
			`invalid params.scan_type "syn": ` + why},
		{"platform message", []string{"run", "--openaev-message", msg, "--outbox", "none"},
			`invalid inject_content.scan_type "syn": ` + why},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, withNmap, nil, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, tt.want, r.stderr)
			}
			if strings.Contains(r.stderr, `: scan_type "syn":`) || strings.Contains(r.stderr, `"error": "scan_type`) {
				t.Errorf("the refusal is worded apart from the other params':\n%s", r.stderr)
			}
		})
	}
}

// A platform message's param its injector refuses is named one way, as
// the message holds it (inject_content.ports), in the WARN "inject
// rejected" line, the error on stderr and the INVALID_USAGE callback: the
// WARN line said params.ports.
func TestOpenAEVMessageRefusedParamNamedOneWay(t *testing.T) {
	withNmap := registry(withNmapScanner)
	for _, tt := range []struct{ key, value string }{{"ports", "22;id"}, {"timing", "9"}} {
		t.Run(tt.key, func(t *testing.T) {
			msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-f","inject_injector_contract":{"injector_contract_id":"`+
				openaev.ContractID("nmap")+`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1","`+tt.key+`":"`+tt.value+`"}}}`)
			r := run(t, withNmap, nil, "run", "--outbox", "none", "--openaev-message", msg)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			}
			want := "invalid inject_content." + tt.key
			var warn string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.Contains(l, "inject rejected") {
					warn = l
				}
			}
			if !strings.Contains(warn, want) || strings.Contains(r.stderr, "params."+tt.key) {
				t.Errorf("WARN %q, want it naming %s, and no params.%s on stderr:\n%s", warn, want, tt.key, r.stderr)
			}
			lines := printedLines(t, r.stdout)
			if len(lines) == 0 || !strings.Contains(lines[len(lines)-1].Body["execution_message"].(string), want) {
				t.Errorf("printed %s, want the INVALID_USAGE naming %s", r.stdout, want)
			}
		})
	}
}

// t100: a --param value the injector's types refuse is refused with one
// message whatever the profile, the documented one: on stderr, and in
// the openaev profile's INVALID_USAGE callback, not the runtime's "wrong
// JSON type" of an inject file's value.
func TestParamTypeRefusedOneWayInEveryProfile(t *testing.T) {
	withNmap := registry(withNmapScanner)
	for _, tt := range []struct{ param, reason string }{
		{"timing=03", "not an integer as JSON writes one (3, 3.0 or 3e0; not +3, 03 nor 3.5)"},
		{"service_detection=yes", "not a boolean: want true or false (also 1, 0, t, f, TRUE, FALSE, True, False, T, F)"},
	} {
		want := `invalid param "` + tt.param + `" (--param): ` + tt.reason
		for _, profile := range []string{"callback", "openaev"} {
			for _, cmd := range []string{"run", "validate"} {
				t.Run(tt.param+" "+profile+" "+cmd, func(t *testing.T) {
					r := run(t, withNmap, nil, cmd, "nmap", "--profile", profile, "--outbox", "none", "--inject-id", "inj-t",
						"--target", "127.0.0.1", "--param", tt.param)
					if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "wrong JSON type") {
						t.Fatalf("exit %d, want 2 saying %q:\n%s", r.code, want, r.stderr)
					}
					if profile != "openaev" || cmd != "run" {
						return
					}
					lines := printedLines(t, r.stdout)
					if len(lines) == 0 || lines[len(lines)-1].Body["execution_status"] != "INVALID_USAGE" ||
						!strings.Contains(lines[len(lines)-1].Body["execution_message"].(string), tt.reason) {
						t.Errorf("printed %s, want the INVALID_USAGE saying %q", r.stdout, tt.reason)
					}
				})
			}
		}
	}
}

// t104: a whole number past an int param's range, however written (6,
// 1e20, 1e300, -1e300), is refused with the param's own range, naming the
// param and the value, by --param and in an inject file alike: not as
// int64's range, "not an integer" nor "wrong JSON type".
func TestParamPastItsRangeOneWay(t *testing.T) {
	reg := registry(withNmapScanner)
	const want = "must be between 0 and 5"
	for _, value := range []string{"6", "-1", "1e20", "1e300", "-1e300", "99999999999999999999"} {
		file := writeFile(t, "inject.json", `{"targets":[{"value":"127.0.0.1"}],"params":{"timing":`+value+`}}`)
		for _, intake := range []struct {
			name string
			args []string
			want string
		}{
			{"--param", []string{"--target", "127.0.0.1", "--param", "timing=" + value}, `"timing=` + value + `" (--param): ` + want},
			{"inject file", []string{"--inject-file", file}, `params.timing "` + value + `": ` + want},
		} {
			t.Run(value+" "+intake.name, func(t *testing.T) {
				args := append([]string{"validate", "nmap", "--outbox", "none"}, intake.args...)
				r := run(t, reg, nil, args...)
				if r.code != 2 || !strings.Contains(r.stderr, intake.want) {
					t.Fatalf("exit %d, want 2 saying %q:\n%s", r.code, intake.want, r.stderr)
				}
			})
		}
	}
}

// A param of the environment or the config file is an item of a list as
// any other: the white space around it goes, at both ends, whole
// (INJECTKIT_PARAM='port=22 ' is port=22, 'name= x ' is name " x": the
// space after "=" is inside the item); a --param's value is kept as
// written (--param 'name= x ' is " x ").
func TestParamWhiteSpaceBySource(t *testing.T) {
	reg := withFake("bare", bare{})
	conf := writeFile(t, "c.yaml", "param:\n  - \"port=22 \"\n  - \" name= x \\t\"\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // the params bare got, or the refusal
	}{
		{"env, trailing", map[string]string{"INJECTKIT_PARAM": "port=22 "}, nil, 0, `"22 false  0s"`},
		{"env, both ends", map[string]string{"INJECTKIT_PARAM": " port=22 , name= x \n"}, nil, 0, `"22 false  x 0s"`},
		{"config file", nil, []string{"--config", conf}, 0, `"22 false  x 0s"`},
		{"flag, kept as written", nil, []string{"--param", "name= x "}, 0, `"80 false  x  0s"`},
		{"flag, an int kept as written", nil, []string{"--param", "port=22 "}, 2, `invalid param "port=22 " (--param): not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, tt.env, append([]string{"run", "bare", "--target", "127.0.0.1", "--log-level", "error", "-o", "json"}, tt.args...)...)
			checkExitSays(t, r, tt.code, tt.want)
		})
	}
}

// waiterParams has a duration its Validate refuses at 0, quoting it as
// Go writes it ("0s").
type waiterParams struct {
	Wait time.Duration `json:"wait" doc:"how long to wait"`
}

func (p waiterParams) Validate() error {
	if p.Wait <= 0 {
		return &signatures.ValidationError{Field: "wait", Value: p.Wait.String(), Reason: "must be greater than 0"}
	}
	return nil
}

// waiter is an injector with a duration param.
type waiter struct{ idle }

func (waiter) NewParams() any { return &waiterParams{Wait: time.Second} }
func (waiter) Manifest() framework.Manifest {
	return framework.Manifest{Name: "waiter", Category: framework.Network}
}

// A --param the injector refuses once parsed is quoted as the user wrote
// it in the run's WARN "inject rejected" line, as in the human line:
// wait=0, not the "0s" the duration was normalised to.
func TestRefusedParamQuotedAsWritten(t *testing.T) {
	tests := []struct {
		name, param, want string
	}{
		{"bare number", "wait=0", `invalid params.wait \"0\": must be greater than 0`},
		{"Go notation", "wait=0m", `invalid params.wait \"0m\": must be greater than 0`},
		{"as normalised", "wait=0s", `invalid params.wait \"0s\": must be greater than 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, withFake("waiter", waiter{}), nil, "run", "waiter", "--target", "127.0.0.1", "--param", tt.param,
				"--log-format", "json")
			_, written, _ := strings.Cut(tt.param, "=")
			// The exit line is a JSON log line too, its quotes escaped.
			human := `invalid param \"wait=` + written + `\" (--param): must be greater than 0`
			if r.code != 2 || !strings.Contains(r.stderr, `"msg":"inject rejected"`) || !strings.Contains(r.stderr, tt.want) ||
				!strings.Contains(r.stderr, human) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2, the WARN saying %s and the line %s", r.code, r.stderr, tt.want, human)
			}
		})
	}
}

// Every param an inject's injector refuses is refused one way, whichever
// step refuses it: the decoding of --param (an enum value, an unknown key,
// a wrong type, a key given twice), the range or the params' Validate, as
// the inject file's are: one WARN "inject rejected" line, then the error
// naming the pair, exit 2, nothing run, sent or stored.
func TestParamRefusalsLoggedOneWay(t *testing.T) {
	reg := registry()
	for _, tc := range []struct{ param, want string }{
		{"outcome=maybe", `invalid param "outcome=maybe" (--param): not one of success, partial, failed`},
		{"nope=1", `invalid param "nope" (value withheld) (--param): unknown parameter`},
		{"delay=soon", `invalid param "delay=soon" (--param)`},
		{"delay=-3", `invalid param "delay=-3" (--param): negative duration`},
		{"outcome=success outcome=failed", `invalid param "outcome=failed" (--param): outcome given twice`},
	} {
		t.Run(tc.param, func(t *testing.T) {
			b := newBackend(t, http.StatusOK)
			path := filepath.Join(t.TempDir(), "outbox.db")
			args := []string{"run", "noop", "--target", "127.0.0.1", "--log-level", "warn",
				"--backend-url", b.URL, "--inject-id", "i-param", "--token", "t", "--outbox", path}
			for p := range strings.FieldsSeq(tc.param) {
				args = append(args, "--param", p)
			}
			r := run(t, reg, nil, args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", r.code, tc.want, r.stderr)
			}
			if n := strings.Count(r.stderr, "inject rejected"); n != 1 || !strings.Contains(r.stderr, `"inject_id": "i-param"`) {
				t.Errorf("%d WARN inject rejected lines naming the inject, want 1:\n%s", n, r.stderr)
			}
			nothingSentOrStored(t, b, path)
		})
	}
}
