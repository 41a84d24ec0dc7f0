package query

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func externalTargets(cfgs ...signatures.ExternalConfig) []framework.Target {
	out := make([]framework.Target, len(cfgs))
	for i, c := range cfgs {
		out[i] = framework.Target{Config: c, Attribution: signatures.Attribution{Asset: "asset-" + string(rune('a'+i))}}
	}
	return out
}

// newInject builds an inject of the executor over cfgs, logging to log.
func newInject(t *testing.T, log *zap.Logger, params *Params, cfgs ...signatures.ExternalConfig) *framework.Inject {
	t.Helper()
	opts := []frameworktest.InjectOption{frameworktest.WithParams(params), frameworktest.WithLogger(log)}
	for _, c := range cfgs {
		opts = append(opts, frameworktest.WithTargets(c))
	}
	return frameworktest.InjectWith(t, New(), opts...)
}

func results(t *testing.T, out framework.ToolOutput) []ConfigResult {
	t.Helper()
	rs, ok := out.Findings["results"].([]ConfigResult)
	if !ok {
		t.Fatalf("findings[results] = %T, want []ConfigResult", out.Findings["results"])
	}
	return rs
}

func TestExecute(t *testing.T) {
	srv := newStandIn(t)
	e, _ := newTestExecutor(t, srv, nil)
	in := newInject(t, zap.NewNop(), &Params{MaxResults: 200, Provider: "shodan"},
		signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"},
		signatures.ExternalConfig{Query: "nginx", TargetHostname: "example.com"},
		signatures.ExternalConfig{Query: "apache"},
	)
	out := e.Execute(context.Background(), in)
	if out.ExecutionStatus() != framework.StatusSuccess || out.ErrorInfo != nil {
		t.Fatalf("status %q, error %+v; want success", out.ExecutionStatus(), out.ErrorInfo)
	}
	rs := results(t, out)
	if len(rs) != 3 {
		t.Fatalf("%d results, want 3", len(rs))
	}
	wantQueries := []string{"apache ip:127.0.0.1", "nginx hostname:example.com", "apache"}
	for i, r := range rs {
		if r.Query != wantQueries[i] || r.Status != ResultSuccess {
			t.Errorf("results[%d] = %q %s, want %q success", i, r.Query, r.Status, wantQueries[i])
		}
	}
	var sent []string
	for _, r := range srv.Requests() {
		sent = append(sent, r.Query+"#"+r.Page)
	}
	wantSent := []string{"apache ip:127.0.0.1#1", "nginx hostname:example.com#1", "apache#1", "apache#2"}
	if !slices.Equal(sent, wantSent) {
		t.Errorf("requests = %q, want %q", sent, wantSent)
	}
	// Narrowed to 127.0.0.1: the one loopback banner of the fixtures.
	if rs[0].Total != 1 || len(rs[0].Matches) != 1 || rs[0].Matches[0].IP != "127.0.0.1" {
		t.Errorf("results[0] = total %d, %d matches", rs[0].Total, len(rs[0].Matches))
	}
	if rs[2].Total != 250 || len(rs[2].Matches) != 200 {
		t.Errorf("results[2] = total %d, %d matches; want 250, 200 (max_results)", rs[2].Total, len(rs[2].Matches))
	}
	// Extras: one entry per target, in order, for VULNERABILITY only (the
	// one type query declares): its CVEs, never the matched addresses.
	if len(out.TargetExtras) != 3 {
		t.Fatalf("%d target extras, want 3", len(out.TargetExtras))
	}
	first := out.TargetExtras[in.Targets[0]]
	if len(first) != 1 {
		t.Errorf("target_extras[0] types = %v, want VULNERABILITY only", first)
	}
	wantCVEs := []string{"CVE-2021-41773", "CVE-2021-42013", "CVE-2023-25690", "CVE-2024-38476"}
	if got := first[framework.Vulnerability][ExtraCVEs]; !slices.Equal(got.([]string), wantCVEs) {
		t.Errorf("VULNERABILITY cves = %v, want %v", got, wantCVEs)
	}
	if got, ok := first[framework.Vulnerability]["matched_ips"]; ok {
		t.Errorf("VULNERABILITY carries matched_ips %v", got)
	}
	for i, tg := range in.Targets {
		cves := out.TargetExtras[tg][framework.Vulnerability][ExtraCVEs].([]string)
		if !slices.Equal(cves, matchedCVEs(rs[i].Matches)) {
			t.Errorf("target_extras[%d] do not match results[%d]", i, i)
		}
		if !slices.IsSorted(cves) || len(slices.Compact(slices.Clone(cves))) != len(cves) {
			t.Errorf("target_extras[%d] cves not sorted unique: %v", i, cves)
		}
	}
	// Every extra must be accepted by the payload builder.
	if _, err := runtime.PayloadOf(signatures.NewManager(), in, out); err != nil {
		t.Errorf("BuildPayload rejects the output: %v", err)
	}
	if got := in.PartialResults(); len(got) != 3 || got[0] != "apache ip:127.0.0.1: 1 of 1 matches" {
		t.Errorf("partial results = %q", got)
	}
}

