package cli_test

import "testing"

// A file that is no config file given to --config is refused with exit 2
// without showing its contents: at most three unknown keys are named, only
// those that read as setting names, never a value, and the others are
// counted; a key that is a line of the file (an /etc/shadow entry) is
// named by its line alone.
func TestConfigUnknownKeysDiscloseNothing(t *testing.T) {
	tests := []struct {
		name    string
		content string
		secrets []string // never on stderr
		want    []string // on stderr
	}{
		{"shadow file",
			"root:$6$Zq9sEcReT$hash0123:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nsvc:$y$j9T$hunter2hash:19001:0:99999:7:::\nbin:*:19000:0:99999:7:::\n",
			[]string{"root", "$6$Zq9sEcReT$hash0123", "hunter2hash", "daemon", "svc"},
			[]string{"keys that are no setting names on lines 1, 2, 3 (not shown) and 1 more", "is it a YAML config file?"}},
		{"one shadow line", "root:$6$Zq9sEcReT$hash0123:19000:0:99999:7:::\n",
			[]string{"root", "Zq9sEcReT"}, []string{"a key that is no setting name on line 1 (not shown)"}},
		{"mapping of secrets",
			"db_password: hunter2-secret\naws_secret: AKIAsecretvalue\napi_key: sk-live-secret\nprivate_key: MIIEsecret\nsmtp_pass: smtp-secret\nAWS_TOKEN: tok-secret-upper\n",
			[]string{"hunter2-secret", "AKIAsecretvalue", "sk-live-secret", "MIIEsecret", "smtp-secret", "tok-secret-upper", "AWS_TOKEN"},
			[]string{"unknown key api_key (line 3), aws_secret (line 2), db_password (line 1) and 3 more"}},
		{"environment file", "SECRET_TOKEN=abc123secret\nPASSWORD=hunter2secret\n",
			[]string{"abc123secret", "hunter2secret", "SECRET_TOKEN"}, []string{"want a mapping of keys, line 1 is not one"}},
		{"private key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgsecret\n-----END PRIVATE KEY-----\n",
			[]string{"MIIEvQIBADANBgsecret", "PRIVATE KEY"}, []string{"want a mapping of keys, line 1 is not one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "notconfig", tt.content)
			r := run(t, registry(), nil, "run", "noop", "--target", "127.0.0.1", "--config", path)
			if r.code != 2 {
				t.Errorf("exit %d, want 2:\n%s", r.code, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, tt.want, tt.secrets)
		})
	}
}
