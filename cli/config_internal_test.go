package cli

import (
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/internal/fold"
)

// TestFieldsOfWorkedOutOnce: a config type's settings are worked out once
// and then handed out as they are (the application is built, and a run
// decoded, from the same few types): the same settings a fresh walk finds,
// no allocation after the first, and room for none that an append would
// write into the shared list.
func TestFieldsOfWorkedOutOnce(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[runConfig](), reflect.TypeFor[serveConfig](),
		reflect.TypeFor[outboxSendConfig](), reflect.TypeFor[versionConfig]()} {
		t.Run(typ.Name(), func(t *testing.T) {
			first := fieldsOf(typ)
			if want := walkSettings(typ); !reflect.DeepEqual(first, want) {
				t.Fatalf("fieldsOf = %v, a fresh walk %v", first, want)
			}
			if n := testing.AllocsPerRun(20, func() { fieldsOf(typ) }); n != 0 {
				t.Errorf("fieldsOf again: %v allocations, want 0", n)
			}
			if cap(first) != len(first) {
				t.Errorf("fieldsOf: capacity %d for %d settings: an append would write into the shared list", cap(first), len(first))
			}
			_ = append(first, field{key: "extra"})
			if got := fieldsOf(typ); slices.ContainsFunc(got, func(f field) bool { return f.key == "extra" }) || len(got) != len(first) {
				t.Errorf("an append to one caller's list changed the next one's: %d settings", len(got))
			}
		})
	}
}

// A config file's key that names an injector's setting but for case and
// separators is told the setting as framework.Manifest.Setting finds it
// (the rule env and the platform's settings are matched by), no more and
// no less: the injector's name folded alike.
func TestSpelledKeyFoldsAsManifestSetting(t *testing.T) {
	m := framework.Manifest{Name: "probe", Settings: []framework.Setting{{Key: "endpoint_url"}, {Key: "api_key"}}}
	ms := []framework.Manifest{m}
	for _, name := range []string{"probe", "PROBE", "Probe", "pro-be", "pro.be", "pro be", "pro_be", "prob", "probes", "pro/be"} {
		for _, key := range []string{
			"endpoint_url", "ENDPOINT_URL", "endpoint-url", "endpointUrl", "EndpointURL", "endpoint.url", "endpoint url",
			"ENDPOİNT_URL", "api-key", "apiKey", "endpoint", "endpoint_urls", "endpoint/url", "énd_point",
		} {
			if strings.Contains(name, ".") {
				break // the key's first dot ends the injector's name
			}
			t.Run(name+"."+key, func(t *testing.T) {
				want := ""
				if s, ok := m.Setting(key); ok && fold.Name(name) == fold.Name(m.Name) {
					want = m.Name + "." + s.Key
				}
				if got := spelledKey(ms, map[string]bool{}, name+"."+key); got != want {
					t.Errorf("spelledKey(%q) = %q; Manifest.Setting and the injector's name say %q", name+"."+key, got, want)
				}
			})
		}
		t.Run(name, func(t *testing.T) {
			want := ""
			if fold.Name(name) == fold.Name(m.Name) && name != m.Name {
				want = m.Name
			}
			if got := spelledKey(ms, map[string]bool{}, name); got != want {
				t.Errorf("spelledKey(%q) = %q, want %q", name, got, want)
			}
		})
	}
}

// sampleValue is a value field f accepts, as a user writes it.
func sampleValue(f field) string {
	switch {
	case len(f.enum) > 0:
		return f.enum[len(f.enum)-1]
	case f.key == "log_level":
		return "warn"
	case f.key == "openaev_version":
		return "2.4.0"
	case f.typ == durationType:
		return "30s"
	case f.isBool():
		return "true"
	case f.url:
		return "http://127.0.0.1:9/x"
	case f.typ.Kind() == reflect.Int, f.typ.Kind() == reflect.Int64:
		return "5"
	}
	return "v-" + f.key
}

