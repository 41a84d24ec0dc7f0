package cloudscan

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// FIPS or dual-stack endpoints asked for beside an endpoint given (the
// setting, or AWS_ENDPOINT_URL) leave the SDK no endpoint for any call:
// every inject would fail unsent. They are refused when the executor is
// configured, naming where they are asked for; without an endpoint
// given, or switched off, they are not. The SDK is the judge: a call
// through it to the stand-in fails exactly when the check refuses.
func TestEndpointVariantsBesideAnEndpointRefused(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		config       string
		setting      bool // the endpoint_url setting, else AWS_ENDPOINT_URL
		field, value string
	}{
		{name: "FIPS from the environment, the setting", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"}, setting: true,
			field: "AWS_USE_FIPS_ENDPOINT", value: "true"},
		{name: "FIPS from the environment, AWS_ENDPOINT_URL", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"},
			field: "AWS_USE_FIPS_ENDPOINT", value: "true"},
		{name: "dual-stack from the profile", config: "[default]\nuse_dualstack_endpoint = true\n", setting: true,
			field: "config:default.use_dualstack_endpoint", value: "true"},
		{name: "the profile's, switched off by the environment", config: "[default]\nuse_fips_endpoint = true\n",
			env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "false"}, setting: true},
		{name: "switched off", env: map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "false"}, setting: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, tt.env, tt.config, "")
			st := newStandIn(t, nil, fixtures())
			settings := map[string]string{SettingEndpointURL: st.URL()}
			if !tt.setting {
				settings[SettingEndpointURL] = ""
				t.Setenv("AWS_ENDPOINT_URL", st.URL())
			}
			cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("eu-west-1"))
			if err != nil {
				t.Fatal(err)
			}
			_, sdkErr := sts.NewFromConfig(cfg, func(o *sts.Options) {
				if tt.setting {
					o.BaseEndpoint = aws.String(settings[SettingEndpointURL])
				}
			}).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if refused := tt.field != ""; refused != (sdkErr != nil && strings.Contains(sdkErr.Error(), "custom endpoint are not supported")) {
				t.Fatalf("the SDK's call: %v; the case expects a refusal: %v", sdkErr, refused)
			}

			ve, msg := configureRefusal(t, settings, tt.field != "")
			if ve == nil {
				return
			}
			if !strings.HasSuffix(ve.Field, tt.field) || ve.Value != tt.value ||
				!strings.Contains(ve.Reason, "which the AWS SDK does not resolve beside an endpoint given") {
				t.Fatalf("error %v, want %s %q refused", msg, tt.field, tt.value)
			}
		})
	}
}

// An endpoint given for one checked service alone (AWS_ENDPOINT_URL_S3,
// an S3 VPC endpoint beside FIPS) leaves STS, which proves the account
// before any check, resolving its FIPS endpoint: only that service's
// checks would fail, so FIPS is not refused beside it. Beside an
// endpoint STS takes (AWS_ENDPOINT_URL_STS, a profile's services
// section) it is. The SDK's endpoint rules are the judge, resolved
// without a request.
func TestEndpointVariantsBesideAServiceEndpoint(t *testing.T) {
	const url = "http://127.0.0.1:9"
	ctx := context.Background()
	fips := &sts.EndpointParameters{Region: aws.String("us-gov-west-1"), UseFIPS: aws.Bool(true)}
	if _, err := sts.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, *fips); err != nil {
		t.Fatalf("the SDK resolves no FIPS endpoint for STS without one given: %v", err)
	}
	if _, err := s3.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, s3.EndpointParameters{
		Region: aws.String("us-gov-west-1"), UseFIPS: aws.Bool(true), Endpoint: aws.String(url)}); err == nil {
		t.Fatal("the SDK resolves S3 with FIPS beside an endpoint given; the case expects it not to")
	}
	fips.Endpoint = aws.String(url)
	if _, err := sts.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, *fips); err == nil {
		t.Fatal("the SDK resolves STS with FIPS beside an endpoint given; the case expects it not to")
	}

	tests := []struct {
		name   string
		env    map[string]string
		config string
		field  string // "": not refused
	}{
		{name: "S3's alone", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL_S3": url}},
		{name: "EC2's in the profile's services", config: "[default]\nuse_fips_endpoint = true\nservices = vpc\n" +
			"[services vpc]\nec2 =\n  endpoint_url = " + url + "\n"},
		{name: "STS's", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL_STS": url},
			field: "AWS_USE_FIPS_ENDPOINT"},
		{name: "STS's in the profile's services", config: "[default]\nuse_dualstack_endpoint = true\nservices = vpc\n" +
			"[services vpc]\nsts =\n  endpoint_url = " + url + "\n", field: "config:default.use_dualstack_endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, tt.env, tt.config, "")
			if _, ok := tt.env["AWS_ENDPOINT_URL"]; !ok {
				os.Unsetenv("AWS_ENDPOINT_URL") // set, even empty, it shadows the services section
			}
			ve, msg := configureRefusal(t, map[string]string{}, tt.field != "")
			if ve == nil {
				return
			}
			if !strings.HasSuffix(ve.Field, tt.field) ||
				!strings.Contains(ve.Reason, "which the AWS SDK does not resolve beside an endpoint given") {
				t.Fatalf("error %v, want %s refused", msg, tt.field)
			}
		})
	}
}
