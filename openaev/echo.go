package openaev

import (
	"bytes"
	"context"

	"go.uber.org/zap"
)

// echoed returns r printing, to the echo writer, the body its first
// attempt sends, and again the body of a later attempt when it differs
// (WithEcho): an inject's callbacks only (reception, traces, terminal
// callbacks), not the reads the run makes on the way (the platform's
// searches are POSTs too), and each body as the attempt sends it, after
// r.rewrite (a "complete" leaves out the findings the platform stores
// already: its body as built would name them).
func (c *Client) echoed(r request) request {
	var last []byte
	printed := false
	show := func(body []byte) {
		if printed && bytes.Equal(body, last) {
			return
		}
		printed, last = true, body
		if err := c.printTo(c.echo, c.apiPath+r.path, body); err != nil {
			c.log.Warn("request not printed", zap.String("path", c.apiPath+r.path), zap.Error(err))
		}
	}
	rewrite := r.rewrite
	r.rewrite = func(ctx context.Context, n, unanswered int, body []byte) ([]byte, error) {
		if rewrite != nil {
			b, err := rewrite(ctx, n, unanswered, body)
			if err != nil {
				return nil, err
			}
			body = b
		}
		show(body)
		return body, nil
	}
	return r
}
