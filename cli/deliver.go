package cli

import (
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// openRunOutbox opens the outbox of `run` when a backend URL is set and
// the outbox is not "none", and checks it has room before an inject runs.
// The caller closes it.
func openRunOutbox(cfg *config, o Options) (*outbox.Store, error) {
	if cfg.str("backend_url") == "" {
		return nil, nil
	}
	store, err := openOutbox(cfg, o, "run", true)
	if err != nil || store == nil {
		return nil, err
	}
	if err := checkRoom(store); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// profile is a wire profile that can deliver on its own or through an
// outbox.
type profile interface {
	runtime.Deliverer
	outbox.Profile
}

// durable returns p made durable by store, or p itself without one.
func durable(p profile, store *outbox.Store) runtime.Deliverer {
	if store == nil {
		return p
	}
	return &outbox.Deliverer{Profile: p, Store: store}
}

// newDeliverer returns the callback profile's deliverer the configuration
// asks for: the backend callback, through store when there is one, or
// stdout without a backend URL.
func newDeliverer(cfg *config, o Options, log *zap.Logger, maxSize int, store *outbox.Store) (runtime.Deliverer, error) {
	backend := cfg.str("backend_url")
	if backend == "" {
		return callback.Printer{W: o.Stdout, MaxPayloadSize: maxSize}, nil
	}
	client, err := newClient(cfg, o, log, backend, maxSize)
	if err != nil {
		return nil, err
	}
	return durable(callback.Deliverer{Client: client}, store), nil
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
