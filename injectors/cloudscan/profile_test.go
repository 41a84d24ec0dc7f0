package cloudscan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// awsEnvWith sets the test's AWS environment (setAWSEnv), then the
// variables of env, and writes config and credentials as its shared
// files (writeSharedFiles).
func awsEnvWith(t *testing.T, env map[string]string, config, credentials string) {
	t.Helper()
	setAWSEnv(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	writeSharedFiles(t, config, credentials)
}

// writeSharedFiles writes the shared config and credentials files
// setAWSEnv points the SDK at.
func writeSharedFiles(t *testing.T, config, credentials string) {
	t.Helper()
	for path, body := range map[string]string{os.Getenv("AWS_CONFIG_FILE"): config, os.Getenv("AWS_SHARED_CREDENTIALS_FILE"): credentials} {
		if body == "" {
			continue
		}
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// The profile setting is checked when the executor is configured: one
// that names no profile of the shared configuration files is refused,
// naming cloudscan.profile and the value, as the SDK's configuration
// would refuse it for sure when the inject runs; one in either file, or
// none, is not.
func TestProfileSettingChecked(t *testing.T) {
	tests := []struct {
		name, config, credentials string
		profile                   string
		refused                   bool
	}{
		{"no profile setting", "", "", "", false},
		{"in the config file", "[profile audit]\nregion = eu-west-1\naws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n", "", "audit", false},
		{"in the credentials file", "", "[scanner]\naws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n", "scanner", false},
		{"default, in the credentials file", "", "[default]\naws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n", "default", false},
		{"in neither file", "[profile audit]\nregion = eu-west-1\n", "[scanner]\naws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n", "nosuch", true},
		{"no file at all", "", "", "nosuch", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			writeSharedFiles(t, tt.config, tt.credentials)
			e := New()
			err := e.Configure(map[string]string{SettingProfile: tt.profile, SettingEndpointURL: ""})
			var ve *signatures.ValidationError
			switch {
			case !tt.refused && err != nil:
				t.Errorf("refused: %v", err)
			case !tt.refused && e.settings.profile != tt.profile:
				t.Errorf("profile %q configured, want %q", e.settings.profile, tt.profile)
			case tt.refused && (!errors.As(err, &ve) || ve.Field != "cloudscan.profile" || ve.Value != tt.profile ||
				!strings.Contains(ve.Reason, "no such profile in the shared configuration files ("+os.Getenv("AWS_CONFIG_FILE"))):
				t.Errorf("error %v, want cloudscan.profile %q refused naming the files", err, tt.profile)
			}
		})
	}
}

// run and validate refuse a profile setting naming no profile with exit
// 2, naming the setting, where it was given and its value, before
// anything is sent or stored and without any call to the cloud.
func TestCLIRefusesMissingProfile(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, fixtures())
	getenv := profileEnv(st.URL(), "nosuch")
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, getenv,
				`invalid cloudscan.profile "nosuch" (env INJECTKIT_CLOUDSCAN_PROFILE): no such profile in the shared configuration files`)
		})
	}
}

// AWS_PROFILE, part of the profile setting's default chain, is checked
// as the setting is when the setting is left out: a profile neither
// shared file holds, which the SDK would refuse for sure at run time, is
// refused naming AWS_PROFILE and the value; with the setting given, the
// SDK does not read AWS_PROFILE, nor does the check.
//
// AWS_DEFAULT_PROFILE, which the SDK reads when AWS_PROFILE is unset, is
// checked the same way, but for a profile no file holds: the SDK ignores
// it and takes the credentials it finds without a profile. Those of the
// environment (keys, a web identity token file, a container's endpoint)
// the SDK takes first, and the profile is not refused; without them, it
// would go on to an EC2 instance's role, not the profile asked for, and
// the profile is refused.
func TestAWSProfileChecked(t *testing.T) {
	tests := []struct {
		name, awsProfile, defaultProfile, setting string
		env                                       map[string]string // credentials of the environment, over setAWSEnv's keys
		refused                                   string            // the field refused, "" for none
	}{
		{"unset", "", "", "", nil, ""},
		{"in the config file", "audit", "", "", nil, ""},
		{"in neither file", "nope", "", "", nil, "AWS_PROFILE"},
		{"in neither file, no environment keys", "nope", "", "", noKeys, "AWS_PROFILE"},
		{"in neither file, setting given", "nope", "", "audit", nil, ""},
		{"setting in neither file", "audit", "", "nope", nil, "cloudscan.profile"},
		{"default profile in the config file", "", "audit", "", noKeys, ""},
		{"default profile in neither file, no environment credentials", "", "nope", "", noKeys, "AWS_DEFAULT_PROFILE"},
		{"default profile in neither file, a key id alone", "", "nope", "", map[string]string{"AWS_SECRET_ACCESS_KEY": ""}, "AWS_DEFAULT_PROFILE"},
		{"default profile in neither file, environment keys", "", "nope", "", nil, ""},
		{"default profile in neither file, web identity", "", "nope", "", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
			"AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/scan"}, ""},
		{"default profile in neither file, container", "", "nope", "", withNoKeys("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"), ""},
		{"default profile in neither file, container full URI", "", "nope", "", withNoKeys("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"), ""},
		{"default profile in neither file, AWS_PROFILE wins", "audit", "nope", "", noKeys, ""},
		{"default profile in neither file, setting given", "", "nope", "audit", noKeys, ""},
		{"both in neither file", "nope", "other", "", nil, "AWS_PROFILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			writeSharedFiles(t, "[profile audit]\nregion = eu-west-1\n", "[audit]\naws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n")
			t.Setenv("AWS_PROFILE", tt.awsProfile)
			t.Setenv("AWS_DEFAULT_PROFILE", tt.defaultProfile)
			for k, v := range tt.env {
				t.Setenv(k, webIdentityTokenFile(t, k, v))
			}
			e := New()
			err := e.Configure(map[string]string{SettingProfile: tt.setting})
			var ve *signatures.ValidationError
			switch {
			case tt.refused == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.refused != "" && (!errors.As(err, &ve) || ve.Field != tt.refused || ve.Value != "nope" ||
				!strings.HasPrefix(ve.Reason, "no such profile in the shared configuration files ("+os.Getenv("AWS_CONFIG_FILE"))):
				t.Errorf("error %v, want %s \"nope\" refused naming the files", err, tt.refused)
			}
		})
	}
}

