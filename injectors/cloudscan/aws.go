package cloudscan

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyauth "github.com/aws/smithy-go/auth"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.uber.org/zap"
)

// AWS service names, as target_service spells them.
const (
	ServiceS3  = "s3"
	ServiceEC2 = "ec2"
	ServiceIAM = "iam"
)

// awsProvider scans AWS accounts through aws-sdk-go-v2.
type awsProvider struct {
	// now is the clock access key ages are measured with.
	now func() time.Time
	// term decides a credential_process's group (terminal.lend; nil: the
	// zero one).
	term *terminal
}

func (awsProvider) services() []string { return []string{ServiceS3, ServiceEC2, ServiceIAM} }

func (awsProvider) global(service string) bool { return service == ServiceIAM }

// partition names region's AWS partition (aws, aws-cn, aws-us-gov…) as
// the SDK's endpoint data for IAM reads it: a region no partition claims
// is in aws, as the SDK's endpoint rules read it too. So two regions share
// a partition exactly when iamRegion signs IAM for them in one region, and
// a partition the SDK learns is its own without a change here.
func (awsProvider) partition(region string) string {
	ep, err := iam.NewDefaultEndpointResolver().ResolveEndpoint(region, iam.EndpointResolverOptions{})
	if err != nil || ep.PartitionID == "" {
		return "aws"
	}
	return ep.PartitionID
}

// badAccount checks the form of an AWS account id: twelve digits.
func (awsProvider) badAccount(id string) string {
	if len(id) != 12 || strings.Trim(id, "0123456789") != "" {
		return "not an AWS account id (12 digits, e.g. 123456789012)"
	}
	return ""
}

// maxHostLabel is the length of the longest host label.
const maxHostLabel = 63

// badRegion checks the form of an AWS region name: lower-case words
// joined by hyphens, the first two to four letters, the last a number (us-east-1, eusc-de-east-1,
// us-gov-west-1, ap-southeast-4). Anything else would end in an endpoint
// host the SDK builds from it (sts.<region>.amazonaws.com). The SDK's
// endpoint rules refuse, before any request, a region that is not a valid
// host label (rulesfn.IsValidHostLabel: at most 63 characters), so that
// length applies here too; the form above allows no other character a host
// label refuses. The length is named only when it is what is wrong.
func (awsProvider) badRegion(name string) string {
	const bad = "not an AWS region (e.g. eu-west-1, us-gov-west-1)"
	if len(name) > maxHostLabel {
		return fmt.Sprintf("not an AWS region: longer than the %d characters of a host label (%d)", maxHostLabel, len(name))
	}
	parts := strings.Split(name, "-")
	if len(parts) < 3 || len(parts[0]) < 2 || len(parts[0]) > 4 {
		return bad
	}
	for i, p := range parts {
		allowed := "abcdefghijklmnopqrstuvwxyz"
		if i == len(parts)-1 {
			allowed = "0123456789"
		}
		if p == "" || strings.Trim(p, allowed) != "" {
			return bad
		}
	}
	return ""
}

// open loads the SDK configuration: credentials from the standard chain (or
// the profile setting), the endpoint setting's endpoint if any, one standard retryer shared by every client of the inject
// (so the retry token bucket bounds the inject's retries) whose waits an
// answer's x-amz-retry-after lengthens up to retry_max_backoff only (addRetryWaits), the injectkit
// user-agent token, a per-call timeout, the call recorder, and the inject's
// logger for what the SDK logs (it writes to stderr on its own otherwise,
// past the log level and format: the IMDSv1 fallback warning, say); the
// profile's own credential_process, if it is the credentials, runs with
// its standard error counted, not shown (quietProcess).
//
// The shared files the SDK reads are read and checked first
// (openSDKFiles), as Configure checked them: one replaced since by a
// FIFO, a device, a directory or a file too large fails the run, never
// read; the SDK reads the bytes checked, not the files again. So is the
// CA bundle it loads (readCABundle), handed over as the bytes read.
func (p awsProvider) open(ctx context.Context, log *zap.Logger, params *Params, s hostSettings, version string) (session, error) {
	files, err := openSDKFiles()
	if err != nil {
		return nil, fmt.Errorf("load aws configuration: %w", err)
	}
	defer files.Close()
	if err := checkConfiguredEndpoints(files, s.profile, s.endpointURL); err != nil {
		return nil, fmt.Errorf("load aws configuration: %w", err)
	}
	bundle, err := readCABundle(files, s.profile)
	if err != nil {
		return nil, fmt.Errorf("load aws configuration: %w", err)
	}
	red := newRedactor()
	retryer := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = params.RetryMaxAttempts
		o.MaxBackoff = time.Duration(params.RetryMaxBackoff)
		o.Retryables = append(o.Retryables, expiredRetryable{})
	})
	opts := []func(*config.LoadOptions) error{
		files.loadOptions,
		config.WithLogger(sdkLogger{log, red}),
		config.WithAssumeRoleCredentialOptions(sessionAssumeRoles(red, s.endpointURL)),
		config.WithRetryer(func() aws.Retryer { return retryer }),
		config.WithAPIOptions([]func(*middleware.Stack) error{
			awsmiddleware.AddUserAgentKeyValue("injectkit", version),
			addCallTimeout(time.Duration(params.CallTimeout)),
			addRetryWaits(time.Duration(params.RetryMaxBackoff)),
			addRetryDeadline(retryer),
			addRecordCalls,
			addCheckAnswer, // after addRecordCalls, inside it: recordCall sees what it refused
		}),
	}
	opts = append(opts, sessionTokenSteps(red, s.endpointURL)...)
	if s.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.profile))
	}
	if bundle != nil {
		opts = append(opts, config.WithCustomCABundle(bytes.NewReader(bundle)))
	}
	if s.endpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(s.endpointURL))
	}
	if command, where := ownCredentialProcess(ctx, files, s.profile); command != "" {
		term := p.term
		if term == nil {
			term = &terminal{}
		}
		opts = append(opts, config.WithCredentialsProvider(newQuietProcess(ctx, command, where, log, term)))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load aws configuration: %w", err)
	}
	if s.endpointURL != "" {
		// The SDK drops the endpoint given in code when
		// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
		// ignore_configured_endpoint_urls) is true, as if it were one of
		// its configured endpoints: the clients would send to AWS's own.
		// Set here, every client built from cfg takes it, those switches
		// or not; a configured one still gives way to it.
		cfg.BaseEndpoint = aws.String(s.endpointURL)
	}
	if cfg.Credentials != nil {
		paths := map[string]string{}
		for i, path := range slices.Concat(files.config, files.credentials) {
			paths[path] = files.read[i].path
		}
		cfg.Credentials = &learningCredentials{provider: cfg.Credentials, red: red, paths: paths}
	}
	cfg.APIOptions = append(cfg.APIOptions, addSafeErrors(red))
	now := p.now
	if now == nil {
		now = time.Now
	}
	return &awsSession{cfg: cfg, pathStyle: s.endpointURL != "", now: now,
		keyMaxAge: time.Duration(params.AccessKeyMaxAgeDays) * 24 * time.Hour}, nil
}

