package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// Execution statuses and actions of the callbacks this profile sends.
// SUCCESS is the only success name 2.4.x knows, and an alias of EXECUTED
// on the Current line; TIMEOUT and INVALID_USAGE are unknown to 1.x,
// which gets ERROR in their place (PlatformVersion.TerminalStatus).
const (
	StatusSuccess      = "SUCCESS"       // a success or a partial run
	StatusError        = "ERROR"         // a failed run
	StatusTimeout      = "TIMEOUT"       // a run past its deadline
	StatusInvalidUsage = "INVALID_USAGE" // an inject that could not run (rejected)
	StatusInfo         = "INFO"          // a trace

	ActionCommandExecution = "command_execution"
	ActionComplete         = "complete"
)

// Execution is the body of POST /api/injects/execution/callback/{id}.
type Execution struct {
	Message string `json:"execution_message"`
	Status  string `json:"execution_status"`
	Action  string `json:"execution_action"`
	// Duration is in milliseconds, the platform's unit (wireDuration).
	Duration int `json:"execution_duration"`
	// ContextIdentifiers name what a trace is about, on the Current line:
	// the asset of a per-target trace. Empty is omitted.
	ContextIdentifiers []string `json:"execution_context_identifiers,omitempty"`
	// OutputStructured is a JSON document encoded as a string; empty is
	// omitted. It must stay the last field (see appendEnvelope).
	OutputStructured string `json:"execution_output_structured,omitempty"`
}

// CheckInjectID checks an inject id given to the profile (a run's
// --inject-id) as every call carrying one does: the check a caller makes
// before asking the platform anything about it. A failure is a
// *ValidationError on inject_id.
func CheckInjectID(id string) error { return checkInjectID(id) }

func checkInjectID(id string) error {
	if strings.TrimSpace(id) == "" {
		return &ValidationError{Field: "inject_id", Reason: "required"}
	}
	return validInjectID("inject_id", id)
}

// validInjectID checks an inject id that goes into the platform's URL
// paths (reception, callbacks, status, findings): one signatures.ValidateID
// accepts (printable ASCII, at most signatures.MaxIDLength bytes, no dot
// segment) and that the platform's HTTP firewall lets through (pathRefusal).
// A failure is a *ValidationError on field.
func validInjectID(field, id string) error {
	if err := signatures.ValidateID(field, id); err != nil {
		return err
	}
	if reason := pathRefusal(id); reason != "" {
		return &ValidationError{Field: field, Value: signatures.Shorten(id, 64), Reason: reason}
	}
	return nil
}

// pathRefusal says why the platform would refuse a URL path holding v as
// one segment, "" when it would route it. Escaped (url.PathEscape), a
// '/', '\', ';' or '%' becomes %2F, %5C, %3B or %25, which 2.4.0 refuses
// before any route: it keeps Spring Security's default StrictHttpFirewall
// (config/AppSecurityConfig.java declares no HttpFirewall), whose
// RequestRejectedException FilterChainProxy answers 400 (Tomcat 10.1
// refuses %2F first, 400 too). The platform's own ids never hold one: an
// inject's is a UUID (Inject.java: @UuidGenerator), a tenant's too
// (Tenant.java: GenerationType.UUID). openaevtest models the firewall.
func pathRefusal(v string) string {
	i := strings.IndexAny(v, `/\;%`)
	if i < 0 {
		return ""
	}
	return fmt.Sprintf("holds %q at byte %d, which the platform's HTTP firewall refuses in a URL path "+
		"(OpenAEV 2.4.0 answers 400 before any route; its ids are UUIDs)", v[i:i+1], i)
}

// segmentRefusal is pathRefusal, then the first non-printable character
// (signatures.Unprintable): the firewall answers NUL, CR, LF, U+2028 and
// U+2029 in a decoded path 400 (openaevtest), and no UUID holds the others.
func segmentRefusal(v string) string {
	if reason := pathRefusal(v); reason != "" {
		return reason
	}
	return signatures.Unprintable(v)
}

// notBlank refuses a field value the platform's @NotBlank refuses
// (InjectExecutionInput, 2.4.0 and Current): one left empty by Java's
// String.trim, which strips every character up to U+0020, control
// characters and U+0000 included (U+00A0 and the other Unicode spaces
// stay, and pass).
func notBlank(field, v string) error {
	if !javaBlank(v) {
		return nil
	}
	if v == "" {
		return &ValidationError{Field: field, Reason: "required"}
	}
	return &ValidationError{Field: field, Value: v,
		Reason: "blank to the platform, which trims every character up to U+0020 (@NotBlank): required"}
}

// receptionBody is the body of every reception, written once rather than
// encoded for each inject: one execution to track.
const receptionBody = `{"tracking_total_count":1}`

