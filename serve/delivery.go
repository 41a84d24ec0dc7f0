package serve

import "context"

// Delivery is one message as the broker delivered it.
type Delivery struct {
	Body []byte
	// Redelivered is the broker's redelivered flag: the message was
	// delivered before, to this consumer or another, and not
	// acknowledged. It may have been handled already (a consumer that
	// died between the platform's answer and its acknowledgement).
	Redelivered bool
	// Lost, when set, reports whether the channel the message came on has
	// closed since it was delivered: its acknowledgement can no longer
	// land, and the broker delivers it again, to this consumer or another,
	// which may run it too.
	Lost func() bool
}

// DeliveryHandler is a Handler told how each message was delivered: when
// the daemon's Handler implements it, the daemon calls HandleDelivery
// instead of Handle, with the same contract.
type DeliveryHandler interface {
	Handler
	HandleDelivery(ctx context.Context, d Delivery) error
}