func TestExecuteOnlyRequestedTypes(t *testing.T) {
	srv := newStandIn(t)
	e, _ := newTestExecutor(t, srv, nil)
	in := newInject(t, zap.NewNop(), nil, signatures.ExternalConfig{Query: "nginx"})
	in.ExpectationTypes = []framework.ExpectationType{framework.Vulnerability}
	out := e.Execute(context.Background(), in)
	te := out.TargetExtras[in.Targets[0]]
	if len(te) != 1 || te[framework.Vulnerability] == nil {
		t.Fatalf("target extras = %v, want VULNERABILITY only", te)
	}
	if got := te[framework.Vulnerability][ExtraCVEs].([]string); !slices.Equal(got, []string{"CVE-2019-20372", "CVE-2021-23017"}) {
		t.Errorf("cves = %v", got)
	}
}

func TestExecuteOutcomes(t *testing.T) {
	bad := shodantest.Reply{Status: 400, Body: shodantest.ErrorBody("Invalid search query")}
	tests := []struct {
		name       string
		replies    []shodantest.Reply
		cfgs       []signatures.ExternalConfig
		wantStatus signatures.ExecutionStatus
		wantEach   []string
		wantMsg    string
		wantCVEs   bool // cves in the findings: a CVE found, or every configuration answered
	}{
		{"one of two fails", []shodantest.Reply{bad},
			[]signatures.ExternalConfig{{Query: "apache ip:"}, {Query: "nginx"}},
			framework.StatusPartial, []string{ResultFailed, ResultSuccess}, "", true},
		{"second fails", []shodantest.Reply{{Status: 200, Body: `{"matches":[],"total":0}`}, bad},
			[]signatures.ExternalConfig{{Query: "nginx"}, {Query: "apache ip:"}},
			framework.StatusPartial, []string{ResultSuccess, ResultFailed}, "", false},
		{"all fail", []shodantest.Reply{bad, {Status: 401, Header: http.Header{"Content-Type": {"text/html"}}, Body: shodantest.InvalidKeyPage}},
			[]signatures.ExternalConfig{{Query: "apache ip:"}, {Query: "nginx"}},
			framework.StatusFailed, []string{ResultFailed, ResultFailed}, "Invalid search query", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(tt.replies...)
			e, _ := newTestExecutor(t, srv, nil)
			out := e.Execute(context.Background(), newInject(t, zap.NewNop(), nil, tt.cfgs...))
			if out.Status != tt.wantStatus || out.ExecutionStatus() != tt.wantStatus {
				t.Errorf("status %q (%q), want %q", out.Status, out.ExecutionStatus(), tt.wantStatus)
			}
			rs := results(t, out)
			for i, want := range tt.wantEach {
				if rs[i].Status != want {
					t.Errorf("results[%d].status = %s (%s), want %s", i, rs[i].Status, rs[i].Error, want)
				}
				if want == ResultFailed {
					if !strings.HasPrefix(rs[i].Error, "targets[") {
						t.Errorf("results[%d].error = %q, want it to name the target", i, rs[i].Error)
					}
					if msg := out.TargetExtras[externalTargets(tt.cfgs...)[i]][framework.Vulnerability][ExtraQueryError]; msg != rs[i].Error {
						t.Errorf("target_extras[%d] query_error = %v", i, msg)
					}
				}
			}
			for _, k := range []string{FieldMatchedIPs, FieldMatchedIPv6} {
				if v, ok := out.Findings[k].([]string); !ok || v == nil {
					t.Errorf("findings[%s] = %#v, want a list (never null)", k, out.Findings[k])
				}
			}
			v, present := out.Findings[FieldCVEs]
			if list, ok := v.([]CVE); present != tt.wantCVEs || present && (!ok || list == nil) {
				t.Errorf("findings[cves] = %#v (present: %v), want present %v, a list (never null)", v, present, tt.wantCVEs)
			}
			if tt.wantStatus == framework.StatusFailed {
				if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != 1 || !strings.Contains(out.ErrorInfo.Message, tt.wantMsg) ||
					!strings.Contains(out.ErrorInfo.Message, "invalid or unauthorised API key") {
					t.Errorf("error info = %+v, want exit code 1 and both errors", out.ErrorInfo)
				}
			} else if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != 0 || !strings.Contains(out.ErrorInfo.Message, "Invalid search query") ||
				!strings.HasPrefix(out.ErrorInfo.Message, "targets[") {
				// A partial result says what failed, as the platform's message shows it.
				t.Errorf("error info = %+v, want no exit code and the failed target's error", out.ErrorInfo)
			}
		})
	}
}

