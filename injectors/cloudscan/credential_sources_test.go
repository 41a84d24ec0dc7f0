package cloudscan

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// TestAssumeRoleSourceCredentialsNeverShown: a profile that assumes a
// role signs its AssumeRole call with the credentials of what the role
// stands on (a source profile's static keys, credential_source =
// Environment, a source profile's credential_process), which the
// top-level provider never hands out. The stand-in's STS answers the
// AssumeRole call 403 InvalidClientTokenId with a message echoing the
// request's credentials in every form. Through `injectkit run` (stdout,
// stderr, debug logs) and Execute (the output, its message, the logs),
// no form of the source's access key id, secret key or session token is
// shown; [REDACTED] stands where they were.
func TestAssumeRoleSourceCredentialsNeverShown(t *testing.T) {
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\nregion = us-east-1\n"
	sourceKeys := "aws_access_key_id = " + testAccessKeyID + "\naws_secret_access_key = " + testEscapableSecretKey +
		"\naws_session_token = " + testSessionToken + "\n"
	procOutput := `{"Version":1,"AccessKeyId":"` + testAccessKeyID + `","SecretAccessKey":"` + testEscapableSecretKey +
		`","SessionToken":"` + testSessionToken + `"}`
	for _, tt := range []struct {
		name string
		// config and credentials of the shared files, given the path of a
		// credential_process printing the source credentials.
		config, credentials func(proc string) string
		// env: the source credentials are the environment's.
		env bool
	}{
		{"source_profile with static keys",
			func(string) string { return "[profile scan]\n" + role + "source_profile = base\n" },
			func(string) string { return "[base]\n" + sourceKeys }, false},
		{"credential_source Environment",
			func(string) string { return "[profile scan]\n" + role + "credential_source = Environment\n" },
			func(string) string { return "" }, true},
		{"source_profile with a credential_process",
			func(proc string) string {
				return "[profile scan]\n" + role + "source_profile = proc\n[profile proc]\ncredential_process = " + proc + "\n"
			},
			func(string) string { return "" }, false},
		{"role chained on a role",
			func(string) string {
				return "[profile scan]\n" + role + "source_profile = mid\n[profile mid]\n" + role + "source_profile = base\n"
			},
			func(string) string { return "[base]\n" + sourceKeys }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			if tt.env {
				t.Setenv("AWS_SECRET_ACCESS_KEY", testEscapableSecretKey)
				t.Setenv("AWS_SESSION_TOKEN", testSessionToken)
			} else {
				t.Setenv("AWS_ACCESS_KEY_ID", "")
				t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			}
			proc := writeCredentialProcess(t, procOutput)
			writeSharedFiles(t, tt.config(proc), tt.credentials(proc))

			// What the user sees: the terminal and the logs.
			st := newStandIn(t, nil, fixtures())
			st.knowKey(testAccessKeyID, testEscapableSecretKey, testSessionToken)
			st.echoOn("sts.amazonaws.com:AssumeRole", "InvalidClientTokenId")
			file := writeInject(t)
			getenv := func(k string) string {
				if k == "INJECTKIT_CLOUDSCAN_PROFILE" {
					return "scan"
				}
				return endpointEnv(st.URL())(k)
			}
			_, stdout, stderr := runCLI(getenv, "run", "cloudscan", "--inject-file", file, "-o", "json", "--log-level", "debug")
			shown := stdout + stderr
			if !strings.Contains(shown, "executed") {
				t.Fatalf("no log of the run in what the CLI wrote:\n%s", shown)
			}

			// The structured output, with the inject's own debug log.
			st2 := newStandIn(t, nil, fixtures())
			st2.knowKey(testAccessKeyID, testEscapableSecretKey, testSessionToken)
			st2.echoOn("sts.amazonaws.com:AssumeRole", "InvalidClientTokenId")
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st2.URL())
			if err := e.Configure(map[string]string{SettingEndpointURL: st2.URL(), SettingProfile: "scan"}); err != nil {
				t.Fatal(err)
			}
			out, said := executeShown(t, e, newInject(t, []signatures.CloudConfig{euWest1}, p))
			shown += said

			// The AssumeRole call was signed with the source credentials and
			// its answer quoted them: the test proves something.
			echoed := strings.Join(append(st.echoMessages(), st2.echoMessages()...), "\n")
			if !strings.Contains(echoed, testAccessKeyID) || !strings.Contains(echoed, testSessionToken) {
				t.Fatalf("the stand-in's AssumeRole answers quote no source credential:\n%s\n%s", echoed, shown)
			}
			refusedRedacted(t, out, shown, "AssumeRole", credentialForms()...)
		})
	}
}

