package cli_test

import (
	"encoding/binary"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// flushWith is the command a run that kept bodies says to flush them with.
var flushWith = regexp.MustCompile(`\(flush with: (injectkit outbox flush [^)\n]+)\)`)

// The command a failed run prints to flush what it kept sends with the
// run's token: the config file that held it is in the command, a token
// from the environment or a flag is named in a hint (never printed). Run
// as printed, with what the hint says, it delivers with that token; flush
// without one warns, as run does.
func TestRunFlushHintKeepsTheToken(t *testing.T) {
	tests := []struct {
		name string
		// args and env give the backend and the token (tok-hint-1).
		args     func(url string) []string
		env      func(url string) map[string]string
		hint     string // in stderr
		flushEnv bool   // the flush runs with the run's environment
		// flushArgs are added to the printed command, as the hint says.
		flushArgs []string
	}{
		{"token and backend in the config file", func(url string) []string {
			return []string{"--config", writeFile(t, "c.yaml", "backend_url: "+url+"\ntoken: tok-hint-1\n")}
		}, nil, "--config ", false, nil},
		{"token in the config file and backend from the flag", func(url string) []string {
			return []string{"--config", writeFile(t, "c.yaml", "token: tok-hint-1\n"), "--backend-url", url}
		}, nil, "--config ", false, nil},
		{"token from the environment", func(url string) []string { return []string{"--backend-url", url} },
			func(string) map[string]string { return map[string]string{"INJECTKIT_TOKEN": "tok-hint-1"} },
			"hint: the flush command needs INJECTKIT_TOKEN set, as this run had it", true, nil},
		{"token from the flag", func(url string) []string { return []string{"--backend-url", url, "--token", "tok-hint-1"} },
			nil, "hint: the flush command needs the token this run was given by --token: set INJECTKIT_TOKEN for it (a --token TOKEN added to it shows in ps to every local user",
			false, []string{"--token", "tok-hint-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSwitchable(t, http.StatusServiceUnavailable)
			box := filepath.Join(t.TempDir(), "outbox.db")
			var env map[string]string
			if tt.env != nil {
				env = tt.env(be.URL)
			}
			r := run(t, registry(), env, append([]string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-h",
				"--outbox", box, "--log-level", "error"}, tt.args(be.URL)...)...)
			m := flushWith.FindStringSubmatch(r.stderr)
			if r.code != 1 || m == nil || !strings.Contains(r.stderr, tt.hint) || strings.Contains(r.stderr, "tok-hint-1") {
				t.Fatalf("exit %d, stderr %q; want 1, a flush command, %q, and never the token", r.code, r.stderr, tt.hint)
			}
			be.set(http.StatusOK)
			var flushEnv map[string]string
			if tt.flushEnv {
				flushEnv = env
			}
			f := run(t, registry(), flushEnv, append(strings.Fields(m[1])[1:], tt.flushArgs...)...)
			if f.code != 0 || strings.Contains(f.stderr, "no token") {
				t.Fatalf("%s: exit %d\n%s%s", m[1], f.code, f.stdout, f.stderr)
			}
			got := be.got()
			if last := got[len(got)-1]; last.Auth != "Bearer tok-hint-1" || last.Code != http.StatusOK {
				t.Errorf("the flush sent with Authorization %q (answer %d), want the run's token", last.Auth, last.Code)
			}
		})
	}
}

// A flush that sends without a token says so, as run does.
func TestFlushWarnsWithoutToken(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	box := filepath.Join(t.TempDir(), "outbox.db")
	r := run(t, registry(), nil, "run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-n", "--outbox", box,
		"--backend-url", be.URL, "--token", "tok-n", "--log-level", "error")
	if r.code != 1 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	be.set(http.StatusOK)
	f := run(t, registry(), nil, "outbox", "flush", "--outbox", box, "--backend-url", be.URL)
	if !strings.Contains(f.stderr, "WARN") || !strings.Contains(f.stderr, "no token: requests to the backend carry no Authorization header") {
		t.Errorf("flush: exit %d, stderr %q; want the no-token WARN", f.code, f.stderr)
	}
}

