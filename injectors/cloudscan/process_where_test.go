package cloudscan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// TestCredentialProcessErrorNamesItsProfile: a profile's own
// credential_process that fails (exits 1, is not found, prints what the
// SDK cannot parse or refuses) fails the inject with an error naming the
// profile and the file and line of its credential_process, as every
// other refusal of the shared files does, so that the user knows which
// command to run by hand; what the process printed is never quoted.
func TestCredentialProcessErrorNamesItsProfile(t *testing.T) {
	for _, tt := range []struct{ name, body, why string }{
		{"exits 1", "echo '{\"Version\":1,\"AccessKeyId\":\"" + procKeyID + "\",\"SecretAccessKey\":\"" + procSecret + "\"}'\n" +
			"echo 'denied " + procSecret + "' >&2\nexit 1\n", "exit status 1"},
		{"not found", "exec /nonexistent/t144-helper\n", "exit status 127"},
		{"output not JSON", "echo 'SecretAccessKey=" + procSecret + "'\n", "not valid JSON at byte 1"},
		{"wrong version", "echo '{\"Version\":2,\"AccessKeyId\":\"" + procKeyID + "\",\"SecretAccessKey\":\"" + procSecret + "\"}'\n",
			"wrong version in process output (not 1)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			script := filepath.Join(t.TempDir(), "credproc.sh")
			if err := os.WriteFile(script, []byte("#!/bin/sh\n"+tt.body), 0o700); err != nil {
				t.Fatal(err)
			}
			// The profile's credential_process is on line 6, under
			// another profile, a comment and a region line.
			writeSharedFiles(t, "[default]\nregion = eu-west-1\n[profile pp]\n# the scanner's\nregion = eu-west-1\ncredential_process = "+script+"\n", "")
			st := newStandIn(t, nil, fixtures())
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			p := decodeParams(t, e, json.RawMessage(`{"call_timeout":"5s"}`), st.URL())
			if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: "pp"}); err != nil {
				t.Fatal(err)
			}
			out, shown := executeShown(t, e, newInject(t, []signatures.CloudConfig{euWest1}, p))
			if out.ErrorInfo == nil || out.ErrorInfo.Message == "" {
				t.Fatalf("the inject did not fail: %+v", out)
			}
			where := `the credential_process of profile "pp" (` + os.Getenv("AWS_CONFIG_FILE") + `:6)`
			if !strings.Contains(out.ErrorInfo.Message, where) || !strings.Contains(out.ErrorInfo.Message, tt.why) {
				t.Errorf("error %q\nnames not %s, or not %q", out.ErrorInfo.Message, where, tt.why)
			}
			if strings.Contains(shown, procSecret) {
				t.Errorf("the process's secret is shown:\n%s", shown)
			}
			if n := len(st.calls()); n != 0 {
				t.Errorf("the stand-in saw %d calls, want none", n)
			}
		})
	}
}
