package query

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
)

// TestQueryHoldingTheKeyRefused: a query that holds the API key (pasted
// in the wrong place, or a Shodan filter around it) would send the key as
// the search and carry it in the query signature to the platform. It is
// refused before anything is sent or stored, exit 2, naming the field and
// withholding the value, from --query, an inject file, run and validate.
func TestQueryHoldingTheKeyRefused(t *testing.T) {
	for _, tt := range []struct {
		name, query string
		file        bool
		command     string
	}{
		{"the key as --query", testKey, false, "run"},
		{"the key within --query", "port:22 " + testKey, false, "run"},
		{"the key in an inject file", testKey, true, "run"},
		{"the key as --query, validate", testKey, false, "validate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			code, out, errs := runCLI(t, Name, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey,
				"INJECTKIT_OUTBOX": "none"}, append([]string{"injectkit", tt.command, "query", "--log-level", "debug"}, queryArgs(t, tt.query, tt.file)...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, errs.String())
			}
			last := strings.TrimSpace(errs.String())
			last = last[strings.LastIndexByte(last, '\n')+1:]
			if !strings.Contains(last, "query") || !strings.Contains(last, ": holds a secret") {
				t.Errorf("the error does not name the query as holding a secret: %s", last)
			}
			if shown := out.String() + errs.String(); strings.Contains(shown, testKey) {
				t.Errorf("the key shown:\n%s", shown)
			}
			if got := srv.Requests(); len(got) != 0 {
				t.Errorf("%d requests sent", len(got))
			}
		})
	}
}

// TestOverriddenConfigFileKeyRedactedFromTheLog: the config file's
// shodan_api_key, overridden by INJECTKIT_SHODAN_API_KEY, is still a
// secret the user wrote: a refusal quoting it (another setting, a param
// given the same value) shows it neither in the error nor in the WARN
// "inject rejected" log line.
func TestOverriddenConfigFileKeyRedactedFromTheLog(t *testing.T) {
	const fileKey = "sekrETcfg-file-key-42"
	for _, tt := range []struct {
		name, config string
		args         []string
	}{
		{"another setting quotes it", "query:\n  shodan_api_key: \"" + fileKey + "\"\n  request_timeout: \"" + fileKey + "\"\n", nil},
		{"a param quotes it", "query:\n  shodan_api_key: \"" + fileKey + "\"\n", []string{"--param", "max_results=" + fileKey}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			cfg := testkit.WriteFile(t, "injectkit.yaml", tt.config)
			code, out, errs := runCLI(t, Name, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey,
				"INJECTKIT_OUTBOX": "none"}, append([]string{"injectkit", "run", "query", "--query", "port:22", "--config", cfg, "--log-level", "debug"}, tt.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, errs.String())
			}
			if !strings.Contains(errs.String(), "inject rejected") {
				t.Errorf("no WARN inject rejected line:\n%s", errs.String())
			}
			if shown := out.String() + errs.String(); strings.Contains(shown, fileKey) || strings.Contains(shown, testKey) {
				t.Errorf("a key shown:\n%s", shown)
			}
			if got := srv.Requests(); len(got) != 0 {
				t.Errorf("%d requests sent", len(got))
			}
		})
	}
}

// TestREADMESaysWhatAMissingKeyDoes: run and validate without an API key
// exit 2 before anything is sent, and the README quotes their refusal as
// they print it.
func TestREADMESaysWhatAMissingKeyDoes(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(b)), " ")
	for _, command := range []string{"run", "validate"} {
		srv := newStandIn(t)
		code, _, errs := runCLI(t, Name, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_OUTBOX": "none"},
			"injectkit", command, "query", "--query", "port:22")
		if code != 2 || len(srv.Requests()) != 0 {
			t.Errorf("%s: exit %d, %d requests; want 2, none", command, code, len(srv.Requests()))
		}
		refusal := strings.TrimPrefix(strings.TrimSpace(errs.String()), "injectkit: ")
		if !strings.Contains(readme, "`"+refusal+"`") {
			t.Errorf("%s's refusal is not quoted by the README: %s", command, refusal)
		}
	}
}

// TestMissingAndRefusedKeyExitCodes: a missing key exits 2, before
// anything is sent (TestREADMESaysWhatAMissingKeyDoes); a key Shodan
// refuses (401) is the inject's failure, exit 3. The exit-code table of
// the project README says so: its row 3 names the refused key, not a
// missing one.
func TestMissingAndRefusedKeyExitCodes(t *testing.T) {
	srv := newStandIn(t)
	code, _, errs := runCLI(t, Name, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_OUTBOX": "none",
		"INJECTKIT_SHODAN_API_KEY": "not-" + testKey, "INJECTKIT_LOG_LEVEL": "error"},
		"injectkit", "run", "query", "--query", "port:22")
	if code != 3 || len(srv.Requests()) == 0 {
		t.Errorf("a refused key: exit %d, %d requests; want 3 after a request\n%s", code, len(srv.Requests()), errs.String())
	}
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if row3, ok := strings.CutPrefix(line, "| 3 |"); ok {
			if strings.Contains(row3, "missing Shodan key") || !strings.Contains(row3, "Shodan refuses (HTTP 401") {
				t.Errorf("README's exit-code row 3 does not say a refused Shodan key is exit 3, a missing one exit 2:\n%.300s", row3)
			}
		}
	}
}

