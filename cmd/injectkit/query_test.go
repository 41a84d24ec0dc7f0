package main

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// shodanKey is the key the Shodan stand-in accepts; no output may hold it.
const shodanKey = "E2E-SHODAN-KEY-51d0c7a94b"

// runApp runs the injectkit application in memory over the given
// environment, with the real registry of this command.
func runApp(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	state := t.TempDir() // the outbox, never the user's
	o := cli.Options{Registry: registry(version), Version: "test", Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			if v, ok := env[k]; ok || k != "XDG_STATE_HOME" {
				return v
			}
			return state
		}}
	code := cli.Run(context.Background(), o, append([]string{"injectkit"}, args...))
	return code, out.String(), errb.String()
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

const queryInject = `{"inject_id":"q-1","injector":"query","expectation_types":["VULNERABILITY"],` +
	`"targets":[{"query":"apache","target_ipv4":"127.0.0.1"}],"params":{"max_results":200}}`

func TestQueryRunPrintsPayload(t *testing.T) {
	srv := shodantest.NewServer(shodanKey)
	defer srv.Close()
	env := map[string]string{
		"INJECTKIT_SHODAN_BASE_URL": srv.URL,
		"INJECTKIT_SHODAN_API_KEY":  shodanKey,
		"CONTAINER_IP":              "172.17.0.2", // must not show: external targets carry no source IP
	}
	code, stdout, stderr := runApp(t, env, "run", "query", "--inject-file", testkit.WriteFile(t, "inject.json", queryInject), "--log-level", "debug")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	body := transporttest.PrintedBody(t, stdout)
	if body.Phase == "" || len(body.ExpectationSignature.Targets) != 1 {
		t.Fatalf("body = %s", stdout)
	}
	// query declares VULNERABILITY only: its group alone, the matched
	// addresses in the findings, not the signatures.
	if n := len(body.ExpectationSignature.Targets[0].SignatureValues); n != 1 {
		t.Errorf("%d signature groups, want VULNERABILITY's alone:\n%s", n, stdout)
	}
	vuln := body.Values(t, 0, "VULNERABILITY")
	if vuln["query"] != "apache" || vuln["target_ipv4"] != "127.0.0.1" || vuln["execution_status"] != "success" {
		t.Errorf("VULNERABILITY values = %v, want query apache, target_ipv4 127.0.0.1, success", vuln)
	}
	if got, ok := vuln["matched_ips"]; ok {
		t.Errorf("matched_ips = %v in the signatures", got)
	}
	if got := strs(vuln["cves"]); !slices.Equal(got, []string{"CVE-2021-41773", "CVE-2021-42013", "CVE-2023-25690", "CVE-2024-38476"}) {
		t.Errorf("cves = %v", vuln["cves"])
	}
	for _, bad := range []string{"source_ipv4", "source_ipv6", "172.17.0.2"} {
		if strings.Contains(stdout, bad) {
			t.Errorf("body holds %q: external signatures carry no source IP\n%s", bad, stdout)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Query != "apache ip:127.0.0.1" || reqs[0].Page != "1" {
		t.Errorf("stand-in requests = %+v, want one for \"apache ip:127.0.0.1\" page 1", reqs)
	}
	if !strings.Contains(stderr, "shodan request") || !strings.Contains(stderr, "REDACTED") {
		t.Errorf("debug logs lack the redacted request line:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, shodanKey) {
		t.Errorf("the API key leaked into stdout or stderr")
	}
}

// TestQueryRunDeliversToBackend reads the settings from the config file
// keys query.shodan_base_url and query.shodan_api_key, and delivers to a
// backend: one outcome per target, whatever the others did.
func TestQueryRunDeliversToBackend(t *testing.T) {
	tests := []struct {
		name       string
		replies    []shodantest.Reply
		targets    string
		wantStatus string
		wantPages  int
		wantExit   int
	}{
		{"success with pagination", nil,
			`[{"query":"apache"}]`, "success", 2, cli.ExitOK},
		{"one of two fails", []shodantest.Reply{{Status: 400, Body: shodantest.ErrorBody("Invalid search query")}},
			`[{"query":"apache","target_hostname":"example.com"},{"query":"nginx"}]`, "partial", 2, cli.ExitOK},
		{"page 2 refused", []shodantest.Reply{{Body: string(shodantest.Fixture("apache-page-1.json"))},
			{Status: 403, Body: shodantest.ErrorBody("Access denied (403 Forbidden)")}},
			`[{"query":"apache"}]`, "partial", 2, cli.ExitOK},
		{"all fail", []shodantest.Reply{{Status: 401, Body: shodantest.ErrorBody("Invalid API key")}},
			`[{"query":"nginx","target_ipv4":"127.0.0.1"}]`, "failed", 1, cli.ExitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := shodantest.NewServer(shodanKey)
			defer srv.Close()
			srv.Enqueue(tt.replies...)
			backend := transporttest.NewBackend(t)
			conf := testkit.WriteFile(t, "injectkit.yaml", "query:\n  shodan_base_url: "+srv.URL+"\n  shodan_api_key: "+shodanKey+"\n")
			inject := testkit.WriteFile(t, "inject.json", `{"inject_id":"q-2","injector":"query","expectation_types":["VULNERABILITY"],`+
				`"targets":`+tt.targets+`,"params":{"max_results":200}}`)
			code, stdout, stderr := runApp(t, nil, "run", "query", "--config", conf, "--inject-file", inject,
				"--backend-url", backend.URL, "--log-level", "debug")
			if code != tt.wantExit {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.wantExit, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing when delivering", stdout)
			}
			if n := len(srv.Requests()); n != tt.wantPages {
				t.Errorf("stand-in requests = %d, want %d", n, tt.wantPages)
			}
			reqs := backend.Requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/api/injects/q-2/callback" {
				t.Fatalf("backend requests = %+v", reqs)
			}
			raw := reqs[0].Body
			body := transporttest.ParseBody(t, raw)
			if body.Phase == "" {
				t.Errorf("body has no phase: %s", raw)
			}
			for i := range body.ExpectationSignature.Targets {
				if got := body.Values(t, i, "VULNERABILITY")["execution_status"]; got != tt.wantStatus {
					t.Errorf("target %d execution_status = %v, want %s", i, got, tt.wantStatus)
				}
			}
			if strings.Contains(string(raw)+stderr, shodanKey) {
				t.Errorf("the API key leaked into the payload or the logs")
			}
		})
	}
}

// A run without the Shodan key, which every inject of query needs, is
// refused as validate refuses it: exit 2 naming the setting, nothing
// printed or sent, no request to Shodan (the injector's own failure
// without a key is injectors/query's test).
func TestQueryRunWithoutKeyRefusedBeforeAnyRequest(t *testing.T) {
	srv := shodantest.NewServer(shodanKey)
	defer srv.Close()
	code, stdout, stderr := runApp(t, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL},
		"run", "query", "--inject-file", testkit.WriteFile(t, "inject.json", queryInject))
	const want = `invalid query.shodan_api_key "": required, every inject of query fails without it`
	if code != cli.ExitUsage || !strings.Contains(stderr, want) || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %d, nothing printed, and %q", code, stdout, stderr, cli.ExitUsage, want)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent without a key", n)
	}
}

