package openaevtest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DefaultMaxMessageSize is the broker's max_message_size the stand-in
// models by default: RabbitMQ 4.x's default, 16 MiB (see the package doc,
// rule 15).
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
// rest/inject/form/InjectExecutionCallback.java), whose input is the
// callback's body as Jackson binds it and writes it again.
type queuedCallback struct {
	ID           string      `json:"id"`
	AgentID      *string     `json:"agent_id"`
	InjectID     string      `json:"inject_id"`
	Input        queuedInput `json:"inject_execution_input"`
	EmissionDate int64       `json:"execution_emission_date"`
	RetryCount   int         `json:"retry_count"`
}

// queuedInput is InjectExecutionInput (2.4.0,
// rest/inject/form/InjectExecutionInput.java): its fields are written
// whether the body had them or not (null, or 0 for the duration); a field
// it does not declare is dropped when the body is bound. The Current line's
// execution_context_identifiers is kept when present.
type queuedInput struct {
	Message            *string  `json:"execution_message"`
	OutputStructured   *string  `json:"execution_output_structured"`
	OutputRaw          *string  `json:"execution_output_raw"`
	Status             *string  `json:"execution_status"`
	Duration           int      `json:"execution_duration"`
	Action             *string  `json:"execution_action"`
	ContextIdentifiers []string `json:"execution_context_identifiers,omitempty"`
}

// queuedLen returns the size of the message the platform publishes for a
// callback of inject id (from agent, or none: "") whose body is raw: the body bound and written
// again inside its InjectExecutionCallback, with a UUID id and a
// 13-digit emission date, and, as Jackson writes it, no HTML escape. A
// body that does not bind is counted as it is.
func queuedLen(id, agent string, raw []byte) int {
	q := queuedCallback{ID: "00000000-0000-0000-0000-000000000000", InjectID: id, EmissionDate: 1_779_000_000_000}
	if agent != "" {
		q.AgentID = &agent
	}
	if json.Unmarshal(raw, &q.Input) != nil {
		return len(raw)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(q) != nil {
		return len(raw)
	}
	return buf.Len() - 1 // the encoder's newline
}

// brokerDrop returns why the broker refuses the message of a queued
// callback, or "" when it takes it.
func (p *Platform) brokerDrop(c *Call) string {
	if p.legacy {
		return "" // handled at once: nothing is queued
	}
	// The wrapper of an empty body, its input's fields all null, and some
	// slack bound what the wrapper adds to the body: a body under the
	// limit by more fits, without writing it again.
	if len(c.Raw)+queuedLen(c.InjectID, c.AgentID, []byte("{}"))+64 <= p.maxMessage {
		return ""
	}
	if n := queuedLen(c.InjectID, c.AgentID, c.Raw); n > p.maxMessage {
		return fmt.Sprintf("queued message of %d bytes (a body of %d) larger than the broker's max_message_size of %d: "+
			"RabbitMQ refused it, unconfirmed, after the 200", n, len(c.Raw), p.maxMessage)
	}
	return ""
}
