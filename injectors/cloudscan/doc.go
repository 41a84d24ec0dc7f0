// Package cloudscan owns the cloudscan injector: a read-only posture scan of
// one cloud account per target configuration (provider, account id, region,
// optional service), reporting what it found and the API calls it made so
// that a defence (CloudTrail-based detection, SCPs) can be checked against
// them.
//
// Safety comes first. Before any check, the provider proves whose
// credentials it holds (on AWS, sts:GetCallerIdentity, once per partition:
// aws, aws-cn, aws-us-gov…, asked again in the partition's global region
// when the first target's region refuses it: awsidentity.go) and a
// configuration whose cloud_account_id differs is failed without another call. Only read
// calls exist in the package. Credentials come from the SDK's standard chain
// (environment, shared configuration, an optional profile); the shared
// files it reads are read and checked first, each a regular file giving
// at most 4 MiB, never waited on (sharedfiles.go), whose every section
// header the SDK reads as one and no value of which its reader panics on
// (inisections.go), and on Linux the SDK
// reads the bytes checked, held in memory, not the files again
// (sdkfiles.go); so is the CA bundle it loads, AWS_CA_BUNDLE or a
// profile's ca_bundle (cabundle.go). The endpoint
// and the profile are the host's settings (Configure), never params: an
// inject, which the platform's users or a forged message write, must not
// choose where the host's credentials sign requests, nor which of them do; the
// endpoints the SDK takes from its own configuration in the setting's
// stead are checked as the setting is (endpoints.go). The secret
// access key and the session token never appear in findings, errors or
// logs, nor does the access key id the requests are signed with in errors
// or logs: an AWS error about the request's signature, whose message
// quotes the signed request, is reported by its code, and the credential
// values are redacted from every other SDK error text (awserrors.go); the
// error of a credential_process whose output the SDK cannot parse, which
// quotes that output, is reduced to why (credentialerrors.go). An
// access key id is an identifier, not a secret (AWS documents it so):
// the iam check's findings are IAM users' access key ids, which may
// include the scanner's own.
//
// Checks, by target_service (none given: all of them):
//
//   - s3: buckets of the region that are public (ACL grants to AllUsers or
//     AuthenticatedUsers that IgnorePublicAcls does not neutralise, a
//     public bucket policy that RestrictPublicBuckets does not restrict) or
//     unprotected (no or an incomplete public access block, or a public
//     ACL or policy the block neutralises), each setting the bucket's or
//     the account's (S3 Control), whichever turns it on, as S3 applies
//     them (aws_s3account.go);
//   - ec2: security-group ingress rules open to 0.0.0.0/0 or ::/0, with a
//     severity (all ports, SSH, RDP and common database ports are high);
//   - iam (global, run once per inject and partition): console users (with
//     a login profile) without an MFA device and access keys older than
//     access_key_max_age_days.
//
// An opt-in region that refuses credentials another region took
// (InvalidClientTokenId, AuthFailure, S3's InvalidAccessKeyId) is one the
// account has not enabled (a default Region, which no account can disable,
// is never judged so): its configurations get one error naming it, its
// regional checks stop, and its calls are in no signature, since no trail
// logs them (awsoptin.go). With
// temporary credentials the error says the region may instead not take
// their session token (a global STS endpoint's version 1 token is valid in
// the Regions enabled by default only).
//
// A call AWS could not authenticate says what to fix on the host: its
// clock (more than 15 minutes from AWS's: the SDK corrects it from AWS's
// answers, EC2's RequestExpired too, and retries), the secret key, the
// region (authfix.go).
//
// A 2xx answer whose body is not the XML document AWS answers the call
// with (a proxy's or a portal's HTML page, JSON, nothing) is a failed
// call, never read as an empty listing, nor listed in the signatures as
// a call AWS answered (answercheck.go); nor is an error answer that is
// not AWS's, with no AWS request id and no AWS error document (a proxy's
// 502, 503 or 407 page: calls.go).
//
// Each configuration's checks run concurrently in a bounded pool. A check
// that fails (AccessDenied, throttling beyond the retry budget) is recorded
// in the findings and makes the inject partial, as does a failed call on
// one resource; only when every check fails is the inject failed. Either
// way the output's message names the failed calls.
//
// The findings hold, under "configs", per configuration and per check, a
// findings list and an errors list, and under "findings_summary" one
// readable line per finding, most severe first. Only the summary is a
// declared output (type text): the platform has no output type for the
// structured results. Every target's DETECTION and PREVENTION signatures gain
// cloud_api_calls (sorted unique "eventSource:eventName" pairs, as CloudTrail
// names them, of the calls AWS answered that CloudTrail records in the
// target's region), cloud_api_calls_other_regions (the target's other
// calls by the region that records them: the region each request was
// signed for, the partition's global region for IAM) and user_agent (the
// User-Agent header the target's checks sent on the first call it lists
// of them, as CloudTrail's userAgent logs it: in square brackets for an
// S3 call; the identity call's when they got no answer; every call's
// carries "injectkit/<version>").
//
// Only AWS is implemented; the provider interface in provider.go is the seam
// for others.
package cloudscan