// writeInject writes an inject file of one aws target, eu-west-1, and
// returns its path.
func writeInject(t *testing.T) string {
	t.Helper()
	target := map[string]any{"cloud_provider": "aws", "cloud_account_id": "123456789012", "cloud_region": "eu-west-1"}
	return testkit.WriteJSON(t, "inject.json", map[string]any{"inject_id": "cloud-1", "targets": []map[string]any{target},
		"params": map[string]any{"retry_max_backoff": "5ms"}})
}

// TestAssumeRoleUsesTheEndpointSetting: the endpoint setting is the
// endpoint of every call, the AssumeRole call of a profile's role
// included, whatever AWS_ENDPOINT_URL holds (the SDK builds that call's
// client before it applies the setting, and takes AWS_ENDPOINT_URL then,
// or, set empty, AWS's own endpoint). A second loopback stand-in named by
// AWS_ENDPOINT_URL must see nothing.
func TestAssumeRoleUsesTheEndpointSetting(t *testing.T) {
	setAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	wrong := newStandIn(t, nil, fixtures())
	t.Setenv("AWS_ENDPOINT_URL", wrong.URL())
	writeSharedFiles(t, "[profile scan]\nrole_arn = arn:aws:iam::123456789012:role/scan\nregion = us-east-1\nsource_profile = base\n",
		"[base]\naws_access_key_id = "+testAccessKeyID+"\naws_secret_access_key = "+testSecretKey+"\n")
	st := newStandIn(t, nil, fixtures())
	st.echoOn("sts.amazonaws.com:AssumeRole", "InvalidClientTokenId")
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL())
	if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: "scan"}); err != nil {
		t.Fatal(err)
	}
	e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))
	if n := len(wrong.calls()); n != 0 {
		t.Errorf("%d calls went to AWS_ENDPOINT_URL, not to the endpoint setting: %+v", n, wrong.calls())
	}
	if st.count("sts.amazonaws.com:AssumeRole") == 0 {
		t.Errorf("the endpoint setting's stand-in saw no AssumeRole call: %+v", st.calls())
	}
}

// Credentials a credential_process prints; the SDK's parse error quotes
// them all.
const (
	procKeyID   = "AKIAPROCKEYEXAMPLE01"
	procSecret  = "ProcSecret/Real+Key=="
	procSessTok = "ProcSessTokExample"
)

// writeCredentialProcess writes a credential_process printing output and
// returns its path.
func writeCredentialProcess(t *testing.T, output string) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "output")
	if err := os.WriteFile(out, []byte(output), 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "credproc.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat '"+out+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return script
}

