package cli

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

// checkedRun is an inject as checkRun leaves it: the request, its targets
// with where each was written, the checks of its size limit that send
// nothing, and where its signatures would go.
type checkedRun struct {
	req     runtime.Request
	targets *targetList
	checks  []runtime.Receiver
	dest    string
}

// checkRun is the one check of validate and run before anything runs, is
// sent or is stored (no outbox opened, no platform asked): the request
// (buildRunRequest), the injector's manifest (injectorSet.check, whatever the
// profile; with the openaev profile platformManifest too), its required
// settings (injectorSettingsSet: every inject fails without them, whatever
// the profile, so nothing is sent), its inject id (a random one for a dry run: its
// length counts in the size limit), and what would deliver it
// (deliveryChecks). Every error is a usage error naming the flag, key or
// file and the value; the same input gives the same error in both. The CA
// file is read here, once (cfg keeps its content for the run's clients).
// A --param its injector refuses is a *paramRefusal, which the command
// reports (rejectParam).
func checkRun(ctx context.Context, o Options, cfg *runConfig, log *zap.Logger, injector string) (checkedRun, error) {
	var cr checkedRun
	var err error
	if cr.req, cr.targets, err = buildRunRequest(ctx, log, injector, cfg, o.injectors()); err != nil {
		return cr, err // a *paramRefusal left to the command (rejectParam)
	}
	if cfg.openAEV() {
		err = platformManifest(o, cr.req.Injector) // injectorSet.check's check, then the platform's
	} else {
		err = o.injectors().check(cr.req.Injector)
	}
	if err != nil {
		return cr, err
	}
	if err := injectorSettingsSet(o, cr.req.Injector, cfg.injectors, &cfg.origins); err != nil {
		return cr, err
	}
	if cr.targets != nil && cr.targets.dropped > 0 {
		log.Warn("duplicate targets dropped", zap.Int("dropped", cr.targets.dropped), zap.String("first", cr.targets.firstDrop),
			zap.Int("targets", cr.targets.len()))
	}
	if cr.req.InjectID == "" {
		if cfg.Backend.URL != "" {
			return cr, missingInjectID(cfg)
		}
		cr.req.InjectID = uuid.NewString()
	}
	if err := secretURL("backend_url", cfg.where("backend_url"), cfg.Backend.URL, cfg.secrets(o.injectors().manifests())); err != nil {
		return cr, err
	}
	warnNoToken(log, cfg.Backend)
	warnSecretArgs(log, &cfg.origins, cfg.Backend.Token, "backend_url", cfg.Backend.URL)
	if err := checkProxy(o); err != nil {
		return cr, err
	}
	// Read once, for these checks and the run's clients alike.
	if err := cfg.Backend.readCA(ctx, cfg.where("ca_file")); err != nil {
		return cr, err
	}
	if cr.checks, cr.dest, err = deliveryChecks(*cfg, o, log); err != nil {
		return cr, err
	}
	warnAPIRoute(log, cfg.Backend.URL, cfg.source("backend_url")) // a URL the checks took
	return cr, nil
}

// refused refuses, as validate does and before anything runs, is sent or
// is stored (no outbox opened, no platform asked), an inject a target of
// which has least signatures (those of any run that ends) that no body
// under max_payload_size can hold: the checks of its size limit
// (cr.checks) on the prepared inject. Without the openaev profile it
// refuses there too any other request the runtime's run would refuse
// before running (no target, a target of another category, bad params),
// with the run's WARN "inject rejected" line: that profile reports no
// rejection, so nothing is lost. With it, any other invalid request is
// left to the run, which tells the platform (its reception, then
// INVALID_USAGE): nil here; but for an inject id holding a secret
// (withheldInjectID), refused here as without it.
func (cr checkedRun) refused(ctx context.Context, o Options, cfg runConfig, log *zap.Logger) error {
	rt := newRuntime(o, cfg.injectors, log, runtime.WithLogRedaction(cfg.redaction(o.injectors().manifests())))
	_, err := rt.Validate(ctx, cr.req, cr.checks...)
	if errors.Is(err, transport.ErrTargetTooLarge) {
		return &ExitError{Code: ExitUsage, Err: cfg.relabel(cr.targets.relabel(err))}
	}
	var re *runtime.RequestError
	if !errors.As(err, &re) || cfg.openAEV() && !withheldInjectID(err) {
		return nil
	}
	// No deliverer: Reject logs the refusal as the run would, and sends nothing.
	_ = rt.Reject(ctx, cr.req, err)
	return &ExitError{Code: ExitUsage, Err: cfg.relabel(cr.targets.relabel(err)), Hint: cfg.categoryHint(err)}
}

// missingInjectID is the refusal of a run with a backend URL and no inject
// id: named where it was given empty (a flag, the environment, the config
// file, the inject file), or, given nowhere, with every way to give one.
func missingInjectID(cfg *runConfig) error {
	const reason = "required when a backend URL is set"
	switch {
	case cfg.where("inject_id") != "":
		return usageErr("invalid inject_id \"\"%s: %s", cfg.where("inject_id"), reason)
	case cfg.InjectFile != "" && cfg.filePlaces.Writes("inject_id"):
		return usageErr("%s: invalid inject_id \"\": %s", cfg.filePlaces.Of("inject_id"), reason)
	}
	return usageErr("no inject id: one is %s (give --inject-id, INJECTKIT_INJECT_ID, inject_id in the config file or \"inject_id\" in the inject file)", reason)
}

// withheldInjectID reports whether err refuses the inject id as holding a
// secret (the token, say): the openaev profile's reception and
// INVALID_USAGE of it would carry the secret in their paths to the
// platform, and into the outbox should they wait there.
func withheldInjectID(err error) bool {
	var ve *signatures.ValidationError
	return errors.As(err, &ve) && ve.Field == "inject_id" && ve.Withheld
}
