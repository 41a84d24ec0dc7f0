package cloudscan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

var (
	euWest1 = signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1"}
	usEast1 = signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1"}
)

func fixtures() string { return filepath.Join("testdata", "fixtures") }

// TestMultiRegionSignatures runs one inject over two regions of one account
// through the signatures pipeline the runtime uses: one signature per
// region, both with the shared account id, no source IP, and each with the
// calls made for its own region.
func TestMultiRegionSignatures(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, []string{"private-logs"}, fixtures())
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL())
	in := newInject(t, []signatures.CloudConfig{euWest1, usEast1}, p)
	out := e.Execute(context.Background(), in)
	if out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %s: %+v", out.ExecutionStatus(), out.ErrorInfo)
	}
	if n := st.count("iam.amazonaws.com:ListUsers"); n != 1 {
		t.Errorf("iam listed users %d times, want once per inject", n)
	}

	// A resolver that would find a source address: cloud signatures must
	// still carry none.
	m := signatures.NewManager(signatures.WithResolver(signatures.Resolver{
		Getenv: func(string) string { return "10.9.8.7" },
	}))
	payload, err := runtime.PayloadOf(m, in, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(payload.Targets) != 2 {
		t.Fatalf("%d payload targets, want 2", len(payload.Targets))
	}
	for i, region := range []string{"eu-west-1", "us-east-1"} {
		pt := payload.Targets[i]
		if pt.SignatureTarget.Asset != "asset-"+region {
			t.Errorf("target %d is %+v", i, pt.SignatureTarget)
		}
		for _, g := range pt.SignatureValues {
			vals := map[string]any{}
			for _, v := range g.Values {
				vals[v.SignatureType] = v.SignatureValue
			}
			if vals["cloud_account_id"] != "123456789012" || vals["cloud_region"] != region {
				t.Errorf("%s %s: account %v region %v", region, g.ExpectationType, vals["cloud_account_id"], vals["cloud_region"])
			}
			if _, ok := vals["source_ipv4"]; ok {
				t.Errorf("%s %s carries source_ipv4 %v", region, g.ExpectationType, vals["source_ipv4"])
			}
			calls, _ := vals[ExtraCloudAPICalls].([]string)
			other, _ := vals[ExtraCloudAPICallsOtherRegions].(map[string][]string)
			// IAM is global: CloudTrail records its calls in us-east-1,
			// whichever region's target asked for them.
			iamCalls := other["us-east-1"]
			if region == "us-east-1" {
				iamCalls = calls
			}
			if !slices.Contains(calls, "ec2.amazonaws.com:DescribeSecurityGroups") || !slices.Contains(iamCalls, "iam.amazonaws.com:ListUsers") {
				t.Errorf("%s %s: cloud_api_calls %q, other regions %q", region, g.ExpectationType, calls, other)
			}
			if ua, _ := vals[ExtraUserAgent].(string); !strings.Contains(ua, "injectkit/"+testVersion) {
				t.Errorf("%s %s: user_agent %q", region, g.ExpectationType, ua)
			}
		}
	}
	// Each region's EC2 findings come from its own region's answers.
	results := out.Findings["configs"].([]*ConfigResult)
	if got := results[1].Checks[ServiceEC2].Findings; len(got) != 1 || got[0].Resource != "sg-0f9e8d7c6b5a40001" {
		t.Errorf("us-east-1 ec2 findings = %+v", got)
	}
	if results[0].Checks[ServiceIAM] != results[1].Checks[ServiceIAM] {
		t.Error("the iam result is not shared by both regions")
	}
	// Each target's cloud_api_calls are the calls the stand-in saw signed
	// for its region: the identity call ran once, in the first target's
	// region, and the shared iam check was signed for us-east-1.
	for i, region := range []string{"eu-west-1", "us-east-1"} {
		got := out.TargetExtras[in.Targets[i]][framework.Detection][ExtraCloudAPICalls].([]string)
		if want := st.seen(region); !sameSet(got, want) {
			t.Errorf("%s target reports %q, the stand-in saw %q signed for %s", region, got, want, region)
		}
	}
}

