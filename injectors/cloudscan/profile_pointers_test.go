package cloudscan

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/signatures"
)

// A profile is checked with the profiles it points to, through the SDK's
// own loader of the files (no network): one whose source_profile, or a
// source profile's down the chain, names no profile, or whose
// sso_session names no [sso-session …] section, which the SDK refuses
// for sure when the inject runs, is refused naming the setting (or the
// variable), the profile and what it points to; one whose pointers
// resolve is not.
func TestProfilePointersChecked(t *testing.T) {
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\n"
	const keys = "aws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n"
	const sso = "sso_account_id = 123456789012\nsso_role_name = scan\n"
	tests := []profileCase{
		{"source profile in the credentials file", "[profile pp]\n" + role + "region = eu-west-1\nsource_profile = src\n", "[src]\n" + keys, ""},
		{"role without a region", "[profile pp]\n" + role + "source_profile = src\n", "[src]\n" + keys,
			`it assumes a role (role_arn) but sets no region in the shared configuration files (`},
		{"role whose source profile alone has a region", "[profile pp]\n" + role + "source_profile = src\n[profile src]\nregion = eu-west-1\n", "[src]\n" + keys,
			`it assumes a role (role_arn) but sets no region in the shared configuration files (`},
		{"source profile missing", "[profile pp]\n" + role + "source_profile = gone\n", "",
			`the source_profile "gone" it uses is no profile of the shared configuration files (`},
		{"source profile's source profile missing", "[profile pp]\n" + role + "source_profile = mid\n[profile mid]\n" + role + "source_profile = gone\n", "",
			`the source_profile "gone" it uses is no profile of the shared configuration files (`},
		{"sso session present", "[profile pp]\n" + sso + "sso_session = corp\n[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n", "", ""},
		{"sso session missing", "[profile pp]\n" + sso + "sso_session = gone\n", "",
			`the sso_session "gone" it uses has no [sso-session …] section of that name in the shared configuration files (`},
	}
	checkProfileCases(t, tests)
}

// profileCase is a profile "pp" written in the shared files and the
// start of the reason it is refused with ("" for none).
type profileCase struct {
	name, config, credentials string
	want                      string // in the reason, "" for none
}

// checkProfileCases checks each case's profile named three ways (the
// setting, AWS_PROFILE, AWS_DEFAULT_PROFILE), with keys in the
// environment: the refusals these cases check fail the SDK even then.
func checkProfileCases(t *testing.T, tests []profileCase) {
	t.Helper()
	for _, tt := range tests {
		for _, how := range []string{"setting", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
			t.Run(tt.name+" "+how, func(t *testing.T) {
				setAWSEnv(t)
				writeSharedFiles(t, tt.config, tt.credentials)
				settings := map[string]string{SettingProfile: "pp"}
				field := "cloudscan.profile"
				if how != "setting" {
					t.Setenv(how, "pp")
					settings, field = nil, how
				}
				err := New().Configure(settings)
				var ve *signatures.ValidationError
				switch {
				case tt.want == "" && err != nil:
					t.Errorf("refused: %v", err)
				case tt.want != "" && (!errors.As(err, &ve) || ve.Field != field || ve.Value != "pp" || !strings.HasPrefix(ve.Reason, tt.want)):
					t.Errorf("error %v, want %s \"pp\" refused with %q", err, field, tt.want)
				}
			})
		}
	}
}

// The tester's case through the CLI: validate and run exit 2 before
// anything is sent when the profile's source_profile names no profile.
func TestCLIRefusesMissingSourceProfile(t *testing.T) {
	setAWSEnv(t)
	writeSharedFiles(t, "[profile pp]\nrole_arn = arn:aws:iam::123456789012:role/scan\nsource_profile = gone\n", "")
	st := newStandIn(t, nil, fixtures())
	getenv := profileEnv(st.URL(), "pp")
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, getenv,
				`invalid cloudscan.profile "pp" (env INJECTKIT_CLOUDSCAN_PROFILE): the source_profile "gone" it uses is no profile of`)
		})
	}
}

