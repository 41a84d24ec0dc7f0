package cloudscan

import (
	"context"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// The tester's files: the profile's region in the config file, its keys
// under [profile keys] in the credentials file, where the SDK ignores
// that section.
const (
	regionOnly    = "[profile keys]\nregion = us-east-1\n"
	misnamedKeys  = "[profile keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n"
	credsFileKeys = "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n"
)

// A profile named by the setting, AWS_PROFILE or AWS_DEFAULT_PROFILE
// whose credentials the SDK takes (always the setting's; a variable's
// unless keys or a web identity token file in the environment come
// first) and that gives none of its own (keys, credential_process, SSO,
// web identity, login, a source_profile or credential_source) is refused
// naming the setting or variable, the profile, the files read and its
// sections, with the hint for a section the SDK ignores; it never quotes
// a secret. The SDK would go on to a container's or an EC2 instance's
// role. The default profile no one names is not: the instance role is
// the SDK's standard chain then. The hint to drop the setting or the
// variable is given only when the SDK would then find credentials.
func TestProfileWithoutCredentialsRefused(t *testing.T) {
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\nregion = us-east-1\n"
	const noCreds = "it gives no credentials of its own in the shared configuration files ("
	tests := []struct {
		name, config, credentials string
		env                       map[string]string // over setAWSEnv's, keys removed (noKeys)
		settings                  map[string]string
		field, value              string   // refused, "" for none
		want                      []string // in the reason
		end                       string   // the reason's end, "" for any
	}{
		{"the tester's case", regionOnly, misnamedKeys, nil, map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{noCreds, "its section [profile keys] (", "config:1) gives no aws_access_key_id with aws_secret_access_key",
				"so the SDK would go on to an EC2 instance's role, not the credentials asked for",
				"credentials:1 has [profile keys], which the SDK ignores in a credentials file: write [keys] there"},
			"write [keys] there; add its keys under [keys] in the credentials file, or another source of credentials to the profile"},
		{"the tester's case, AWS_PROFILE", regionOnly, misnamedKeys, map[string]string{"AWS_PROFILE": "keys"}, nil, "AWS_PROFILE", "keys",
			[]string{noCreds, "write [keys] there"}, ""},
		{"the tester's case, AWS_DEFAULT_PROFILE", regionOnly, misnamedKeys, map[string]string{"AWS_DEFAULT_PROFILE": "keys"}, nil, "AWS_DEFAULT_PROFILE", "keys",
			[]string{noCreds}, ""},
		{"AWS_PROFILE, keys in the environment", regionOnly, misnamedKeys,
			map[string]string{"AWS_PROFILE": "keys", "AWS_ACCESS_KEY_ID": testAccessKeyID, "AWS_SECRET_ACCESS_KEY": testSecretKey}, nil, "", "", nil, ""},
		{"AWS_PROFILE, web identity in the environment", regionOnly, "",
			map[string]string{"AWS_PROFILE": "keys", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token"}, nil, "", "", nil, ""},
		{"setting, keys in the environment", regionOnly, "",
			map[string]string{"AWS_ACCESS_KEY_ID": testAccessKeyID, "AWS_SECRET_ACCESS_KEY": testSecretKey}, map[string]string{SettingProfile: "keys"},
			"cloudscan.profile", "keys", []string{noCreds, ", or leave the setting out for the SDK's standard chain"}, ""},
		{"empty credentials file", regionOnly, "\n", nil, map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{noCreds, "add its keys under [keys] in the credentials file"}, ""},
		{"a container's endpoint", regionOnly, "", map[string]string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"},
			map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{"so the SDK would take the container's credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), not the credentials asked for"}, ""},
		{"a role and nothing to assume it with", "[profile keys]\n" + role, "", nil, map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{"it assumes a role (role_arn) with no credentials of its own to assume it with", "credential_source = Ec2InstanceMetadata"}, ""},
		{"sections in both files, neither with keys", regionOnly, "[keys]\nregion = us-east-1\n", nil, map[string]string{SettingProfile: "keys"},
			"cloudscan.profile", "keys", []string{"its sections [profile keys] (", "config:1) and [keys] ("}, ""},
		{"[keys] in the config file", "[keys]\nregion = us-east-1\n" + "aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n", "",
			nil, map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{"no such profile in the shared configuration files (", "config:1 has [keys], which the SDK ignores in a config file: write [profile keys] there"}, ""},
		{"setting default, region alone", "[default]\nregion = us-east-1\n", "", nil, map[string]string{SettingProfile: "default"},
			"cloudscan.profile", "default", []string{noCreds, "add its keys under [default] in the credentials file, or another source of credentials to the profile"}, ""},
		{"AWS_PROFILE without, default with credentials", regionOnly, "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n",
			map[string]string{"AWS_PROFILE": "keys"}, nil, "AWS_PROFILE", "keys", []string{noCreds, ", or unset AWS_PROFILE"}, ""},
		{"nothing named, default with a region alone", "[default]\nregion = us-east-1\n", "", nil, nil, "", "", nil, ""},
		{"keys in the credentials file", regionOnly, credsFileKeys, nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"keys in the config file", regionOnly + "aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n", "",
			nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"credential_process", regionOnly + "credential_process = /bin/false\n", "", nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"legacy sso", regionOnly + "sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = scan\n", "",
			nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"web identity", "[profile keys]\n" + role + "web_identity_token_file = /var/run/token\n", "", nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"login session", regionOnly + "login_session = arn:aws:iam::123456789012:user/scan\n", "", nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"credential_source", "[profile keys]\n" + role + "credential_source = Ec2InstanceMetadata\n", "", nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"source_profile", "[profile keys]\n" + role + "source_profile = src\n", "[src]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n",
			nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			env := maps.Clone(noKeys)
			maps.Copy(env, tt.env)
			for k, v := range env {
				t.Setenv(k, v)
			}
			writeSharedFiles(t, tt.config, tt.credentials)
			err := New().Configure(tt.settings)
			if tt.field == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || ve.Value != tt.value {
				t.Fatalf("error %v, want %s %q refused", err, tt.field, tt.value)
			}
			if !strings.HasSuffix(ve.Reason, tt.end) {
				t.Errorf("reason %q, want it to end with %q", ve.Reason, tt.end)
			}
			for _, w := range append(tt.want, os.Getenv("AWS_CONFIG_FILE")) {
				if !strings.Contains(ve.Reason, w) {
					t.Errorf("reason %q, want it to hold %q", ve.Reason, w)
				}
			}
			if strings.Contains(err.Error(), "S3cr3tAwsSec96") || strings.Contains(err.Error(), testSecretKey) {
				t.Errorf("a secret key is in the error: %v", err)
			}
		})
	}
}

// The tester's case through the CLI: validate and run exit 2 naming the
// setting, the profile and the section the SDK ignores, nothing sent (run
// went on to the instance role, exit 3).
func TestCLIRefusesProfileWithoutCredentials(t *testing.T) {
	setAWSEnv(t)
	for k, v := range noKeys {
		t.Setenv(k, v)
	}
	writeSharedFiles(t, regionOnly, misnamedKeys)
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, profileEnv(st.URL(), "keys"),
				`invalid cloudscan.profile "keys" (env INJECTKIT_CLOUDSCAN_PROFILE): it gives no credentials of its own in the shared configuration files (`)
		})
	}
}

// What the check rests on, the SDK run for real (the instance's
// metadata service disabled, so nothing is sent): with the setting
// naming a profile that holds no credentials, the SDK ignores the
// environment's keys and reaches for the EC2 instance's role.
func TestSDKProfileWithoutCredentialsTakesInstanceRole(t *testing.T) {
	setAWSEnv(t)
	writeSharedFiles(t, regionOnly, misnamedKeys)
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithSharedConfigProfile("keys"))
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	if _, err := cfg.Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "ec2imds") || !strings.Contains(err.Error(), "access disabled") {
		t.Errorf("credentials: %v, want the EC2 instance role's refusal (ec2imds)", err)
	}
}
