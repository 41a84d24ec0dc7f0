package cloudscan

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"

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
			st.knowKey(procKeyID, procSecret, procSessTok)
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
				!strings.Contains(out.ErrorInfo.Message, "expired at 2020-01-01T00:00:00Z, before any request signed with them") ||
				!strings.Contains(out.ErrorInfo.Message, "a credential_process that gives cached credentials must renew them") {
				t.Fatalf("status %s, error %+v: want failed, saying when the credentials expired and what renews them", out.Status, out.ErrorInfo)
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

// A container's credentials endpoint (ECS, EKS Pod Identity) hands out
// credentials the SDK's cache makes expire 5 minutes early, to renew them
// in time: it still signs with them until they truly expire, and AWS
// takes them. Credentials 4 minutes from expiry are used, the inject
// succeeds; ones expired a minute ago sign nothing, the message giving
// the time they expired, not 5 minutes before, and a hint naming the
// endpoint by its variable and what renews its credentials (h222's
// finding: it was a hint meant for a credential_process, "a
// credential_process that gives cached credentials must renew them",
// which the host has none of).
func TestContainerCredentialsNearExpiryUsed(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	for _, tt := range []struct {
		name    string
		expires time.Time
		expired bool
	}{
		{"4 minutes left", now.Add(4 * time.Minute), false},
		{"expired a minute ago", now.Add(-time.Minute), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			body, err := json.Marshal(map[string]string{"AccessKeyId": procKeyID, "SecretAccessKey": procSecret,
				"Token": procSessTok, "Expiration": tt.expires.Format(time.RFC3339)})
			if err != nil {
				t.Fatal(err)
			}
			creds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(body)
			}))
			t.Cleanup(creds.Close)
			t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", creds.URL+"/creds")
			st := newStandIn(t, []string{"private-logs"}, fixtures())
			st.knowKey(procKeyID, procSecret, procSessTok)
			e := New(WithVersion(testVersion))
			p := decodeParams(t, e, nil, st.URL())
			if err := e.Configure(map[string]string{SettingEndpointURL: st.URL()}); err != nil {
				t.Fatal(err)
			}
			out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))
			if !tt.expired {
				if out.Status != framework.StatusSuccess || len(st.calls()) == 0 {
					t.Fatalf("status %s (%+v), %d calls: want success, signed with the container's credentials", out.Status, out.ErrorInfo, len(st.calls()))
				}
				return
			}
			want := "expired at " + tt.expires.Format(time.RFC3339) + ", before any request signed with them"
			if out.Status != framework.StatusFailed || out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, want) {
				t.Fatalf("status %s, error %+v: want failed, %q", out.Status, out.ErrorInfo, want)
			}
			hint := "renew them (the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) must hand out credentials " +
				"not yet expired: the agent serving it (the ECS agent, the EKS Pod Identity agent) renews them)"
			if msg := out.ErrorInfo.Message; !strings.Contains(msg, hint) || strings.Contains(msg, "credential_process") {
				t.Errorf("message %q\nwant it to hold %q, and no credential_process", msg, hint)
			}
			if calls := st.calls(); len(calls) != 0 {
				t.Errorf("%d requests signed with expired credentials: %v", len(calls), calls)
			}
		})
	}
}

// The endpoint is named by the variable the SDK took it from: the
// relative URI (ECS) before the full one. Nothing is sent: the hint only
// reads the environment.
func TestRenewalNamesTheContainerVariable(t *testing.T) {
	for _, tt := range []struct{ relative, full, want string }{
		{"", "http://127.0.0.1:9/creds", "(AWS_CONTAINER_CREDENTIALS_FULL_URI)"},
		{"/v2/credentials/x", "", "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)"},
		{"/v2/credentials/x", "http://127.0.0.1:9/creds", "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)"},
	} {
		t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", tt.relative)
		t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", tt.full)
		if got := renewal(endpointcreds.ProviderName); !strings.Contains(got, tt.want) {
			t.Errorf("relative %q, full %q: %q, want it to name %s", tt.relative, tt.full, got, tt.want)
		}
	}
	if got := renewal(stscreds.WebIdentityProviderName); got != "" {
		t.Errorf("web identity: %q, want no credential_process hint", got)
	}
}