// decodeOne decodes into a new config of type typ: every scalar setting
// from the environment, as sampleValue gives it, but key, given by source
// (flag, env or file) as written.
func decodeOne(t *testing.T, typ reflect.Type, key, source, written string) (reflect.Value, error) {
	t.Helper()
	env := map[string]string{}
	for _, f := range fieldsOf(typ) {
		if !f.list() {
			env[f.env()] = sampleValue(f)
		}
	}
	var args []string
	var file map[string]raw
	for _, f := range fieldsOf(typ) {
		if f.key != key {
			continue
		}
		switch source {
		case "flag":
			args = append(args, "--"+f.flag()+"="+written)
		case "env":
			env[f.env()] = written
		case "file":
			delete(env, f.env())
			file = map[string]raw{key: {vals: []string{written}, from: "config file c.yaml:1"}}
		}
	}
	return decodeFrom(t, typ, args, env, file)
}

// decodeFrom decodes into a new config of type typ what the flags in
// args, env and file give, through the command line's parser as a
// command does, and returns it with decodeFields's error; args the parser
// refuses fail the test.
func decodeFrom(t *testing.T, typ reflect.Type, args []string, env map[string]string, file map[string]raw) (reflect.Value, error) {
	t.Helper()
	dst := reflect.New(typ)
	var err error
	app := &ucli.App{Writer: io.Discard, ErrWriter: io.Discard, Flags: flagsOf(defaultName, typ, nil), Action: func(c *ucli.Context) error {
		err = decodeFields(dst.Interface(), c, defaultName, func(k string) string { return env[k] }, file)
		return nil
	}}
	if runErr := app.Run(append([]string{"x"}, args...)); runErr != nil {
		t.Fatalf("%q: %v", args, runErr)
	}
	return dst.Elem(), err
}

// Every setting's value is read alike from every source, without the
// white space around it that an environment file (Docker's --env-file
// keeps trailing spaces, a Kubernetes Secret a trailing newline) or a
// paste adds: " v\n" is v. An enum's value is read in any letter case.
func TestSettingValuesReadAlike(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[runConfig](), reflect.TypeFor[serveConfig](), reflect.TypeFor[outboxSendConfig](),
		reflect.TypeFor[outboxListConfig](), reflect.TypeFor[injectorsConfig](), reflect.TypeFor[versionConfig]()} {
		for _, f := range fieldsOf(typ) {
			if f.list() {
				continue // each item is trimmed (field.item)
			}
			want := sampleValue(f)
			plain, err := decodeOne(t, typ, f.key, "env", want)
			if err != nil {
				t.Fatalf("%s %s %q: %v", typ.Name(), f.key, want, err)
			}
			written := []string{" " + want + " ", want + "\n", "\t" + want + "\r\n"}
			if len(f.enum) > 0 || f.key == "log_level" {
				written = append(written, strings.ToUpper(want)+"\n")
			}
			for _, source := range []string{"flag", "env", "file"} {
				if source == "flag" && f.isBool() {
					continue // a bool flag takes no value: --insecure
				}
				for _, w := range written {
					got, err := decodeOne(t, typ, f.key, source, w)
					if err != nil {
						t.Errorf("%s %s %q from %s: %v", typ.Name(), f.key, w, source, err)
						continue
					}
					g, p := got.FieldByIndex(f.index).Interface(), plain.FieldByIndex(f.index).Interface()
					if !reflect.DeepEqual(g, p) {
						t.Errorf("%s %s %q from %s is %v, want %v as for %q", typ.Name(), f.key, w, source, g, p, want)
					}
				}
			}
		}
	}
}

// An injector's setting too, from its variable or the config file.
func TestInjectorSettingValuesTrimmed(t *testing.T) {
	ms := []framework.Manifest{{Name: "query", Settings: []framework.Setting{{Key: "base_url", Env: "INJECTKIT_X_BASE_URL"}, {Key: "api_key"}}}}
	file := configFile{injectors: map[string]string{"query.api_key": " k\n"}, injectorsFrom: map[string]string{"query.api_key": "config file c.yaml:1"}}
	got := newInjectorSettings(ms, func(string) string { return "http://127.0.0.1:9\n" }, file, nil)
	if got["query"]["base_url"] != "http://127.0.0.1:9" || got["query"]["api_key"] != "k" {
		t.Errorf("settings %q, want them without the white space around them", got["query"])
	}
}