// noKeys unsets the keys setAWSEnv gives the environment.
var noKeys = map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}

// withNoKeys is noKeys with k set to v.
func withNoKeys(k, v string) map[string]string {
	return map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", k: v}
}

// The tester's case, the SDK run for real: with keys in the environment,
// a profile AWS_DEFAULT_PROFILE names that no file holds refuses neither
// validate nor run, and the run signs every call with the environment's
// keys, as the SDK does.
func TestAWSDefaultProfileWithEnvironmentKeys(t *testing.T) {
	setAWSEnv(t)
	t.Setenv("AWS_DEFAULT_PROFILE", "nope")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"validate", "run"} {
		t.Run(cmd, func(t *testing.T) {
			code, _, stderr := runCLI(endpointEnv(st.URL()), cmd, "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
				"--cloud-region", "eu-west-1", "--inject-id", "i-1", "--log-level", "error")
			if code != cli.ExitOK {
				t.Errorf("exit %d, stderr %q; want %d", code, stderr, cli.ExitOK)
			}
		})
	}
	calls := st.calls()
	if len(calls) == 0 {
		t.Fatal("run made no call")
	}
	for _, c := range calls {
		if c.AccessKeyID != testAccessKeyID {
			t.Errorf("call %+v signed with %q, want the environment's %q", c, c.AccessKeyID, testAccessKeyID)
		}
	}
}

// The testers' cases: run and validate with AWS_PROFILE naming no
// profile, or AWS_DEFAULT_PROFILE naming none without credentials in the
// environment, exit 2 naming the variable and the value, nothing sent or
// stored, no call made.
func TestCLIRefusesMissingAWSProfile(t *testing.T) {
	for _, name := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(name+" "+cmd, func(t *testing.T) {
				setAWSEnv(t)
				t.Setenv(name, "nope")
				if name == "AWS_DEFAULT_PROFILE" {
					for k, v := range noKeys {
						t.Setenv(k, v)
					}
				}
				st := newStandIn(t, nil, fixtures())
				refusedBeforeAnything(t, st, cmd, endpointEnv(st.URL()),
					`invalid `+name+` "nope": no such profile in the shared configuration files`)
			})
		}
	}
}

// refusedBeforeAnything runs cmd (run or validate) of cloudscan through
// the CLI with getenv, against the stand-in st, and checks that it exits 2
// saying want, with nothing sent to the backend or the cloud and no
// outbox created.
func refusedBeforeAnything(t *testing.T, st *standIn, cmd string, getenv func(string) string, want string) {
	t.Helper()
	be := transporttest.NewBackend(t)
	box := filepath.Join(t.TempDir(), "outbox.db")
	code, _, stderr := runCLI(getenv, cmd, "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
		"--cloud-region", "eu-west-1",
		"--backend-url", be.URL, "--inject-id", "i-1", "--token", "tok", "--outbox", box, "--log-level", "error")
	if code != cli.ExitUsage || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, cli.ExitUsage, want)
	}
	if n := be.Len(); n != 0 {
		t.Errorf("%d requests sent to the backend, want none", n)
	}
	if got := st.seen(); len(got) != 0 {
		t.Errorf("cloud calls made: %q", got)
	}
	if _, err := os.Stat(box); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("outbox %s: %v, want none created", box, err)
	}
}