// TestSecretsNeverLeak runs a scan and a failing identity call with debug
// logging and checks that the secret key appears in no log line and no
// output, while the stand-in saw the access key id of the environment.
func TestSecretsNeverLeak(t *testing.T) {
	for _, dir := range []string{"all_services_one_region", "sts_denied"} {
		t.Run(dir, func(t *testing.T) {
			setAWSEnv(t)
			spec := loadCase(t, filepath.Join("testdata", "cases", dir))
			st := newStandIn(t, spec.Buckets, filepath.Join("testdata", "cases", dir, "fixtures"), fixtures())
			log, logs := testkit.Logger()
			e := New(WithVersion(testVersion))
			in := newInject(t, spec.Targets, decodeParams(t, e, spec.Params, st.URL()))
			in.Log = log
			out := e.Execute(context.Background(), in)

			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), testSecretKey) {
				t.Error("the output holds the secret key")
			}
			for _, entry := range logs.All() {
				line := entry.Message
				for k, v := range entry.ContextMap() {
					line += " " + k + "=" + toString(v)
				}
				if strings.Contains(line, testSecretKey) {
					t.Errorf("log line holds the secret key: %s", line)
				}
			}
			calls := st.calls()
			if len(calls) == 0 {
				t.Fatal("the stand-in saw no call")
			}
			for _, c := range calls {
				if c.AccessKeyID != testAccessKeyID {
					t.Errorf("%s signed by %q, want the environment's %q", c.Event, c.AccessKeyID, testAccessKeyID)
				}
			}
		})
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// executeShown runs in and returns its output, with all it shows: the
// output's JSON and each log line, its fields included.
func executeShown(t *testing.T, e *Executor, in *framework.Inject) (framework.ToolOutput, string) {
	t.Helper()
	log, logs := testkit.Logger()
	in.Log = log
	out := e.Execute(context.Background(), in)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	shown := "\n" + string(b)
	for _, entry := range logs.All() {
		shown += "\n" + entry.Message
		for k, v := range entry.ContextMap() {
			shown += " " + k + "=" + toString(v)
		}
	}
	return out, shown
}

// notShown fails t for each of forms (a secret, and its encodings)
// that shown (what executeShown returns) holds, quoting it with its
// surroundings.
func notShown(t *testing.T, shown string, forms ...string) {
	t.Helper()
	for _, form := range forms {
		if i := strings.Index(shown, form); i >= 0 {
			t.Errorf("%q shown: …%s…", form, shown[max(0, i-80):min(len(shown), i+len(form)+20)])
		}
	}
}

// refusedRedacted fails t unless out, the run a refused call (what: the
// token, the AssumeRole) ended, failed, and shown (what executeShown
// returns) holds none of forms, the secret's, and redactedText in their
// place.
func refusedRedacted(t *testing.T, out framework.ToolOutput, shown, what string, forms ...string) {
	t.Helper()
	if out.ExecutionStatus() == framework.StatusSuccess {
		t.Fatalf("the refused %s did not fail the scan: %+v", what, out)
	}
	notShown(t, shown, forms...)
	if !strings.Contains(shown, redactedText) {
		t.Errorf("no %s where the secret of the refused %s was:\n%s", redactedText, what, shown)
	}
}

// TestProfileSetting takes credentials from a profile of the shared
// credentials file when the profile setting names it.
func TestProfileSetting(t *testing.T) {
	setAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	creds := filepath.Join(t.TempDir(), "credentials")
	body := "[default]\naws_access_key_id = AKIADEFAULTPROFILE01\naws_secret_access_key = default-secret\n\n" +
		"[scanner]\naws_access_key_id = AKIASCANNERPROFILE01\naws_secret_access_key = scanner-secret\n"
	if err := os.WriteFile(creds, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)

	st := newStandIn(t, nil, fixtures())
	st.knowKey("AKIASCANNERPROFILE01", "scanner-secret", "") // the account's key is the scanner profile's only
	e := New(WithVersion(testVersion))
	p := decodeParams(t, e, nil, st.URL())
	if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: "scanner"}); err != nil {
		t.Fatal(err)
	}
	cfg := euWest1
	cfg.TargetService = ServiceEC2
	out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{cfg}, p))
	if out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %s: %+v", out.ExecutionStatus(), out.ErrorInfo)
	}
	for _, c := range st.calls() {
		if c.AccessKeyID != "AKIASCANNERPROFILE01" {
			t.Errorf("%s signed by %q, want the scanner profile's key", c.Event, c.AccessKeyID)
		}
	}
}

// TestConcurrencyBound: with concurrency 1 the checks never overlap.
func TestConcurrencyBound(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, []string{"private-logs", "public-assets"}, fixtures())
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	p := decodeParams(t, e, json.RawMessage(`{"concurrency":1}`), st.URL())
	out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1, usEast1}, p))
	if out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %s: %+v", out.ExecutionStatus(), out.ErrorInfo)
	}
	if n := st.maxInFlight(); n != 1 {
		t.Errorf("%d requests in flight at once with concurrency 1", n)
	}
}

// TestCancelled: a cancelled context stops the scan before any call and the
// output says it timed out.
func TestCancelled(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, fixtures())
	e := New(WithVersion(testVersion))
	p := decodeParams(t, e, nil, st.URL())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := e.Execute(ctx, newInject(t, []signatures.CloudConfig{euWest1}, p))
	if out.ExecutionStatus() != framework.StatusTimeout {
		t.Errorf("status %s, want timeout", out.ExecutionStatus())
	}
	if got := st.seen(); len(got) != 0 {
		t.Errorf("calls after cancellation: %q", got)
	}
}