// TestNamesOnce checks that a flag namesOnce wraps answers as the flag it
// wraps: its names, its help, whether it takes a file; a boolean flag is
// left as it is.
func TestNamesOnce(t *testing.T) {
	str := &ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "u (env INJECTKIT_OUTPUT)", TakesFile: true}
	gen := &ucli.GenericFlag{Name: "target", Usage: "t (env INJECTKIT_TARGET)", Value: &repeated{}}
	boo := &ucli.BoolFlag{Name: "insecure", Usage: "i"}
	cmd := &ucli.Command{Name: "run", Flags: []ucli.Flag{str, gen, boo}}
	namesOnce(cmd)
	for i, tc := range []struct {
		names    []string
		usage    string
		takesVal bool
		same     bool // the flag itself, not a wrapper
	}{
		{[]string{"output", "o"}, str.Usage, true, false},
		{[]string{"target"}, gen.Usage, true, false},
		{[]string{"insecure"}, boo.Usage, false, true},
	} {
		f := cmd.Flags[i]
		if got := f.Names(); !slices.Equal(got, tc.names) {
			t.Errorf("flag %d: Names() = %q, want %q", i, got, tc.names)
		}
		df, ok := f.(ucli.DocGenerationFlag)
		if !ok || df.GetUsage() != tc.usage || df.TakesValue() != tc.takesVal {
			t.Errorf("flag %d (%T): help or value lost", i, f)
		}
		if same := f == []ucli.Flag{str, gen, boo}[i]; same != tc.same {
			t.Errorf("flag %d: is the flag itself: %v, want %v", i, same, tc.same)
		}
	}
	if env, ok := flagEnv(cmd.Flags[0]); !ok || env != "INJECTKIT_OUTPUT" {
		t.Errorf("flagEnv of the wrapped --output = %q, %v", env, ok)
	}
}