func TestExecuteRefusesToStart(t *testing.T) {
	srv := newStandIn(t)
	tests := []struct {
		name    string
		key     string
		params  any
		targets []framework.Target
		wantMsg string
	}{
		{"missing key", "", nil, externalTargets(signatures.ExternalConfig{Query: "apache"}), "missing API key"},
		{"invalid params", testKey, &Params{MaxResults: 5000, Provider: "shodan"}, externalTargets(signatures.ExternalConfig{Query: "apache"}), "max_results"},
		{"no targets", testKey, nil, nil, "no target configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestExecutor(t, srv, map[string]string{SettingShodanAPIKey: tt.key})
			in := &framework.Inject{ID: "x", Targets: tt.targets, ExpectationTypes: []framework.ExpectationType{framework.Vulnerability}, Params: tt.params}
			out := e.Execute(context.Background(), in)
			if out.ExecutionStatus() != framework.StatusFailed || out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, tt.wantMsg) {
				t.Errorf("output = %+v %+v, want failed with %q", out.Status, out.ErrorInfo, tt.wantMsg)
			}
			// No query was sent: every target is not reached, for that
			// reason.
			if len(out.Unreached) != len(tt.targets) {
				t.Fatalf("%d targets not reached, want every one (%d)", len(out.Unreached), len(tt.targets))
			}
			for i, tg := range in.Targets {
				if why := out.Unreached[tg]; !strings.HasPrefix(why, "not queried: ") || !strings.Contains(why, tt.wantMsg) {
					t.Errorf("targets[%d] not reached for %q, want %q", i, why, tt.wantMsg)
				}
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestExecuteWrongTargetCategory(t *testing.T) {
	srv := newStandIn(t)
	e, _ := newTestExecutor(t, srv, nil)
	in := newInject(t, zap.NewNop(), nil, signatures.ExternalConfig{Query: "nginx"})
	in.Targets = append(in.Targets, framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}})
	out := e.Execute(context.Background(), in)
	rs := results(t, out)
	if out.Status != framework.StatusPartial || rs[1].Status != ResultFailed || !strings.Contains(rs[1].Error, "category network") {
		t.Errorf("status %s, results[1] = %+v", out.Status, rs[1])
	}
}

// TestAPIKeyNeverLeaks runs every path that prints a URL or an error — debug
// logs, retries, transport errors, Shodan errors echoing the key — and looks
// for the key in the logs and in the whole output.
func TestAPIKeyNeverLeaks(t *testing.T) {
	srv := newStandIn(t)
	srv.Enqueue(
		shodantest.Reply{Status: 503, Body: shodantest.ErrorBody("overloaded")},
		shodantest.Reply{Status: 429, Header: map[string][]string{"Retry-After": {"1"}}},
		shodantest.Reply{Status: 400, Body: shodantest.ErrorBody("bad key " + testKey)},
		shodantest.Reply{Delay: time.Minute},
	)
	e, _ := newTestExecutor(t, srv, map[string]string{SettingRequestTimeout: "1s"})
	log, logs := observedLogger()
	in := newInject(t, log, nil,
		signatures.ExternalConfig{Query: "apache"},    // 503, 429, then 400 echoing the key
		signatures.ExternalConfig{Query: "nginx"},     // times out
		signatures.ExternalConfig{Query: "wordpress"}, // no match
	)
	out := e.Execute(context.Background(), in)
	// A transport error: a closed port on loopback.
	e2, _ := newTestExecutor(t, srv, map[string]string{SettingShodanBaseURL: "http://127.0.0.1:1"})
	out2 := e2.Execute(context.Background(), newInject(t, log, nil, signatures.ExternalConfig{Query: "apache"}))

	text := logText(logs)
	if !strings.Contains(text, "shodan request") || !strings.Contains(text, "retrying") || !strings.Contains(text, "key="+redacted) {
		t.Fatalf("logs lack the redacted request lines:\n%s", text)
	}
	if strings.Contains(text, testKey) {
		t.Errorf("logs hold the API key:\n%s", text)
	}
	// The 503 and the 429 are retried: one WARN line each, attempt n/N.
	retries := logs.FilterMessage("request failed, retrying").All()
	if len(retries) != 2 {
		t.Fatalf("%d retry lines, want 2:\n%s", len(retries), text)
	}
	for i, e := range retries {
		if at := e.ContextMap()["attempt"]; e.Level != zapcore.WarnLevel || at != int64(i+1) {
			t.Errorf("retry line %d: %s attempt %v, want WARN attempt %d", i, e.Level, at, i+1)
		}
	}
	for i, o := range []framework.ToolOutput{out, out2} {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), testKey) {
			t.Errorf("output %d holds the API key: %s", i, b)
		}
	}
	if rs := results(t, out2); !strings.Contains(rs[0].Error, "key="+redacted) {
		t.Errorf("transport error %q does not show the redacted URL", rs[0].Error)
	}
	if rs := results(t, out); rs[0].Status != ResultFailed || !strings.Contains(rs[0].Error, "bad key "+httpx.Redacted) || rs[1].Status != ResultFailed {
		t.Errorf("results = %+v", rs)
	}
}

