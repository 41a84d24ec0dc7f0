package cloudscan

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
)

// urlRecorder is an HTTP client that sends nothing: it records the host
// and path of each request and answers S3's (and S3 Control's) 404 for a
// missing public access block, each in its own error document.
type urlRecorder struct {
	mu   sync.Mutex
	urls []string
}

func (u *urlRecorder) Do(r *http.Request) (*http.Response, error) {
	u.mu.Lock()
	u.urls = append(u.urls, r.URL.Host+r.URL.Path)
	u.mu.Unlock()
	body := `<Error><Code>NoSuchPublicAccessBlockConfiguration</Code><Message>none</Message></Error>`
	if strings.HasPrefix(r.URL.Path, "/v20180820/") {
		body = "<ErrorResponse>" + body + "</ErrorResponse>" // S3 Control's
	}
	body = `<?xml version="1.0" encoding="UTF-8"?>` + body
	return &http.Response{StatusCode: http.StatusNotFound, Header: http.Header{"Content-Type": {"application/xml"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// recordedConfig is the SDK's configuration from the environment of
// setAWSEnv, env over it (AWS_ENDPOINT_URL_S3 and _S3_CONTROL cleared
// first), one attempt a call, its requests going to a urlRecorder.
func recordedConfig(t *testing.T, env map[string]string) (aws.Config, *urlRecorder) {
	t.Helper()
	setAWSEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_ENDPOINT_URL_S3_CONTROL", "")
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRetryMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	rec := &urlRecorder{}
	cfg.HTTPClient = rec
	return cfg, rec
}

// TestS3AddressingAtLoopbackName: at an endpoint of the SDK's own
// configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3…) named localhost
// or a name under it (RFC 6761), which the endpoint rules take for a
// loopback store, S3 would put each bucket's name in front of the host,
// and S3 Control the account id: "west-logs.localhost:4566",
// "123456789012.localhost:4566", names Go's resolver does not keep on
// this machine but asks the network's DNS server for, in vain: every
// bucket call of every S3 check failed (partial), and each bucket's name
// left the machine in a DNS query. There S3 is addressed path-style and
// S3 Control at the endpoint as given, as at an IP address; an endpoint
// with another host name, AWS's own included, keeps the SDK's addressing.
func TestS3AddressingAtLoopbackName(t *testing.T) {
	for _, tc := range []struct {
		name          string
		env           map[string]string
		bucket, block string // the host and path each call went to
	}{
		{"AWS_ENDPOINT_URL localhost", map[string]string{"AWS_ENDPOINT_URL": "http://localhost:4566"},
			"localhost:4566/west-logs", "localhost:4566/v20180820/configuration/publicAccessBlock"},
		// In https only: cloudscan refuses either in plain http://
		// (endpointReason).
		{"AWS_ENDPOINT_URL LOCALHOST.", map[string]string{"AWS_ENDPOINT_URL": "https://LOCALHOST.:4566"},
			"LOCALHOST.:4566/west-logs", "LOCALHOST.:4566/v20180820/configuration/publicAccessBlock"},
		{"AWS_ENDPOINT_URL_S3 under localhost", map[string]string{"AWS_ENDPOINT_URL_S3": "https://s3.localhost:4566",
			"AWS_ENDPOINT_URL_S3_CONTROL": "https://control.localhost:4566"},
			"s3.localhost:4566/west-logs", "control.localhost:4566/v20180820/configuration/publicAccessBlock"},
		{"AWS_ENDPOINT_URL IPv4", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
			"127.0.0.1:4566/west-logs", "127.0.0.1:4566/v20180820/configuration/publicAccessBlock"},
		{"AWS_ENDPOINT_URL host name", map[string]string{"AWS_ENDPOINT_URL": "https://store.example.test"},
			"west-logs.store.example.test/", "123456789012.store.example.test/v20180820/configuration/publicAccessBlock"},
		{"AWS's own", nil,
			"west-logs.s3.eu-west-1.amazonaws.com/", "123456789012.s3-control.eu-west-1.amazonaws.com/v20180820/configuration/publicAccessBlock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, rec := recordedConfig(t, tc.env)
			sess := &awsSession{cfg: cfg}
			c := sess.s3Client("eu-west-1")
			_, err := c.GetPublicAccessBlock(context.Background(), &s3.GetPublicAccessBlockInput{Bucket: aws.String("west-logs")})
			if apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
				t.Fatalf("bucket: err = %v, want the recorder's NoSuchPublicAccessBlockConfiguration", err)
			}
			ctl := newS3Control(cfg, "eu-west-1", false)
			_, err = ctl.GetPublicAccessBlock(context.Background(), &s3control.GetPublicAccessBlockInput{AccountId: aws.String("123456789012")})
			if apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
				t.Fatalf("account: err = %v, want the recorder's NoSuchPublicAccessBlockConfiguration", err)
			}
			want := []string{tc.bucket, tc.block}
			if len(rec.urls) != 2 || rec.urls[0] != want[0] || rec.urls[1] != want[1] {
				t.Errorf("sent to %q, want %q", rec.urls, want)
			}
		})
	}
}
