package cloudscan

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// endpointSecret is the password of the endpoints with credentials
// below; no form of it may be shown.
const endpointSecret = "ep-s3cret/pass+word"

// credURL is base with endpointSecret as its password.
func credURL(base string) string {
	return strings.Replace(base, "://", "://u:"+url.QueryEscape(endpointSecret)+"@", 1)
}

// secretForms returns the forms of endpointSecret a text may quote: as
// is, %-encoded, base64, JSON-escaped ("/" as "\/" too).
func secretForms() []string {
	b, _ := json.Marshal(endpointSecret)
	escaped := string(b[1 : len(b)-1])
	return []string{endpointSecret, url.QueryEscape(endpointSecret), url.PathEscape(endpointSecret),
		base64.StdEncoding.EncodeToString([]byte(endpointSecret)), escaped, strings.ReplaceAll(escaped, "/", `\/`)}
}

// TestConfiguredEndpointsChecked: without the endpoint_url setting, the
// endpoints the SDK takes from its own configuration for the services
// an inject calls are checked as the setting is, when the executor is
// configured: one holding credentials or that is no absolute http(s)
// URL is refused naming the variable or <file>:<key> and the value,
// its credentials masked. Those the SDK would not use (another
// service's, a section AWS_ENDPOINT_URL shadows, the ignore switches,
// the setting given) are not.
func TestConfiguredEndpointsChecked(t *testing.T) {
	const good = "http://127.0.0.1:9000"
	bad := credURL("http://127.0.0.1:9000")
	const masked = "http://REDACTED@127.0.0.1:9000"
	ssoProfile := "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Audit\n" +
		"[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n"
	tests := []struct {
		name     string
		env      map[string]string
		config   string
		settings map[string]string
		// field is the refused one ("" for none), with "CONFIG" for the
		// config file's path.
		field, value string
	}{
		{"none", nil, "", nil, "", ""},
		{"AWS_ENDPOINT_URL good", map[string]string{"AWS_ENDPOINT_URL": good}, "", nil, "", ""},
		{"AWS_ENDPOINT_URL with credentials", map[string]string{"AWS_ENDPOINT_URL": bad}, "", nil, "AWS_ENDPOINT_URL", masked},
		{"AWS_ENDPOINT_URL user only", map[string]string{"AWS_ENDPOINT_URL": "http://" + url.QueryEscape(endpointSecret) + "@127.0.0.1:9000"}, "", nil,
			"AWS_ENDPOINT_URL", masked},
		{"AWS_ENDPOINT_URL unparsable with credentials", map[string]string{"AWS_ENDPOINT_URL": "http://u:" + endpointSecret + "@[::1"}, "", nil,
			"AWS_ENDPOINT_URL", "http://REDACTED@[::1"},
		{"AWS_ENDPOINT_URL no scheme", map[string]string{"AWS_ENDPOINT_URL": "127.0.0.1:9000"}, "", nil, "AWS_ENDPOINT_URL", "127.0.0.1:9000"},
		{"AWS_ENDPOINT_URL blank", map[string]string{"AWS_ENDPOINT_URL": " "}, "", nil, "AWS_ENDPOINT_URL", " "},
		{"AWS_ENDPOINT_URL_STS", map[string]string{"AWS_ENDPOINT_URL_STS": bad}, "", nil, "AWS_ENDPOINT_URL_STS", masked},
		{"AWS_ENDPOINT_URL_S3 over a good global", map[string]string{"AWS_ENDPOINT_URL": good, "AWS_ENDPOINT_URL_S3": bad}, "", nil,
			"AWS_ENDPOINT_URL_S3", masked},
		{"AWS_ENDPOINT_URL_EC2 ftp", map[string]string{"AWS_ENDPOINT_URL_EC2": "ftp://127.0.0.1"}, "", nil, "AWS_ENDPOINT_URL_EC2", "ftp://127.0.0.1"},
		{"AWS_ENDPOINT_URL_S3_CONTROL ftp", map[string]string{"AWS_ENDPOINT_URL_S3_CONTROL": "ftp://127.0.0.1"}, "", nil,
			"AWS_ENDPOINT_URL_S3_CONTROL", "ftp://127.0.0.1"},
		{"AWS_ENDPOINT_URL_IAM query", map[string]string{"AWS_ENDPOINT_URL_IAM": good + "/?t=x"}, "", nil, "AWS_ENDPOINT_URL_IAM", good + "/?t=REDACTED"},
		{"a service cloudscan never calls", map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": bad}, "", nil, "", ""},
		{"profile endpoint_url", nil, "[default]\nendpoint_url = " + bad + "\n", nil, "CONFIG:default.endpoint_url", masked},
		{"profile endpoint_url under a good AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": good},
			"[default]\nendpoint_url = " + bad + "\n", nil, "", ""},
		{"services section", nil, "[default]\nservices = local\n[services local]\ns3 =\n  endpoint_url = " + bad + "\n", nil,
			"CONFIG:services local.s3.endpoint_url", masked},
		{"services section of a service cloudscan never calls", nil,
			"[default]\nservices = local\n[services local]\ndynamodb =\n  endpoint_url = " + bad + "\n", nil, "", ""},
		// The SDK's clients take AWS_ENDPOINT_URL alone when it is set
		// and their own variable is not.
		{"services section under AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": good},
			"[default]\nservices = local\n[services local]\ns3 =\n  endpoint_url = " + bad + "\n", nil, "", ""},
		{"services section under an empty AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": ""},
			"[default]\nservices = local\n[services local]\ns3 =\n  endpoint_url = " + bad + "\n", nil, "", ""},
		{"services section under AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3 empty", map[string]string{"AWS_ENDPOINT_URL": good, "AWS_ENDPOINT_URL_S3": ""},
			"[default]\nservices = local\n[services local]\ns3 =\n  endpoint_url = " + bad + "\n", nil, "CONFIG:services local.s3.endpoint_url", masked},
		{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", map[string]string{"AWS_ENDPOINT_URL": bad, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "", nil, "", ""},
		{"ignore_configured_endpoint_urls", map[string]string{"AWS_ENDPOINT_URL": bad},
			"[default]\nignore_configured_endpoint_urls = true\n", nil, "", ""},
		{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS false over the profile's true", map[string]string{"AWS_ENDPOINT_URL": bad, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
			"[default]\nignore_configured_endpoint_urls = true\n", nil, "AWS_ENDPOINT_URL", masked},
		{"the setting wins", map[string]string{"AWS_ENDPOINT_URL": bad, "AWS_ENDPOINT_URL_S3": bad},
			"[default]\nendpoint_url = " + bad + "\n", map[string]string{SettingEndpointURL: good}, "", ""},
		{"the profile setting's", nil, "[default]\n[profile audit]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = example\nendpoint_url = " + bad + "\n",
			map[string]string{SettingProfile: "audit"}, "CONFIG:audit.endpoint_url", masked},
		{"AWS_PROFILE's", map[string]string{"AWS_PROFILE": "audit"}, "[default]\nendpoint_url = " + good + "\n[profile audit]\nendpoint_url = " + bad + "\n",
			nil, "CONFIG:audit.endpoint_url", masked},
		{"another profile's", nil, "[default]\n[profile audit]\nendpoint_url = " + bad + "\n", nil, "", ""},
		{"SSO OIDC of an sso_session profile", map[string]string{"AWS_ENDPOINT_URL_SSO_OIDC": bad}, ssoProfile,
			map[string]string{SettingProfile: "sso"}, "AWS_ENDPOINT_URL_SSO_OIDC", masked},
		{"SSO of an sso_session profile", map[string]string{"AWS_ENDPOINT_URL_SSO": bad}, ssoProfile,
			map[string]string{SettingProfile: "sso"}, "AWS_ENDPOINT_URL_SSO", masked},
		// The environment's keys come before AWS_PROFILE's SSO.
		{"SSO of a profile the environment's keys stand in for", map[string]string{"AWS_ENDPOINT_URL_SSO": bad, "AWS_PROFILE": "sso"}, ssoProfile,
			nil, "", ""},
		{"SSO without SSO", map[string]string{"AWS_ENDPOINT_URL_SSO": bad}, "", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			// Set, even empty, it shadows the services section.
			os.Unsetenv("AWS_ENDPOINT_URL")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			writeSharedFiles(t, tt.config, "")
			err := New().Configure(tt.settings)
			field := strings.ReplaceAll(tt.field, "CONFIG", os.Getenv("AWS_CONFIG_FILE"))
			ve := frameworktest.WantInvalid(t, err, field)
			if ve != nil && ve.Value != tt.value {
				t.Errorf("err = %v, want the value %q", err, tt.value)
			}
			if ve != nil && !strings.Contains(err.Error(), "give cloudscan.endpoint_url, which wins over it") {
				t.Errorf("err = %v does not say how to leave it", err)
			}
			for _, form := range secretForms() {
				if err != nil && strings.Contains(err.Error(), form) {
					t.Errorf("err = %v quotes the credentials (%q)", err, form)
				}
			}
		})
	}
}