// TestCredentialProcessOutputNeverShown has a profile's credential_process
// (the profile's own, or its source profile's under assume-role) print
// output the real SDK cannot parse; its error quotes the output, every
// credential included. Through `injectkit run` (stdout, stderr, logs) and
// Execute (the message the platform shows, the findings, the logs), the
// error says why the output was refused, never a credential.
func TestCredentialProcessOutputNeverShown(t *testing.T) {
	creds := `"AccessKeyId":"` + procKeyID + `","SecretAccessKey":"` + procSecret + `","SessionToken":"` + procSessTok + `"`
	for _, tt := range []struct {
		name, output, why string
		assumeRole        bool
	}{
		{"expiration not a time", `{"Version":1,` + creds + `,"Expiration":"never"}`, "its Expiration is not an RFC 3339 time", false},
		{"trailing warning line", `{"Version":1,` + creds + "}\nWARNING: token refreshed\n",
			"not valid JSON at byte " + strconv.Itoa(len(`{"Version":1,`+creds+"}\n")+1) + ": an unexpected character after top-level value", false},
		// A secret's byte breaks the JSON: the decoder quotes it, the
		// error says only where and what kind of break.
		{"secret's byte breaks the JSON", `{"Version":1,"SecretAccessKey":"` + procSecret[:4] + `"` + procSecret[4:] + `"}`,
			"not valid JSON at byte 38: an unexpected character after object key:value pair", false},
		{"output cut short", `{"Version":1,"SecretAccessKey":"` + procSecret[:4], "not valid JSON at byte 36: the output ends before its JSON does", false},
		{"version a string", `{"Version":"1",` + creds + `}`, "its field Version holds a value of the wrong type (int expected)", false},
		{"source profile's process", `{"Version":1,` + creds + `,"Expiration":"never"}`, "its Expiration is not an RFC 3339 time", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			script := writeCredentialProcess(t, tt.output)
			config := "[profile pp]\ncredential_process = " + script + "\n"
			if tt.assumeRole {
				config = "[profile pp]\nrole_arn = arn:aws:iam::123456789012:role/scan\nsource_profile = src\n" +
					"[profile src]\ncredential_process = " + script + "\n"
			}
			writeSharedFiles(t, config, "")
			st := newStandIn(t, nil, fixtures())
			getenv := profileEnv(st.URL(), "pp")

			// What the user sees: the terminal and the logs.
			file := testkit.WriteJSON(t, "inject.json", map[string]any{
				"inject_id": "cloud-1", "targets": []map[string]any{{"cloud_provider": "aws",
					"cloud_account_id": "123456789012", "cloud_region": "eu-west-1", "target_service": "iam"}},
			})
			_, stdout, stderr := runCLI(getenv, "run", "cloudscan", "--inject-file", file, "-o", "text", "--log-level", "debug")
			shown := stdout + stderr

			// The output the platform is sent, with the inject's own log.
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			p := decodeParams(t, e, nil, st.URL())
			if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: "pp"}); err != nil {
				t.Fatal(err)
			}
			cfg := euWest1
			cfg.TargetService = "iam"
			in := newInject(t, []signatures.CloudConfig{cfg}, p)
			out, said := executeShown(t, e, in)
			shown += said

			if out.Status != framework.StatusFailed || !strings.Contains(out.ErrorInfo.Message, "credential_process") ||
				!strings.Contains(out.ErrorInfo.Message, tt.why) {
				t.Errorf("status %s, message %q: want failed, naming the credential_process and %q", out.Status, out.ErrorInfo.Message, tt.why)
			}
			if !strings.Contains(stderr, tt.why) {
				t.Errorf("stderr does not say %q:\n%s", tt.why, stderr)
			}
			notShown(t, shown, procKeyID, procSecret, jsonSlashes(procSecret), procSessTok, "WARNING", "'W'",
				"'"+procSecret[4:5]+"'", "invalid character")
			if len(st.calls()) != 0 {
				t.Errorf("calls made without credentials: %v", st.calls())
			}
		})
	}
}

