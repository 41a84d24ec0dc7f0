package cloudscan

import (
	"bytes"
	"io"
	"regexp"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CloudTrail logs the API calls AWS authenticated, and those only: "all
// authenticated API requests to IAM and AWS STS API operations" (and,
// unauthenticated, STS's AssumeRoleWithSAML and AssumeRoleWithWebIdentity
// alone), "authenticated requests to other AWS service API operations"
// (IAM User Guide, "Logging IAM and AWS STS API calls with AWS
// CloudTrail": "Logging IAM and AWS STS API requests", "Logging API
// requests to other AWS services"); S3 logs no request that fails
// authentication (Amazon S3 User Guide, "Logging Amazon S3 API calls
// using AWS CloudTrail"). A call AWS refused before it knew who made it
// (a key it does not know, a bad signature, a request signed too far
// from its clock, an expired token) is in no trail: no signature may
// list it, since no SIEM can see it.

// unauthenticatedCodes are the codes AWS answers a request it could not
// authenticate with, per service: STS and IAM InvalidClientTokenId,
// SignatureDoesNotMatch, IncompleteSignature, ExpiredToken,
// MissingAuthenticationToken (IAM and STS API Reference, "Common
// Errors"); EC2 AuthFailure, RequestExpired, and the same signature codes
// (Amazon EC2 API Reference, "Error codes"); S3 and S3 Control
// InvalidAccessKeyId, InvalidToken, SignatureDoesNotMatch,
// RequestTimeTooSkewed, AuthorizationHeaderMalformed, ExpiredToken
// (Amazon S3 API Reference, "Error responses"); the JSON protocol's
// UnrecognizedClientException, InvalidSignatureException.
var unauthenticatedCodes = map[string]bool{
	"InvalidClientTokenId": true, "UnrecognizedClientException": true, "AuthFailure": true,
	"InvalidAccessKeyId": true, "InvalidToken": true, "ExpiredToken": true,
	"SignatureDoesNotMatch": true, "InvalidSignatureException": true, "IncompleteSignature": true,
	"AuthorizationHeaderMalformed": true, "MissingAuthenticationToken": true,
	"RequestExpired": true, "RequestTimeTooSkewed": true,
}

// errorCodeElement finds an AWS error document's code (S3's <Error>, the
// query APIs' <ErrorResponse>, EC2's <Response> all hold one <Code>).
var errorCodeElement = regexp.MustCompile(`<Code>\s*([A-Za-z0-9.]{1,128})\s*</Code>`)

// maxErrorPeek is how much of an error answer's body unauthenticated
// reads for its code: AWS's error documents are a few hundred bytes.
const maxErrorPeek = 64 << 10

// unauthenticated reports whether an answered attempt was refused as one
// AWS could not authenticate (unauthenticatedCodes). The body read is put
// back for the SDK's decoder.
func unauthenticated(out middleware.DeserializeOutput) bool {
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp == nil || resp.Response == nil || resp.StatusCode < 400 || resp.Body == nil {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	if err != nil {
		return false
	}
	m := errorCodeElement.FindSubmatch(head)
	return m != nil && unauthenticatedCodes[string(m[1])]
}
