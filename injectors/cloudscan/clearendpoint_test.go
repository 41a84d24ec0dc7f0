package cloudscan

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// The hosts below are never dialled: every endpoint naming one is refused
// before any client is built, and a regression would send to the proxy
// on a closed loopback port TestMain sets, never to the network.

// TestClearEndpointRefused: an endpoint, the endpoint_url setting or one
// the SDK takes from its configuration, that is plain http:// to a host
// other than this machine's loopback is refused when the executor is
// configured, naming the setting, variable or <file>:<key> and the value
// (credentials masked, and refused for holding them first): the SDK's
// signed requests and their session token would cross the network in
// clear text. Loopback (127.0.0.0/8, ::1, localhost) in http://, and any
// host in https://, are taken.
func TestClearEndpointRefused(t *testing.T) {
	ssoProfile := "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Audit\n" +
		"[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n"
	tests := []struct {
		name     string
		settings map[string]string
		env      map[string]string
		config   string
		// field is the refused one ("" for none), CONFIG for the config
		// file's path; reason what the refusal says.
		field, value, reason string
	}{
		{"setting to a host name", map[string]string{SettingEndpointURL: "http://s3.corp.example:9000"}, nil, "",
			"cloudscan.endpoint_url", "http://s3.corp.example:9000", clearEndpoint},
		{"setting to a private address", map[string]string{SettingEndpointURL: "http://10.0.0.5"}, nil, "",
			"cloudscan.endpoint_url", "http://10.0.0.5", clearEndpoint},
		{"setting to an IPv6 address", map[string]string{SettingEndpointURL: "http://[2001:db8::1]:9000/"}, nil, "",
			"cloudscan.endpoint_url", "http://[2001:db8::1]:9000/", clearEndpoint},
		{"setting in capitals", map[string]string{SettingEndpointURL: "HTTP://S3.CORP.EXAMPLE"}, nil, "",
			"cloudscan.endpoint_url", "HTTP://S3.CORP.EXAMPLE", clearEndpoint},
		{"setting to a name that starts as localhost", map[string]string{SettingEndpointURL: "http://localhost.corp.example"}, nil, "",
			"cloudscan.endpoint_url", "http://localhost.corp.example", clearEndpoint},
		{"setting to the unspecified address", map[string]string{SettingEndpointURL: "http://0.0.0.0:9000"}, nil, "",
			"cloudscan.endpoint_url", "http://0.0.0.0:9000", clearEndpoint},
		{"setting with credentials", map[string]string{SettingEndpointURL: "http://u:p4ss@s3.corp.example"}, nil, "",
			"cloudscan.endpoint_url", "http://REDACTED@s3.corp.example", "must not hold credentials"},
		{"AWS_ENDPOINT_URL", nil, map[string]string{"AWS_ENDPOINT_URL": "http://s3.corp.example:9000"}, "",
			"AWS_ENDPOINT_URL", "http://s3.corp.example:9000", clearEndpoint},
		{"AWS_ENDPOINT_URL_STS", nil, map[string]string{"AWS_ENDPOINT_URL_STS": "http://10.1.2.3"}, "",
			"AWS_ENDPOINT_URL_STS", "http://10.1.2.3", clearEndpoint},
		{"AWS_ENDPOINT_URL_S3 beside a loopback AWS_ENDPOINT_URL_STS", nil,
			map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9000", "AWS_ENDPOINT_URL_S3": "http://minio.lan:9000"}, "",
			"AWS_ENDPOINT_URL_S3", "http://minio.lan:9000", clearEndpoint},
		{"profile endpoint_url", nil, nil, "[default]\nendpoint_url = http://minio.lan:9000\n",
			"CONFIG:default.endpoint_url", "http://minio.lan:9000", clearEndpoint},
		{"services section", nil, nil, "[default]\nservices = local\n[services local]\nec2 =\n  endpoint_url = http://192.168.1.20\n",
			"CONFIG:services local.ec2.endpoint_url", "http://192.168.1.20", clearEndpoint},
		{"SSO OIDC, which carries the SSO token", map[string]string{SettingProfile: "sso"},
			map[string]string{"AWS_ENDPOINT_URL_SSO_OIDC": "http://sso.corp.example"}, ssoProfile,
			"AWS_ENDPOINT_URL_SSO_OIDC", "http://sso.corp.example", clearEndpoint},

		// A name under localhost, and localhost with the root's dot, are
		// looked up in the network's DNS by Go and sent through
		// HTTP_PROXY: not this machine's loopback.
		{"setting to a name under localhost", map[string]string{SettingEndpointURL: "http://aws.localhost:4566"}, nil, "",
			"cloudscan.endpoint_url", "http://aws.localhost:4566", localhostNameEndpoint},
		{"setting to localhost with the root's dot", map[string]string{SettingEndpointURL: "http://LOCALHOST.:4566"}, nil, "",
			"cloudscan.endpoint_url", "http://LOCALHOST.:4566", localhostNameEndpoint},
		{"AWS_ENDPOINT_URL_S3 to a name under localhost", nil, map[string]string{"AWS_ENDPOINT_URL_S3": "http://s3.localhost.:4566"}, "",
			"AWS_ENDPOINT_URL_S3", "http://s3.localhost.:4566", localhostNameEndpoint},

		{"setting in https to a name under localhost", map[string]string{SettingEndpointURL: "https://aws.localhost:4566"}, nil, "", "", "", ""},
		{"setting to 127.0.0.1", map[string]string{SettingEndpointURL: "http://127.0.0.1:9000"}, nil, "", "", "", ""},
		{"setting to another loopback address", map[string]string{SettingEndpointURL: "http://127.31.0.9:9000"}, nil, "", "", "", ""},
		{"setting to ::1", map[string]string{SettingEndpointURL: "http://[::1]:9000"}, nil, "", "", "", ""},
		{"setting to 127.0.0.1 mapped in IPv6", map[string]string{SettingEndpointURL: "http://[::ffff:127.0.0.1]:9000"}, nil, "", "", "", ""},
		{"setting to localhost", map[string]string{SettingEndpointURL: "http://LocalHost:9000"}, nil, "", "", "", ""},
		{"setting in https", map[string]string{SettingEndpointURL: "https://s3.corp.example"}, nil, "", "", "", ""},
		{"AWS_ENDPOINT_URL to localhost", nil, map[string]string{"AWS_ENDPOINT_URL": "http://localhost:4566"}, "", "", "", ""},
		{"AWS_ENDPOINT_URL in https", nil, map[string]string{"AWS_ENDPOINT_URL": "https://s3.corp.example"}, "", "", "", ""},
		{"the setting wins over AWS_ENDPOINT_URL", map[string]string{SettingEndpointURL: "https://s3.corp.example"},
			map[string]string{"AWS_ENDPOINT_URL": "http://s3.corp.example"}, "", "", "", ""},
		{"a service cloudscan never calls", nil, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://ddb.corp.example"}, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			os.Unsetenv("AWS_ENDPOINT_URL") // set, even empty, it shadows the services section
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			writeSharedFiles(t, tt.config, "")
			err := New().Configure(tt.settings)
			ve := frameworktest.WantInvalid(t, err, strings.ReplaceAll(tt.field, "CONFIG", os.Getenv("AWS_CONFIG_FILE")))
			if ve == nil {
				return
			}
			if ve.Value != tt.value || !strings.HasPrefix(ve.Reason, tt.reason) {
				t.Errorf("err = %v, want the value %q and the reason %q", err, tt.value, tt.reason)
			}
			if strings.Contains(err.Error(), "p4ss") {
				t.Errorf("err = %v quotes the credentials", err)
			}
		})
	}
}

