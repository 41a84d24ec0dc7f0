package cli

import (
	"context"
	"errors"
	"io"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
)

// The files serve's settings name (icon_file, ca_file, broker_ca_file,
// broker_cert_file, broker_key_file) are read once each, before serve
// starts, as run reads its inputs: the first interrupt stops a read that
// waits on a FIFO (exit 130).

// readIcon reads the icon file path (icon_file, given where) as
// openInput reads an input, the first interrupt stopping the read, at
// most one byte past openaev.MaxIconSize, and checks it is a PNG image
// the platform can show (openaev.CheckIcon). An error is a usage error
// naming the setting, or the interrupted exit.
func readIcon(ctx context.Context, path, where string) ([]byte, error) {
	in, err := openInput(ctx, "icon_file", where, path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	b, err := io.ReadAll(io.LimitReader(in, openaev.MaxIconSize+1))
	switch {
	case interruptedErr(err):
		return nil, err
	case err != nil:
		return nil, usageErr("invalid icon_file %q%s: %w", path, where, err)
	}
	if err := openaev.CheckIcon(b); err != nil {
		var ve *openaev.ValidationError
		if errors.As(err, &ve) {
			return nil, usageErr("invalid icon_file %q%s: %s", path, where, ve.Reason)
		}
		return nil, usageErr("invalid icon_file %q%s: %w", path, where, err)
	}
	return b, nil
}

// readCAFiles reads the CA files of the platform (ca_file) and the broker
// (broker_ca_file), and the broker's client certificate and key
// (broker_cert_file, broker_key_file), once each, as openInput reads an
// input: the first interrupt stops the read. Their clients are built from these bytes, the files
// not opened again (a pipe gives its content once only).
func (sc serveConfig) readCAFiles(ctx context.Context, so *serve.Options, oo *openaev.ServeOptions) error {
	if p := sc.Platform.CAFile; p != "" {
		b, err := readInput(ctx, "ca_file", sc.where("ca_file"), p, maxCASize)
		if err != nil {
			return err
		}
		oo.CAPEM = append([]byte{}, b...)
	}
	if p := sc.Broker.CAFile; p != "" {
		b, err := readInput(ctx, "broker_ca_file", sc.where("broker_ca_file"), p, maxCASize)
		if err != nil {
			return err
		}
		so.BrokerTLS.CAPEM = append([]byte{}, b...)
	}
	if sc.Broker.CertFile == "" || sc.Broker.KeyFile == "" {
		return nil // one without the other: serve.BrokerTLS says which is missing
	}
	for _, f := range []struct {
		key, path string
		dst       *[]byte
	}{
		{"broker_cert_file", sc.Broker.CertFile, &so.BrokerTLS.CertPEM},
		{"broker_key_file", sc.Broker.KeyFile, &so.BrokerTLS.KeyPEM},
	} {
		b, err := readInput(ctx, f.key, sc.where(f.key), f.path, maxCASize)
		if err != nil {
			return err
		}
		*f.dst = append([]byte{}, b...) // not nil, even empty: read
	}
	return nil
}
