package cli

import (
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/transport"
)

// newDeliverer returns the deliverer the configuration asks for: the
// backend callback when a backend URL is set, stdout otherwise.
func newDeliverer(cfg *config, o Options, log *zap.Logger, maxSize int) (framework.Deliverer, error) {
	backend := cfg.str("backend_url")
	if backend == "" {
		return framework.PrintDeliverer{W: o.Stdout, MaxPayloadSize: maxSize}, nil
	}
	insecure, err := cfg.bool("insecure")
	if err != nil {
		return nil, err
	}
	opts := []transport.Option{
		transport.WithLogger(log),
		transport.WithToken(cfg.str("token")),
		transport.WithMaxPayloadSize(maxSize),
		transport.WithUserAgent(o.Version),
		transport.WithInsecure(insecure),
	}
	if ca := cfg.str("ca_file"); ca != "" {
		opts = append(opts, transport.WithCAFile(ca))
	}
	client, err := transport.New(backend, opts...)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return framework.CallbackDeliverer{Client: client}, nil
}
