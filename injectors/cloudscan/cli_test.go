package cloudscan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// TestCLIRunInjectFile runs `injectkit run cloudscan --inject-file …`, built
// in memory, against the stand-ins, with no backend URL: the CLI prints the
// body on stdout, and its signatures are checked.
func TestCLIRunInjectFile(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, []string{"private-logs", "public-assets"}, fixtures())
	inject := map[string]any{
		"inject_id":         "cloud-1",
		"expectation_types": []string{"DETECTION", "PREVENTION"},
		"targets": []map[string]any{
			{"cloud_provider": "aws", "cloud_account_id": "123456789012", "cloud_region": "eu-west-1", "asset": "acct-eu"},
			{"cloud_provider": "aws", "cloud_account_id": "123456789012", "cloud_region": "us-east-1",
				"target_service": "ec2", "asset": "acct-us"},
		},
		"params": map[string]any{"retry_max_backoff": "5ms", "concurrency": 2},
	}
	file := testkit.WriteJSON(t, "inject.json", inject)

	code, stdout, stderr := runCLI(func(k string) string {
		if k == "CONTAINER_IP" {
			return "172.17.0.2" // a source address cloud signatures must not carry
		}
		return endpointEnv(st.URL())(k)
	}, "run", "cloudscan", "--inject-file", file, "--log-level", "error")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	body := transporttest.PrintedBody(t, stdout)
	if body.Phase != "execution_complete" || len(body.ExpectationSignature.Targets) != 2 {
		t.Fatalf("body = %s", stdout)
	}

	// Each call under the region whose trail records it: the identity
	// call where it was made (eu-west-1), IAM's in us-east-1.
	wantCalls := [][]string{
		{"ec2.amazonaws.com:DescribeSecurityGroups", "s3.amazonaws.com:GetAccountPublicAccessBlock",
			"s3.amazonaws.com:GetBucketAcl", "s3.amazonaws.com:GetBucketPolicyStatus",
			"s3.amazonaws.com:GetBucketPublicAccessBlock", "s3.amazonaws.com:ListBuckets", "sts.amazonaws.com:GetCallerIdentity"},
		{"ec2.amazonaws.com:DescribeSecurityGroups"},
	}
	wantOther := []map[string]any{
		{"us-east-1": []any{"iam.amazonaws.com:GetLoginProfile", "iam.amazonaws.com:ListAccessKeys", "iam.amazonaws.com:ListMFADevices", "iam.amazonaws.com:ListUsers"}},
		{"eu-west-1": []any{"sts.amazonaws.com:GetCallerIdentity"}},
	}
	union := map[string]bool{}
	for i, region := range []string{"eu-west-1", "us-east-1"} {
		tgt := body.ExpectationSignature.Targets[i]
		if tgt.SignatureTarget.Asset != []string{"acct-eu", "acct-us"}[i] {
			t.Errorf("target %d asset %q", i, tgt.SignatureTarget.Asset)
		}
		if len(tgt.SignatureValues) != 2 {
			t.Fatalf("target %d has %d groups, want DETECTION and PREVENTION", i, len(tgt.SignatureValues))
		}
		for _, g := range tgt.SignatureValues {
			vals := g.Map()
			for k, want := range map[string]any{"cloud_provider": "aws", "cloud_account_id": "123456789012",
				"cloud_region": region, "execution_status": "success"} {
				if vals[k] != want {
					t.Errorf("%s %s: %s = %v, want %v", region, g.ExpectationType, k, vals[k], want)
				}
			}
			if _, ok := vals["source_ipv4"]; ok {
				t.Errorf("%s %s: cloud signature carries source_ipv4 %v", region, g.ExpectationType, vals["source_ipv4"])
			}
			var calls []string
			for _, c := range vals[ExtraCloudAPICalls].([]any) {
				calls = append(calls, c.(string))
				union[c.(string)] = true
			}
			if !reflect.DeepEqual(calls, wantCalls[i]) {
				t.Errorf("%s %s: cloud_api_calls %q, want %q", region, g.ExpectationType, calls, wantCalls[i])
			}
			other, _ := vals[ExtraCloudAPICallsOtherRegions].(map[string]any)
			if !reflect.DeepEqual(other, wantOther[i]) {
				t.Errorf("%s %s: cloud_api_calls_other_regions %v, want %v", region, g.ExpectationType, other, wantOther[i])
			}
			for _, calls := range other {
				for _, c := range calls.([]any) {
					union[c.(string)] = true
				}
			}
			if ua, _ := vals[ExtraUserAgent].(string); !strings.Contains(ua, "injectkit/9.9.9") {
				t.Errorf("%s %s: user_agent %q", region, g.ExpectationType, ua)
			}
		}
	}
	var got []string
	for c := range union {
		got = append(got, c)
	}
	if want := st.seen(); !sameSet(got, want) {
		t.Errorf("reported calls %q, stand-in saw %q", got, want)
	}
	if strings.Contains(stdout+stderr, testSecretKey) {
		t.Error("the secret key reached the CLI's output")
	}
}

