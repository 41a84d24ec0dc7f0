package cloudscan

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// A key of the shared credentials file holding a byte order mark, a
// zero-width space, a line separator or bytes that are not UTF-8 (the
// SDK's reader trims the white space around a value, nothing else) was
// signed with as it was: every inject failed at run time (exit 3). The
// key the SDK would sign with (the profile it loads, a source_profile of
// its chain) is refused when the executor is configured, naming the
// file's line, the key and the character, its value withheld in every
// encoding; a clean file, or keys the environment's take the place of,
// are not.
func TestProfileKeyInvisibleRefused(t *testing.T) {
	const keyID, secret = "AKIAPROFILEEXAMPLE01", "profileSecretEXAMPLEabcdefghij012345678"
	tests := []struct {
		name, env, setting, credentials, field, why string
	}{
		{"key id, byte order mark", "", "", "[default]\naws_access_key_id = \ufeff" + keyID + "\naws_secret_access_key = " + secret + "\n",
			"credentials:2", "aws_access_key_id of profile \"default\" holds the non-printable character U+FEFF at byte 0"},
		{"secret, zero-width space, CRLF file", "", "", "[default]\r\naws_access_key_id = " + keyID + "\r\naws_secret_access_key = " + secret[:3] + "\u200b" + secret[3:] + "\r\n",
			"credentials:3", "aws_secret_access_key of profile \"default\" holds the non-printable character U+200B at byte 3"},
		{"session token, not UTF-8, the setting", "", "audit", "[audit]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + secret + "\naws_session_token = FwoG\xffZXIv\n",
			"credentials:4", "aws_session_token of profile \"audit\" holds the byte 0xFF at byte 4"},
		{"source profile's key", "", "chain", "[base]\naws_access_key_id = " + keyID[:4] + "\u2028" + keyID[4:] + "\naws_secret_access_key = " + secret + "\n[chain]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nregion = eu-west-1\n",
			"credentials:2", "aws_access_key_id of profile \"base\" holds the non-printable character U+2028 at byte 4"},
		{"clean, CRLF file", "", "", "[default]\r\naws_access_key_id = " + keyID + "  \r\naws_secret_access_key = " + secret + "\r\n", "", ""},
		{"the environment's keys first", "env", "", "[default]\naws_access_key_id = \ufeff" + keyID + "\naws_secret_access_key = " + secret + "\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
			if tt.env != "" {
				env = nil
			}
			awsEnvWith(t, env, "", tt.credentials)
			ve, msg := configureRefusal(t, map[string]string{SettingEndpointURL: "http://127.0.0.1:9", SettingProfile: tt.setting}, tt.field != "")
			if ve == nil {
				return
			}
			want := strings.TrimSuffix(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), "credentials") + tt.field
			if ve.Field != want || !ve.Withheld || !strings.Contains(ve.Reason, tt.why) {
				t.Fatalf("error %v, want %s refused for %q, its value withheld", msg, want, tt.why)
			}
			for _, v := range []string{keyID, secret, secret[:8], "FwoG"} {
				for _, enc := range []string{v, hex.EncodeToString([]byte(v)), base64.StdEncoding.EncodeToString([]byte(v))} {
					if strings.Contains(msg, enc) {
						t.Errorf("the error shows %q: %v", enc, msg)
					}
				}
			}
		})
	}
}
