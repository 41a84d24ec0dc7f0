package cloudscan

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// A profile whose section gives aws_access_key_id without
// aws_secret_access_key (or the other way round), the profile the SDK
// loads or a source profile of its chain, fails the SDK's loading of its
// configuration ("partial credentials found for profile …") with every
// inject, even when the environment's keys are the credentials it would
// take. It is refused when the executor is configured, naming the
// variable (or setting) and the profile, the section by file and line and
// the key given; a partial section the SDK does not load is not.
func TestPartialProfileCredentialsRefused(t *testing.T) {
	tests := []struct {
		name, config, credentials string
		env                       map[string]string
		setting                   string
		field, value              string // refused, "" for none
		want                      []string
	}{
		{name: "AWS_PROFILE, key id alone, environment keys",
			credentials: "[audit]\naws_access_key_id = AKIAPARTIALEXAMPLE01\n",
			env:         map[string]string{"AWS_PROFILE": "audit"},
			field:       "AWS_PROFILE", value: "audit",
			want: []string{"credentials:1) gives aws_access_key_id (line 2) without aws_secret_access_key"}},
		{name: "default, secret alone, environment keys",
			credentials: "# keys\n[default]\nregion = eu-west-1\naws_secret_access_key = partialSecretEXAMPLE0123456789abcdefghij\n",
			field:       "profile", value: "default",
			want: []string{"[default] (", "credentials:2) gives aws_secret_access_key (line 4) without aws_access_key_id"}},
		{name: "setting, config file, no environment keys",
			config: "[profile audit]\nregion = eu-west-1\naws_access_key_id = AKIAPARTIALEXAMPLE01 # the key\n",
			env:    noKeys, setting: "audit",
			field: "cloudscan.profile", value: "audit",
			want: []string{"[profile audit] (", "config:1) gives aws_access_key_id (line 3) without aws_secret_access_key"}},
		{name: "source profile",
			config:      "[profile role]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/scan\nsource_profile = base\n",
			credentials: "[base]\naws_access_key_id = AKIAPARTIALEXAMPLE01\n",
			env:         noKeys, setting: "role",
			field: "cloudscan.profile", value: "role",
			want: []string{"[base] (", "credentials:1) gives aws_access_key_id (line 2)"}},
		// h222: the SDK ignores a line with no "=": the user was pointed
		// at line 2 only, not at the line that lost its "=".
		{name: "secret key line without =",
			credentials: "[audit]\naws_access_key_id = AKIAPARTIALEXAMPLE01\naws_secret_access_key partialSecretEXAMPLE0123456789abcdefghij\n",
			env:         map[string]string{"AWS_PROFILE": "audit"},
			field:       "AWS_PROFILE", value: "audit",
			want: []string{"credentials:1) gives aws_access_key_id (line 2) without aws_secret_access_key " +
				`(line 3 names aws_secret_access_key but has no "=" before its value: the SDK ignores that line)`}},
		{name: "key id line without =, upper case",
			config: "[profile audit]\nAWS_ACCESS_KEY_ID\tAKIAPARTIALEXAMPLE01\naws_secret_access_key = partialSecretEXAMPLE0123456789abcdefghij\n",
			env:    noKeys, setting: "audit",
			field: "cloudscan.profile", value: "audit",
			want: []string{"config:1) gives aws_secret_access_key (line 3) without aws_access_key_id " +
				`(line 2 names aws_access_key_id but has no "="`}},
		{name: "both keys",
			credentials: "[audit]\naws_access_key_id = AKIAPARTIALEXAMPLE01\naws_secret_access_key = partialSecretEXAMPLE0123456789abcdefghij\n",
			env:         map[string]string{"AWS_PROFILE": "audit"}},
		{name: "a partial section the SDK does not load",
			credentials: "[default]\naws_access_key_id = AKIAPARTIALEXAMPLE01\naws_secret_access_key = partialSecretEXAMPLE0123456789abcdefghij\n[other]\naws_access_key_id = AKIAPARTIALEXAMPLE02\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, tt.env, tt.config, tt.credentials)
			// The SDK is the judge: it fails loading the profile exactly
			// when the check refuses it.
			profile := tt.setting
			if profile == "" {
				profile = os.Getenv("AWS_PROFILE")
			}
			if profile == "" {
				profile = "default"
			}
			_, sdkErr := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigProfile(profile))
			if (sdkErr != nil) != (tt.field != "") {
				t.Fatalf("the SDK's loading: %v; the case expects a refusal: %v", sdkErr, tt.field != "")
			}
			ve, msg := configureRefusal(t, map[string]string{SettingProfile: tt.setting, SettingEndpointURL: ""}, tt.field != "")
			if ve == nil {
				return
			}
			if ve.Field != tt.field || ve.Value != tt.value {
				t.Fatalf("error %v, want %s %q refused", msg, tt.field, tt.value)
			}
			for _, w := range append(tt.want, "partial credentials", "give both keys there") {
				if !strings.Contains(ve.Reason, w) {
					t.Errorf("reason %q lacks %q", ve.Reason, w)
				}
			}
			if strings.Contains(msg, "partialSecretEXAMPLE") || strings.Contains(msg, "AKIAPARTIAL") {
				t.Errorf("the error quotes the secret key: %v", msg)
			}
		})
	}
}

// run and validate refuse a profile with partial credentials with exit
// 2 before anything is sent or stored, where the run used to fail every
// inject with "the aws configuration could not be loaded" (exit 3).
func TestCLIRefusesPartialProfileCredentials(t *testing.T) {
	awsEnvWith(t, nil, "", "[default]\naws_access_key_id = AKIAPARTIALEXAMPLE01\n")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, endpointEnv(st.URL()),
				`invalid profile "default": the one the SDK loads when neither cloudscan.profile, AWS_PROFILE nor AWS_DEFAULT_PROFILE names one: its credentials are partial`)
		})
	}
}
