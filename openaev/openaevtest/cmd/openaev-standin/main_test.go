package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestMain runs the command itself when the test binary is started as it
// (see TestSIGTERMPrintsStats).
func TestMain(m *testing.M) {
	if os.Getenv("OPENAEV_STANDIN_MAIN") == "1" {
		os.Args = append([]string{"openaev-standin"}, strings.Fields(os.Getenv("OPENAEV_STANDIN_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestParseRefusesBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"-nope"}},
		{"argument", []string{"extra"}},
		{"unknown injector", []string{"-register", "noop,nosuch"}},
		{"bad version", []string{"-version", "latest"}},
		{"unknown dev feature", []string{"-dev-features", "SIGNATURE_OUTPUT_PROCESSOR,SIGNATURES"}},
		{"no broker message size", []string{"-max-message-size", "0"}},
		{"negative worker frequency", []string{"-ingest-every", "-1s"}},
		{"negative pending threshold", []string{"-pending-threshold", "-1m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, io.Discard, io.Discard)
			var ue cmdkit.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("run(%q) = %v, want a usage error", tt.args, err)
			}
		})
	}
}

// -h and --help print the usage and are no error: exit 0 (cmdkit.Main).
func TestHelpExitsZero(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		var stderr bytes.Buffer
		err := run(context.Background(), []string{arg}, io.Discard, &stderr)
		if code := cmdkit.ExitCode(err); code != 0 || !strings.Contains(stderr.String(), "-url-file string") {
			t.Errorf("run(%q): exit %d, stderr %q; want 0 and the usage", arg, code, stderr.String())
		}
	}
}

// post sends body to the platform at url+path with the token and returns
// the status.
func post(t *testing.T, url, path, token, body string) int {
	t.Helper()
	status, err := cmdkit.Post(http.DefaultClient, url+path, token, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return status
}

// readyURL reads the stand-in's "openaev stand-in on URL …" line.
func readyURL(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("no ready line: %v (%q)", err, line)
	}
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[3], "http://127.0.0.1:") {
		t.Fatalf("ready line %q", line)
	}
	return f[3]
}

func TestRunServesTheRegisteredContractAndCounts(t *testing.T) {
	dir := t.TempDir()
	urlFile, statsFile := filepath.Join(dir, "url"), filepath.Join(dir, "stats")
	url, stop := start(t, "-token", "tok", "-register", "noop", "-inject", "inj-1,inj-2",
		"-url-file", urlFile, "-stats-url-file", statsFile, "-ingest-every", "0")
	if b, err := os.ReadFile(urlFile); err != nil || string(b) != url {
		t.Fatalf("url file %q (%v), want %q", b, err, url)
	}

	const complete = `{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete",` +
		`"execution_output_structured":"{\"summary\":\"noop: 1 target(s)\"}"}`
	steps := []struct {
		path, token, body string
		want              int
	}{
		{"/api/injects/execution/reception/inj-1", "tok", `{"tracking_total_count":1}`, 200},
		{"/api/injects/execution/callback/inj-1", "tok", complete, 200},
		{"/api/injects/execution/callback/inj-2", "bad", complete, 401},
		{"/api/injects/execution/callback/unknown", "tok", complete, 404},
	}
	for _, s := range steps {
		if got := post(t, url, s.path, s.token, s.body); got != s.want {
			t.Errorf("POST %s: %d, want %d", s.path, got, s.want)
		}
	}

	statsURL, err := os.ReadFile(statsFile)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(string(statsURL) + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	var live openaevtest.Stats
	err = json.NewDecoder(resp.Body).Decode(&live)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}

	final := stop()
	for name, s := range map[string]openaevtest.Stats{"GET /stats": live, "stdout": final} {
		// The registration is setup: not counted.
		if s.Posts != 4 || s.Processed != 1 || s.Refused != 2 || s.Dropped != 0 || s.Completions != 1 ||
			s.ByKind[openaevtest.KindReception] != 1 || s.ByKind[openaevtest.KindRegistration] != 0 {
			t.Errorf("%s stats %+v", name, s)
		}
		if s.Bytes == 0 {
			t.Errorf("%s counted no bytes", name)
		}
	}
}

