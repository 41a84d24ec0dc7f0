package cloudscan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// AWS answers every call cloudscan makes with success with one XML
// document: <Operation>Response for the query APIs (STS, IAM, EC2: IAM
// and STS API Reference, "Making query requests"; Amazon EC2 API
// Reference, "Query API responses"), and for S3 and S3 Control the
// element each operation's "Response Syntax" gives. The SDK's decoders
// take less: EC2's reads an empty body, or one that is no XML at all,
// as an empty listing, and S3's, IAM's sub-listings and EC2's read any
// root element; so a 200 that is not AWS's (a proxy's, a captive
// portal's or a maintenance page, text/html or JSON) would pass as an
// account without security groups, users or buckets: a scan reporting
// nothing wrong where it read nothing. checkAnswer refuses such an
// answer before the SDK decodes it.

// queryAPIs are the services whose every answer is <Operation>Response.
var queryAPIs = map[string]bool{"STS": true, "IAM": true, "EC2": true}

// restXMLRoots holds the root element of the answer of each REST XML
// operation cloudscan calls, by "ServiceID:Operation".
var restXMLRoots = map[string]string{
	"S3:ListBuckets":                  "ListAllMyBucketsResult",
	"S3:GetBucketAcl":                 "AccessControlPolicy",
	"S3:GetPublicAccessBlock":         "PublicAccessBlockConfiguration",
	"S3:GetBucketPolicyStatus":        "PolicyStatus",
	"S3 Control:GetPublicAccessBlock": "PublicAccessBlockConfiguration",
}

// answerRoot returns the root element of the XML document AWS answers
// operation of service with, "" for an operation not checked (another
// protocol's, such as SSO's JSON).
func answerRoot(serviceID, operation string) string {
	if queryAPIs[serviceID] {
		return operation + "Response"
	}
	return restXMLRoots[serviceID+":"+operation]
}

// answerPeekLimit bounds what checkAnswer reads looking for the root
// element: AWS's starts within the first line.
const answerPeekLimit = 64 << 10

// NotAWSAnswerError is a 2xx answer whose body is not the XML document
// AWS answers the operation with. It names the status, the Content-Type
// and the root element found, never the body.
type NotAWSAnswerError struct {
	Operation   string
	Status      int
	ContentType string
	Want        string // the root element AWS answers with
	Got         string // the root element found, "" when the body holds none
}

func (e *NotAWSAnswerError) Error() string {
	found := "holds no XML element"
	if e.Got != "" {
		found = fmt.Sprintf("is <%s>…", e.Got)
	}
	return fmt.Sprintf("the HTTP %d answer (Content-Type %q) to %s is not AWS's: its body %s, "+
		"not the <%s> document AWS answers with (a proxy's, a portal's or a maintenance page?)",
		e.Status, e.ContentType, e.Operation, found, e.Want)
}

// addCheckAnswer adds checkAnswer to the deserialize step, innermost, so
// that it sees each attempt's answer before the SDK decodes it.
func addCheckAnswer(stack *middleware.Stack) error {
	id := stack.ID()
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("injectkitCheckAnswer",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
			middleware.DeserializeOutput, middleware.Metadata, error,
		) {
			return checkAnswer(ctx, id, in, next)
		}), middleware.After)
}

// checkAnswer fails a 2xx answer whose body is not the XML document AWS
// answers the operation with (NotAWSAnswerError); the body of one that is
// reaches the SDK's decoder whole. stack is the ID of the stack it runs
// in: an operation's is its name. A credential provider's client (a
// container's endpoint, the instance metadata service) gets the same API
// options, and runs in the context of the call whose signing asked for
// credentials, whose operation the context names: its stack's ID is its
// own, and its answer is not checked.
func checkAnswer(ctx context.Context, stack string, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil || awsmiddleware.GetOperationName(ctx) != stack {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp == nil || resp.Response == nil || resp.StatusCode < 200 || resp.StatusCode > 299 || resp.Body == nil {
		return out, md, err
	}
	op := awsmiddleware.GetOperationName(ctx)
	want := answerRoot(awsmiddleware.GetServiceID(ctx), op)
	if want == "" {
		return out, md, err
	}
	got, body, rerr := rootElement(resp.Body)
	resp.Body = body
	if rerr != nil || got != want {
		return out, md, &NotAWSAnswerError{Operation: op, Status: resp.StatusCode,
			ContentType: resp.Header.Get("Content-Type"), Want: want, Got: got}
	}
	return out, md, err
}

// errPeekLimit ends the search for a root element past answerPeekLimit.
var errPeekLimit = errors.New("no root element in the first 64 KiB")

// rootElement returns the local name of the root element of the XML
// document body holds ("" with an error when it holds none: an empty
// body, text before the first element, no XML), and a body that reads
// what body held from its start.
func rootElement(body io.ReadCloser) (string, io.ReadCloser, error) {
	p := &peekReader{r: bufio.NewReader(body)}
	rest := readCloser{io.MultiReader(&p.buf, p.r), body}
	dec := xml.NewDecoder(p)
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return "", rest, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(name) > 64 {
				name = strings.ToValidUTF8(name[:64], "") + "…"
			}
			return name, rest, nil
		case xml.CharData:
			if strings.TrimSpace(strings.TrimPrefix(string(t), "\ufeff")) != "" {
				return "", rest, errors.New("text before the root element")
			}
		}
	}
}

// peekReader reads from r for an xml.Decoder, one byte at a time (an
// io.ByteReader: the decoder reads no further ahead), keeping what it
// read in buf, at most answerPeekLimit bytes.
type peekReader struct {
	r   *bufio.Reader
	buf bytes.Buffer
}

func (p *peekReader) ReadByte() (byte, error) {
	if p.buf.Len() >= answerPeekLimit {
		return 0, errPeekLimit
	}
	b, err := p.r.ReadByte()
	if err == nil {
		p.buf.WriteByte(b)
	}
	return b, err
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c, err := p.ReadByte()
	if err != nil {
		return 0, err
	}
	b[0] = c
	return 1, nil
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}
