package cli_test

import (
	"net/http"
	"strings"
	"testing"
)

// One config file may serve every command, as one environment does: run
// and validate ignore serve's keys and serve ignores run's, whether the
// file is INJECTKIT_CONFIG or --config; a key no command reads is still
// refused, and the file's token still goes only to the backend it names.
func TestOneConfigFileServesEveryCommand(t *testing.T) {
	a, b := newSwitchable(t, http.StatusOK), newSwitchable(t, http.StatusOK)
	serveFile := "openaev_url: {A}\ntoken: tokServe\ninjector_id: 5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10\nworkers: 4\n" +
		"listen_addr: 127.0.0.1:0\nshutdown_timeout: 30s\nheartbeat_interval: 40s\nlog_level: error\n"
	runFile := "backend_url: {A}\ntoken: tokRun\ntarget: [127.0.0.1]\nphase: execution_complete\nlog_level: error\n"
	for _, tt := range []struct {
		name, file string
		viaEnv     bool // INJECTKIT_CONFIG, else --config
		args       []string
		code       int
		want       string // in stdout (exit 0) or stderr
		never      string // in neither
	}{
		{name: "run, INJECTKIT_CONFIG of serve", file: serveFile, viaEnv: true, args: []string{"run", "noop", "--target", "127.0.0.1"},
			want: `"signature_value":"127.0.0.1"`},
		{name: "validate, INJECTKIT_CONFIG of serve", file: serveFile, viaEnv: true, args: []string{"validate", "noop", "--target", "127.0.0.1"},
			want: "valid: noop on 1 network target"},
		{name: "validate, --config of serve", file: serveFile, args: []string{"validate", "noop", "--target", "127.0.0.1"},
			want: "valid: noop on 1 network target"},
		{name: "run, a key no command reads", file: serveFile + "workerz: 3\n", viaEnv: true, args: []string{"run", "noop", "--target", "127.0.0.1"},
			code: 2, want: "shared.yaml:9: unknown key workerz", never: "heartbeat_interval"},
		{name: "run, serve's token with another backend", file: serveFile, viaEnv: true,
			args: []string{"run", "noop", "--inject-id", "i1", "--target", "127.0.0.1", "--backend-url", "{B}"},
			code: 2, want: "belongs to openaev_url {A}", never: "tokServe"},
		{name: "serve, a key no command reads in run's file", file: runFile + "workerz: 3\n", viaEnv: true, args: []string{"serve"},
			code: 2, want: "shared.yaml:6: unknown key workerz", never: "unknown key target"},
		{name: "serve, run's token with another platform", file: runFile, args: []string{"serve", "--openaev-url", "{B}",
			"--injector-id", "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"},
			code: 2, want: "belongs to backend_url {A}", never: "tokRun"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := strings.NewReplacer("{A}", a.URL, "{B}", b.URL)
			path := writeFile(t, "shared.yaml", r.Replace(tt.file))
			var env map[string]string
			args := []string{}
			for _, s := range tt.args {
				args = append(args, r.Replace(s))
			}
			if tt.viaEnv {
				env = map[string]string{"INJECTKIT_CONFIG": path}
			} else {
				args = append(args, "--config", path)
			}
			res := run(t, registry(), env, args...)
			out := res.stdout
			if tt.code != 0 {
				out = res.stderr
			}
			if res.code != tt.code || !strings.Contains(out, r.Replace(tt.want)) {
				t.Errorf("exit %d, want %d with %q\n%s%s", res.code, tt.code, r.Replace(tt.want), res.stdout, res.stderr)
			}
			if tt.never != "" && strings.Contains(res.stdout+res.stderr, tt.never) {
				t.Errorf("the output says %q:\n%s%s", tt.never, res.stdout, res.stderr)
			}
			if n := len(a.got()) + len(b.got()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

// TestConfigGivenTwiceRefused checks that a second --config, which would
// drop the first file's settings (its backend and token), exits 2 before
// anything runs, in every command that reads a config file.
func TestConfigGivenTwiceRefused(t *testing.T) {
	be := newBackend(t, http.StatusAccepted)
	c1 := writeFile(t, "c1.yaml", "backend_url: "+be.URL+"\ntoken: t1\ninject_id: i-1\n")
	c2 := writeFile(t, "c2.yaml", "log_level: error\n")
	want := `--config given twice ("` + c1 + `", then "` + c2 + `"): files don't merge`
	tests := []struct {
		name string
		args []string
	}{
		{"run", []string{"run", "noop", "--target", "10.0.0.1", "--config", c1, "--config", c2}},
		{"validate", []string{"validate", "noop", "--target", "10.0.0.1", "--config", c1, "--config=" + c2}},
		{"outbox flush", []string{"outbox", "flush", "--config", c1, "--config", c2}},
		{"injectors", []string{"injectors", "--config", c1, "--config", c2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, tt.args...)
			checkRefused(t, r, want)
		})
	}
	t.Run("once", func(t *testing.T) {
		r := run(t, registry(), nil, "run", "noop", "--target", "10.0.0.1", "--config", c1, "--log-level", "error")
		if r.code != 0 || len(be.got()) != 1 {
			t.Fatalf("exit %d, %d requests, want 0 and 1: %s", r.code, len(be.got()), r.stderr)
		}
	})
	if n := len(be.got()); n != 1 {
		t.Errorf("%d requests sent, want only the one of a single --config", n)
	}
}

// A key given twice in a config file is refused whatever it holds, query
// included, though it names both run's queries and the query injector's
// settings: those are given dotted (query.shodan_api_key) beside the list.
func TestConfigKeyTwiceRefusedAlike(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		code       int
		want       string // in stderr (exit 2) or in the listing of the injector's settings (exit 0)
	}{
		{"timeout twice", "timeout: 1m\ntimeout: 2m\n", 2, "c.yaml:2: key timeout given twice (first on line 1)"},
		{"queries, then the injector's settings", "query: [\"port:80\"]\nquery:\n  shodan_api_key: k\n", 2,
			"c.yaml:2: key query given twice (first on line 1); to give both the query setting and the query injector's settings, write these dotted: query.shodan_api_key: …"},
		{"the injector's settings, then queries", "query:\n  shodan_api_key: k\nquery: [\"port:80\"]\n", 2,
			"c.yaml:3: key query given twice (first on line 1)"},
		{"the injector's settings twice", "query:\n  shodan_api_key: k\nquery:\n  request_timeout: 5s\n", 2,
			"c.yaml:3: key query given twice (first on line 1)"},
		{"queries and dotted settings", "query: [\"port:80\"]\nquery.shodan_api_key: k\n", 0,
			"shodan_api_key, env INJECTKIT_SHODAN_API_KEY, secret, set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conf := writeFile(t, "c.yaml", tt.yaml)
			v := run(t, registry(withQuery), nil, "validate", "query", "--config", conf, "--log-level", "error")
			if v.code != tt.code || tt.code == 2 && !strings.Contains(v.stderr, tt.want) {
				t.Fatalf("validate: exit %d, want %d with %q\n%s%s", v.code, tt.code, tt.want, v.stdout, v.stderr)
			}
			if tt.code != 0 {
				return
			}
			if !strings.Contains(v.stdout, "valid: query on 1 external target") {
				t.Errorf("validate: %s", v.stdout)
			}
			if l := run(t, registry(withQuery), nil, "injectors", "query", "--config", conf); !strings.Contains(l.stdout, tt.want) {
				t.Errorf("injectors query: exit %d, want %q\n%s%s", l.code, tt.want, l.stdout, l.stderr)
			}
		})
	}
}

// A config file's key written in another case or style than a setting's
// of the command (serve's openaev_url, run's backend_url) is told the
// setting's name, as an injector's setting is, not asked whether the file
// is a YAML config file; its value is never shown.
func TestConfigKeyInAnotherStyleNamesTheSetting(t *testing.T) {
	tests := []struct {
		cmd, yaml, want string
	}{
		{"serve", "openaevUrl: http://127.0.0.1:1\n", "c.yaml:1: unknown key openaevUrl (keys are written exactly, case and separators included: write openaev_url)"},
		{"serve", "QUERY:\n  shodan_api_key: k3y\n", "c.yaml:1: unknown key QUERY (keys are written exactly, case and separators included: write query)"},
		{"run", "Backend-URL: http://127.0.0.1:1\n", "c.yaml:1: unknown key Backend-URL (keys are written exactly, case and separators included: write backend_url)"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd+" "+tt.yaml, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.yaml)
			r := run(t, registry(withQuery), nil, tt.cmd, "--config", path)
			checkRefused(t, r, tt.want)
			checkSays(t, "stderr", r.stderr, nil, []string{"is it a YAML config file", "127.0.0.1", "k3y"})
		})
	}
}

