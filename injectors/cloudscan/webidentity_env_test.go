package cloudscan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// TestEnvWebIdentityWithoutRole: AWS_WEB_IDENTITY_TOKEN_FILE without
// AWS_ROLE_ARN, when the SDK takes the environment's web identity (no
// profile setting, no keys in the environment come first), has the SDK
// fail loading its configuration with every inject ("role ARN is not
// set"), before any call. It is refused when the executor is configured,
// naming the variable and the path, where every inject used to fail at
// run time (exit 3, "load aws configuration: role ARN is not set"); with
// the role, keys or the setting beside it, it is not. The SDK is the
// judge.
func TestEnvWebIdentityWithoutRole(t *testing.T) {
	const profile = "[default]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretEXAMPLEabcdefghij012345678\n"
	for _, tt := range []struct {
		name    string
		env     map[string]string
		setting string
		refused bool
	}{
		{"token file alone", map[string]string{"AWS_ROLE_ARN": ""}, "", true},
		{"with its role", map[string]string{"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/scan"}, "", false},
		{"keys come first", map[string]string{"AWS_ROLE_ARN": "", "AWS_ACCESS_KEY_ID": testAccessKeyID,
			"AWS_SECRET_ACCESS_KEY": testSecretKey}, "", false},
		{"the setting's profile", map[string]string{"AWS_ROLE_ARN": ""}, "default", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_REGION": "eu-west-1"}, "", profile)
			token := writeWebIdentityToken(t, filepath.Join(t.TempDir(), "token"))
			t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var opts []func(*config.LoadOptions) error
			if tt.setting != "" {
				opts = append(opts, config.WithSharedConfigProfile(tt.setting))
			}
			if _, sdkErr := config.LoadDefaultConfig(context.Background(), opts...); (sdkErr != nil) != tt.refused {
				t.Fatalf("the SDK's loading: %v; the case expects a refusal: %v", sdkErr, tt.refused)
			}

			ve, msg := configureRefusal(t, map[string]string{SettingEndpointURL: "http://127.0.0.1:9", SettingProfile: tt.setting}, tt.refused)
			if ve == nil {
				return
			}
			if ve.Field != "AWS_WEB_IDENTITY_TOKEN_FILE" || ve.Value != token ||
				!strings.Contains(ve.Reason, "AWS_ROLE_ARN is not") {
				t.Fatalf("error %v, want AWS_WEB_IDENTITY_TOKEN_FILE %q refused for want of AWS_ROLE_ARN", msg, token)
			}
		})
	}
}

// run and validate refuse it with exit 2 before anything is sent or
// stored.
func TestCLIRefusesEnvWebIdentityWithoutRole(t *testing.T) {
	awsEnvWith(t, map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ROLE_ARN": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}, "", "")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, endpointEnv(st.URL()),
				`invalid AWS_WEB_IDENTITY_TOKEN_FILE "/var/run/secrets/eks.amazonaws.com/serviceaccount/token": is set, but AWS_ROLE_ARN is not`)
		})
	}
}

// TestEnvWebIdentityTokenFileUnreadable: AWS_WEB_IDENTITY_TOKEN_FILE
// naming no file (or a directory), when the SDK takes the environment's
// web identity, has every inject fail when the SDK reads the token for
// the credentials, before any call ("unable to read file at …", naming
// neither the variable nor where it was set). It is refused when the
// executor is configured, naming the variable and the path; a file there,
// or keys or the setting beside it, is not refused.
func TestEnvWebIdentityTokenFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	token := writeWebIdentityToken(t, filepath.Join(dir, "token"))
	const profile = "[default]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretEXAMPLEabcdefghij012345678\n"
	for _, tt := range []struct {
		name, path, setting string
		envKeys             bool
		want                string // in the reason; "" for no refusal
	}{
		{"no such file", filepath.Join(dir, "gone"), "", false, "no such file"},
		{"a directory", dir, "", false, "a directory, not a regular file"},
		{"a file", token, "", false, ""},
		{"no such file, keys come first", filepath.Join(dir, "gone"), "", true, ""},
		{"no such file, the setting's profile", filepath.Join(dir, "gone"), "default", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_REGION": "eu-west-1",
				"AWS_WEB_IDENTITY_TOKEN_FILE": tt.path, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/scan"}
			if tt.envKeys {
				env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = testAccessKeyID, testSecretKey
			}
			awsEnvWith(t, env, "", profile)
			if tt.want != "" {
				// The SDK fails reading the token, before any call.
				cfg, err := config.LoadDefaultConfig(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := cfg.Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "unable to read file at") {
					t.Fatalf("the SDK's credentials: %v, want its failure to read the token file", err)
				}
			}
			err := New().Configure(map[string]string{SettingEndpointURL: "http://127.0.0.1:9", SettingProfile: tt.setting})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != "AWS_WEB_IDENTITY_TOKEN_FILE" || ve.Value != tt.path || !strings.Contains(ve.Reason, tt.want) {
				t.Fatalf("error %v, want AWS_WEB_IDENTITY_TOKEN_FILE %q refused: %s", err, tt.path, tt.want)
			}
		})
	}
}

// webIdentityTokenFile is v, the value of the variable k, but for a token
// file the case names (AWS_WEB_IDENTITY_TOKEN_FILE): a file holding a
// token is written there, as the SDK reads one with each inject and
// Configure refuses a path naming none.
func webIdentityTokenFile(t *testing.T, k, v string) string {
	t.Helper()
	if k != "AWS_WEB_IDENTITY_TOKEN_FILE" || v == "" {
		return v
	}
	return writeWebIdentityToken(t, filepath.Join(t.TempDir(), filepath.Base(v)))
}

// writeWebIdentityToken writes a web identity token (a JWT, as a token
// file holds one) to path and returns path.
func writeWebIdentityToken(t *testing.T, path string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
