package cli_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// keyedSettings refuses its settings in Configure: a plain error when
// api_key is unset, a *signatures.ValidationError for a bad level, a
// panic for the level "panic".
type keyedSettings struct{ idle }

func (keyedSettings) Manifest() framework.Manifest {
	return framework.Manifest{Name: "keyed", Category: framework.Network, Settings: []framework.Setting{
		{Key: "api_key", Env: "KEYED_API_KEY", Secret: true, Doc: "API key"},
		{Key: "level", Env: "KEYED_LEVEL", Doc: "a level"},
	}}
}
func (keyedSettings) Configure(s map[string]string) error {
	if s["level"] == "panic" {
		panic("boom in configure")
	}
	if s["level"] == "bad" {
		return &signatures.ValidationError{Field: "keyed.level", Value: "bad", Reason: "not a level"}
	}
	if s["api_key"] == "" {
		return errors.New("api_key is not set (keyed.api_key in the config file, or KEYED_API_KEY)")
	}
	return nil
}

// serve refuses at start a setting its injector's Configure refuses with
// the line run gives for it, naming the injector as run does.
func TestServeConfigureErrorNamesInjector(t *testing.T) {
	reg := withFake("keyed", keyedSettings{})
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"plain error", map[string]string{"KEYED_LEVEL": "1"}, "configure keyed: api_key is not set"},
		{"validation error", map[string]string{"KEYED_API_KEY": "k", "KEYED_LEVEL": "bad"}, `invalid keyed.level "bad" (env KEYED_LEVEL): not a level`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := run(t, reg, tt.env, "run", "keyed", "--target", "127.0.0.1", "--log-level", "error", "-o", "json")
			served := run(t, reg, tt.env, "serve", "--openaev-url", "http://127.0.0.1:1", "--token", "tok",
				"--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", "", "--injectors", "keyed")
			if ran.code != 2 || !strings.Contains(ran.stderr, tt.want) {
				t.Fatalf("run: exit %d, want 2 saying %q:\n%s", ran.code, tt.want, ran.stderr)
			}
			if served.code != 2 || strings.TrimSpace(served.stderr) != strings.TrimSpace(ran.stderr) {
				t.Errorf("serve: exit %d saying\n%s\nwant exit 2 saying, as run does,\n%s", served.code, served.stderr, ran.stderr)
			}
		})
	}
}

// A panic of Configure stops serve at start, exit 2 (serve's codes are
// 0, 1, 2 and 130), naming the injector and the method as validate says
// it; serve does not crash.
func TestServeConfigurePanics(t *testing.T) {
	reg := withFake("keyed", keyedSettings{})
	env := map[string]string{"KEYED_API_KEY": "k", "KEYED_LEVEL": "panic"}
	validated := run(t, reg, env, "validate", "keyed", "--target", "127.0.0.1")
	const want = "injector keyed: Configure panicked: boom in configure"
	if validated.code != 3 || !strings.Contains(validated.stderr, want) {
		t.Fatalf("validate: exit %d, want 3 saying %q:\n%s", validated.code, want, validated.stderr)
	}
	served := run(t, reg, env, "serve", "--openaev-url", "http://127.0.0.1:1", "--token", "tok",
		"--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", "", "--injectors", "keyed")
	if served.code != 2 || !strings.Contains(served.stderr, want) {
		t.Errorf("serve: exit %d saying\n%s\nwant exit 2 saying %q", served.code, served.stderr, want)
	}
}

// requiredKey is keyedSettings with its api_key declared Required, as the
// guide's keyed example declares it.
type requiredKey struct{ keyedSettings }

func (requiredKey) Manifest() framework.Manifest {
	m := keyedSettings{}.Manifest()
	m.Settings[0].Required = true
	return m
}