// A config file the YAML decoder refuses, or a value it refuses, names
// the line where the problem is, as an editor counts it: the line of a
// misplaced key or of a tab, not the line above, and for a value reached
// through an alias the line of the key using it, not the anchor's.
func TestConfigErrorsNameTheProblemLine(t *testing.T) {
	bomb := "a: &a [\"lol\",\"lol\",\"lol\"]\nb: &b [*a,*a,*a]\nc: &c [*b,*b,*b]\nd: &d [*c,*c,*c]\n\ntarget: *d\n"
	tests := []struct {
		name, yaml string
		line       string // where the problem is
	}{
		{"key indented under a flow value", "target: [127.0.0.1]\n  bad: 1\n", ":2: yaml: "},
		{"tab after a value", "target: [127.0.0.1]\nlog_level: info\nphase: x\n\tbad: 1\n", ":4: yaml: found a tab character that violates indentation\n"},
		// The decoder's words do not always name the tab: the error does.
		{"tab before a key, after a flow value", "target: [127.0.0.1]\n\tinject_id: abc\n",
			":2: yaml: found character that cannot start any token; a tab indents this line: YAML indents with spaces only\n"},
		{"tab inside a value, not an indent", "target: [127.0.0.1]\nphase: x\t@y\n@z\n", ":3: yaml: found character that cannot start any token\n"},
		{"flow list broken on its third line", "target: [127.0.0.1,\n  127.0.0.2,\n  : x]\n", ":3: yaml: "},
		{"character that starts no token", "target: 127.0.0.1\n@bad\n", ":2: yaml: "},
		{"alias bomb", bomb, ":6): want a value or a list of values, not a nested list"},
		{"aliased scalar with a tag", "x: &x !!binary aGk=\n\n\ntarget: *x\n", ":4): YAML tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.yaml)
			r := run(t, registry(), nil, "run", "noop", "--config", path)
			if r.code != 2 || !strings.Contains(r.stderr, path+tt.line) {
				t.Errorf("exit %d, want 2 naming %q:\n%s", r.code, path+tt.line, r.stderr)
			}
		})
	}
}

