package cloudscan

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// A credential variable the SDK signs with holding what no AWS key holds
// and what prints as nothing or as a line end (a file's byte order mark or
// CRLF read with "$(cat key.txt)", a zero-width space or a no-break space
// pasted with the key, bytes that are not UTF-8) was signed with as it is:
// every inject failed at run time (exit 3). It is refused when the
// executor is configured, naming the variable and the character, the
// value withheld in every encoding; a clean key, or any key beside the
// profile setting (the SDK takes the profile's then), is not.
func TestEnvCredentialInvisibleRefused(t *testing.T) {
	tests := []struct {
		name, variable, value, why string
		setting                    string
	}{
		{"key id, LF", "AWS_ACCESS_KEY_ID", testAccessKeyID + "\n", "U+000A at byte 20", ""},
		{"key id, byte order mark", "AWS_ACCESS_KEY_ID", "\ufeff" + testAccessKeyID, "U+FEFF at byte 0", ""},
		{"key id, not UTF-8", "AWS_ACCESS_KEY_ID", testAccessKeyID + "\xff", "byte 0xFF at byte 20", ""},
		{"secret, CRLF", "AWS_SECRET_ACCESS_KEY", testSecretKey + "\r\n", "U+000D at byte 44", ""},
		{"secret, zero-width space", "AWS_SECRET_ACCESS_KEY", testSecretKey[:4] + "\u200b" + testSecretKey[4:], "U+200B at byte 4", ""},
		{"secret, trailing no-break space", "AWS_SECRET_ACCESS_KEY", testSecretKey + "\u00a0", "white space U+00A0 at byte 44, at its end", ""},
		{"legacy secret, leading space", "AWS_SECRET_KEY", " " + testSecretKey, "white space U+0020 at byte 0, at its start", ""},
		{"session token, line separator", "AWS_SESSION_TOKEN", "FwoGZXIvYXdzEJr\u2028", "U+2028 at byte 15", ""},
		{"session token, clean", "AWS_SESSION_TOKEN", "FwoGZXIvYXdzEJr+/=", "", ""},
		{"key id, byte order mark, the setting given", "AWS_ACCESS_KEY_ID", "\ufeff" + testAccessKeyID, "", "default"},
		{"container token, byte order mark", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "\ufeffcontainerTokenEXAMPLE", "U+FEFF at byte 0", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{tt.variable: tt.value}
			if tt.variable == "AWS_CONTAINER_AUTHORIZATION_TOKEN" {
				env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9/creds"
			}
			awsEnvWith(t, env, "",
				"[default]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretEXAMPLEabcdefghij012345678\n")
			err := New().Configure(map[string]string{SettingEndpointURL: "http://127.0.0.1:9", SettingProfile: tt.setting})
			if tt.why == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.variable || !ve.Withheld || !strings.Contains(ve.Reason, tt.why) {
				t.Fatalf("error %v, want %s refused for %q, its value withheld", err, tt.variable, tt.why)
			}
			secret := strings.TrimSpace(strings.Trim(tt.value, "\ufeff\u200b\u2028\xff"))
			for _, enc := range []string{secret, secret[:8], hex.EncodeToString([]byte(secret)), base64.StdEncoding.EncodeToString([]byte(secret))} {
				if strings.Contains(err.Error(), enc) {
					t.Errorf("the error shows %q: %v", enc, err)
				}
			}
		})
	}
}

// run and validate refuse such a variable with exit 2 before anything is
// sent to the backend or the cloud, or stored.
func TestCLIRefusesEnvCredentialByteOrderMark(t *testing.T) {
	setAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "\ufeff"+testAccessKeyID)
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, endpointEnv(st.URL()),
				"invalid AWS_ACCESS_KEY_ID (value withheld): holds the non-printable character U+FEFF at byte 0")
		})
	}
}
