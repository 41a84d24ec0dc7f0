package cloudscan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// countingProcess writes a credential_process that prints output and
// appends a line to a file each time it runs; it returns the script and
// what counts its runs.
func countingProcess(t *testing.T, output string) (script string, runs func() int) {
	t.Helper()
	dir := t.TempDir()
	out, count := filepath.Join(dir, "output"), filepath.Join(dir, "runs")
	if err := os.WriteFile(out, []byte(output), 0o600); err != nil {
		t.Fatal(err)
	}
	script = filepath.Join(dir, "credproc.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho run >> '"+count+"'\ncat '"+out+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return script, func() int {
		b, _ := os.ReadFile(count)
		return strings.Count(string(b), "run\n")
	}
}

// Credentials that had expired when their provider handed them out (a
// credential_process giving cached credentials past their Expiration)
// sign no request: the SDK's cache would sign every call with them,
// running the process again for each, and AWS refuses each
// (ExpiredToken). The inject fails at the identity call, before any
// request, its message saying when they expired; the process ran once.
// Credentials that expire later are used as ever, the process run once
// for the inject.
func TestExpiredCredentialsSignNothing(t *testing.T) {
	creds := `"AccessKeyId":"` + procKeyID + `","SecretAccessKey":"` + procSecret + `","SessionToken":"` + procSessTok + `"`
	for _, tt := range []struct {
		name, expiration string
		expired          bool
	}{
		{"expired", "2020-01-01T00:00:00Z", true},
		{"valid", "2999-01-01T00:00:00Z", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			script, runs := countingProcess(t, `{"Version":1,`+creds+`,"Expiration":"`+tt.expiration+`"}`)
			writeSharedFiles(t, "[profile pp]\ncredential_process = "+script+"\n", "")
			st := newStandIn(t, []string{"private-logs"}, fixtures())
			e := New(WithVersion(testVersion))
			p := decodeParams(t, e, nil, st.URL())
			if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: "pp"}); err != nil {
				t.Fatal(err)
			}
			out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))
			if !tt.expired {
				if out.Status != framework.StatusSuccess || len(st.calls()) == 0 {
					t.Fatalf("status %s (%+v), %d calls: want success", out.Status, out.ErrorInfo, len(st.calls()))
				}
				if n := runs(); n != 1 {
					t.Errorf("the credential_process ran %d times, want once", n)
				}
				return
			}
			if out.Status != framework.StatusFailed || out.ErrorInfo == nil ||
				!strings.Contains(out.ErrorInfo.Message, "expired at 2020-01-01T00:00:00Z, before any request signed with them") {
				t.Fatalf("status %s, error %+v: want failed, saying when the credentials expired", out.Status, out.ErrorInfo)
			}
			if calls := st.calls(); len(calls) != 0 {
				t.Errorf("%d requests signed with expired credentials: %v", len(calls), calls)
			}
			if n := runs(); n != 1 {
				t.Errorf("the credential_process ran %d times, want once", n)
			}
			for _, v := range []string{procSecret, procSessTok} {
				if strings.Contains(out.ErrorInfo.Message, v) {
					t.Errorf("the message shows a credential: %s", out.ErrorInfo.Message)
				}
			}
		})
	}
}