// TestDevFeaturesFlag: -dev-features "" models the platform's default,
// which ignores expectation signatures (the stats say so); "*" and the
// stand-in's default store them.
func TestDevFeaturesFlag(t *testing.T) {
	const complete = `{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete",` +
		`"execution_output_structured":"{\"expectation_signatures\":{\"targets\":[{\"signature_target\":{\"asset_id\":\"a1\"},` +
		`\"signature_values\":[{\"expectation_type\":\"DETECTION\",\"values\":[{\"signature_type\":\"target_ipv4_address\",` +
		`\"signature_value\":\"10.0.0.5\"}]}]}]}}"}`
	tests := []struct {
		name    string
		args    []string
		skipped int
	}{
		{"default", nil, 0},
		{"none, the platform's default", []string{"-dev-features", ""}, 1},
		{"all", []string{"-dev-features", "*"}, 0},
		{"another feature", []string{"-dev-features", "audit_log"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, stop := start(t, append([]string{"-token", "tok", "-register", "noop", "-inject", "inj-1", "-ingest-every", "0"},
				tt.args...)...)
			post(t, url, "/api/injects/execution/reception/inj-1", "tok", `{"tracking_total_count":1}`)
			if got := post(t, url, "/api/injects/execution/callback/inj-1", "tok", complete); got != 200 {
				t.Fatalf("complete: %d", got)
			}
			s := stop()
			if s.Processed != 1 || s.Completions != 1 || s.SignaturesSkipped != tt.skipped {
				t.Errorf("stats %+v, want the callback processed and %d signature batches skipped", s, tt.skipped)
			}
			if tt.skipped > 0 && s.SignatureSkipReason != openaevtest.SignaturesDisabled {
				t.Errorf("skip reason %q", s.SignatureSkipReason)
			}
		})
	}
}

// TestIngestEveryDefault: by default the stand-in queues as 2.4.0 does,
// its worker running every 10 s: a "complete" answered 200 is counted as
// queued, not processed, until then.
func TestIngestEveryDefault(t *testing.T) {
	const complete = `{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete"}`
	url, stop := start(t, "-token", "tok", "-register", "noop", "-inject", "inj-1")
	post(t, url, "/api/injects/execution/reception/inj-1", "tok", `{"tracking_total_count":1}`)
	if got := post(t, url, "/api/injects/execution/callback/inj-1", "tok", complete); got != 200 {
		t.Fatalf("complete: %d", got)
	}
	if s := stop(); s.Queued != 1 || s.Processed != 0 || s.Completions != 0 {
		t.Errorf("stats %+v, want the complete queued, not processed", s)
	}
}

func TestSIGTERMPrintsStats(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OPENAEV_STANDIN_MAIN=1", "OPENAEV_STANDIN_ARGS=-inject inj-1 -token tok")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	r := bufio.NewReader(stderr)
	url := readyURL(t, r)
	if got := post(t, url, "/api/injects/execution/reception/inj-1", "tok", `{"tracking_total_count":1}`); got != 200 {
		t.Fatalf("reception: %d", got)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v (stderr %s)", err, rest)
	}
	var s openaevtest.Stats
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("stdout %q: %v", stdout.String(), err)
	}
	if s.Posts != 1 || s.ByKind[openaevtest.KindReception] != 1 || s.Refused != 0 {
		t.Errorf("stats %+v, want the one reception", s)
	}
}

// start runs the stand-in with args until the test ends, and returns its
// URL, read from its ready line, and stop, which ends the run and returns
// the stats it printed on exit.
func start(t *testing.T, args ...string) (url string, stop func() openaevtest.Stats) {
	t.Helper()
	pr, pw := io.Pipe()
	var stdout bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, &stdout, pw)
		pw.Close()
	}()
	url = readyURL(t, bufio.NewReader(pr))
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return url, func() openaevtest.Stats {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run: %v", err)
		}
		var s openaevtest.Stats
		if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
			t.Fatalf("stdout %q: %v", stdout.String(), err)
		}
		return s
	}
}

