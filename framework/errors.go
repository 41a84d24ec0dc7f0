package framework

// RequestError reports an inject that cannot run as requested: an unknown
// injector, bad targets, params or settings. Nothing was executed or sent
// (a wire profile may still report the refusal, see runtime.Rejecter). The
// runtime wraps what a validator returns in one.
type RequestError struct {
	Err error // why: a *signatures.ValidationError names the field
}

func (e *RequestError) Error() string { return e.Err.Error() }
func (e *RequestError) Unwrap() error { return e.Err }
