package cloudscan

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// The authorization token of a container's credentials endpoint is a
// credential: given by AWS_CONTAINER_AUTHORIZATION_TOKEN, or read from
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (EKS Pod Identity's rotated
// token), the SDK sends it as the Authorization header of its request
// for the credentials. An endpoint refusing it with a message that
// quotes it (as the credentials endpoint's JSON error, code and message)
// shows it nowhere: not in the output, its message or the logs.
func TestContainerAuthorizationTokenNeverShown(t *testing.T) {
	const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.cG9kLXNpZ25hdHVyZQ+x/y=="
	for _, fromFile := range []bool{true, false} {
		name := "AWS_CONTAINER_AUTHORIZATION_TOKEN"
		if fromFile {
			name += "_FILE"
		}
		t.Run(name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			t.Setenv("AWS_REGION", "eu-west-1")
			var sent string
			endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent = r.Header.Get("Authorization")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_ = json.NewEncoder(w).Encode(map[string]string{"code": "AccessDenied",
					"message": "authorization token " + sent + " is not valid for this pod"})
			}))
			t.Cleanup(endpoint.Close)
			t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.URL+"/v1/credentials")
			t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "")
			t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "")
			if fromFile {
				file := filepath.Join(t.TempDir(), "eks-pod-identity-token")
				if err := os.WriteFile(file, []byte(token), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file)
			} else {
				t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", token)
			}
			st := newStandIn(t, nil, fixtures())
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms","retry_max_attempts":1}`), st.URL())
			if err := e.Configure(map[string]string{SettingEndpointURL: st.URL()}); err != nil {
				t.Fatal(err)
			}
			out, shown := executeShown(t, e, newInject(t, []signatures.CloudConfig{euWest1}, p))
			if sent != token {
				t.Fatalf("the endpoint got Authorization %q, want the token:\n%s", sent, shown)
			}
			refusedRedacted(t, out, shown, "token", token, url.QueryEscape(token), "cG9kLXNpZ25hdHVyZQ+x\\/y", base64.StdEncoding.EncodeToString([]byte(token)))
		})
	}
}
