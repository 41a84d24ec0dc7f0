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

// TestProfileLoaderRefusalsChecked: a profile the SDK loads (or a source
// profile down its chain) that gives source_profile, credential_source or
// web_identity_token_file without a role_arn, or more than one kind of
// credentials (source_profile beside credential_process…), has the SDK's
// loader fail with every inject, even with keys in the environment,
// before any call. It is refused when the executor is configured (run and
// validate exit 2, serve at its start), naming the profile's section by
// file and line and the keys by line, where validate said it was valid
// and every run failed (exit 3, "load aws configuration: credential type
// source_profile requires role_arn, profile x"). The SDK is the judge.
func TestProfileLoaderRefusalsChecked(t *testing.T) {
	const base = "[base]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretEXAMPLEabcdefghij012345678\n"
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\n"
	for _, tt := range []struct {
		name, config string
		envKeys      bool
		want         string // in the reason, CONFIG the config file; "" for no refusal
	}{
		{"source_profile without role_arn", "[profile x]\nregion = eu-west-1\nsource_profile = base\n", false,
			`[profile x] (CONFIG:1) gives source_profile (line 3) without role_arn, which the AWS SDK refuses ("credential type source_profile requires role_arn")`},
		{"web_identity_token_file without role_arn, keys in the environment", "[profile x]\nweb_identity_token_file = /var/run/token\n", true,
			`[profile x] (CONFIG:1) gives web_identity_token_file (line 2) without role_arn`},
		{"a source profile's credential_source without role_arn", "[profile x]\n" + role + "source_profile = mid\n[profile mid]\ncredential_source = Environment\n", false,
			`[profile mid] (CONFIG:4) gives credential_source (line 5) without role_arn`},
		{"two kinds of credentials", "[profile x]\n" + role + "source_profile = base\ncredential_process = /bin/true\n", false,
			`[profile x] (CONFIG:1) gives more than one kind of credentials: source_profile (line 3), credential_process (line 4), which the AWS SDK refuses ("only one credential type may be specified per profile")`},
		{"a role with its source profile", "[profile x]\n" + role + "region = eu-west-1\nsource_profile = base\n", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_PROFILE": "x", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
			if tt.envKeys {
				env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = testAccessKeyID, testSecretKey
			}
			awsEnvWith(t, env, tt.config, base)
			if _, sdkErr := config.LoadDefaultConfig(context.Background()); (sdkErr != nil) != (tt.want != "") {
				t.Fatalf("the SDK's loading: %v; the case expects a refusal: %v", sdkErr, tt.want != "")
			}
			configuredAsProfileX(t, tt.want)
		})
	}
}

// run and validate refuse it with exit 2 before anything is sent or
// stored.
func TestCLIRefusesProfileTheLoaderRefuses(t *testing.T) {
	awsEnvWith(t, map[string]string{"AWS_PROFILE": "x"}, "[profile x]\nsource_profile = base\n", "[base]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretEXAMPLEabcdefghij012345678\n")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, endpointEnv(st.URL()), `invalid AWS_PROFILE "x": its section [profile x] (`)
		})
	}
}

// TestProfileWebIdentityTokenFileUnreadable: the web_identity_token_file
// of the profile whose credentials the SDK takes (its own, or its source
// profile's at the end of its chain) naming no file, or a directory, has
// every inject fail when the SDK reads the token, before any call
// ("unable to read file at …", naming neither the profile nor the file
// and line it is given on). It is refused when the executor is
// configured, naming both; a file there is not refused, nor is the
// profile when keys in the environment come first.
func TestProfileWebIdentityTokenFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	token := writeWebIdentityToken(t, filepath.Join(dir, "token"))
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\n"
	gone := filepath.Join(dir, "gone")
	for _, tt := range []struct {
		name, config string
		envKeys      bool
		want         string // in the reason, CONFIG the config file; "" for no refusal
	}{
		{"no such file", "[profile x]\n" + role + "web_identity_token_file = " + gone + "\n", false,
			`its web_identity_token_file "` + gone + `" ([profile x] (CONFIG:1), line 3): no such file`},
		{"a directory, at the end of its chain", "[profile x]\n" + role + "source_profile = wi\n[profile wi]\n" + role + "web_identity_token_file = " + dir + "\n", false,
			`its web_identity_token_file "` + dir + `" ([profile wi] (CONFIG:4), line 6): a directory, not a regular file`},
		{"a file", "[profile x]\n" + role + "web_identity_token_file = " + token + "\n", false, ""},
		{"no such file, keys in the environment", "[profile x]\n" + role + "web_identity_token_file = " + gone + "\n", true, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_PROFILE": "x", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
			if tt.envKeys {
				env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = testAccessKeyID, testSecretKey
			}
			awsEnvWith(t, env, tt.config, "")
			if tt.want != "" {
				cfg, err := config.LoadDefaultConfig(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := cfg.Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "unable to read file at") {
					t.Fatalf("the SDK's credentials: %v, want its failure to read the token file", err)
				}
			}
			configuredAsProfileX(t, tt.want)
		})
	}
}

// configuredAsProfileX configures an executor (AWS_PROFILE=x, its shared
// files set up by the case) and checks that it is taken when want is
// empty, else refused naming AWS_PROFILE "x" with a reason holding want
// (CONFIG in it read as the config file's path).
func configuredAsProfileX(t *testing.T, want string) {
	t.Helper()
	err := New().Configure(map[string]string{SettingEndpointURL: "http://127.0.0.1:9"})
	if want == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	want = strings.ReplaceAll(want, "CONFIG", os.Getenv("AWS_CONFIG_FILE"))
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Field != "AWS_PROFILE" || ve.Value != "x" || !strings.Contains(ve.Reason, want) {
		t.Fatalf("error %v\nwant AWS_PROFILE \"x\" refused with %s", err, want)
	}
}