func TestExecuteRejectsBadInput(t *testing.T) {
	net := framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}
	tests := []struct {
		name    string
		in      *framework.Inject
		wantMsg string
	}{
		{"no targets", &framework.Inject{Params: defaultParams()}, "no target configuration"},
		{"network target", &framework.Inject{Targets: []framework.Target{net}, Params: defaultParams()}, "needs a cloud configuration"},
		{"params of another type", newInject(t, []signatures.CloudConfig{euWest1}, map[string]any{}), "want *cloudscan.Params"},
		{"invalid params", newInject(t, []signatures.CloudConfig{euWest1}, &Params{}), "call_timeout"},
		{"invalid config", newInject(t, []signatures.CloudConfig{{CloudProvider: "aws", CloudRegion: "eu-west-1"}}, defaultParams()), "cloud_account_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := New().Execute(context.Background(), tt.in)
			if out.ExecutionStatus() != framework.StatusFailed || out.ErrorInfo == nil || out.ErrorInfo.ExitCode != 1 ||
				!strings.Contains(out.ErrorInfo.Message, tt.wantMsg) {
				t.Errorf("output %+v %+v, want failed with %q", out, out.ErrorInfo, tt.wantMsg)
			}
		})
	}
}

// TestMissingProfile fails the configuration before any call when the
// profile setting names no profile, for an executor whose settings were
// not checked (Configure refuses such a profile).
func TestMissingProfile(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, fixtures())
	e := New(WithVersion(testVersion))
	p := decodeParams(t, e, nil, st.URL())
	e.settings.profile = "nowhere"
	out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))
	if out.ExecutionStatus() != framework.StatusFailed || out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, "nowhere") {
		t.Errorf("status %s, error %+v: want failed naming the profile", out.ExecutionStatus(), out.ErrorInfo)
	}
	if got := st.seen(); len(got) != 0 {
		t.Errorf("calls made without credentials: %q", got)
	}
}

// TestCallTimeout: a call the service never answers fails its check once
// call_timeout passes; the inject is not cut short.
//
// call_timeout bounds every call, the identity call and IAM's included,
// which must be answered within it: it is generous (a loaded CI machine
// under -race took more than 200 ms for GetCallerIdentity), and the hung
// call is held only that long.
func TestCallTimeout(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, fixtures())
	st.hangOn("ec2.amazonaws.com:DescribeSecurityGroups")
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	p := decodeParams(t, e, json.RawMessage(`{"call_timeout":"5s","retry_max_attempts":1}`), st.URL())
	ec2Only, iamOnly := euWest1, euWest1
	ec2Only.TargetService, iamOnly.TargetService = ServiceEC2, ServiceIAM
	out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{ec2Only, iamOnly}, p))
	if out.ExecutionStatus() != framework.StatusPartial {
		t.Fatalf("status %s (%+v), want partial: the ec2 check timed out, iam did not", out.ExecutionStatus(), out.ErrorInfo)
	}
	res := out.Findings["configs"].([]*ConfigResult)[0].Checks[ServiceEC2]
	if !res.Failed || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "deadline exceeded") {
		t.Errorf("ec2 check = %+v, want failed on its deadline", res)
	}
}

// runBothEchoing runs one cloudscan inject on a target of service ("" for
// the identity check alone) twice, each time against a stand-in armed by
// arm: through the CLI (`run cloudscan --inject-file`, debug logs) and by
// Execute. It returns Execute's output, all both runs showed (the CLI's
// stdout and stderr, the output's JSON and the log lines) and the
// messages the stand-ins answered.
func runBothEchoing(t *testing.T, service string, arm func(*standIn)) (framework.ToolOutput, string, []string) {
	t.Helper()
	target := map[string]any{"cloud_provider": "aws", "cloud_account_id": "123456789012", "cloud_region": "eu-west-1"}
	if service != "" {
		target["target_service"] = service
	}
	st := newStandIn(t, []string{"private-logs"}, fixtures())
	st.knowEnvKey()
	arm(st)
	file := testkit.WriteJSON(t, "inject.json", map[string]any{
		"inject_id": "cloud-1", "targets": []map[string]any{target},
		"params": map[string]any{"retry_max_backoff": "5ms"},
	})
	_, stdout, stderr := runCLI(endpointEnv(st.URL()), "run", "cloudscan", "--inject-file", file, "-o", "text", "--log-level", "debug")
	shown := stdout + stderr
	if !strings.Contains(shown, "executed") {
		t.Fatalf("no log of the run in what the CLI wrote:\n%s", shown)
	}
	st2 := newStandIn(t, []string{"private-logs"}, fixtures())
	st2.knowEnvKey()
	arm(st2)
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	cfg := euWest1
	cfg.TargetService = service
	in := newInject(t, []signatures.CloudConfig{cfg}, decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st2.URL()))
	out, said := executeShown(t, e, in)
	return out, shown + said, append(st.echoMessages(), st2.echoMessages()...)
}