// A config file in which a setting shares its value with a secret one
// through a YAML anchor and alias, either way round, is refused with exit
// 2 naming the setting, its line and the secret setting, never the
// value; an alias between settings that are not secret still works.
func TestConfigAliasOfASecretNotShown(t *testing.T) {
	reg := registry(withQuery)
	const secret = "SECRETzz99"
	tests := []struct {
		name, yaml string
		args       []string
		want       string // on stderr; "" for a run that succeeds
	}{
		{"token's value as timeout", "token: &a '" + secret + "'\ntimeout: *a\n", nil,
			"invalid timeout (config file %s:2): its value is the value of token, a secret setting"},
		{"timeout's value as token", "timeout: &a '" + secret + "'\ntoken: *a\n", nil,
			"invalid timeout (config file %s:1): its value is the value of token"},
		{"token's value as a target", "token: &a '" + secret + "'\ntarget: [127.0.0.1, *a]\n", nil,
			"invalid target (config file %s:2): its value is the value of token"},
		{"an injector's secret as a param", "query:\n  shodan_api_key: &k '" + secret + "'\nparam: *k\n", nil,
			"invalid param (config file %s:3): its value is the value of query.shodan_api_key"},
		{"an injector's secret, dotted, as its other setting", "query.shodan_api_key: &k '" + secret + "'\nquery.request_timeout: *k\n", nil,
			"invalid query.request_timeout (config file %s:2): its value is the value of query.shodan_api_key"},
		{"alias between settings that are not secret", "phase: &p execution_complete\ninject_id: *p\n", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.yaml)
			r := run(t, reg, nil, append([]string{"validate", "noop", "--target", "127.0.0.1", "--config", path, "--log-level", "error"}, tt.args...)...)
			if tt.want == "" {
				if r.code != 0 {
					t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
				}
				return
			}
			want := strings.ReplaceAll(tt.want, "%s", path)
			switch {
			case r.code != 2:
				t.Fatalf("exit %d, want 2:\n%s", r.code, r.stderr)
			case !strings.Contains(r.stderr, want):
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			case strings.Contains(r.stdout+r.stderr, secret):
				t.Errorf("shows the secret:\n%s", r.stderr)
			}
		})
	}
}

