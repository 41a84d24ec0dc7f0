package openaev

import (
	"fmt"

	"go.uber.org/zap"
)

// The platform's broker bounds the callbacks it keeps: in queued mode
// (the default) the platform answers a callback 200 once it has published
// it to RabbitMQ (2.4.0: InjectApi.java:425-436), wrapped in an
// InjectExecutionCallback, without publisher confirms
// (BatchQueueService.java:403-413), and RabbitMQ 4.x, which it ships,
// refuses a message larger than its max_message_size, 16 MiB by default:
// such a callback is answered 200 and lost, the inject left PENDING.
const (
	// BrokerMaxMessageSize is RabbitMQ 4.x's default max_message_size.
	BrokerMaxMessageSize = 16 << 20
	// MaxQueuedBodySize is the largest callback body whose queued message
	// (the body and its wrapper: about 250 bytes for a UUID inject id; 512
	// kept) fits in BrokerMaxMessageSize. The profile sends larger bodies
	// when the max payload size allows them (deployments raise
	// max_message_size), after a WARN.
	MaxQueuedBodySize = BrokerMaxMessageSize - 512
)

// warnBrokerLimit logs, once per profile, that its max payload size lets
// bodies exceed what the platform's broker takes by default.
func (p *Profile) warnBrokerLimit() { WarnBrokerLimit(p.log, int64(p.maxPayload)) }

// WarnBrokerLimit logs on log, at WARN, that the max payload size
// maxPayload (as WithMaxPayloadSize takes it) lets bodies exceed what the
// platform's broker takes by default; nothing when it does not. A profile
// logs it as it is made; validate, which makes none, logs it so too.
func WarnBrokerLimit(log *zap.Logger, maxPayload int64) {
	n := int(min(max(maxPayload, MinMaxPayloadSize), MaxMaxPayloadSize))
	if n <= MaxQueuedBodySize {
		return
	}
	log.Warn(fmt.Sprintf("max payload size above %d bytes: the platform's broker (RabbitMQ) drops a callback larger than "+
		"its max_message_size, %d (16 MiB) by default, after the platform answered 200; raise max_message_size on the "+
		"platform's RabbitMQ, or give --max-payload-size %d or less", MaxQueuedBodySize, BrokerMaxMessageSize, MaxQueuedBodySize),
		zap.Int("max_payload_size", n), zap.Int("broker_max_message_size", BrokerMaxMessageSize))
}

// brokerAdvice is what the advice to give a max payload size of needs
// adds: that the platform's broker drops a larger callback by default.
func brokerAdvice(needs int) string {
	if needs <= MaxQueuedBodySize {
		return ""
	}
	return fmt.Sprintf(" (a callback over %d bytes is dropped by the platform's broker unless its RabbitMQ max_message_size, "+
		"16 MiB by default, is raised)", MaxQueuedBodySize)
}
