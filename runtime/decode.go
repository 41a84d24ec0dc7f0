package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/jsontype"
	"github.com/injectkit/injectkit/internal/scalar"
	"github.com/injectkit/injectkit/signatures"
)

// DecodeInjectFile decodes data, an inject file the caller has read
// (whole, bounded: the CLI's inject_file), as one request strictly,
// checking it whole: keys are
// matched exactly (encoding/json alone would let "Inject_ID" fill
// inject_id), and unknown fields, duplicate keys (in params, keys equal
// but for case too), a value of the wrong JSON type, a duration that is
// not positive, and any data after the JSON object are errors, and so are
// bytes that are not UTF-8 and a \u escape of a lone UTF-16 surrogate
// ("\ud800"), which encoding/json would read as U+FFFD, silently. Each
// names the field as the file writes it (timeout, targets[2].value,
// params.delay) and where it is: line and column, after name when it is
// not "" (the file's path, or stdin). A leading
// UTF-8 byte order mark is passed over. An empty list or params object is
// the same as none. A number in params is a json.Number, as written.
// Every error is a *RequestError.
//
// It leaves the request's Targets nil: they are returned to be decoded one
// at a time (FileTargets.Each), so that a caller typing each target
// itself (the CLI's inject file) holds the file's bytes and its own typed
// form of each target, not a TargetSpec a target as well; they read data,
// which the caller must leave as it is. White space
// around a target's address, host name, cloud provider and account,
// region, service or query is dropped, as the command line drops it around
// each --target and --cloud-* (see TargetSpec); its other fields are kept
// as written.
func DecodeInjectFile(name string, data []byte) (Request, FileTargets, error) {
	var req Request
	at := func(data []byte, off int64) string {
		line, col := Position(data, off)
		return place(name, line, col)
	}
	where := strings.TrimSpace("inject file " + name)
	fail := func(err error) (Request, FileTargets, error) {
		return req, FileTargets{}, &RequestError{Err: err}
	}
	// A UTF-8 byte order mark, which editors on Windows write and show to
	// no one, is passed over (RFC 8259 allows a parser to); positions are
	// then counted as the user sees the text.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		// encoding/json would read the bad bytes as U+FFFD, silently: an
		// inject id would then travel as another id.
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return fail(fmt.Errorf("%s: not valid UTF-8 (RFC 8259 wants it)", at(data, int64(off))))
	}
	c, err := checkJSON(data)
	if err != nil {
		var pe *posError
		if errors.As(err, &pe) {
			return fail(fmt.Errorf("%s: %w", at(data, pe.off), pe.err))
		}
		return fail(fmt.Errorf("%s: %w", where, err))
	}
	// checkJSON has refused what encoding/json would let through (unknown
	// fields, keys in another case): the rest of the request is decoded
	// in place, its targets passed over.
	var head requestHead
	if err := json.Unmarshal(data, &head); err != nil {
		return fail(fmt.Errorf("%s: %w", where, jsonError(data, err)))
	}
	req = head.Request
	req.Targets, req.Params = nil, head.Params
	places := c.filePlaces(name)
	if req.ExpectationTypes != nil && len(req.ExpectationTypes) == 0 {
		// [] asks for no expectation at all, which no inject can give:
		// refused, not read as the default (null or no key is that).
		return fail(fmt.Errorf("%s: %w", places.Of("expectation_types"), &signatures.ValidationError{
			Field: "expectation_types", Value: "[]",
			Reason: "an empty list asks for no expectation; name DETECTION, PREVENTION or VULNERABILITY, or leave the key out for the injector's default (DETECTION, or its declared types when it does not declare DETECTION)"}))
	}
	if len(req.Params) == 0 {
		req.Params = nil
	}
	targets := FileTargets{where: where, places: places}
	if c.list >= 0 {
		targets = FileTargets{data: data, off: c.list, n: c.n, given: true, where: where, places: places}
	}
	return req, targets, nil
}

// requestHead is a request as DecodeInjectFile decodes it whole: its
// targets passed over, its params' numbers kept as written.
type requestHead struct {
	Request
	Targets skipped      `json:"targets"`
	Params  numberParams `json:"params"`
}

// skipped is a JSON value passed over.
type skipped struct{}

func (*skipped) UnmarshalJSON([]byte) error { return nil }

// numberParams are params whose numbers stay as written (json.Number): an
// integer past 2^53 reaches the injector exact, and an error quotes it as
// the file gives it, not as a float64 ("1e+20").
type numberParams map[string]any

func (p *numberParams) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return err
	}
	*p = m
	return nil
}

// jsonError turns an error of encoding/json, found after checkJSON passed
// (a number too large for params, say), into one naming the field or the
// place.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at %s: %w", lineCol(data, se.Offset-1), err)
	case errors.As(err, &te):
		return &signatures.ValidationError{Field: te.Field, Value: te.Value, Reason: "wrong JSON type, want " + jsontype.Describe(te.Type)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("invalid JSON: %w", err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &signatures.ValidationError{Field: name, Reason: "unknown field"}
	}
	return err
}

// Duration is a request's timeout: JSON reads it from a string ("5m",
// "90s", or "300", a number of seconds) or a bare number of seconds
// (300, 1.5), and refuses one that is not positive (zero is the default,
// written by leaving the field out). MarshalJSON writes the string.
type Duration time.Duration

// UnmarshalJSON accepts "1m30s", "90" or 90 (seconds), positive; null
// leaves d as it is.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return &signatures.ValidationError{Field: "duration", Value: signatures.Shorten(string(b), maxEcho), Reason: "not a duration"}
	}
	n, err := durationOf("duration", v)
	if err != nil {
		return err
	}
	*d = Duration(n)
	return nil
}

// durationOf reads a duration from a decoded JSON value (a string or a
// json.Number; a bare number is seconds, as framework.ParseDuration reads
// it); a failure is a *ValidationError naming field.
func durationOf(field string, v any) (time.Duration, error) {
	bad := func(value, reason string) error {
		return &signatures.ValidationError{Field: field, Value: signatures.Shorten(value, maxEcho), Reason: reason}
	}
	var s string
	switch x := v.(type) {
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, bad(x, "empty duration; leave the field out for the default")
		}
		s = x
	case json.Number:
		s = x.String()
	default:
		return 0, bad(fmt.Sprint(v), `not a duration: want a string such as "30s" or a number of seconds`)
	}
	d, err := framework.ParseDuration(s)
	switch {
	case err != nil && strings.HasPrefix(strings.TrimSpace(s), "-"):
		return 0, bad(s, "must be positive; leave the field out for the default")
	case err != nil && !strings.HasPrefix(err.Error(), "not a duration"):
		// Too long, or rounds to 0s, which is refused as 0 is.
		return 0, bad(s, scalar.ZeroAdvice(err, false, "the field").Error())
	case err != nil:
		return 0, bad(s, "not a duration (e.g. 30s, 5m, or 300 for seconds)")
	case d <= 0:
		return 0, bad(s, "must be positive; leave the field out for the default")
	}
	return d, nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// String formats the duration like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }
