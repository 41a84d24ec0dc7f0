package cli

import (
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
)

// newDeliverer returns the deliverer the configuration asks for: the
// backend callback through the outbox when a backend URL is set (straight
// to the backend with --outbox none), stdout otherwise. The outbox, when
// one is opened, is returned for the caller to close.
func newDeliverer(cfg *config, o Options, log *zap.Logger, maxSize int) (framework.Deliverer, *outbox.Store, error) {
	backend := cfg.str("backend_url")
	if backend == "" {
		return framework.PrintDeliverer{W: o.Stdout, MaxPayloadSize: maxSize}, nil, nil
	}
	client, err := newClient(cfg, o, log, backend, maxSize)
	if err != nil {
		return nil, nil, err
	}
	store, err := openOutbox(cfg, o, "run", true)
	if err != nil || store == nil {
		return framework.CallbackDeliverer{Client: client}, nil, err
	}
	return framework.OutboxDeliverer{Client: client, Outbox: store}, store, nil
}

// newClient builds the callback client for a base URL from the
// configuration: token, CA file, TLS verification.
func newClient(cfg *config, o Options, log *zap.Logger, base string, maxSize int) (*transport.Client, error) {
	insecure, err := cfg.bool("insecure")
	if err != nil {
		return nil, err
	}
	opts := []transport.Option{
		transport.WithLogger(log),
		transport.WithToken(cfg.str("token")),
		transport.WithUserAgent(o.Version),
		transport.WithInsecure(insecure),
	}
	if maxSize > 0 {
		opts = append(opts, transport.WithMaxPayloadSize(maxSize))
	}
	if ca := cfg.str("ca_file"); ca != "" {
		opts = append(opts, transport.WithCAFile(ca))
	}
	client, err := transport.New(base, opts...)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return client, nil
}
