package servetest

import (
	"fmt"
	"time"
)

// WithConsumerTimeout sets the node's consumer_timeout: a channel holding
// a message unacknowledged for longer is closed by the broker, 406
// PRECONDITION_FAILED ("delivery acknowledgement on channel 1 timed
// out"), and its unacknowledged messages go back to the queue. RabbitMQ
// 3.10 checks the timeout on each channel's tick, once a minute by
// default: the node ticks every quarter of d instead (at least every
// 100 ms), so that the close comes within about d and a quarter.
func WithConsumerTimeout(d time.Duration) NodeOption {
	return func(c *nodeConfig) { c.consumerTimeout = d }
}

// advanced returns the node's advanced.config, an Erlang term, for the
// settings rabbitmq.conf does not take (channel_tick_interval).
func (c nodeConfig) advanced() string {
	tick := max(c.consumerTimeout/4, 100*time.Millisecond)
	return fmt.Sprintf("[{rabbit, [{consumer_timeout, %d}, {channel_tick_interval, %d}]}].\n",
		c.consumerTimeout.Milliseconds(), tick.Milliseconds())
}
