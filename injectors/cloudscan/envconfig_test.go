package cloudscan

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// A variable the SDK's reader of its environment refuses fails its
// loading with every inject, before any call; it is refused when the
// executor is configured (run and validate exit 2, serve at its start),
// naming the variable and its value. A value the SDK takes is not
// refused. The SDK is the judge of which it refuses.
func TestEnvConfigChecked(t *testing.T) {
	tests := []struct {
		name, value string
		refused     bool
	}{
		{"AWS_USE_FIPS_ENDPOINT", "1", true},
		{"AWS_USE_DUALSTACK_ENDPOINT", "yes", true},
		{"AWS_RETRY_MODE", "Standard", true},
		{"AWS_RETRY_MODE", "adaptive", false},
		{"AWS_MAX_ATTEMPTS", "abc", true},
		{"AWS_MAX_ATTEMPTS", "5", false},
		{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "1", true},
		{"AWS_S3_USE_ARN_REGION", "maybe", true},
		{"AWS_DEFAULTS_MODE", "fast", true},
		{"AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES", "-1", true},
		{"AWS_EC2_METADATA_DISABLED", "1", false}, // read by the IMDS client alone, which takes any value
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv(tt.name, tt.value)
			if _, sdkErr := config.LoadDefaultConfig(context.Background()); (sdkErr != nil) != tt.refused {
				t.Fatalf("the SDK's loading: %v; the case expects a refusal: %v", sdkErr, tt.refused)
			}
			ve, msg := configureRefusal(t, map[string]string{SettingEndpointURL: "http://127.0.0.1:9"}, tt.refused)
			if ve == nil {
				return
			}
			if ve.Field != tt.name || ve.Value != tt.value ||
				!strings.Contains(ve.Reason, "would fail every inject: correct it, or unset "+tt.name) {
				t.Fatalf("error %v, want %s %q refused", msg, tt.name, tt.value)
			}
		})
	}
}

// run and validate refuse such a variable with exit 2 before anything is
// sent or stored, where each inject used to fail at run time (exit 3,
// "the aws configuration could not be loaded").
func TestCLIRefusesEnvConfig(t *testing.T) {
	setAWSEnv(t)
	t.Setenv("AWS_RETRY_MODE", "Standard")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, endpointEnv(st.URL()), `invalid AWS_RETRY_MODE "Standard": the AWS SDK refuses it`)
		})
	}
}

// Half a key pair in the environment (a key id without its secret key,
// or the other way round) is ignored by the SDK, which takes other
// credentials: the default profile's, here, not the key id the variable
// names. Without the profile setting it is refused, naming the variable,
// its value withheld; a whole pair (the legacy AWS_SECRET_KEY included)
// is not, nor is half a pair beside the setting, whose profile the SDK
// takes whatever the environment holds.
func TestEnvHalfKeyPairRefused(t *testing.T) {
	const envKeyID, envSecret = "AKIAENVHALFEXAMPLE01", "envHalfSecretEXAMPLEabcdefghij0123456789"
	tests := []struct {
		name    string
		env     map[string]string
		setting string
		field   string // refused, "" for none
	}{
		{"key id alone", map[string]string{"AWS_ACCESS_KEY_ID": envKeyID, "AWS_SECRET_ACCESS_KEY": ""}, "", "AWS_ACCESS_KEY_ID"},
		{"secret alone", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_KEY": envSecret, "AWS_SECRET_ACCESS_KEY": ""}, "", "AWS_SECRET_KEY"},
		{"legacy names, whole", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_ACCESS_KEY": envKeyID, "AWS_SECRET_KEY": envSecret,
			"AWS_SECRET_ACCESS_KEY": ""}, "", ""},
		{"key id alone, the setting given", map[string]string{"AWS_ACCESS_KEY_ID": envKeyID, "AWS_SECRET_ACCESS_KEY": ""}, "default", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, tt.env, "", "[default]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretEXAMPLEabcdefghij012345678\n")
			// The SDK is the judge: half a pair, it signs with the
			// profile's key, not the environment's.
			cfg, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			half := strings.Contains(tt.name, "alone")
			if half != (creds.AccessKeyID == "AKIAPROFILEEXAMPLE01") {
				t.Fatalf("the SDK signs with %s; the case expects the profile's key: %v", creds.AccessKeyID, half)
			}

			ve, msg := configureRefusal(t, map[string]string{SettingEndpointURL: "http://127.0.0.1:9", SettingProfile: tt.setting}, tt.field != "")
			if ve == nil {
				return
			}
			if ve.Field != tt.field || !ve.Withheld || !strings.Contains(ve.Reason, "the AWS SDK ignores half a key pair") {
				t.Fatalf("error %v, want %s refused, its value withheld", msg, tt.field)
			}
			for _, v := range []string{envKeyID, envSecret} {
				if strings.Contains(msg, v) {
					t.Errorf("the error shows %q: %v", v, msg)
				}
			}
		})
	}
}
