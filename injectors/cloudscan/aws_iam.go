package cloudscan

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// iamAPI is the part of the IAM client the check reads with.
type iamAPI interface {
	ListUsers(context.Context, *iam.ListUsersInput, ...func(*iam.Options)) (*iam.ListUsersOutput, error)
	ListMFADevices(context.Context, *iam.ListMFADevicesInput, ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error)
	ListAccessKeys(context.Context, *iam.ListAccessKeysInput, ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	GetLoginProfile(context.Context, *iam.GetLoginProfileInput, ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
}

// checkIAM reports console users (those with a login profile) without an
// MFA device and access keys older than maxAge at now. A user without a
// login profile (GetLoginProfile answers NoSuchEntity: IAM API Reference,
// GetLoginProfile) cannot sign in to the console: MFA guards no password
// of theirs, so they are not reported for its want (CIS AWS Foundations:
// MFA for every user with a console password).
func checkIAM(ctx context.Context, c iamAPI, now time.Time, maxAge time.Duration) *CheckResult {
	res := newCheckResult()
	res.Global = true
	var users []iamtypes.User
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{},
		func(o *iam.ListUsersPaginatorOptions) { o.StopOnDuplicateToken = true })
	if err := eachPage(ctx, p, func(page *iam.ListUsersOutput) *string { return page.Marker },
		func(page *iam.ListUsersOutput) { users = append(users, page.Users...) }); err != nil {
		res.fail("ListUsers", err) // the users of the pages read are still checked
	}
	users = uniqueBy(users, func(u iamtypes.User) string { return aws.ToString(u.UserName) })
	for _, u := range users {
		name := aws.ToString(u.UserName)
		if ctx.Err() != nil {
			res.addError("scan", name, ctx.Err())
			return res
		}
		var mfa []iamtypes.MFADevice
		mfaKnown := true
		mp := iam.NewListMFADevicesPaginator(c, &iam.ListMFADevicesInput{UserName: u.UserName},
			func(o *iam.ListMFADevicesPaginatorOptions) { o.StopOnDuplicateToken = true })
		if err := eachPage(ctx, mp, func(page *iam.ListMFADevicesOutput) *string { return page.Marker },
			func(page *iam.ListMFADevicesOutput) { mfa = append(mfa, page.MFADevices...) }); err != nil {
			res.addError("ListMFADevices", name, err)
			mfaKnown = false
		}
		var keys []iamtypes.AccessKeyMetadata
		kp := iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: u.UserName},
			func(o *iam.ListAccessKeysPaginatorOptions) { o.StopOnDuplicateToken = true })
		if err := eachPage(ctx, kp, func(page *iam.ListAccessKeysOutput) *string { return page.Marker },
			func(page *iam.ListAccessKeysOutput) { keys = append(keys, page.AccessKeyMetadata...) }); err != nil {
			res.addError("ListAccessKeys", name, err)
		}
		keys = uniqueBy(keys, func(k iamtypes.AccessKeyMetadata) string { return aws.ToString(k.AccessKeyId) })
		if mfaKnown && len(mfa) == 0 {
			if f, ok := consoleWithoutMFA(ctx, c, u, res); ok {
				res.Findings = append(res.Findings, f)
			}
		}
		res.Findings = append(res.Findings, oldAccessKeys(name, keys, now, maxAge)...)
	}
	return res
}

// consoleWithoutMFA reads whether u, who has no MFA device, has a console
// password: with one, it is the finding; without (NoSuchEntity), none.
// When that cannot be read, the call's error is recorded in res and the
// user is reported all the same, as one may be a console user.
func consoleWithoutMFA(ctx context.Context, c iamAPI, u iamtypes.User, res *CheckResult) (Finding, bool) {
	_, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: u.UserName})
	switch {
	case err == nil:
		return userWithoutMFA(u, ""), true
	case apiCode(err) == "NoSuchEntity":
		return Finding{}, false
	}
	res.addError("GetLoginProfile", aws.ToString(u.UserName), err)
	return userWithoutMFA(u, "console password unknown (GetLoginProfile failed)"), true
}

func userWithoutMFA(u iamtypes.User, note string) Finding {
	reason := "no mfa device"
	if note != "" {
		reason += "; " + note
	}
	if u.PasswordLastUsed != nil {
		reason += fmt.Sprintf("; console password last used %s", u.PasswordLastUsed.UTC().Format(time.DateOnly))
	}
	return Finding{Kind: KindIAMUserWithoutMFA, Resource: aws.ToString(u.Arn), Severity: SeverityHigh,
		Reasons: []string{reason}, User: aws.ToString(u.UserName)}
}

// oldAccessKeys reports each key created more than maxAge before now: an
// active one is high severity, an inactive one low.
func oldAccessKeys(user string, keys []iamtypes.AccessKeyMetadata, now time.Time, maxAge time.Duration) []Finding {
	var out []Finding
	for _, k := range keys {
		if k.CreateDate == nil {
			continue
		}
		age := now.Sub(*k.CreateDate)
		if age <= maxAge {
			continue
		}
		days := int(age / (24 * time.Hour))
		sev := SeverityHigh
		if k.Status != iamtypes.StatusTypeActive {
			sev = SeverityLow
		}
		out = append(out, Finding{Kind: KindIAMOldAccessKey, Resource: aws.ToString(k.AccessKeyId), Severity: sev,
			Reasons: []string{fmt.Sprintf("%s access key created %s, %d days ago (limit %d)",
				string(k.Status), k.CreateDate.UTC().Format(time.DateOnly), days, int(maxAge/(24*time.Hour)))},
			User: user, KeyStatus: string(k.Status), AgeDays: days})
	}
	return out
}