// The command a failed run prints to flush what it kept trusts the
// backend as the run did: its CA file (named, or the config file that
// gave it) and --insecure. Run as printed, without the run's environment,
// it delivers to the same HTTPS backend.
func TestRunFlushHintKeepsTheTLSSettings(t *testing.T) {
	var code atomic.Int32
	code.Store(http.StatusServiceUnavailable)
	var delivered atomic.Int32
	be := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		c := int(code.Load())
		if c == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "0")
		} else {
			delivered.Add(1)
		}
		w.WriteHeader(c)
	}))
	t.Cleanup(be.Close)
	ca := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: be.Certificate().Raw})))
	tests := []struct {
		name string
		args []string
		env  map[string]string // the run's, besides the token
		want string            // in the flush command
		// dir is where the run runs, "" for here; the flush runs
		// elsewhere.
		dir string
	}{
		{"--ca-file", []string{"--ca-file", ca}, nil, " --ca-file " + ca, ""},
		// A relative path is printed absolute: the flush works from any
		// directory.
		{"relative --ca-file", []string{"--ca-file", filepath.Base(ca)}, nil, " --ca-file " + ca, filepath.Dir(ca)},
		{"CA file from the environment", nil, map[string]string{"INJECTKIT_CA_FILE": ca}, " --ca-file " + ca, ""},
		{"CA file from the config file", []string{"--config", writeFile(t, "c.yaml", "ca_file: "+ca+"\n")}, nil, " --config ", ""},
		// A config file's relative path is relative to the working
		// directory (README): the flush, run elsewhere, gets it by flag,
		// made absolute, which beats the file's.
		{"relative CA file from the config file", []string{"--config", writeFile(t, "rel.yaml", "ca_file: "+filepath.Base(ca)+"\n")}, nil,
			" --ca-file " + ca, filepath.Dir(ca)},
		{"--insecure", []string{"--insecure"}, nil, " --insecure", ""},
		{"insecure from the environment", nil, map[string]string{"INJECTKIT_INSECURE": "true"}, " --insecure", ""},
	}
	token := map[string]string{"INJECTKIT_TOKEN": "tok-tls-1"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code.Store(http.StatusServiceUnavailable)
			if tt.dir != "" {
				t.Chdir(tt.dir)
			}
			env := map[string]string{"INJECTKIT_TOKEN": "tok-tls-1"}
			for k, v := range tt.env {
				env[k] = v
			}
			r := run(t, registry(), env, append([]string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-tls",
				"--outbox", filepath.Join(t.TempDir(), "outbox.db"), "--backend-url", be.URL, "--log-level", "error"}, tt.args...)...)
			m := flushWith.FindStringSubmatch(r.stderr)
			if r.code != 1 || m == nil || !strings.Contains(m[1], tt.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and a flush command with %q", r.code, r.stderr, tt.want)
			}
			code.Store(http.StatusOK)
			if tt.dir != "" {
				t.Chdir(t.TempDir())
			}
			before := delivered.Load()
			if f := run(t, registry(), token, strings.Fields(m[1])[1:]...); f.code != 0 || delivered.Load() == before {
				t.Errorf("%s: exit %d, %d bodies delivered\n%s%s", m[1], f.code, delivered.Load()-before, f.stdout, f.stderr)
			}
		})
	}
}

// TestRunFlushHintPathsAbsolute checks that the flush command a failed
// run prints names its outbox and its config file by absolute paths, as
// its CA file: run as printed from another directory, it delivers.
func TestRunFlushHintPathsAbsolute(t *testing.T) {
	be := newSwitchable(t, http.StatusServiceUnavailable)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "cfgdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cfgdir", "h.yaml"), []byte("backend_url: "+be.URL+"\ntoken: tok-abs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	r := run(t, registry(), nil, "run", "noop", "--target", "10.0.0.1", "--inject-id", "inj-abs", "--outbox", "ob1.db",
		"--config", filepath.Join("cfgdir", "h.yaml"), "--log-level", "error")
	m := flushWith.FindStringSubmatch(r.stderr)
	if r.code != 1 || m == nil {
		t.Fatalf("exit %d, want 1 and a flush command:\n%s", r.code, r.stderr)
	}
	args := strings.Fields(m[1])[1:]
	for i, a := range args {
		if (a == "--outbox" || a == "--config" || a == "--ca-file") && !filepath.IsAbs(args[i+1]) {
			t.Errorf("%s %s is relative in %q", a, args[i+1], m[1])
		}
	}
	be.set(http.StatusOK)
	t.Chdir(t.TempDir())
	f := run(t, registry(), nil, args...)
	got := be.got()
	if f.code != 0 || got[len(got)-1].Code != http.StatusOK || got[len(got)-1].Auth != "Bearer tok-abs" {
		t.Fatalf("%s from another directory: exit %d, want 0 and the body delivered with the run's token\n%s", m[1], f.code, f.stderr)
	}
}

