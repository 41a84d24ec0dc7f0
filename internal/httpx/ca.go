package httpx

import (
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
)

// ErrNoCertificate matches the error of CAPool (and so of NewClient) for a
// CA file that holds no PEM certificate.
var ErrNoCertificate = errors.New("no PEM certificate found")

// CAFileError is the error of a CA file that cannot be read or holds no
// PEM certificate (see CAPool).
type CAFileError struct {
	Path string
	// Err is the os error of the read, or ErrNoCertificate.
	Err error
}

func (e *CAFileError) Error() string { return "ca file " + e.Path + ": " + FileCause(e.Err).Error() }

// FileCause returns what is wrong with a file from the error of its read
// or check, for an error naming the setting and the file itself, the one
// text every setting naming a file (ca_file, broker_ca_file) gives for
// it, which the caller keeps in its error's chain: the Err
// of the *CAFileError in err's chain (ErrNoCertificate, or the os error),
// then the os error of an *fs.PathError without its path (errors.Is
// fs.ErrNotExist, "no such file or directory"); err when it holds neither.
func FileCause(err error) error {
	var ce *CAFileError
	if errors.As(err, &ce) {
		err = ce.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Unwrap returns Err.
func (e *CAFileError) Unwrap() error { return e.Err }

// CAPool returns the system roots (an empty pool where there are none)
// with the PEM certificates of the CA file at path added: pem, when not
// nil, is its content, read by the caller (a pipe can be read once only),
// and the file is not opened then; path only names it. It is the one
// reading and check of a CA file, for every client that trusts one (the
// backend's and the platform's ca_file through NewClient, the broker's
// broker_ca_file), and for a caller that refuses a bad file before it
// builds any client. A file that cannot be read, or holds no PEM
// certificate, is a *CAFileError (errors.Is ErrNoCertificate, or the os
// error).
func CAPool(path string, pem []byte) (*x509.CertPool, error) {
	if pem == nil {
		var err error
		if pem, err = os.ReadFile(path); err != nil {
			return nil, &CAFileError{Path: path, Err: err}
		}
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) { // true when pem holds one at least
		return nil, &CAFileError{Path: path, Err: ErrNoCertificate}
	}
	return pool, nil
}
