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

// TestIdentityRefusalNamesTheCredentials: when STS refuses the
// credentials (InvalidClientTokenId, as for a deleted or mistyped key, or
// ExpiredToken), the run's error says where the credentials it signed
// with came from (the environment's keys, a profile's keys in the
// shared credentials file, by its path, a credential_process), never a
// value: with keys in the environment and a profile at once, the user
// otherwise cannot tell which of them AWS refused.
func TestIdentityRefusalNamesTheCredentials(t *testing.T) {
	for _, tt := range []struct {
		name    string
		env     map[string]string
		profile string // the setting
		want    string // CREDENTIALS the shared credentials file
	}{
		{"environment keys", nil, "", "(credentials: AWS_ACCESS_KEY_ID and its secret key in the environment)"},
		{"a profile's keys", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, "audit",
			"(credentials: the keys of a profile in CREDENTIALS)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, tt.env, "", "[audit]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretEXAMPLEabcdefghij012345678\n")
			st := newStandIn(t, nil, filepath.Join("testdata", "cases", "sts_denied", "fixtures"), fixtures())
			e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
			p := decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL())
			if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: tt.profile}); err != nil {
				t.Fatal(err)
			}
			out, shown := executeShown(t, e, newInject(t, []signatures.CloudConfig{euWest1}, p))
			want := strings.ReplaceAll(tt.want, "CREDENTIALS", os.Getenv("AWS_SHARED_CREDENTIALS_FILE"))
			if out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, "InvalidClientTokenId") || !strings.Contains(out.ErrorInfo.Message, want) {
				t.Fatalf("message %+v\nwant InvalidClientTokenId and %s", out.ErrorInfo, want)
			}
			for _, secret := range []string{testSecretKey, "profileSecretEXAMPLEabcdefghij012345678"} {
				if strings.Contains(shown, secret) {
					t.Errorf("a secret key is shown:\n%s", shown)
				}
			}
		})
	}
}