// A file that is no config file given to --config is refused with exit 2
// without showing its contents: at most three unknown keys are named, only
// those that read as setting names, never a value, and the others are
// counted; a key that is a line of the file (an /etc/shadow entry) is
// named by its line alone.
func TestConfigUnknownKeysDiscloseNothing(t *testing.T) {
	tests := []struct {
		name    string
		content string
		secrets []string // never on stderr
		want    []string // on stderr
	}{
		{"shadow file",
			"root:$6$Zq9sEcReT$hash0123:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nsvc:$y$j9T$hunter2hash:19001:0:99999:7:::\nbin:*:19000:0:99999:7:::\n",
			[]string{"root", "$6$Zq9sEcReT$hash0123", "hunter2hash", "daemon", "svc"},
			[]string{"notconfig:1: a key that is no setting name (not shown), and on lines 2, 3 and 1 more", "is it a YAML config file?"}},
		{"one shadow line", "root:$6$Zq9sEcReT$hash0123:19000:0:99999:7:::\n",
			[]string{"root", "Zq9sEcReT"}, []string{"notconfig:1: a key that is no setting name (not shown); is it a YAML config file?"}},
		{"mapping of secrets",
			"db_password: hunter2-secret\naws_secret: AKIAsecretvalue\napi_key: sk-live-secret\nprivate_key: MIIEsecret\nsmtp_pass: smtp-secret\nAWS_TOKEN: tok-secret-upper\n",
			[]string{"hunter2-secret", "AKIAsecretvalue", "sk-live-secret", "MIIEsecret", "smtp-secret", "tok-secret-upper", "AWS_TOKEN"},
			[]string{"notconfig:1: unknown key db_password, aws_secret (line 2), api_key (line 3) and 3 more"}},
		{"environment file", "SECRET_TOKEN=abc123secret\nPASSWORD=hunter2secret\n",
			[]string{"abc123secret", "hunter2secret", "SECRET_TOKEN"}, []string{"notconfig:1: want a mapping of keys (key: value), not plain text"}},
		{"private key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgsecret\n-----END PRIVATE KEY-----\n",
			[]string{"MIIEvQIBADANBgsecret", "PRIVATE KEY"}, []string{"notconfig:1: want a mapping of keys (key: value), not plain text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "notconfig", tt.content)
			r := run(t, registry(), nil, "run", "noop", "--target", "127.0.0.1", "--config", path)
			if r.code != 2 {
				t.Errorf("exit %d, want 2:\n%s", r.code, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, tt.want, tt.secrets)
		})
	}
}

// TestConfigKeysOfEveryCommandKnown checks that a key any command reads is
// no error to another, whichever command it is: outbox move's from and to
// beside run's target are ignored by validate, outbox list, injectors and
// serve, which still refuse a key no command reads.
func TestConfigKeysOfEveryCommandKnown(t *testing.T) {
	dir := t.TempDir()
	file := "target: [127.0.0.1]\nfrom: http://127.0.0.1:1\nto: http://127.0.0.1:2\noutbox: " + dir + "/ob.db\n"
	for _, tt := range []struct {
		name  string
		args  []string
		extra string
		code  int
		want  string // in stdout (exit 0) or stderr
	}{
		{name: "validate", args: []string{"validate", "noop"}, want: "valid: noop on 1 network target"},
		{name: "outbox list", args: []string{"outbox", "list"}, want: "0 pending, 0 dead"},
		{name: "injectors", args: []string{"injectors"}, want: "noop"},
		{name: "serve, a key no command reads", args: []string{"serve"}, extra: "workerz: 3\n", code: 2, want: "c.yaml:5: unknown key workerz"},
		{name: "outbox list, a key no command reads", args: []string{"outbox", "list"}, extra: "workerz: 3\n", code: 2, want: "c.yaml:5: unknown key workerz"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "c.yaml", file+tt.extra)
			res := run(t, registry(), nil, append(tt.args, "--config", path)...)
			out := res.stdout
			if tt.code != 0 {
				out = res.stderr
			}
			if res.code != tt.code || !strings.Contains(out, tt.want) || strings.Contains(res.stderr, "unknown key from") {
				t.Errorf("exit %d, want %d with %q\n%s%s", res.code, tt.code, tt.want, res.stdout, res.stderr)
			}
		})
	}
}

