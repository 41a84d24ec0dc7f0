package cloudscan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// FuzzHeldOutput: the output of a credential_process whose child kept
// its standard output open (heldOutput) is read with the SDK's rules or
// refused, and a refusal never quotes the output: a secret key placed
// anywhere in it (inside its JSON string, as a bare word, cut by the end
// of the output) shows no 12 characters of itself in the error, which
// reaches the log and the inject's result.
func FuzzHeldOutput(f *testing.F) {
	const secret = "wJalrXUtnFEMI0K7MDENG0bPxRfiCYEXAMPLEKEY"
	f.Add(`{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"`, secret, `"}`)
	f.Add(`{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"`, secret, `","SessionToken":"t","Expiration":"2026-12-07T15:00:00Z"}`)
	f.Add(`{"Version":2,"AccessKeyId":"A","SecretAccessKey":"`, secret, `"}`)
	f.Add(`{"Version":1,"AccessKeyId":"A","SecretAccessKey":`, secret, `}`)
	f.Add(`{"Version":1,"AccessKeyId":"A","SecretAccessKey":"`, secret, ``)
	f.Add(`{"Version":1,"AccessKeyId":"A","Expiration":"`, secret, `"}`)
	f.Add(`{"Version":"`, secret, `"}`)
	f.Add(`{"`, secret, `":1}{}`)
	f.Add(``, secret, ` rest`)
	f.Fuzz(func(t *testing.T, before, key, after string) {
		out := []byte(before + key + after)
		creds, err := heldOutput(out)
		if err != nil {
			if creds.AccessKeyID != "" || creds.SecretAccessKey != "" || creds.SessionToken != "" {
				t.Fatalf("heldOutput(%q) = %+v with error %v, want no credentials", out, creds, err)
			}
			if w := shownWindow(err.Error(), key); w != "" {
				t.Fatalf("heldOutput(%q): error %q shows %q of the secret", out, err, w)
			}
			return
		}
		var want processcreds.CredentialProcessResponse
		if json.Unmarshal(out, &want) != nil || want.Version != 1 || want.AccessKeyID == "" || want.SecretAccessKey == "" {
			t.Fatalf("heldOutput(%q) = %+v, want an error: the SDK refuses this output", out, creds)
		}
		if creds.AccessKeyID != want.AccessKeyID || creds.SecretAccessKey != want.SecretAccessKey ||
			creds.SessionToken != want.SessionToken || creds.AccountID != want.AccountID || creds.Source != processcreds.ProviderName {
			t.Fatalf("heldOutput(%q) = %+v, want the output's %+v", out, creds, want)
		}
		if creds.CanExpire != (want.Expiration != nil) || (want.Expiration != nil && !creds.Expires.Equal(*want.Expiration)) {
			t.Fatalf("heldOutput(%q) expiry = %v %v, want %v", out, creds.CanExpire, creds.Expires, want.Expiration)
		}
	})
}

// shownWindow returns the first 12 characters in a row of secret that msg
// shows, "" for none; only a secret that reads as one (12 or more letters
// and digits, both) is looked for, so that a window is never a word of the
// error's own text.
func shownWindow(msg, secret string) string {
	if len(secret) < 12 || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" ||
		!strings.ContainsAny(secret, "0123456789") || strings.Trim(secret, "0123456789") == "" {
		return ""
	}
	for i := 0; i+12 <= len(secret); i++ {
		if strings.Contains(msg, secret[i:i+12]) {
			return secret[i : i+12]
		}
	}
	return ""
}
