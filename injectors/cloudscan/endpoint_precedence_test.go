package cloudscan

import (
	"context"
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
)

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
			setAWSEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			writeSharedFiles(t, tt.config, "")
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