// TestCLIWithholdsAParamHoldingTheCredentials: a param given the secret
// access key or the session token the SDK reads from the environment (a
// paste in the wrong place) is refused, exit 2, nothing sent, its value
// withheld: neither the refusal, nor its log line, nor the output shows
// it, whether it is the whole value or a part of it, from the inject file
// or a --param flag, in run and validate.
func TestCLIWithholdsAParamHoldingTheCredentials(t *testing.T) {
	const token = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN+abc/def=="
	for _, tt := range []struct {
		name, value string
		flag        bool
		command     string
	}{
		{"secret key in the inject file", testSecretKey, false, "run"},
		{"session token in the inject file", token, false, "run"},
		{"secret key within the value", "30s" + testSecretKey, false, "run"},
		{"secret key in --param", testSecretKey, true, "run"},
		{"secret key, validate", testSecretKey, false, "validate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_SESSION_TOKEN", token)
			st := newStandIn(t, nil, fixtures())
			inject := map[string]any{
				"inject_id": "cloud-1",
				"targets": []map[string]any{{"cloud_provider": "aws", "cloud_account_id": "123456789012",
					"cloud_region": "eu-west-1"}},
			}
			args := []string{tt.command, "cloudscan", "--log-level", "debug"}
			if tt.flag {
				args = append(args, "--param", "call_timeout="+tt.value)
			} else {
				inject["params"] = map[string]any{"call_timeout": tt.value}
			}
			args = append(args, "--inject-file", testkit.WriteJSON(t, "inject.json", inject))
			code, stdout, stderr := runCLI(endpointEnv(st.URL()), args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			if !strings.Contains(stderr, "invalid params.call_timeout (value withheld)") {
				t.Errorf("stderr does not withhold params.call_timeout:\n%s", stderr)
			}
			for _, v := range []string{testSecretKey, token, testSecretKey[:20], token[:20]} {
				if strings.Contains(stdout+stderr, v) {
					t.Errorf("%q shown:\n%s%s", v, stdout, stderr)
				}
			}
			if got := st.calls(); len(got) != 0 {
				t.Errorf("calls made: %v", got)
			}
		})
	}
}

// TestCLIWithholdsAParamHoldingTheSDKsOtherSecrets: the secret key the
// shared credentials file gives the profile taken (the profile setting, or
// AWS_PROFILE) and the container provider's token, read by the SDK on its
// own, are withheld from a param's refusal as the environment's keys are.
func TestCLIWithholdsAParamHoldingTheSDKsOtherSecrets(t *testing.T) {
	const fileKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFILEKEYEXAMPLE"
	const containerToken = "Bearer-EXAMPLE-CONTAINER-AUTH-TOKEN-0123456789"
	for _, tt := range []struct {
		name, secret, profileSetting, awsProfile, container string
	}{
		{"profile setting's key in the credentials file", fileKey, "pp", "", ""},
		{"AWS_PROFILE's key in the credentials file", fileKey, "", "pp", ""},
		{"container authorization token", containerToken, "", "", containerToken},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			t.Setenv("AWS_PROFILE", tt.awsProfile)
			t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", tt.container)
			writeSharedFiles(t, "", "[pp]\naws_access_key_id = AKIDFILEEXAMPLE\naws_secret_access_key = "+fileKey+"\n")
			st := newStandIn(t, nil, fixtures())
			getenv := func(k string) string {
				switch k {
				case "INJECTKIT_CLOUDSCAN_ENDPOINT_URL":
					return st.URL()
				case "INJECTKIT_CLOUDSCAN_PROFILE":
					return tt.profileSetting
				}
				return ""
			}
			inject := map[string]any{
				"inject_id": "cloud-1",
				"targets": []map[string]any{{"cloud_provider": "aws", "cloud_account_id": "123456789012",
					"cloud_region": "eu-west-1"}},
				"params": map[string]any{"call_timeout": tt.secret},
			}
			code, stdout, stderr := runCLI(getenv, "run", "cloudscan", "--log-level", "debug",
				"--inject-file", testkit.WriteJSON(t, "inject.json", inject))
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			if !strings.Contains(stderr, "invalid params.call_timeout (value withheld)") {
				t.Errorf("stderr does not withhold params.call_timeout:\n%s", stderr)
			}
			if strings.Contains(stdout+stderr, tt.secret) || strings.Contains(stdout+stderr, tt.secret[:20]) {
				t.Errorf("%q shown:\n%s%s", tt.secret, stdout, stderr)
			}
			if got := st.calls(); len(got) != 0 {
				t.Errorf("calls made: %v", got)
			}
		})
	}
}
