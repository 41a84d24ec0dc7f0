package openaevtest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DefaultMaxMessageSize is the broker's max_message_size the stand-in
// models by default: RabbitMQ 4.x's default, 16 MiB (the package doc's
// rule 15; 2.4.0 read, Current taken as alike).
//
// In queued mode the platform answers a callback that passes field
// validation (rule 3) with 200 once it has published it to RabbitMQ
// (openaev-api …/rest/inject/InjectApi.java:425-436), wrapped in an
// InjectExecutionCallback (its id null: queuedCallback; agent_id, inject_id, the input as
// Jackson binds (rule 16: an unknown property dropped) and writes it,
// nulls included, an emission date, retry_count;
// …/rest/inject/form/InjectExecutionCallback.java:15-32), on a channel
// without publisher confirms (openaev-model
// …/service/queue/BatchQueueService.java:403-413). RabbitMQ 4.x, which the
// platform ships, refuses a message larger than its max_message_size, 16
// MiB by default (the platform's development setup raises it to 512 MiB:
// openaev-dev/rabbitmq.conf:7), and closes the channel; the publish does
// not see it, so the callback answered 200 is gone, the inject left
// PENDING. The stand-in's broker takes DefaultMaxMessageSize
// (WithMaxMessageSize, the openaev-standin command's -max-message-size): a
// callback of any action whose message (the body written again in its
// wrapper, a few hundred bytes more than the body) is larger is answered
// 200 and Dropped with the reason. The channel's closing is not
// modelled: the platform never opens that channel again until it
// restarts. It publishes each callback on one of its publisher channels
// (openaev.queue-config.inject-trace.publisher-number, 2:
// application.properties:97), picked by the callback's hashCode
// (BatchQueueService.java:403-413; InjectExecutionCallback overrides
// equals, so Lombok's @Data writes no hashCode and the identity hash
// picks it, a different one for each callback), makes them with its
// connection (createChannels, :136-149) and makes them again only when
// that connection shuts down (the connection's shutdown listener alone,
// :125, :211-224; the connection factory's automatic recovery off,
// RabbitmqDriver.createBatchConnectionFactory :74-82). On 2.4.0 each later
// callback that picks the closed channel fails its publish
// (AlreadyClosedException), a 500, until the platform restarts: about one
// in two with the default two channels, which an injector retrying a 5xx
// gets through. That pick cannot be reproduced, so the stand-in answers
// every later callback as before. Legacy mode (rule 7) queues nothing, so
// has no such limit.
const DefaultMaxMessageSize = 16 << 20

// WithMaxMessageSize sets the max_message_size of the platform's broker
// (default DefaultMaxMessageSize; 0 or less keeps it): a queued callback
// whose message is larger is answered 200, then dropped (rule 15).
func WithMaxMessageSize(n int) Option {
	return func(p *Platform) {
		if n > 0 {
			p.maxMessage = n
		}
	}
}

// queuedCallback is the message the platform publishes for a callback in
// queued mode: its InjectExecutionCallback (2.4.0,
// rest/inject/form/InjectExecutionCallback.java:15-32), whose input is the
// callback's body as Jackson binds it (bind.go) and writes it again with
// the platform's ObjectMapper (BatchQueueService.java:408), nulls
// included. Its id is null: the class's id field has a UUID initializer
// (:17) but no @Builder.Default, and InjectApi makes the callback with
// its builder (InjectApi.java:427-433), which Lombok's @Builder fills
// from its own fields only, the initializer ignored; the mapper writes
// "id":null (ObjectMapperHelper.openAEVJsonMapper sets no inclusion),
// 34 bytes fewer than a UUID.
type queuedCallback struct {
	ID           *string `json:"id"` // always nil
	AgentID      *string `json:"agent_id"`
	InjectID     string  `json:"inject_id"`
	Input        any     `json:"inject_execution_input"`
	EmissionDate int64   `json:"execution_emission_date"`
	RetryCount   int     `json:"retry_count"`
}

// queuedInput is 2.4.0's InjectExecutionInput
// (rest/inject/form/InjectExecutionInput.java:13-33): its fields are
// written whether the body had them or not (null, or 0 for the
// duration); a property it does not declare is dropped when the body is
// bound, execution_context_identifiers among them.
type queuedInput struct {
	Message          *string `json:"execution_message"`
	OutputStructured *string `json:"execution_output_structured"`
	OutputRaw        *string `json:"execution_output_raw"`
	Status           *string `json:"execution_status"`
	Duration         int     `json:"execution_duration"`
	Action           *string `json:"execution_action"`
}

// queuedInputCurrent is the Current line's InjectExecutionInput, which
// adds the List<String> execution_context_identifiers (null when the body
// has none).
type queuedInputCurrent struct {
	queuedInput
	ContextIdentifiers []any `json:"execution_context_identifiers"`
}

// boundInput returns the InjectExecutionInput the platform of version v
// binds from body, a callback's Body as bound (readBody) and taken.
func boundInput(v Version, body map[string]any) any {
	str := func(k string) *string {
		if s, ok := body[k].(string); ok {
			return &s
		}
		return nil
	}
	in := queuedInput{Message: str("execution_message"), OutputStructured: str("execution_output_structured"),
		OutputRaw: str("execution_output_raw"), Status: str("execution_status"),
		Duration: javaInt(body["execution_duration"]), Action: str("execution_action")}
	if v == Version24 {
		return in
	}
	ids, _ := body[contextIdentifiers].([]any)
	return queuedInputCurrent{queuedInput: in, ContextIdentifiers: ids}
}

// queuedLen returns the size of the message the platform of version v
// publishes for a callback of inject id (from agent, or none: "") whose
// body, as bound, is body: its input written inside its
// InjectExecutionCallback, with a null id and a 13-digit emission date,
// and, as Jackson writes it, no HTML escape.
func queuedLen(v Version, id, agent string, body map[string]any) int {
	q := queuedCallback{InjectID: id, Input: boundInput(v, body),
		EmissionDate: 1_779_000_000_000}
	if agent != "" {
		q.AgentID = &agent
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(q)    // strings, ints, a list of strings and nulls: it does not fail
	return buf.Len() - 1 // the encoder's newline
}

// brokerDrop returns why the broker refuses the message of a queued
// callback, or "" when it takes it.
func (p *Platform) brokerDrop(c *Call) string {
	if p.legacy {
		return "" // handled at once: nothing is queued
	}
	// The input as written is at most three times the body's size (a
	// byte of invalid UTF-8 becomes U+FFFD; 1, in a String list, "1"),
	// plus what the wrapper of an empty body, its fields all null, holds
	// and some slack: a body under the limit by more fits, without
	// writing it again.
	if 3*len(c.Raw)+queuedLen(p.version, c.InjectID, c.AgentID, nil)+64 <= p.maxMessage {
		return ""
	}
	if n := queuedLen(p.version, c.InjectID, c.AgentID, c.Body); n > p.maxMessage {
		return fmt.Sprintf("queued message of %d bytes (a body of %d) larger than the broker's max_message_size of %d: "+
			"RabbitMQ refused it, unconfirmed, after the 200", n, len(c.Raw), p.maxMessage)
	}
	return ""
}