// An injector whose Configure refuses its required setting left unset
// does not stop serve, which serves the others: serve starts, with one
// WARN naming the setting, and never says "configure keyed" (each inject
// of keyed fails, its Configure saying why). Another setting given and
// refused stops it still.
func TestServeStartsWithARequiredSettingUnset(t *testing.T) {
	reg := withFake("keyed", requiredKey{})
	const warn = "required injector setting unset or blank: every inject of keyed fails without it"
	for _, env := range []map[string]string{nil, {"KEYED_API_KEY": " "}} {
		t.Run(fmt.Sprintf("%q", env["KEYED_API_KEY"]), func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			d := serveWith(t, reg, env, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "", "--injectors", "keyed,noop")
			startedOrExited(t, d, p)
			got := d.stderr.String()
			if len(p.Registrations()) == 0 || strings.Count(got, warn) != 1 || strings.Contains(got, "configure keyed") {
				t.Errorf("serve did not start with one WARN %q (%d registrations):\n%s", warn, len(p.Registrations()), got)
			}
		})
	}
	given := run(t, reg, map[string]string{"KEYED_LEVEL": "bad"}, "serve", "--openaev-url", "http://127.0.0.1:1",
		"--token", "tok", "--injector-id", injectorID, "--listen-addr", "", "--injectors", "keyed")
	if given.code != 2 || !strings.Contains(given.stderr, `invalid keyed.level "bad"`) {
		t.Errorf("a setting given and refused: exit %d, want 2 naming it:\n%s", given.code, given.stderr)
	}
}

// badKey is keyedSettings with its level Required and its secret api_key
// refused, named, when given as "bad".
type badKey struct{ keyedSettings }

func (badKey) Manifest() framework.Manifest {
	m := keyedSettings{}.Manifest()
	m.Settings[1].Required = true
	return m
}
func (badKey) Configure(s map[string]string) error {
	if s["api_key"] == "bad" {
		return &signatures.ValidationError{Field: "keyed.api_key", Value: s["api_key"], Reason: "not a key", Withheld: true}
	}
	return nil
}

// A secret setting given and refused stops serve even while a required
// setting is unset: the refusal names what was given, not what is missing.
func TestServeRefusesAGivenSecretWithARequiredSettingUnset(t *testing.T) {
	reg := withFake("keyed", badKey{})
	p := openaevtest.NewPlatform(t, serveToken)
	d := serveWith(t, reg, map[string]string{"KEYED_API_KEY": "bad"}, "--openaev-url", p.URL, "--token", serveToken,
		"--injector-id", injectorID, "--listen-addr", "", "--injectors", "keyed")
	startedOrExited(t, d, p)
	got := d.stderr.String()
	if len(p.Registrations()) != 0 || !strings.Contains(got, "invalid keyed.api_key") || strings.Contains(got, `"bad"`) {
		t.Errorf("serve started (%d registrations) or did not name keyed.api_key, its value withheld:\n%s", len(p.Registrations()), got)
	}
}

// startedOrExited waits until d has registered on p or has exited.
func startedOrExited(t *testing.T, d *servedDaemon, p *openaevtest.Platform) {
	t.Helper()
	testkit.WaitFor(t, time.Minute, "a registration, or serve's exit", func() bool {
		select {
		case <-d.Exited():
			return true
		default:
			return len(p.Registrations()) >= 1
		}
	})
}