// Reception tells the platform the inject was received:
// POST /api/injects/execution/reception/{id} {"tracking_total_count": 1}.
// The platform sets the inject PENDING; a terminal callback needs it. Its
// answer, read as it arrives, says what the inject holds of earlier runs
// (see Receipt); an answer that cannot be read does not fail the
// reception, which the platform took: the Receipt says so (Unread).
func (c *Client) Reception(ctx context.Context, injectID string) (Receipt, error) {
	if err := checkInjectID(injectID); err != nil {
		return Receipt{}, err
	}
	var r Receipt
	_, err := c.do(callbackContext(ctx), request{op: "reception", path: "/injects/execution/reception/" + url.PathEscape(injectID),
		contentType: "application/json", body: []byte(receptionBody), injectID: injectID, statusOnly: true,
		decode: func(_ int, rd io.Reader) error {
			r = readReceipt(rd)
			return nil
		}})
	if err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// Callback posts one execution callback. A 409 on a terminal callback
// (action "complete" or "data") means the inject is not PENDING yet and is retried
// like a 5xx; on a trace it is not retried (nor refused for good).
func (c *Client) Callback(ctx context.Context, injectID string, e Execution) error {
	if err := checkInjectID(injectID); err != nil {
		return err
	}
	if err := notBlank("execution_message", e.Message); err != nil {
		return err
	}
	if err := notBlank("execution_status", e.Status); err != nil {
		return err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	op := "trace"
	if e.Action == ActionComplete || e.Action == ActionData {
		op = e.Action
	}
	return c.postCallback(ctx, op, injectID, body)
}

// postCallback posts the encoded body of an execution callback of inject
// id: op is "complete" or "data" for the bodies of a terminal callback
// (retried on a 409, see Callback), "trace" for a trace. The final failure
// is returned, not logged: the caller's caller logs it once.
//
// A trace is kept nowhere, and a lost one loses nothing the terminal
// callback does not carry: a 429 or 503 whose Retry-After asks more than
// a retry waits (30 s) ends its attempts at that answer
// (httpx.WithLongWaitEnds), the error saying the wait asked, rather than
// hold the run 3 × 30 s into the same answer before its injector starts.
func (c *Client) postCallback(ctx context.Context, op, injectID string, body []byte) error {
	terminal := op == ActionComplete || op == ActionData
	if !terminal {
		ctx = httpx.WithLongWaitEnds(ctx)
	}
	_, err := c.do(callbackContext(ctx), request{op: op, path: callbackPath(injectID),
		contentType: "application/json", body: body, injectID: injectID, retryConflict: terminal, statusOnly: true})
	if he := (*httpx.HTTPError)(nil); !terminal && errors.As(err, &he) && he.RetryAfter > httpx.DefaultMaxRetryAfter {
		return fmt.Errorf("%w; the platform asked to retry in %s (Retry-After): not retried, a trace is kept nowhere", err, he.RetryAfter)
	}
	return err
}

// callbackPath is the path of inject id's execution callbacks, under the
// API prefix.
func callbackPath(injectID string) string {
	return "/injects/execution/callback/" + url.PathEscape(injectID)
}

// traceEnvelope is the size of a trace's body (Trace) without its
// message: the message has the rest of the max payload size.
const traceEnvelope = len(`{"execution_message":"","execution_status":"` + StatusInfo + `","execution_action":"` +
	ActionCommandExecution + `","execution_duration":0}`)

// Trace posts an INFO command_execution callback.
func (c *Client) Trace(ctx context.Context, injectID, message string) error {
	return c.Callback(ctx, injectID, Execution{Message: message, Status: StatusInfo, Action: ActionCommandExecution})
}

// platformURL is the platform's base URL without a trailing slash: what
// an outbox records as a terminal callback's base URL.
func (c *Client) platformURL() string { return strings.TrimRight(c.cfg.URL, "/") }

// callbackURL is the URL of inject id's execution callbacks.
func (c *Client) callbackURL(injectID string) string { return c.base + callbackPath(injectID) }

// wireDuration is a run's duration d as a callback's execution_duration:
// in milliseconds, rounded, the unit OpenAEV 2.4.0 declares and reads
// (InjectExecutionInput's "Duration of the execution in miliseconds";
// InjectStatusService adds it to the agent's start trace with plusMillis),
// within the Java int the platform binds it to (Jackson refuses a larger
// number, 400): from 0 to 2147483647 (24.8 days). pyoaev sends seconds;
// the platform reads the value on the agent path alone, an injector's
// trace being stamped with the time it is processed.
func wireDuration(d time.Duration) int {
	ms := d / time.Millisecond
	if d%time.Millisecond >= time.Millisecond/2 {
		ms++
	}
	return int(min(max(ms, 0), math.MaxInt32))
}