func TestQueryRunRejectsBadInput(t *testing.T) {
	conf := testkit.WriteFile(t, "injectkit.yaml", "query:\n  shodan_base_url: http://127.0.0.1:1\n  request_timeout: soon\n")
	tests := []struct {
		name    string
		inject  string
		env     map[string]string
		wantErr string
	}{
		{"max_results above 1000", `{"inject_id":"q","targets":[{"query":"apache"}],"params":{"max_results":5000}}`, nil,
			`invalid params.max_results "5000"`},
		{"unknown param", `{"inject_id":"q","targets":[{"query":"apache"}],"params":{"max_result":5}}`, nil,
			"max_result"},
		{"unknown provider", `{"inject_id":"q","targets":[{"query":"apache"}],"params":{"provider":"censys"}}`, nil,
			`invalid params.provider "censys"`},
		{"empty query", `{"inject_id":"q","targets":[{"query":" ","target_ipv4":"127.0.0.1"}]}`, nil,
			"query"},
		{"bad base URL", `{"inject_id":"q","targets":[{"query":"apache"}]}`, map[string]string{"INJECTKIT_SHODAN_BASE_URL": "ftp://127.0.0.1"},
			`invalid query.shodan_base_url "ftp://127.0.0.1" (env INJECTKIT_SHODAN_BASE_URL): scheme must be http or https`},
		{"bad timeout in the config file", `{"inject_id":"q","targets":[{"query":"apache"}]}`,
			map[string]string{"INJECTKIT_CONFIG": conf, "INJECTKIT_SHODAN_BASE_URL": ""},
			`invalid query.request_timeout "soon" (config file ` + conf + `:3): want a positive duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := shodantest.NewServer(shodanKey)
			defer srv.Close()
			env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": shodanKey}
			for k, v := range tt.env {
				env[k] = v
			}
			code, stdout, stderr := runApp(t, env, "run", "query", "--inject-file", testkit.WriteFile(t, "inject.json", tt.inject))
			if code != cli.ExitUsage || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing printed", code, stdout, cli.ExitUsage)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr does not name %q:\n%s", tt.wantErr, stderr)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests sent for a rejected inject", n)
			}
		})
	}
}

// TestQueryBinaryReadsEnvironment runs the built binary: the settings come
// from the process environment.
func TestQueryBinaryReadsEnvironment(t *testing.T) {
	srv := shodantest.NewServer(shodanKey)
	defer srv.Close()
	code, stdout, stderr := injectkit(t, []string{"INJECTKIT_SHODAN_BASE_URL=" + srv.URL, "INJECTKIT_SHODAN_API_KEY=" + shodanKey},
		"run", "query", "--inject-file", testkit.WriteFile(t, "inject.json", queryInject))
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	if v := transporttest.PrintedBody(t, stdout).Values(t, 0, "VULNERABILITY"); v["execution_status"] != "success" || len(strs(v["cves"])) != 4 {
		t.Errorf("VULNERABILITY values = %v", v)
	}
	if strings.Contains(stdout+stderr, shodanKey) {
		t.Error("the API key leaked into stdout or stderr")
	}
}

// TestQueryBinarySIGINTDeliversTimeout interrupts a run blocked on a slow
// Shodan answer: the request is cancelled and the timeout is delivered.
func TestQueryBinarySIGINTDeliversTimeout(t *testing.T) {
	srv := shodantest.NewServer(shodanKey)
	defer srv.Close()
	srv.Enqueue(shodantest.Reply{Delay: time.Hour})
	raw, stderr := interrupt(t, []string{"INJECTKIT_SHODAN_BASE_URL=" + srv.URL, "INJECTKIT_SHODAN_API_KEY=" + shodanKey},
		func(p *testkit.Process) {
			select {
			case <-srv.Requested(1):
			case <-time.After(30 * time.Second):
				t.Fatalf("no search within 30s:\n%s", p.Stderr.String())
			}
		}, "run", "query", "--inject-file", testkit.WriteFile(t, "inject.json", queryInject))
	v := transporttest.ParseBody(t, raw).Values(t, 0, "VULNERABILITY")
	if v["execution_status"] != "timeout" || v["query"] != "apache" {
		t.Errorf("VULNERABILITY values = %v, want query apache, status timeout", v)
	}
	if msg, _ := v["query_error"].(string); !strings.Contains(msg, "context canceled") {
		t.Errorf("query_error = %v, want the cancellation", v["query_error"])
	}
	if strings.Contains(string(raw)+stderr, shodanKey) {
		t.Error("the API key leaked into the payload or the logs")
	}
}
