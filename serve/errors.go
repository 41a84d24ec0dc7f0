package serve

import "errors"

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as permanent: a Handler returns it for a message that
// can never succeed (the daemon rejects it without requeue), a Registrar for
// a registration that retrying cannot fix (a refused token: Run returns it).
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked by
// Permanent. Only that mark counts: whether another package's error is
// permanent is for the adapter between it and the daemon to decide.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
