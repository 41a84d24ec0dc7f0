package cloudscan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

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
			for _, v := range []string{procKeyID, procSecret, jsonSlashes(procSecret), procSessTok, "WARNING", "'W'",
				"'" + procSecret[4:5] + "'", "invalid character"} {
				if i := strings.Index(shown, v); i >= 0 {
					t.Errorf("%q shown: …%s…", v, shown[max(0, i-80):min(len(shown), i+len(v)+20)])
				}
			}
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
	creds, err := newQuietProcess(command, log).Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIACHILD" {
		t.Fatalf("Retrieve = %+v, %v; want the process's credentials", creds.AccessKeyID, err)
	}
}