// serve refuses a platform setting the client refuses before any WARN
// about the daemon it never starts: an unset required setting of an
// injector it would serve, a token sent in clear. It warned first, then
// exited 2.
func TestServeRefusesBeforeWarning(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"injector id not a UUID", []string{"--openaev-url", "http://127.0.0.1:1", "--injector-id", "nope"}, `invalid injector_id "nope"`},
		{"tenant not bare", []string{"--openaev-url", "http://127.0.0.1:1", "--injector-id", injectorID, "--tenant", "a/b"}, `invalid tenant "a/b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--token", serveToken, "--injectors", "query", "--listen-addr", ""}, tc.args...)
			r := run(t, registry(withQuery), nil, args...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, want %d naming %s:\n%s", r.code, cli.ExitUsage, tc.want, r.stderr)
			}
			if strings.Contains(r.stderr, "WARN") {
				t.Errorf("a WARN before the refusal:\n%s", r.stderr)
			}
		})
	}
}

// serve reads the broker's client certificate and key once each, as its
// CA files: given as pipes (--broker-cert-file <(cat client.pem)) they
// start the daemon, not exit 2 for a file that holds no certificate.
func TestServeReadsBrokerClientCertificateOnce(t *testing.T) {
	client := servetest.NewCA(t).Client(t, "client")
	p := openaevtest.NewPlatform(t, serveToken)
	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "", "--broker-cert-file", testkit.OneShotFile(t, client.CertPEM),
		"--broker-key-file", testkit.OneShotFile(t, client.KeyPEM))
	waitUntil(t, "serve to start or exit", func() bool {
		return strings.Contains(stderr.String(), "starting") || strings.Contains(stderr.String(), "injectkit: ")
	})
	stop()
	if s := stderr.String(); !strings.Contains(s, "starting") || strings.Contains(s, "holds no PEM") {
		t.Errorf("serve over piped broker certificate files did not start:\n%s", s)
	}
}

// TestServeInjectorNameBlank: serve's injector name and type are blank as
// the platform's registration says (Java's trim: a char up to U+0020),
// one rule, the openaev client's: U+00A0 or U+2000 are names, U+0001 or a
// space are refused before anything is sent, and an empty one is refused
// as given empty. A name with a control character inside (a newline,
// U+0085) is refused too. A refused name is quoted as given, white space
// and all.
func TestServeInjectorNameBlank(t *testing.T) {
	tests := []struct {
		name, value string
		want        string // the error; "" for a name taken
	}{
		{"no-break space", "\u00a0", ""},
		{"en quad", "\u2000", ""},
		{"next line", "\u0085", `invalid injector_name "\u0085" (--injector-name): must not hold control characters`},
		{"newline inside", "a\nb", `invalid injector_name "a\nb" (--injector-name): must not hold control characters`},
		{"escape inside", "a\x1bb", `invalid injector_name "a\x1bb" (--injector-name): must not hold control characters`},
		{"control char", "\x01", `invalid injector_name "\x01" (--injector-name): must not be blank: the platform's registration refuses`},
		{"space", " ", `invalid injector_name " " (--injector-name): must not be blank: the platform's registration refuses`},
		{"empty", "", `invalid injector_name "" (--injector-name): must not be blank`},
		{"control char between spaces, shown as given", "\t\x1f ", `invalid injector_name "\t\x1f " (--injector-name): must not be blank`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := transporttest.NewBackend(t)
			args := []string{"serve", "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000",
				"--openaev-url", backend.URL, "--outbox", "none", "--injectors", "noop", "--log-level", "error", "--injector-name", tt.value}
			want := tt.want
			if want == "" {
				// A setting checked after the name stops serve before it
				// starts: the name was taken.
				args, want = append(args, "--workers", "0"), `invalid workers "0" (--workers)`
			}
			r := run(t, registry(), nil, args...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want %d saying %q:\n%s", r.code, cli.ExitUsage, want, r.stderr)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the platform", n)
			}
		})
	}
}

// TestServeInjectorNameTooLong: a name or type of more than the 255
// characters the platform stores is refused before anything is sent,
// exit 2 naming the flag; the platform would fail the registration.
func TestServeInjectorNameTooLong(t *testing.T) {
	for _, flag := range []string{"--injector-name", "--injector-type"} {
		t.Run(flag, func(t *testing.T) {
			backend := transporttest.NewBackend(t)
			r := run(t, registry(), nil, "serve", "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000",
				"--openaev-url", backend.URL, "--outbox", "none", "--injectors", "noop", "--log-level", "error",
				flag, strings.Repeat("é", 256))
			want := "(" + flag + "): is 256 characters, longer than the 255 the platform stores"
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, want %d saying %q:\n%s", r.code, cli.ExitUsage, want, r.stderr)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the platform", n)
			}
		})
	}
}

// A type the platform stores (255 characters) but too long, in bytes, to
// name the icon the platform would upload as <type>.png (MinIO takes 255
// bytes of a segment) is refused with an icon before anything is sent,
// exit 2; without an icon the same type is kept.
func TestServeInjectorTypeTooLongForItsIcon(t *testing.T) {
	icon := writeFile(t, "icon.png", "\x89PNG\r\n\x1a\n....")
	wide := strings.Repeat("\U0001F600", 255) // 1020 bytes
	backend := transporttest.NewBackend(t)
	r := run(t, registry(), nil, "serve", "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000",
		"--openaev-url", backend.URL, "--outbox", "none", "--injectors", "noop", "--log-level", "error",
		"--injector-type", wide, "--icon-file", icon)
	want := "(--injector-type): is 1020 bytes, too long to name its icon"
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, want %d saying %q:\n%s", r.code, cli.ExitUsage, want, r.stderr)
	}
	if n := backend.Len(); n != 0 {
		t.Errorf("%d requests reached the platform", n)
	}
}