// TestCLIConfiguredEndpointWithCredentialsRefused: the tester's case.
// AWS_ENDPOINT_URL names a stand-in on loopback with credentials: `run`
// exits 2 naming the variable, its value masked, before anything is sent
// (the stand-in and the backend get nothing, the outbox holds nothing),
// and no form of the password is in stdout, stderr or the outbox.
func TestCLIConfiguredEndpointWithCredentialsRefused(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, fixtures())
	t.Setenv("AWS_ENDPOINT_URL", credURL(st.URL()))
	backend := transporttest.NewBackend(t)
	box := filepath.Join(t.TempDir(), "outbox.db")
	code, stdout, stderr := runCLI(func(string) string { return "" }, "run", "cloudscan", "--cloud-provider", "aws",
		"--cloud-account", "123456789012", "--cloud-region", "eu-west-1", "--inject-id", "cs-ep", "--backend-url", backend.URL,
		"--outbox", box, "--log-level", "debug")
	if code != cli.ExitUsage {
		t.Errorf("exit %d, want %d:\n%s", code, cli.ExitUsage, stderr)
	}
	want := `invalid AWS_ENDPOINT_URL "` + strings.Replace(st.URL(), "://", "://REDACTED@", 1) + `": must not hold credentials`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr)
	}
	if got := st.seen(); len(got) != 0 {
		t.Errorf("the stand-in got %q", got)
	}
	if n := backend.Len(); n != 0 {
		t.Errorf("the backend got %d requests", n)
	}
	stored, _ := os.ReadFile(box)
	for _, form := range secretForms() {
		for where, text := range map[string]string{"stdout": stdout, "stderr": stderr, "outbox": string(stored)} {
			if strings.Contains(text, form) {
				t.Errorf("%s holds the endpoint's password (%q):\n%s", where, form, text)
			}
		}
	}
}

