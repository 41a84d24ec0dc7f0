package cloudscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// accountID asks STS whose the credentials are, signed for region (the
// first target's of the partition, so that its trail records the call).
// When that region answers for a reason of its own (regionRefused: an
// opt-in region the account has not enabled, a region whose STS endpoint
// is deactivated or does not resolve), it asks again in the partition's
// global region (us-east-1 in aws), which every account has enabled: the
// other targets are not left unreached for one region's sake; a region that
// refused credentials the global region took is not enabled: its checks
// make no call and no signature lists its calls (awsoptin.go). Both calls
// are recorded, each in the region it was signed for, as every answered
// call is (recordCall).
func (s *awsSession) accountID(ctx context.Context, region string) (string, error) {
	account, err := s.callerAccount(ctx, region)
	global := iamRegion(ctx, region)
	if err == nil || global == region || ctx.Err() != nil || !regionRefused(err) {
		return account, err
	}
	account, err2 := s.callerAccount(ctx, global)
	if err2 != nil {
		return "", fmt.Errorf("%w (asked in %s after %s refused: %s)", err2, global, region, refusal(err))
	}
	if code := apiCode(err); slices.Contains(credentialRefusals, code) {
		// The credentials are good, the region does not take them: an
		// opt-in region the account has not enabled. Its checks make no
		// call (regionalCheck).
		s.refuse(ctx, region, code)
	}
	return account, nil
}

// callerAccount returns the account GetCallerIdentity, signed for region,
// answers with.
func (s *awsSession) callerAccount(ctx context.Context, region string) (string, error) {
	c := sts.NewFromConfig(s.cfg, func(o *sts.Options) { o.Region = region })
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		signed := ""
		if lc, ok := s.cfg.Credentials.(*learningCredentials); ok {
			signed = lc.signedWith(apiCode(err))
		}
		return "", fmt.Errorf("sts get caller identity: %w%s", err, signed)
	}
	if strings.TrimSpace(aws.ToString(out.Account)) == "" {
		// Compared with the targets' accounts it would read "credentials
		// belong to account ," : nothing was proved. A blank account
		// (<Account>  </Account>) names none either.
		return "", errors.New("sts get caller identity: the answer named no account, so the credentials' account is unknown: no check run")
	}
	if (awsProvider{}).badAccount(aws.ToString(out.Account)) != "" {
		// Not quoted: it is the server's text, not an account id, and may
		// echo a credential.
		return "", errors.New("sts get caller identity: the answer's account is not an AWS account id (12 digits), so the credentials' account is unknown: no check run")
	}
	return aws.ToString(out.Account), nil
}

// regionRefused reports whether err may be the region's doing rather than
// the credentials': STS in an opt-in region the account has not enabled
// answers 403 InvalidClientTokenId ("The security token included in the
// request is invalid", as with a bad key: only asking elsewhere tells
// them apart); a region whose STS endpoint the account deactivated
// answers RegionDisabledException (AWS STS API Reference, "Common
// Errors" and GetCallerIdentity); a region whose endpoint host does not
// resolve answers nothing.
func regionRefused(err error) bool {
	switch apiCode(err) {
	case "InvalidClientTokenId", "RegionDisabledException":
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// refusal names err briefly: its API code, or its text.
func refusal(err error) string {
	if code := apiCode(err); code != "" {
		return code
	}
	return err.Error()
}