// Whatever character breaks the JSON (a quote, a control byte, a byte of
// a UTF-8 sequence), the kind of break is said without it.
func TestProcessOutputFaultWithholdsTheCharacter(t *testing.T) {
	for _, tt := range []struct{ output, want string }{
		{`{"a":1'}`, "not valid JSON at byte 7: an unexpected character after object key:value pair"},
		{`{"a":1"}`, "not valid JSON at byte 7: an unexpected character after object key:value pair"},
		{"{\"a\":1\x01}", "not valid JSON at byte 7: an unexpected character after object key:value pair"},
		{"{\"a\":1\xc3\xa9}", "not valid JSON at byte 7: an unexpected character after object key:value pair"},
		{`{"a":tru}`, "not valid JSON at byte 9: an unexpected character in literal true (expecting 'e')"},
		{`{"a":1`, "not valid JSON at byte 6: the output ends before its JSON does"},
	} {
		var v map[string]any
		err := json.Unmarshal([]byte(tt.output), &v)
		if got := processOutputFault(err); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.output, got, tt.want)
		}
	}
}

// A credential_process that leaves a child running with its standard
// error open (a helper's cache daemon) gives its credentials as the SDK's
// own runner does: the run waits for the process, not for the child (what
// it wrote there is counted as far as it is read within processWaitDelay).
func TestQuietProcessLeavesItsChildren(t *testing.T) {
	const command = `(sleep 2 >/dev/null &) ; echo 'warming' >&2; echo '{"Version":1,"AccessKeyId":"AKIACHILD","SecretAccessKey":"s"}'`
	log, _ := testkit.Logger()
	creds, err := newQuietProcess(context.Background(), command, `profile "pp"`, log, &terminal{}).Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIACHILD" {
		t.Fatalf("Retrieve = %+v, %v; want the process's credentials", creds.AccessKeyID, err)
	}
}

// A web identity token (AWS_WEB_IDENTITY_TOKEN_FILE's contents) is a
// credential: the stand-in's STS answers AssumeRoleWithWebIdentity with a
// message echoing it in several forms, and none shows in the output, its
// message or the logs; the call goes to the endpoint setting's endpoint.
func TestWebIdentityTokenNeverShown(t *testing.T) {
	const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzY2FuIn0.c2lnbmF0dXJl+x/y=="
	setAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/scan")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	st := newStandIn(t, nil, fixtures())
	st.echoOn("sts.amazonaws.com:AssumeRoleWithWebIdentity", "InvalidIdentityToken")
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL())
	if err := e.Configure(map[string]string{SettingEndpointURL: st.URL()}); err != nil {
		t.Fatal(err)
	}
	out, shown := executeShown(t, e, newInject(t, []signatures.CloudConfig{euWest1}, p))
	if echoed := strings.Join(st.echoMessages(), "\n"); !strings.Contains(echoed, token) {
		t.Fatalf("the stand-in's answers quote no token:\n%s\n%s", echoed, shown)
	}
	refusedRedacted(t, out, shown, "token", token, url.QueryEscape(token), "c2lnbmF0dXJl+x\\/y", base64.StdEncoding.EncodeToString([]byte(token)))
}

// echoingSSO answers GetRoleCredentials with an error quoting the access
// token it was sent, as an SSO portal's answer may.
type echoingSSO struct{}

func (echoingSSO) GetRoleCredentials(_ context.Context, in *sso.GetRoleCredentialsInput, _ ...func(*sso.Options)) (*sso.GetRoleCredentialsOutput, error) {
	return nil, errors.New("UnauthorizedException: session token " + *in.AccessToken + " not found or invalid")
}

// An SSO access token, sent to the portal for the role's credentials, is
// redacted from what its call answers, as the credentials are.
func TestSSOAccessTokenRedacted(t *testing.T) {
	const token = "aoaAAAAAGkZsomeSSOaccessTokenValue+x/y"
	red := newRedactor()
	c := &sessionSSO{client: echoingSSO{}, sessionStep: sessionStep{red: red}}
	_, err := c.GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{AccessToken: aws.String(token)})
	if err == nil || !strings.Contains(err.Error(), token) {
		t.Fatalf("the portal's answer quotes no token: %v", err)
	}
	if got := red.serverText(err.Error()); strings.Contains(got, token) || !strings.Contains(got, redactedText) {
		t.Errorf("redacted answer = %q, want the token as %s", got, redactedText)
	}
}