// sdkLogger hands the SDK's log lines to the inject's logger, without the
// credential values red knows.
type sdkLogger struct {
	log *zap.Logger
	red *redactor
}

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	msg := l.red.serverText(fmt.Sprintf(format, v...))
	if c == logging.Warn && !connectionReuseNote(msg) {
		l.log.Warn("aws sdk: " + msg)
		return
	}
	l.log.Debug("aws sdk: " + msg)
}

// connectionReuseNote reports whether msg is the SDK's note that a
// response body it closed could not be drained or closed ("this may affect
// connection reuse"): it writes it at WARN when a call_timeout cut the
// body short, which the call's error already says (CallTimeoutError), with
// nothing for an operator to do. It goes to DEBUG.
func connectionReuseNote(msg string) bool {
	return strings.HasSuffix(strings.SplitN(msg, ":", 2)[0], "this may affect connection reuse")
}

// awsSession holds one inject's SDK configuration; clients are built per
// call site, bound to a region.
type awsSession struct {
	cfg       aws.Config
	pathStyle bool
	now       func() time.Time
	keyMaxAge time.Duration

	mu sync.Mutex
	// refused holds, per region that refused the credentials another
	// region took (an opt-in region not enabled), the code it answered
	// (awsoptin.go).
	refused map[string]optInRefusal
}

func (s *awsSession) check(ctx context.Context, service, region, account string) *CheckResult {
	switch service {
	case ServiceS3:
		c := s.s3Client(region)
		ctl := newS3Control(s.cfg, region, s.pathStyle)
		return s.regionalCheck(ctx, region, func(ctx context.Context) *CheckResult { return checkS3(ctx, c, ctl, region, account) })
	case ServiceEC2:
		c := ec2.NewFromConfig(s.cfg, func(o *ec2.Options) { o.Region = region })
		return s.regionalCheck(ctx, region, func(ctx context.Context) *CheckResult { return checkEC2(ctx, c) })
	case ServiceIAM:
		c := iam.NewFromConfig(s.cfg, func(o *iam.Options) { o.Region = iamRegion(ctx, region) })
		return checkIAM(ctx, c, s.now(), s.keyMaxAge)
	}
	r := newCheckResult()
	r.fail("check", fmt.Errorf("unknown aws service %q", service))
	return r
}

// s3Client returns an S3 client for region, addressing buckets
// path-style at the endpoint setting's endpoint, and at an endpoint of the
// SDK's own configuration whose host takes no bucket name in front of it
// (labelFree: an IP address, for which the SDK's rules do so themselves,
// localhost or a name under it).
func (s *awsSession) s3Client(region string) *s3.Client {
	return s3.NewFromConfig(s.cfg, func(o *s3.Options) {
		o.Region = region
		o.UsePathStyle = s.pathStyle || labelFree(o.BaseEndpoint)
	})
}

// iamRegion returns the region IAM requests are signed for in region's
// partition: IAM is global, its endpoint (iam.amazonaws.com) signs for
// us-east-1 in the aws partition, cn-north-1 in aws-cn, us-gov-west-1 in
// aws-us-gov, whatever region the client was built for, and CloudTrail
// records its calls there. The SDK's endpoint rules say which; with a
// custom endpoint (the endpoint_url setting) the client would sign for its own region, so it is
// built for this one.
func iamRegion(ctx context.Context, region string) string {
	ep, err := iam.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, iam.EndpointParameters{Region: aws.String(region)})
	if err != nil {
		return region
	}
	opts, _ := smithyauth.GetAuthOptions(&ep.Properties)
	for _, opt := range opts {
		if r, ok := smithyhttp.GetSigV4SigningRegion(&opt.SignerProperties); ok && r != "" {
			return r
		}
	}
	return region
}
