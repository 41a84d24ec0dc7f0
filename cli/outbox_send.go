package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Sending what the outbox keeps: the posters of both wire profiles, flush
// and retry-dead.

// posterFor returns the poster build makes for a stored base URL, or for
// --backend-url when given.
func posterFor(c *ucli.Context, build func(base string) (outbox.Poster, error)) func(string) (outbox.Poster, error) {
	override := ""
	if c.IsSet("backend-url") {
		override = c.String("backend-url")
	}
	return func(base string) (outbox.Poster, error) {
		if override != "" {
			base = override
		}
		return build(base)
	}
}

// callbackPoster is the callback client for a base URL.
func (e *outboxEnv) callbackPoster(o Options) func(string) (outbox.Poster, error) {
	return func(base string) (outbox.Poster, error) { return newClient(e.cfg.Backend, o, e.log, base, 0) }
}

// openaevPoster is the openaev profile resending the terminal callbacks
// stored for a base URL.
func (e *outboxEnv) openaevPoster(o Options) func(string) (outbox.Poster, error) {
	return func(base string) (outbox.Poster, error) {
		hc, err := backendHTTPClient(e.cfg.Backend, e.log)
		if err != nil {
			return nil, err
		}
		client, err := openaev.NewClient(openaev.Config{URL: base, Token: e.cfg.Backend.Token},
			openaev.WithLogger(e.log), openaev.WithUserAgent(o.Version), openaev.WithHTTPClient(hc))
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
		return openaev.NewProfile(client, nil, e.log), nil
	}
}

// flush sends every pending body of the two profiles now: the callback
// profile's, and the openaev terminal callbacks `run --profile openaev`
// kept (those of a platform reached with a tenant are resent by the
// `injectkit serve` that keeps them).
func (e *outboxEnv) flush(c *ucli.Context, o Options) (outbox.FlushResult, error) {
	passes := []*outbox.Resender{
		{Store: e.store, Client: posterFor(c, e.callbackPoster(o)), Log: e.log, Select: func(r outbox.Record) bool { return r.Profile == "" }},
		{Store: e.store, Client: posterFor(c, e.openaevPoster(o)), Log: e.log, Select: openaev.Untenanted},
	}
	var sum outbox.FlushResult
	for _, rs := range passes {
		res, err := rs.Flush(c.Context)
		sum.Delivered += res.Delivered
		sum.Failed += res.Failed
		sum.Rejected += res.Rejected
		sum.Busy += res.Busy
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func retryDead(c *ucli.Context, o Options, e *outboxEnv) error {
	id, err := parseID(c)
	if err != nil {
		return err
	}
	back, err := e.store.RetryDead(id)
	if err != nil {
		return idError(id, e.store, err)
	}
	poster := posterFor(c, e.callbackPoster(o))
	switch {
	case back.Profile == "":
	case openaev.Untenanted(back):
		poster = posterFor(c, e.openaevPoster(o))
	default:
		fmt.Fprintf(o.Stdout, "%d (inject %s, %s profile) moved back to pending: the daemon keeping it (injectkit serve) resends it\n",
			id, back.InjectID, back.Profile)
		return nil
	}
	r, ok, err := e.store.Claim(id)
	if err != nil || !ok {
		return &ExitError{Code: ExitDelivery, Err: fmt.Errorf("body %d moved back to pending but not sent: %v", id, err)}
	}
	p, err := poster(r.BaseURL)
	if err != nil {
		return err
	}
	out, err := e.store.Send(c.Context, p, r, 0)
	fmt.Fprintf(o.Stdout, "%d (inject %s chunk %d/%d): %s\n", id, r.InjectID, r.ChunkIndex, r.TotalChunks, out)
	if out != outbox.Delivered {
		return &ExitError{Code: ExitDelivery, Err: err}
	}
	return nil
}
