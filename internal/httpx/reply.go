package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// errReplyTooLarge is what a replyBody's Read returns past its limit.
var errReplyTooLarge = errors.New("reply too large")

// replyBody is the body of a 2xx answer as the Poster hands it over: at
// most left bytes, a Read past them failing with errReplyTooLarge, and
// the first error of the connection kept, so that the Poster tells an
// answer too large or unreadable from one its reader refuses.
type replyBody struct {
	r    io.Reader
	left int64
	over bool
	err  error // the first read error other than io.EOF
}

func (b *replyBody) Read(p []byte) (int, error) {
	switch {
	case b.over:
		return 0, errReplyTooLarge
	case b.err != nil:
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte past the limit tells a longer body
	}
	n, err := b.r.Read(p)
	if int64(n) > b.left {
		b.over = true
		n, b.left = int(b.left), 0
		return n, errReplyTooLarge
	}
	b.left -= int64(n)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// reply reads the body of a 2xx answer: whole, or through r.Decode.
func (p *Poster) reply(ctx context.Context, r *Request, resp *http.Response) (Reply, error) {
	limit := p.MaxReply
	if limit <= 0 {
		limit = DefaultMaxReply
	}
	body := &replyBody{r: resp.Body, left: limit}
	var b []byte
	decode := r.Decode
	switch {
	case r.StatusOnly:
		// Read to its end (the connection is then reused), kept nowhere
		// but by Decode, whose error, as the body's, settles nothing.
		decode = func(status int, rd io.Reader) error {
			if r.Decode != nil {
				_ = r.Decode(status, rd)
			}
			_, err := io.Copy(io.Discard, rd)
			return err
		}
	case decode == nil:
		decode = func(_ int, rd io.Reader) (err error) {
			b, err = io.ReadAll(rd)
			return err
		}
	}
	err := decode(resp.StatusCode, body)
	switch {
	case r.StatusOnly:
		return Reply{Status: resp.StatusCode, Header: resp.Header}, nil
	case body.over:
		return Reply{}, &failure{err: fmt.Errorf("status %d: reply larger than %d bytes", resp.StatusCode, limit)}
	case body.err != nil && ctx.Err() != nil:
		// The server answered: the attempt had connected.
		return Reply{}, &failure{err: ctx.Err(), cut: true, unanswered: true}
	case body.err != nil:
		return Reply{}, &failure{err: hide(fmt.Errorf("read reply: %w", p.noAnswer(body.err, body.err)), r.shown(), p.secretsOf(resp.Request)),
			retry: p.retryable(0, r.Op)}
	case err != nil:
		return Reply{}, err
	}
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// noAnswer returns err, an attempt's error, with the deadline error in it
// replaced by a *TimeoutError when cause, the attempt's context's error
// or the error its end gave a read, says the attempt's timeout ended it
// (the caller checked that the Do's own context did not end); err as it
// is otherwise.
func (p *Poster) noAnswer(err, cause error) error {
	if !errors.Is(cause, context.DeadlineExceeded) {
		return err
	}
	limit := p.Timeout
	if limit <= 0 {
		limit = DefaultTimeout
	}
	if ue, ok := err.(*url.Error); ok {
		ue.Err = &TimeoutError{Limit: limit, Err: ue.Err}
		return ue
	}
	return &TimeoutError{Limit: limit, Err: err}
}