// An injector's name with no value (its settings all commented out under
// it) is as if left out, as any key with no value is; given a value or a
// list instead of its settings, it is refused saying so, not as an
// unknown key: the name is the injector's. The value is never shown.
func TestInjectorNameWithoutSettings(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"commented out", "noop:\n#  delay_setting: 1s\ntimeout: 5m\n", ""},
		{"null", "noop: ~\n", ""},
		{"empty mapping", "noop: {}\n", ""},
		{"a value", "noop: s3cr3t\n", "c.yaml:1): want a mapping of the noop injector's settings (noop: {KEY: …}, or noop.KEY: …), not a value"},
		{"a list", "timeout: 5m\nnoop: [s3cr3t]\n", "c.yaml:2): want a mapping of the noop injector's settings (noop: {KEY: …}, or noop.KEY: …), not a list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, "validate", "noop", "--target", "127.0.0.1", "--config", writeFile(t, "c.yaml", tt.yaml))
			if tt.want == "" {
				if r.code != 0 {
					t.Errorf("exit %d, want 0: %s", r.code, r.stderr)
				}
				return
			}
			checkRefused(t, r, tt.want)
			if !strings.Contains(r.stderr, "injectkit: invalid noop (config file ") {
				t.Errorf("stderr %s, want the key and the file named first", r.stderr)
			}
			checkNotShown(t, r, "s3cr3t")
		})
	}
}

// An injector's setting written at the top of a config file, without the
// injector's name before it, is refused naming where it goes, in any
// case or style a setting's name is matched in; never its value.
func TestInjectorSettingAtTheTopNamesItsInjector(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"as written", "timeout: 5m\nshodan_api_key: s3cr3t\n", "c.yaml:2: unknown key shodan_api_key; shodan_api_key is a setting of query: write it under the injector's name (query.shodan_api_key)"},
		{"another style", "shodan-api-key: s3cr3t\n", "c.yaml:1: unknown key shodan-api-key; shodan_api_key is a setting of query: write it under the injector's name (query.shodan_api_key)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withQuery), map[string]string{"INJECTKIT_SHODAN_API_KEY": "abcdefghijkl"},
				"validate", "query", "--query", "port:80", "--config", writeFile(t, "c.yaml", tt.yaml))
			checkRefused(t, r, tt.want)
			checkNotShown(t, r, "s3cr3t")
		})
	}
}