// TestHeldRoutes: the stats server's read-only routes say what the
// platform holds for an inject: its status and traces, and each
// signature stored with how often (a "data" callback posted twice stores
// its signatures twice); an inject it does not know is a 404.
func TestHeldRoutes(t *testing.T) {
	dir := t.TempDir()
	urlFile, statsFile := filepath.Join(dir, "url"), filepath.Join(dir, "stats")
	url, stop := start(t, "-token", "tok", "-register", "noop", "-inject", "inj-1",
		"-url-file", urlFile, "-stats-url-file", statsFile, "-ingest-every", "0")
	defer stop()
	sigs := func(asset, value string) string {
		return `{\"expectation_signatures\":{\"targets\":[{\"signature_target\":{\"asset\":\"` + asset +
			`\"},\"signature_values\":[{\"expectation_type\":\"DETECTION\",\"values\":[{\"signature_type\":\"target_ipv4_address\",\"signature_value\":\"` +
			value + `\"}]}]}]}}`
	}
	complete := `{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete",` +
		`"execution_output_structured":"` + sigs("a1", "192.0.2.1") + `"}`
	data := `{"execution_message":"noop: part 2","execution_status":"SUCCESS","execution_action":"data",` +
		`"execution_output_structured":"` + sigs("a2", "192.0.2.2") + `"}`
	post(t, url, "/api/injects/execution/reception/inj-1", "tok", `{"tracking_total_count":1}`)
	for _, body := range []string{complete, data, data} {
		if got := post(t, url, "/api/injects/execution/callback/inj-1", "tok", body); got != 200 {
			t.Fatalf("callback: %d", got)
		}
	}
	statsURL, err := os.ReadFile(statsFile)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, v any) int {
		t.Helper()
		resp, err := http.Get(string(statsURL) + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode
	}
	var ids []string
	if get("/injects", &ids) != 200 || strings.Join(ids, ",") != "inj-1" {
		t.Errorf("GET /injects: %v", ids)
	}
	var h openaevtest.Held
	if status := get("/injects/inj-1", &h); status != 200 {
		t.Fatalf("GET /injects/inj-1: %d", status)
	}
	want := []openaevtest.HeldSignature{
		{Asset: "a1", ExpectationType: "DETECTION", Type: "target_ipv4_address", Value: "192.0.2.1", Count: 1},
		{Asset: "a2", ExpectationType: "DETECTION", Type: "target_ipv4_address", Value: "192.0.2.2", Count: 2},
	}
	// The second "data" repeats a2's signature: it arrives twice and is
	// stored once (InjectExpectationLockService's de-duplicated union).
	if h.Status != "EXECUTED" || h.Stored != 2 || h.Duplicates != 1 || !slices.Equal(h.Signatures, want) ||
		h.Callbacks["data processed"] != 2 || len(h.Traces) == 0 {
		t.Errorf("held %+v", h)
	}
	if status := get("/injects/nosuch", &h); status != http.StatusNotFound {
		t.Errorf("GET /injects/nosuch: %d, want 404", status)
	}
}

// An inject cannot exist on the platform without its contract: -inject
// without -register registers the built-in injector -contract-of names
// (noop by default, nmap here), so that its complete is processed, its
// findings stored, not dropped as outputs no registration declared.
func TestContractOfRegistersItsInjector(t *testing.T) {
	tests := []struct {
		name, findings string
		args           []string
	}{
		{"default noop", `{\"expectation_signatures\":{\"targets\":[{\"signature_target\":{\"asset_id\":\"a1\"},` +
			`\"signature_values\":[{\"expectation_type\":\"DETECTION\",\"values\":[{\"signature_type\":\"target_ipv4_address\",` +
			`\"signature_value\":\"10.0.0.5\"}]}]}]}}`, nil},
		{"nmap", `{\"scan_results\":[]}`, []string{"-contract-of", "nmap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, stop := start(t, append([]string{"-token", "tok", "-inject", "inj-1", "-ingest-every", "0"}, tt.args...)...)
			post(t, url, "/api/injects/execution/reception/inj-1", "tok", `{"tracking_total_count":1}`)
			complete := `{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete",` +
				`"execution_output_structured":"` + tt.findings + `"}`
			if got := post(t, url, "/api/injects/execution/callback/inj-1", "tok", complete); got != 200 {
				t.Fatalf("complete: %d", got)
			}
			if s := stop(); s.Processed != 1 || s.Dropped != 0 || s.CompletedInjects != 1 {
				t.Errorf("stats %+v, want the complete processed (first drop: %q)", s, s.FirstDropReason)
			}
		})
	}
}

// -h names each flag's argument as a word a reader replaces: -manifest
// FILE (back-quoted usage text is the argument's name), and
// -stats-url-file's help names every route of its server.
func TestHelpNamesTheArguments(t *testing.T) {
	var stderr bytes.Buffer
	_ = run(context.Background(), []string{"-h"}, io.Discard, &stderr)
	help := stderr.String()
	for _, want := range []string{"\n  -manifest FILE\n", "GET /stats", "GET /injects/{id}", "POST /injects/{id}/publish"} {
		if !strings.Contains(help, want) {
			t.Errorf("-h does not say %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "-manifest BINARY") {
		t.Errorf("-h names -manifest's argument BINARY…:\n%s", help)
	}
}