// t67: the token hint after a run whose body the backend rejected names
// the command it follows, retry-dead, not flush. A 404 keeps it beside
// the hint on the callback profile's route, as a 413 keeps it after the
// hint on what fixes a 413 (t75: the route's hint replaced it).
func TestRunDeadHintNamesRetryDead(t *testing.T) {
	const flagHint = "the retry-dead command needs the token this run was given by --token: set INJECTKIT_TOKEN for it (a --token TOKEN added to it shows in ps to every local user"
	// refusedHint comes first for a 400, which no other hint covers.
	const refusedHint = "the backend refused the body as it is (400) and will refuse it again: retry-dead it only once the backend changed " +
		"(the inject relaunched, the platform upgraded), or outbox move it to a backend that takes it; if the run's own input is at fault " +
		"(an OpenAEV platform answers 400 naming a field it refuses, 422 for content it cannot process), run the inject again with it fixed, " +
		"then remove the dead body with outbox drop <id>"
	tests := []struct {
		name   string
		status int
		args   []string
		env    map[string]string
		hint   string
	}{
		{"token from the flag", http.StatusBadRequest, []string{"--token", "tok-dead-1"}, nil, "hint: " + refusedHint + "; " + flagHint},
		{"token from the environment", http.StatusBadRequest, nil, map[string]string{"INJECTKIT_TOKEN": "tok-dead-1"},
			"hint: " + refusedHint + "; the retry-dead command needs INJECTKIT_TOKEN set, as this run had it"},
		{"413, token from the flag", http.StatusRequestEntityTooLarge, []string{"--token", "tok-dead-1"}, nil,
			"hint: the backend, or a proxy in front of it, refused the body as too large (413; "},
		{"413, the token hint last", http.StatusRequestEntityTooLarge, []string{"--token", "tok-dead-1"}, nil,
			"then retry-dead it there); " + flagHint + "; the token is never printed)\n"},
		{"404, token from the flag", http.StatusNotFound, []string{"--token", "tok-dead-1"}, nil,
			"hint: the backend answered 404 to POST /api/injects/{id}/callback, the callback profile's route; " +
				"for an OpenAEV platform, run with --profile openaev; there, the body kept in the dead list, in the callback profile's format, " +
				"would be answered 404 again by retry-dead: once the inject ran with that profile, remove it with outbox drop <id>; " +
				"check the backend URL given by --backend-url, {URL}: " +
				"it must be the platform's root, to which each request adds /api/…; " + flagHint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newSwitchable(t, tt.status)
			box := filepath.Join(t.TempDir(), "outbox.db")
			r := run(t, registry(), tt.env, append([]string{"run", "noop", "--target", "192.0.2.1", "--inject-id", "inj-d",
				"--outbox", box, "--log-level", "error", "--backend-url", be.URL}, tt.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "resend with: injectkit outbox retry-dead <id>") ||
				!strings.Contains(r.stderr, strings.ReplaceAll(tt.hint, "{URL}", be.URL)) || strings.Contains(r.stderr, "flush command") || strings.Contains(r.stderr, "tok-dead-1") {
				t.Fatalf("exit %d, stderr %q; want 1, the retry-dead command and %q, never the token", r.code, r.stderr, tt.hint)
			}
		})
	}
}

