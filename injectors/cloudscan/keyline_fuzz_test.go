package cloudscan

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// FuzzKeyLine checks the file and line an error names for a key of a
// profile (keyLine: a garbled aws_secret_access_key, say) against the
// SDK's own reading of the credentials file: for a file the scanner does
// not refuse, a key the SDK loads a value for in profile keys is named
// on a line of that file, in that profile's section, the line a property
// of that key (case aside) whose value begins the SDK's value.
func FuzzKeyLine(f *testing.F) {
	fuzzSDKCredentialsFile(f, []string{
		"[keys]\naws_access_key_id = A\naws_secret_access_key = s\n",
		"[keys]\naws_access_key_id = A\naws_secret_access_key = s\n[other]\naws_access_key_id = B\n[keys]\naws_access_key_id = C\n",
		"[ keys ] # c\nAWS_Secret_Access_Key: x ; y\naws_access_key_id=a\naws_session_token=t\n  more\n",
		"[keys];c\r\naws_access_key_id=x\r\naws_secret_access_key = 's'\r\n",
		"aws_access_key_id = top\n[keys]\naws_secret_access_key = s\n\taws_access_key_id = indented\naws_access_key_id = real\n",
	}, func(t *testing.T, path, body string, headers []sectionHeader, files func(*awsconfig.LoadSharedConfigOptions)) {
		cfg, err := awsconfig.LoadSharedConfigProfile(context.Background(), "keys", files)
		if err != nil {
			return
		}
		file := readFile{sharedFile: sharedFile{kind: "credentials", path: path}, body: []byte(body), headers: headers}
		lines := strings.Split(body, "\n")
		for _, k := range []struct{ key, v string }{
			{keyAccessKeyID, cfg.Credentials.AccessKeyID},
			{keySecretAccessKey, cfg.Credentials.SecretAccessKey},
			{keySessionToken, cfg.Credentials.SessionToken},
		} {
			if k.v == "" {
				continue
			}
			where := keyLine([]readFile{file}, "keys", k.key)
			rest, ok := strings.CutPrefix(where, path+":")
			n, err := strconv.Atoi(rest)
			if !ok || err != nil || n < 1 || n > len(lines) {
				t.Fatalf("%s (the SDK reads %q) named at %q, not a line of %s", k.key, k.v, where, path)
			}
			line := lines[n-1]
			key, value, ok := splitProperty(strings.TrimRight(cutPropertyComment(line), " \t\r"))
			if !ok || !strings.EqualFold(key, k.key) || !strings.HasPrefix(k.v, strings.Trim(value, `"'`)) {
				t.Fatalf("%s (the SDK reads %q) named at line %d, %q", k.key, k.v, n, line)
			}
			inKeys := false
			for _, h := range headers {
				if h.line < n {
					inKeys = h.name == "keys"
				}
			}
			if !inKeys {
				t.Fatalf("%s named at line %d, %q, not in section [keys] (%s)", k.key, n, line, fmt.Sprint(headers))
			}
		}
	})
}

// fuzzSDKCredentialsFile fuzzes the credentials files seeds start, each
// the scanner does not refuse written to one file (sdkCredentialsFile)
// and handed to check: path, the body, its sections as the scanner finds
// them and the option that makes the SDK read it.
func fuzzSDKCredentialsFile(f *testing.F, seeds []string, check func(t *testing.T, path, body string, headers []sectionHeader, files func(*awsconfig.LoadSharedConfigOptions))) {
	for _, seed := range seeds {
		f.Add(seed)
	}
	path := f.TempDir() + "/credentials"
	f.Fuzz(func(t *testing.T, body string) {
		if headers, files, ok := sdkCredentialsFile(t, path, body); ok {
			check(t, path, body, headers, files)
		}
	})
}

// sdkCredentialsFile writes body to path, for the fuzz tests that check
// the scanner against the SDK, when the scanner does not refuse it (ok
// false: it did, and nothing is written): its sections as the scanner
// finds them, and the option that makes the SDK read that file alone as
// the credentials file, no config file.
func sdkCredentialsFile(t *testing.T, path, body string) (headers []sectionHeader, files func(*awsconfig.LoadSharedConfigOptions), ok bool) {
	t.Helper()
	headers, bad := scanSections([]byte(body))
	if bad != nil {
		return nil, nil, false
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return headers, func(o *awsconfig.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = []string{}, []string{path}
	}, true
}
