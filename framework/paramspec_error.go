package framework

// paramDefaultError is ParamsSpec's refusal of one param's default (out
// of its tag's range, not among its enum, negative, set on a required
// param): it reads "params spec: field Attempts: …", wraps ErrParamsSpec,
// and says by ParamName which param it refuses, so that a caller which
// also sees that param's value refused (frameworktest's Conformance, whose
// live inject decodes the defaults) can tell the two are one cause without
// reading the wording.
type paramDefaultError struct {
	field string // the Go field
	param string // its json name
	err   error  // what is wrong, saying what to change
}

func (e *paramDefaultError) Error() string {
	return ErrParamsSpec.Error() + ": field " + e.field + ": " + e.err.Error()
}

// Unwrap gives ErrParamsSpec and the cause.
func (e *paramDefaultError) Unwrap() []error { return []error{ErrParamsSpec, e.err} }

// ParamName is the json name of the param whose default is refused.
func (e *paramDefaultError) ParamName() string { return e.param }
