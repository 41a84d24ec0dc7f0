package cli

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// A run's --param pairs: decoded as the injector's manifest declares
// them, refused naming the pair as the user wrote it, in either profile.

// addParams adds the --param key=value pairs to the request, each decoded
// as the injector's manifest declares it (see builtInjector.paramsManifest).
func addParams(req *runtime.Request, cfg *runConfig, set *injectorSet) error {
	params := cfg.Params
	if len(params) == 0 {
		return nil
	}
	b, ok := set.get(req.Injector)
	switch {
	case !ok:
		return &ExitError{Code: ExitUsage, Err: set.unknown(req.Injector)}
	case b.ex == nil:
		return nil // its factory panicked: the runtime reports it (exit 3), as a panic of the other methods
	}
	m := b.paramsManifest()
	if req.Params == nil {
		req.Params = map[string]any{}
	}
	seen := make(map[string]bool, len(params))
	// A refused value holding a secret is withheld, with what is wrong
	// with it, as the runtime withholds an inject file's.
	redact := cfg.redaction(set.manifests())
	if err := cfg.checkHiddenParams(m, redact); err != nil {
		return err
	}
	for i, kv := range params {
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			return usageErr("invalid param %q%s: want key=value", kv, cfg.wherePair("param", i))
		case strings.TrimSpace(k) == "":
			return usageErr("invalid param %q%s: want key=value: the key is blank", kv, cfg.wherePair("param", i))
		}
		if seen[k] {
			// One layer gave it twice (mergedPairs): refused, as a value
			// the injector refuses (a secret's withheld), whatever the
			// profile.
			err := &signatures.ValidationError{Field: "params." + k, Value: v, Reason: k + " given twice"}
			return &paramRefusal{i: i, err: signatures.WithholdSecret(m.WithholdParam(k, err), redact)}
		}
		seen[k] = true
		val, err := m.ParseParam(k, v)
		switch {
		case err != nil && cfg.openAEV():
			// The runtime refuses it, as an inject file's param, and the
			// platform gets its reception and INVALID_USAGE, saying
			// what the callback profile says (writtenParams).
			val = v
			var ve *signatures.ValidationError
			if errors.As(err, &ve) {
				if cfg.paramTypeErrs == nil {
					cfg.paramTypeErrs = map[string]*signatures.ValidationError{}
				}
				cfg.paramTypeErrs[k] = ve
			}
		case err != nil:
			return &paramRefusal{i: i, err: signatures.WithholdSecret(err, redact)}
		}
		req.Params[k] = val
	}
	return nil
}

// paramRefusal is a --param pair (cfg.Params[i]) its injector refuses (err): run
// refuses the inject as the runtime refuses any other bad param, its WARN
// "inject rejected" logged (see rejectParam).
type paramRefusal struct {
	i   int
	err error
}

func (e *paramRefusal) Error() string { return e.err.Error() }
func (e *paramRefusal) Unwrap() error { return e.err }

// writtenParams names the refusal err of a request of the command line
// (its runtime.Request.NameRejection) quoting a --param value as the user
// wrote it (call_timeout=0), not as the injector's check shows it once
// decoded ("0s"), in the runtime's WARN "inject rejected" line and the
// rejection a profile delivers, as the human line does (paramErr). A
// value withheld, or with a part the injector hid (credentials), stays as
// it is; a value the injector's types refuse, for the callback profile's
// reason (paramTypeReason).
func (c *runConfig) writtenParams(err error) error {
	err = c.paramTypeReason(err)
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Withheld || hidden(ve.Value) {
		return err
	}
	name, ok := strings.CutPrefix(ve.Field, "params.")
	if !ok {
		return err
	}
	for _, kv := range c.Params {
		k, v, _ := strings.Cut(kv, "=")
		if k != name || v == ve.Value {
			continue
		}
		written := *ve
		written.Value = v
		return rewrap(err, &written)
	}
	return err
}

// paramTypeReason is err, a refusal of a --param value the injector's
// types refuse under the openaev profile (paramTypeErrs), with the reason
// the callback profile gives it (not an integer as JSON writes one …),
// not the runtime's (wrong JSON type): one message whatever the profile.
func (c *runConfig) paramTypeReason(err error) error {
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	name, _ := strings.CutPrefix(ve.Field, "params.")
	if te := c.paramTypeErrs[name]; te != nil && te.Field == ve.Field && te.Reason != ve.Reason {
		typed := *ve
		typed.Reason = te.Reason
		return rewrap(err, &typed)
	}
	return err
}

// rewrap is ve in place of err's validation error: a
// *runtime.RequestError still, when err was one.
func rewrap(err error, ve *signatures.ValidationError) error {
	if re := (*runtime.RequestError)(nil); errors.As(err, &re) {
		return &runtime.RequestError{Err: ve}
	}
	return ve
}

// rejectParam refuses the inject req for its --param pair that its
// injector refuses (pr), as the runtime refuses a bad param of an inject
// file: the WARN "inject rejected" line (a dry run's random inject id
// when req has none), then the error naming the pair. validate, which
// runs no inject, returns that error alone (cfg.paramErr), as it does any
// other param its injector refuses.
func rejectParam(ctx context.Context, o Options, cfg *runConfig, log *zap.Logger, req runtime.Request, pr *paramRefusal) error {
	if req.InjectID == "" {
		req.InjectID = uuid.NewString()
	}
	// No deliverer: Reject logs the refusal as the run would, and sends nothing.
	_ = newRuntime(o, cfg.injectors, log).Reject(ctx, req, pr.err)
	return cfg.paramErr(pr.i, pr.err)
}

// checkHiddenParams refuses a param item a higher layer's of the same key
// replaced (--param timing=4 over the config file's timing=fast) that
// the injector would refuse were it the one read, exit 2 before anything
// runs, naming where it was written, its value withheld as a refused
// param's is: it is read the day the higher one goes (checkShadowed).
func (c *runConfig) checkHiddenParams(m *framework.Manifest, redact func(string) string) error {
	for i, kv := range c.hiddenPairs {
		k, v, _ := strings.Cut(kv, "=")
		_, err := m.ParseParam(k, v)
		if err == nil {
			continue
		}
		shown, reason := strconv.Quote(kv), err.Error()
		var ve *signatures.ValidationError
		if errors.As(signatures.WithholdSecret(m.WithholdParam(k, err), redact), &ve) {
			if reason = ve.Reason; ve.Withheld {
				shown = k + "=…"
			}
		}
		return usageErr("invalid param %s (%s): %s (hidden today by a higher source's %s)",
			shown, c.hiddenFrom[i], reason, k)
	}
	return nil
}