// What the checks rest on, the SDK's LoadDefaultConfig run for real (it
// resolves the credentials' provider, no call made): a profile
// AWS_DEFAULT_PROFILE names that no file holds is ignored (the
// environment's keys are taken), while one whose source_profile names
// nothing fails it, as under AWS_PROFILE, and so does one whose
// sso_session names no section, with the text checkProfile looks for (the
// SDK gives that error no type). An SDK that changes any of these fails
// this test, and the checks must follow it.
func TestSDKProfileLoading(t *testing.T) {
	const config = "[profile pp]\nrole_arn = arn:aws:iam::123456789012:role/scan\nsource_profile = gone\n" +
		"[profile sso]\nsso_account_id = 123456789012\nsso_role_name = scan\nsso_session = lost\n"
	tests := []struct {
		name, variable, profile string
		want                    string // in the SDK's error, "" for none
	}{
		{"AWS_DEFAULT_PROFILE in neither file", "AWS_DEFAULT_PROFILE", "nope", ""},
		{"AWS_PROFILE in neither file", "AWS_PROFILE", "nope", "failed to get shared config profile, nope"},
		{"AWS_DEFAULT_PROFILE, source profile missing", "AWS_DEFAULT_PROFILE", "pp", "gone"},
		{"AWS_PROFILE, source profile missing", "AWS_PROFILE", "pp", "gone"},
		// checkProfile finds a missing sso_session by this text alone.
		{"AWS_PROFILE, sso session missing", "AWS_PROFILE", "sso", ssoSessionMissing + "lost"},
		{"AWS_DEFAULT_PROFILE, sso session missing", "AWS_DEFAULT_PROFILE", "sso", ssoSessionMissing + "lost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			writeSharedFiles(t, config, "")
			t.Setenv(tt.variable, tt.profile)
			cfg, err := awsconfig.LoadDefaultConfig(context.Background())
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("LoadDefaultConfig: %v, want no error", err)
			case tt.want == "":
				if creds, err := cfg.Credentials.Retrieve(context.Background()); err != nil || creds.AccessKeyID != testAccessKeyID {
					t.Errorf("credentials %q, %v; want the environment's %q", creds.AccessKeyID, err, testAccessKeyID)
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Errorf("LoadDefaultConfig: %v, want an error holding %q", err, tt.want)
			}
		})
	}
}

// validate, and the check serve makes when it starts (Configure), read
// the profile, never run it: a credential_process the profile uses, its
// own or its source profile's, is not started (the file it would create
// stays absent), though the profile is checked.
func TestValidateRunsNoCredentialProcess(t *testing.T) {
	for _, how := range []string{"own", "source profile's"} {
		t.Run(how, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			marker := filepath.Join(t.TempDir(), "ran")
			script := filepath.Join(t.TempDir(), "credproc.sh")
			if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch '"+marker+"'\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			config := "[profile pp]\ncredential_process = " + script + "\n"
			if how != "own" {
				config = "[profile pp]\nrole_arn = arn:aws:iam::123456789012:role/scan\nregion = eu-west-1\nsource_profile = src\n" +
					"[profile src]\ncredential_process = " + script + "\n"
			}
			writeSharedFiles(t, config, "")
			st := newStandIn(t, nil, fixtures())
			code, _, stderr := runCLI(profileEnv(st.URL(), "pp"), "validate", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
				"--cloud-region", "eu-west-1", "--log-level", "error")
			if code != cli.ExitOK {
				t.Errorf("validate: exit %d, stderr %q; want %d", code, stderr, cli.ExitOK)
			}
			if err := New().Configure(map[string]string{SettingProfile: "pp"}); err != nil {
				t.Errorf("Configure: %v", err)
			}
			if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the credential_process ran (%s: %v)", marker, err)
			}
			if got := st.seen(); len(got) != 0 {
				t.Errorf("cloud calls made: %q", got)
			}
		})
	}
}

// A role profile without a region is refused naming the profile's section
// and the line to add, unless the SDK has a region for the STS call from
// elsewhere (AWS_REGION, AWS_DEFAULT_REGION) or the endpoint setting
// names where it goes.
func TestRoleProfileRegion(t *testing.T) {
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\nsource_profile = src\n"
	const keys = "[src]\naws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n"
	tests := []struct {
		name, profile, config string
		env, settings         map[string]string
		want                  string // the end of the reason, "" for none
	}{
		{"named profile", "scan", "[profile scan]\n" + role, nil, nil,
			`add a line "region = …" (eu-west-1, say) to [profile scan], or set AWS_REGION, or leave the setting out for the SDK's standard chain`},
		{"default profile", "default", "[default]\n" + role, nil, nil,
			`add a line "region = …" (eu-west-1, say) to [default], or set AWS_REGION, or leave the setting out for the SDK's standard chain`},
		{"AWS_REGION", "scan", "[profile scan]\n" + role, map[string]string{"AWS_REGION": "eu-west-1"}, nil, ""},
		{"AWS_DEFAULT_REGION", "scan", "[profile scan]\n" + role, map[string]string{"AWS_DEFAULT_REGION": "eu-west-1"}, nil, ""},
		{"endpoint setting", "scan", "[profile scan]\n" + role, nil, map[string]string{SettingEndpointURL: "http://127.0.0.1:1"}, ""},
		{"region in the profile", "scan", "[profile scan]\nregion = eu-west-1\n" + role, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, tt.env, tt.config, keys)
			settings := map[string]string{SettingProfile: tt.profile}
			maps.Copy(settings, tt.settings)
			err := New().Configure(settings)
			var ve *signatures.ValidationError
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (!errors.As(err, &ve) || ve.Value != tt.profile || !strings.HasSuffix(ve.Reason, tt.want)):
				t.Errorf("error %v, want %q refused ending with %q", err, tt.profile, tt.want)
			}
		})
	}
}