func TestConformance(t *testing.T) {
	srv := newStandIn(t)
	e, _ := newTestExecutor(t, srv, nil)
	frameworktest.ConformanceWith(t, e, frameworktest.Options{Name: Name,
		Targets: []signatures.Config{signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"}}})
}

// TestRegistryConformanceUnderAnotherName: query registered as "shodan",
// as a binary built on injectkit may (TestRefusedKeyHintNamesWhatItsBinaryReads),
// conforms as the runtime runs it: under the registered name.
func TestRegistryConformanceUnderAnotherName(t *testing.T) {
	srv := newStandIn(t)
	e, _ := newTestExecutor(t, srv, nil)
	reg := framework.NewRegistry()
	reg.Register("shodan", func() framework.Executor { return e })
	frameworktest.RegistryConformance(t, reg, "shodan", frameworktest.Options{
		Targets: []signatures.Config{signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"}}})
}

// TestAPIKeyEchoedBeyondASCIICaseIsRedacted: a key with non-ASCII letters
// that the server echoes in another case ("ké" as "KÉ") is redacted from
// the error, each target's query_error and the whole output, as an ASCII
// key is whatever its case.
func TestAPIKeyEchoedBeyondASCIICaseIsRedacted(t *testing.T) {
	for _, key := range []string{"ké", "s3cré7-kéy-äöü"} {
		srv := shodantest.NewServer(key)
		srv.SetMinInterval(0)
		t.Cleanup(srv.Close)
		echo := strings.ToUpper(key)
		srv.Enqueue(shodantest.Reply{Status: 400, Body: shodantest.ErrorBody("internal error for key " + echo)})
		e, _ := newTestExecutor(t, srv, map[string]string{SettingShodanAPIKey: key})
		out := e.Execute(context.Background(), newInject(t, zap.NewNop(), nil, signatures.ExternalConfig{Query: "apache"}))
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), echo) || strings.Contains(string(b), key) {
			t.Errorf("key %q: the output holds it echoed: %s", key, b)
		}
		if rs := results(t, out); !strings.Contains(rs[0].Error, "internal error for key "+httpx.Redacted) {
			t.Errorf("key %q: error %q, want the echo redacted", key, rs[0].Error)
		}
	}
}

// TestJoinErrorsBounded: a message names at most
// framework.MaxListedErrors errors, then how many more the results hold.
func TestJoinErrorsBounded(t *testing.T) {
	var errs []string
	for i := range framework.MaxListedErrors + 2 {
		errs = append(errs, fmt.Sprintf("targets[%d]: shodan: page 1: refused", i))
	}
	got := framework.JoinErrors(errs, fieldResults)
	if !strings.Contains(got, errs[framework.MaxListedErrors-1]) || strings.Contains(got, errs[framework.MaxListedErrors]) ||
		!strings.HasSuffix(got, "; and 2 more (results lists every error)") {
		t.Errorf("message %q", got)
	}
}