// TestRefusedKeyHintNamesWhatItsBinaryReads: a binary built on injectkit
// under another name (acme-injector), registering this injector as
// shodan, reads the key from INJECTKIT_SHODAN_API_KEY (the framework's
// prefix, whatever the binary's name) or the config file's
// shodan.shodan_api_key: the hint of a key Shodan refuses names those,
// not query's config key, and each is the one the binary reads.
func TestRefusedKeyHintNamesWhatItsBinaryReads(t *testing.T) {
	const hint = "check env INJECTKIT_SHODAN_API_KEY or shodan.shodan_api_key in the config file"
	for _, tt := range []struct {
		name   string
		env    string // INJECTKIT_SHODAN_API_KEY
		config string // the config file
		code   int
	}{
		{"refused, from the environment", "not-" + testKey, "", 3},
		{"refused, from the config file", "", "shodan:\n  shodan_api_key: not-" + testKey + "\n", 3},
		{"taken, from the config file its hint names", "", "shodan:\n  shodan_api_key: " + testKey + "\n", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			env := keyEnv(t, srv.URL, tt.env, tt.config, "acme.yaml")
			code, out, errs := runCLI(t, "shodan", env, "acme-injector", "run", "shodan", "--query", "port:22", "-o", "json")
			if code != tt.code || len(srv.Requests()) == 0 {
				t.Fatalf("exit %d, %d requests; want %d after a request\n%s", code, len(srv.Requests()), tt.code, errs.String())
			}
			shown := out.String() + errs.String()
			if tt.code == 0 {
				return
			}
			if !strings.Contains(shown, hint) || strings.Contains(shown, "query.shodan_api_key") {
				t.Errorf("the refusal does not say %q alone:\n%s", hint, shown)
			}
		})
	}
}

// TestRefusedSettingNamesWhatItsBinaryReads: a binary registering this
// injector as shodan, given a request_timeout it refuses in its config
// file, names shodan.request_timeout (the key the user set, not query's)
// and the file's line where it was given, at a run and at serve's start.
func TestRefusedSettingNamesWhatItsBinaryReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.yaml")
	if err := os.WriteFile(path, []byte("shodan:\n  request_timeout: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"INJECTKIT_SHODAN_API_KEY": testKey, "INJECTKIT_OUTBOX": "none", "INJECTKIT_CONFIG": path,
		"INJECTKIT_TOKEN": "2cf5a8ad-7d3e-4a9b-9b0c-3f1e2d4c5b6b"}
	want := `acme-injector: invalid shodan.request_timeout "x" (config file ` + path + `:2): want a positive duration`
	for _, args := range [][]string{
		{"run", "shodan", "--query", "port:22"},
		{"serve", "--injectors", "shodan", "--openaev-url", "http://127.0.0.1:1", "--injector-id", "2cf5a8ad-7d3e-4a9b-9b0c-3f1e2d4c5b6a"},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, _, errs := runCLI(t, "shodan", env, append([]string{"acme-injector"}, args...)...)
			if code != 2 || !strings.Contains(errs.String(), want) || strings.Contains(errs.String(), "query.request_timeout") {
				t.Errorf("exit %d, want 2 and %q alone:\n%s", code, want, errs.String())
			}
		})
	}
}

// keyEnv is the environment of a run against the stand-in at url, without
// an outbox, its key key in INJECTKIT_SHODAN_API_KEY and, when config is
// not empty, a config file of that text named name.
func keyEnv(t *testing.T, url, key, config, name string) map[string]string {
	t.Helper()
	env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": url, "INJECTKIT_OUTBOX": "none", "INJECTKIT_SHODAN_API_KEY": key}
	if config != "" {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		env["INJECTKIT_CONFIG"] = path
	}
	return env
}

// runCLI runs the command line args (args[0] the binary's name, which a
// binary other than injectkit gives as cli.Options.Name) with query
// registered as name and the environment env, and returns the exit code,
// stdout and stderr.
func runCLI(t *testing.T, name string, env map[string]string, args ...string) (code int, stdout, stderr *bytes.Buffer) {
	t.Helper()
	reg := framework.NewRegistry()
	reg.Register(name, func() framework.Executor { return New() })
	var out, errs bytes.Buffer
	opts := cli.Options{Registry: reg, Version: "9.9.9", Stdout: &out, Stderr: &errs, Getenv: func(k string) string { return env[k] }}
	if args[0] != "injectkit" {
		opts.Name = args[0]
	}
	return cli.Run(context.Background(), opts, args), &out, &errs
}

// queryArgs gives query as --query, or in an inject file of one target
// when file is set.
func queryArgs(t *testing.T, query string, file bool) []string {
	t.Helper()
	if file {
		return []string{"--inject-file", testkit.WriteJSON(t, "inject.json", map[string]any{
			"inject_id": "q-1", "targets": []map[string]any{{"query": query}}})}
	}
	return []string{"--query", query}
}