// TestRunRefusesConfiguredEndpointWithCredentials: an endpoint changed
// to hold credentials after the executor was configured (a service's
// file edited while `serve` runs) fails the run before any call, the
// error quoting the value masked.
func TestRunRefusesConfiguredEndpointWithCredentials(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, fixtures())
	e := New(WithVersion(testVersion))
	p := decodeParams(t, e, nil, "")
	t.Setenv("AWS_ENDPOINT_URL", credURL(st.URL()))
	out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))
	want := `load aws configuration: invalid AWS_ENDPOINT_URL "` + strings.Replace(st.URL(), "://", "://REDACTED@", 1) + `": must not hold credentials`
	if out.ExecutionStatus() != framework.StatusFailed || out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, want) {
		t.Errorf("status %s, error %+v: want failed with %q", out.ExecutionStatus(), out.ErrorInfo, want)
	}
	if got := st.seen(); len(got) != 0 {
		t.Errorf("calls made: %q", got)
	}
}

// TestEndpointSettingWinsOverConfiguredEndpoints: the endpoint_url
// setting is where every client of the session sends its requests,
// whatever the SDK's own configuration says: its configured endpoints,
// and the switches that turn them off (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
// ignore_configured_endpoint_urls), which the SDK also applies to an
// endpoint given in code, dropping it for AWS's own. Read from the
// clients' options: nothing is sent.
func TestEndpointSettingWinsOverConfiguredEndpoints(t *testing.T) {
	const setting = "http://127.0.0.1:9000"
	const other = "http://127.0.0.2:9000"
	tests := []struct {
		name   string
		env    map[string]string
		config string
	}{
		{"nothing else", nil, ""},
		{"configured endpoints", map[string]string{"AWS_ENDPOINT_URL": other, "AWS_ENDPOINT_URL_S3": other, "AWS_ENDPOINT_URL_SSO_OIDC": other},
			"[default]\nendpoint_url = " + other + "\n"},
		{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, ""},
		{"ignore_configured_endpoint_urls", nil, "[default]\nignore_configured_endpoint_urls = true\n"},
		{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS beside configured endpoints", map[string]string{
			"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL": other, "AWS_ENDPOINT_URL_STS": other}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, tt.env, tt.config, "")
			sess, err := awsProvider{}.open(context.Background(), zap.NewNop(), &Params{}, hostSettings{endpointURL: setting}, testVersion)
			if err != nil {
				t.Fatal(err)
			}
			cfg := sess.(*awsSession).cfg
			for name, got := range map[string]*string{
				"sts": sts.NewFromConfig(cfg).Options().BaseEndpoint,
				"s3":  s3.NewFromConfig(cfg).Options().BaseEndpoint,
				"ec2": ec2.NewFromConfig(cfg).Options().BaseEndpoint,
				"iam": iam.NewFromConfig(cfg).Options().BaseEndpoint,
			} {
				if aws.ToString(got) != setting {
					t.Errorf("%s sends to %q, want the setting's %q", name, aws.ToString(got), setting)
				}
			}
			// The SSO token's refresh (SSO OIDC CreateToken), a step of
			// the credential chain, is sent there too.
			var lo config.LoadOptions
			for _, opt := range sessionTokenSteps(newRedactor(), setting) {
				if err := opt(&lo); err != nil {
					t.Fatal(err)
				}
			}
			var tp ssocreds.SSOTokenProviderOptions
			if lo.SSOTokenProviderOptions == nil {
				t.Fatal("no SSO token provider options")
			}
			lo.SSOTokenProviderOptions(&tp)
			var oidc ssooidc.Options
			for _, fn := range tp.ClientOptions {
				fn(&oidc)
			}
			if aws.ToString(oidc.BaseEndpoint) != setting {
				t.Errorf("sso oidc sends to %q, want the setting's %q", aws.ToString(oidc.BaseEndpoint), setting)
			}
		})
	}
}