// A run of an inject whose earlier run left its "complete" pending in the
// outbox says so as it starts, naming the stored body and what a flush
// will do with it (as the flush decides it); a run with nothing pending,
// another inject's body pending, or no outbox says nothing.
func TestRunWarnsOfEarlierRunPending(t *testing.T) {
	const noSignatures = "carrying no signatures: once this run completes the inject, outbox flush drops that complete"
	t.Parallel()
	tests := []struct {
		name     string
		failed   bool     // the first run's complete failed after every attempt
		second   string   // the inject id of the second run
		extra    []string // the second run's further flags
		target   []string // the first run's targets; nil: an inject file's, of assets
		warned   string   // what the WARN says a flush does; "" for no WARN
		lostBody bool     // the stored complete's body is gone from the outbox file
	}{
		{"complete pending", true, "inj-again", nil, nil, "outbox flush sends not that complete but its signatures, as data", false},
		// t87: a complete carrying no signatures (one target's, a
		// rejection's) is dropped by the flush, its signatures sent nowhere.
		{"complete of one target pending", true, "inj-again", nil, []string{"127.0.0.1"}, noSignatures, false},
		{"rejection pending", true, "inj-again", nil, []string{"bad_host!"}, noSignatures, false},
		{"complete pending, its body unreadable", true, "inj-again", nil, nil, "left its complete pending in the outbox, but its content cannot be read", true},
		{"nothing pending", false, "inj-again", nil, nil, "", false},
		{"another inject's complete pending", true, "inj-other", nil, []string{"127.0.0.1"}, "", false},
		{"no outbox", true, "inj-again", []string{"--outbox", "none"}, []string{"127.0.0.1"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := noopPlatform(t, "inj-again")
			p.AddInject("inj-other", openaev.ContractID("noop"))
			if tt.failed {
				p.FailComplete("inj-again", http.StatusServiceUnavailable, openaev.DefaultAttempts)
			}
			env, box := outboxEnv(t)
			args := func(id, level string, targets ...string) []string {
				a := []string{"run", "noop", "--profile", "openaev", "--inject-id", id,
					"--backend-url", p.URL, "--log-level", level}
				for _, target := range targets {
					a = append(a, "--target", target)
				}
				return a
			}
			var outboxID string
			if tt.failed {
				first := args("inj-again", "error", tt.target...)
				if tt.target == nil {
					inject := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"inj-again","targets":[`+
						`{"value":"10.0.0.1","asset":"asset-1"},{"value":"10.0.0.2","asset":"asset-2"}]}`)
					first = []string{"run", "--inject-file", inject, "--profile", "openaev", "--backend-url", p.URL, "--log-level", "error"}
				}
				if r := run(t, registry(), env, first...); r.code == 0 {
					t.Fatalf("first run: exit 0, want its callback kept\n%s", r.stderr)
				}
				l := listOutbox(t, env)
				if len(l.Records) != 1 {
					t.Fatalf("outbox after the first run: %+v", l)
				}
				outboxID = strconv.FormatUint(l.Records[0].ID, 10)
				if tt.lostBody {
					outboxtest.Update(t, box, func(tx *bolt.Tx) error {
						return tx.Bucket([]byte("bodies")).Delete(binary.BigEndian.AppendUint64(nil, l.Records[0].ID))
					})
				}
			}
			r := run(t, registry(), env, append(args(tt.second, "warn", "127.0.0.1"), tt.extra...)...)
			if r.code != 0 {
				t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
			}
			var lines []string
			for line := range strings.Lines(r.stderr) {
				if strings.Contains(line, "an earlier run of this inject") {
					lines = append(lines, line)
				}
			}
			if tt.warned == "" {
				if len(lines) != 0 {
					t.Errorf("WARN lines about an earlier run, want none:\n%s", strings.Join(lines, ""))
				}
				return
			}
			if len(lines) != 1 || !strings.Contains(lines[0], `"outbox_id": `+outboxID) ||
				!strings.Contains(lines[0], tt.warned) {
				t.Errorf("want one WARN naming outbox body %s and what a flush does with it; stderr:\n%s", outboxID, r.stderr)
			}
		})
	}
}

// A flush that leaves bodies undelivered counts them as the run that kept
// them does, per profile: the callback profile's signature bodies, the
// openaev profile's terminal callback bodies (its complete, which
// carries signatures only on a platform that takes them).
func TestFlushIncompleteCountsBodiesAsRunDoes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// keep runs an inject whose body is kept, and returns the
		// backend the flush then sends to, still failing.
		keep func(t *testing.T, env map[string]string, box string) string
		want string
	}{
		{"callback profile", func(t *testing.T, env map[string]string, box string) string {
			url := transporttest.NewScriptedBackend(t, transporttest.Repeat(20, 503, `{"message":"down"}`)...).URL
			if r := run(t, registry(), env, "run", "noop", "--target", "127.0.0.1", "--inject-id", "i-down",
				"--backend-url", url, "--log-level", "error"); r.code != 1 || !strings.Contains(r.stderr, "1 signature body stored") {
				t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
			}
			return url
		}, "flush incomplete: 1 signature body not delivered"},
		{"openaev profile", func(t *testing.T, env map[string]string, box string) string {
			const id = "i-down"
			p := noopPlatform(t, id)
			p.FailComplete(id, http.StatusServiceUnavailable, 2*openaev.DefaultAttempts)
			checkKept(t, run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
				"--backend-url", p.URL, "--log-level", "error"), box)
			if n := len(p.Calls(id)); n == 0 {
				t.Fatal("the platform got no call")
			}
			return p.URL
		}, "flush incomplete: 1 terminal callback body not delivered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, box := outboxEnv(t)
			url := tt.keep(t, env, box)
			f := run(t, registry(), env, "outbox", "flush", "--backend-url", url, "--log-level", "error")
			if f.code != 1 || !strings.Contains(f.stderr, tt.want) {
				t.Errorf("flush: exit %d, want 1 and %q:\n%s%s", f.code, tt.want, f.stdout, f.stderr)
			}
		})
	}
}