// TestSortEnv checks how the unknown INJECTKIT_ variables of an
// environment are sorted: those of a Kubernetes service link or a Docker
// link left out, likely slips of a known name refused with it, any other
// only warned of.
func TestSortEnv(t *testing.T) {
	r := framework.NewRegistry()
	r.Register("noop", func() framework.Executor { return noop.New() })
	r.Register("query", func() framework.Executor { return query.New() })
	known := knownEnv(NewApp(Options{Registry: r}), newInjectorSet(r).manifests())
	k8s := []string{"INJECTKIT_SERVICE_HOST", "INJECTKIT_SERVICE_PORT", "INJECTKIT_SERVICE_PORT_METRICS", "INJECTKIT_PORT",
		"INJECTKIT_PORT_9464_TCP", "INJECTKIT_PORT_9464_TCP_PROTO", "INJECTKIT_PORT_9464_TCP_PORT", "INJECTKIT_PORT_9464_TCP_ADDR"}
	tests := []struct {
		name         string
		env          []string
		slips, stray []string
	}{
		{"kubernetes service injectkit", k8s, nil, nil},
		{"kubernetes service injectkit-metrics", []string{"INJECTKIT_METRICS_SERVICE_HOST", "INJECTKIT_METRICS_SERVICE_PORT",
			"INJECTKIT_METRICS_SERVICE_PORT_HTTP", "INJECTKIT_METRICS_PORT", "INJECTKIT_METRICS_PORT_9464_UDP_ADDR"}, nil, nil},
		{"docker link injectkit", []string{"INJECTKIT_NAME", "INJECTKIT_PORT", "INJECTKIT_PORT_9464_TCP", "INJECTKIT_PORT_9464_TCP_ADDR",
			"INJECTKIT_ENV_INJECTKIT_TOKEN"}, nil, nil},
		{"port variables without their service's", []string{"INJECTKIT_PORT", "INJECTKIT_PORT_9464_TCP", "INJECTKIT_LISTEN_PORT"},
			nil, []string{"INJECTKIT_LISTEN_PORT", "INJECTKIT_PORT", "INJECTKIT_PORT_9464_TCP"}},
		{"a service's other port shapes", append([]string{"INJECTKIT_PORT_X_TCP", "INJECTKIT_PORT_9464_TCP_HOST"}, k8s...),
			nil, []string{"INJECTKIT_PORT_9464_TCP_HOST", "INJECTKIT_PORT_X_TCP"}},
		{"a Dockerfile's", []string{"INJECTKIT_VERSION", "INJECTKIT_HOME"}, nil, []string{"INJECTKIT_HOME", "INJECTKIT_VERSION"}},
		{"no slip by a word", []string{"INJECTKIT_ZZZ_QQQ", "INJECTKIT_OPENAEV_TOKEN", "INJECTKIT_APP_LOG_LEVEL"},
			nil, []string{"INJECTKIT_APP_LOG_LEVEL", "INJECTKIT_OPENAEV_TOKEN", "INJECTKIT_ZZZ_QQQ"}},
		{"slips", []string{"INJECTKIT_BACKEND_ULR", "INJECTKIT_TOKN", "INJECTKIT_OUTBOKS", "INJECTKIT_TIMOUT"}, []string{
			"INJECTKIT_BACKEND_ULR (did you mean INJECTKIT_BACKEND_URL?)", "INJECTKIT_OUTBOKS (did you mean INJECTKIT_OUTBOX?)",
			"INJECTKIT_TIMOUT (did you mean INJECTKIT_TIMEOUT?)", "INJECTKIT_TOKN (did you mean INJECTKIT_TOKEN?)"}, nil},
		{"a word left out", []string{"INJECTKIT_SHODAN_KEY"}, []string{"INJECTKIT_SHODAN_KEY (did you mean INJECTKIT_SHODAN_API_KEY?)"}, nil},
		{"the prefix in another case", []string{"injectkit_backend_url", "INJECTKIT_token", "Injectkit_Tokn", "injectkit_home"},
			[]string{"INJECTKIT_token (did you mean INJECTKIT_TOKEN?)", "Injectkit_Tokn (did you mean INJECTKIT_TOKEN?)",
				"injectkit_backend_url (did you mean INJECTKIT_BACKEND_URL?)"}, []string{"injectkit_home"}},
		{"a link's names in lower case", []string{"injectkit_service_host", "injectkit_port"}, nil,
			[]string{"injectkit_port", "injectkit_service_host"}},
		{"known", []string{"INJECTKIT_TOKEN", "INJECTKIT_SHODAN_API_KEY", "INJECTKIT_WORKERS"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range tt.env {
				if !hasEnvPrefix(name) {
					t.Fatalf("%s: no prefix", name)
				}
			}
			slips, stray := sortEnv(tt.env, known, nil)
			if !slices.Equal(slips, tt.slips) || !slices.Equal(stray, tt.stray) {
				t.Errorf("slips %q, stray %q; want %q, %q", slips, stray, tt.slips, tt.stray)
			}
		})
	}
}

// TestSlipOfIsTight checks that a name unlike every known one but by the
// edit distance of a short word is no slip: INJECTKIT_PORT is not
// INJECTKIT_PARAM, INJECTKIT_HOME not INJECTKIT_PHASE.
func TestSlipOfIsTight(t *testing.T) {
	known := []string{"INJECTKIT_PARAM", "INJECTKIT_PHASE", "INJECTKIT_OPENAEV_VERSION", "INJECTKIT_TARGET"}
	for _, name := range []string{"INJECTKIT_PORT", "INJECTKIT_HOME", "INJECTKIT_VERSION", "INJECTKIT_NAME", "INJECTKIT_"} {
		if k := slipOf(name, known); k != "" {
			t.Errorf("slipOf(%s) = %s, want none", name, k)
		}
	}
	if k := slipOf("INJECTKIT_TARGETS", known); k != "INJECTKIT_TARGET" {
		t.Errorf("slipOf(INJECTKIT_TARGETS) = %q, want INJECTKIT_TARGET", k)
	}
}