// TestCLIClearEndpointRefusedBeforeAnythingRuns: `run`, with temporary
// credentials (a session token), exits 2 naming where the http://
// endpoint to another host is given and its value, before anything is
// sent: the loopback stand-in STS is sent to (the identity call comes
// first) gets nothing, nor does the backend, and the outbox holds
// nothing.
func TestCLIClearEndpointRefusedBeforeAnythingRuns(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string // besides AWS_ENDPOINT_URL_STS, the stand-in
		config string
		want   string
	}{
		{"the setting", map[string]string{"INJECTKIT_CLOUDSCAN_ENDPOINT_URL": "http://s3.corp.example:9000"}, "",
			`invalid cloudscan.endpoint_url "http://s3.corp.example:9000" (env INJECTKIT_CLOUDSCAN_ENDPOINT_URL): plain http:// to a host`},
		{"AWS_ENDPOINT_URL_S3", map[string]string{"AWS_ENDPOINT_URL_S3": "http://10.20.30.40:9000"}, "",
			`invalid AWS_ENDPOINT_URL_S3 "http://10.20.30.40:9000": plain http:// to a host`},
		{"a profile's services section", nil, "[default]\nservices = local\n[services local]\niam =\n  endpoint_url = http://iam.corp.example\n",
			`:services local.iam.endpoint_url "http://iam.corp.example": plain http:// to a host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			os.Unsetenv("AWS_ENDPOINT_URL") // set, even empty, it shadows the services section
			t.Setenv("AWS_SESSION_TOKEN", testSessionToken)
			st := newStandIn(t, nil, fixtures())
			t.Setenv("AWS_ENDPOINT_URL_STS", st.URL())
			for k, v := range tt.env {
				if strings.HasPrefix(k, "AWS_") {
					t.Setenv(k, v) // the SDK's, read from the process's environment
				}
			}
			writeSharedFiles(t, tt.config, "")
			backend := transporttest.NewBackend(t)
			box := filepath.Join(t.TempDir(), "outbox.db")
			code, stdout, stderr := runCLI(func(k string) string { return tt.env[k] }, "run", "cloudscan", "--cloud-provider", "aws",
				"--cloud-account", "123456789012", "--cloud-region", "eu-west-1", "--inject-id", "cs-clear", "--backend-url", backend.URL,
				"--outbox", box, "--log-level", "debug")
			if code != cli.ExitUsage || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "X-Amz-Security-Token") {
				t.Errorf("exit %d, want %d and %q:\n%s", code, cli.ExitUsage, tt.want, stderr)
			}
			if got := st.seen(); len(got) != 0 {
				t.Errorf("the stand-in got %q", got)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("the backend got %d requests", n)
			}
			if _, err := os.Stat(box); !os.IsNotExist(err) {
				t.Errorf("outbox %s made (%v): nothing was to be stored", box, err)
			}
			if strings.Contains(stdout+stderr, testSessionToken) {
				t.Errorf("the session token is shown:\n%s%s", stdout, stderr)
			}
		})
	}
}

// TestCLILoopbackHTTPEndpointRuns: http:// to this machine's loopback,
// written as a name or an address, is taken, and the inject runs
// against the stand-in there, its session token sent.
func TestCLILoopbackHTTPEndpointRuns(t *testing.T) {
	for _, tt := range []struct{ name, variable, host string }{
		{"setting to localhost", "INJECTKIT_CLOUDSCAN_ENDPOINT_URL", "localhost"},
		{"setting to 127.0.0.1 mapped in IPv6", "INJECTKIT_CLOUDSCAN_ENDPOINT_URL", "[::ffff:127.0.0.1]"},
		{"AWS_ENDPOINT_URL to localhost", "AWS_ENDPOINT_URL", "localhost"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_SESSION_TOKEN", testSessionToken)
			st := newStandIn(t, nil, fixtures())
			st.knowEnvKey()
			endpoint := strings.Replace(st.URL(), "127.0.0.1", tt.host, 1)
			env := func(string) string { return "" }
			if tt.variable == "AWS_ENDPOINT_URL" {
				t.Setenv(tt.variable, endpoint)
			} else {
				env = endpointEnv(endpoint)
			}
			code, _, stderr := runCLI(env, "run", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
				"--cloud-region", "eu-west-1", "--param", "retry_max_backoff=5ms", "--log-level", "error")
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			if got := st.seen(); !slices.Contains(got, "sts.amazonaws.com:GetCallerIdentity") {
				t.Errorf("the stand-in at %s got %q, want the identity call", endpoint, got)
			}
		})
	}
}
