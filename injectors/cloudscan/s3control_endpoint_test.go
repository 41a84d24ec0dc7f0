package cloudscan

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
)

// TestS3ControlHostAtConfiguredEndpoint: S3 Control puts the account id in
// front of its endpoint's host. An endpoint the SDK takes from its own
// configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3_CONTROL), not from
// the endpoint_url setting, whose host is an IP address (a local stand-in
// such as LocalStack's http://127.0.0.1:4566) can take no such label: the
// request would go to "123456789012.127.0.0.1:4566", a name looked up in
// the DNS and resolving nowhere, and the account's block would be an
// error of every S3 check. The request goes to the address as given
// there; a host name, AWS's own included, keeps the label. At the
// setting's endpoint the host is the one given, an IPv6 address too
// (which the SDK's rules refuse with the label in front).
func TestS3ControlHostAtConfiguredEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		asGiven bool // the endpoint_url setting's (given to the SDK as AWS_ENDPOINT_URL here)
		want    string
	}{
		{"AWS_ENDPOINT_URL IPv4", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, false, "127.0.0.1:4566"},
		{"AWS_ENDPOINT_URL_S3_CONTROL IPv6", map[string]string{"AWS_ENDPOINT_URL_S3_CONTROL": "http://[::1]:4566"}, false, "[::1]:4566"},
		{"AWS_ENDPOINT_URL host name", map[string]string{"AWS_ENDPOINT_URL": "https://s3-control.example.test"},
			false, "123456789012.s3-control.example.test"},
		{"AWS's own", nil, false, "123456789012.s3-control.eu-west-1.amazonaws.com"},
		{"setting IPv6", map[string]string{"AWS_ENDPOINT_URL": "http://[::1]:4566"}, true, "[::1]:4566"},
		{"setting host name", map[string]string{"AWS_ENDPOINT_URL": "http://localhost:4566"}, true, "localhost:4566"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, rec := recordedConfig(t, tc.env)
			ctl := newS3Control(cfg, "eu-west-1", tc.asGiven)
			_, err := ctl.GetPublicAccessBlock(context.Background(), &s3control.GetPublicAccessBlockInput{AccountId: aws.String("123456789012")})
			if apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
				t.Fatalf("err = %v, want the stand-in's NoSuchPublicAccessBlockConfiguration", err)
			}
			if want := tc.want + "/v20180820/configuration/publicAccessBlock"; len(rec.urls) != 1 || rec.urls[0] != want {
				t.Errorf("sent to %q, want [%q]", rec.urls, want)
			}
		})
	}
}
