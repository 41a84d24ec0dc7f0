package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/settingkey"
	"github.com/injectkit/injectkit/signatures"
)

// Prepared is a request the runtime validated and is about to execute, as
// a Receiver sees it. Its fields are read-only.
type Prepared struct {
	// Request is the request, its defaults filled in (the phase).
	Request Request
	// Manifest is the executor's, nil when it has none.
	Manifest *framework.Manifest
	// Targets are the typed targets, the runtime's own: the signatures
	// are compiled and routed from them, and the report holds them. The
	// executor never sees this slice (unless it only reads it, see
	// handed): ValidateTargets and Execute are each
	// handed a copy made when they are called (executorTargets), the
	// expectation types and the params are its own too, so that nothing
	// it changes, then or later, changes what is reported or the
	// request's typed targets.
	Targets []framework.Target
	// Timeout is the execution deadline.
	Timeout time.Duration

	executor framework.Executor
	inject   *framework.Inject // the executor's: its own copy of the types; its targets are copied in when Execute is called
	category framework.Category
	types    []framework.ExpectationType
	source   func() signatures.SourceIPs // the runtime's, resolved once
	// routes finds each network target's source addresses on the route
	// to it, for a DirectSender executor; nil: every target has source's.
	routes *signatures.RouteSources
	direct bool // the executor's SendsToTargets
	// readsOnly is the executor's ReadsTargetsOnly: its methods are
	// handed Targets itself, not a copy (see handed).
	readsOnly bool
	// secrets redacts the values of the executor's Secret settings from
	// everything it returns (ownOutput); nil when it has none.
	secrets *httpx.Redactor
	// panicked is set when one of the executor's checks panicked: the
	// inject is not executed and fails with the panic's message.
	panicked *hook.PanicError
	// running is closed when the executor's Execute returns; set when the
	// run abandoned it (callExecutor): Close waits for it (closed).
	running <-chan struct{}
}

// ExpectationTypes returns the expectation types the signatures are
// grouped by: the request's, parsed, each once (DETECTION and detection
// are one group), else DETECTION.
func (p *Prepared) ExpectationTypes() []framework.ExpectationType { return slices.Clone(p.types) }

// prepare validates a request and builds everything execute needs: typed
// configs, decoded params, the executor. Every error is a
// *RequestError. A panic of the executor's checks once the
// targets are typed is not an error: Prepared.panicked holds it.
func (rt *Runtime) prepare(req Request) (*Prepared, error) {
	if strings.TrimSpace(req.Injector) == "" {
		return nil, invalid("injector", req.Injector, "required")
	}
	if err := checkFields(req); err != nil {
		return nil, err
	}
	ex, err := rt.registry.New(req.Injector) // a panic of the factory is a *hook.PanicError
	if err != nil {
		return nil, requestError(err)
	}
	p := &Prepared{Request: req, executor: ex, source: rt.sigs.ResolveSourceIP}
	// The manifest the injector's listing and its platform contract show
	// (framework.Registry.Manifest, derived once per injector by the registry); a
	// panic of Manifest is a *hook.PanicError.
	m, hasManifest, err := rt.registry.Manifest(req.Injector, ex)
	if err != nil {
		return nil, err
	}
	if hasManifest {
		p.Manifest = &m
	}
	if req.Phase == "" {
		p.Request.Phase = DefaultPhase
	}
	switch {
	case len(req.Targets) == 0 && len(req.Typed) == 0:
		reason := "at least one target is required"
		if p.Manifest != nil && p.Manifest.Category != "" {
			reason += fmt.Sprintf(" (injector %s takes %s targets)", req.Injector, p.Manifest.Category)
		}
		return nil, invalid("targets", "", reason)
	case len(req.Targets) > 0 && len(req.Typed) > 0:
		return nil, invalid("targets", "", "give targets or typed targets, not both")
	}
	if p.types, err = parseTypes(req.ExpectationTypes, p.Manifest); err != nil {
		return nil, err
	}
	if err := declaredTypes(p.Manifest, req.ExpectationTypes); err != nil {
		return nil, err
	}
	if err := p.typeTargets(); err != nil {
		return nil, err
	}
	p.Timeout = time.Duration(req.Timeout)
	if p.Timeout == 0 {
		p.Timeout = rt.timeout
	}
	p.inject = &framework.Inject{ID: req.InjectID, Injector: req.Injector, Category: p.category,
		ExpectationTypes: slices.Clone(p.types), SecretEnv: rt.secretEnv()}
	settings := rt.settings(req.Injector)
	p.secrets = secretsOf(p.Manifest, settings)
	rt.warnWeakSecrets(p.Manifest, settings)
	if err := p.check(rt.registry, settings, rt.logRedact); err != nil {
		var pe *hook.PanicError
		if !errors.As(err, &pe) {
			return nil, err
		}
		p.panicked = pe // a bug of the injector: the inject fails, as when Execute panics
	}
	if p.direct && p.category == framework.Network {
		p.routes = rt.sigs.RouteSources()
		p.routes.Resolved(req.Resolved)
		if req.TrafficSources {
			p.routes.TrafficOnly()
		}
	}
	return p, nil
}

// Indirect reports whether the executor's traffic goes elsewhere than to
// its targets' own addresses (see Report.Indirect): known once the
// request is prepared, as a Receiver is handed it.
func (p *Prepared) Indirect() bool { return !p.direct }

// check runs the executor's checks of the typed inject (its params decoded
// by reg, which derives their fields once per injector): no target holding
// one of its secrets (secretTarget), its TargetsValidator, the params' decoding and checks (enums, Validate,
// ParamsValidator), then its Configurer, and asks a DirectSender whether
// it sends to its targets. A refusal is a *RequestError; a
// panic of one of them a *hook.PanicError. A param refused whose
// value holds a secret, the executor's Secret settings' or one redact
// removes (the caller's: WithLogRedaction), is withheld
// (signatures.WithholdSecret).
func (p *Prepared) check(reg *framework.Registry, settings map[string]string, redact func(string) string) error {
	name, ex, in := p.Request.Injector, p.executor, p.inject
	if err := secretInjectID(p.Request.InjectID, p.secrets, redact); err != nil {
		return requestError(err)
	}
	if err := secretTarget(p.Manifest, settings, p.secrets, redact, p.Targets); err != nil {
		return requestError(err)
	}
	if r, ok := ex.(framework.TargetsReader); ok {
		err := hook.Call(name, "ReadsTargetsOnly", func() error { p.readsOnly = r.ReadsTargetsOnly(); return nil })
		if err != nil {
			return requestError(err)
		}
	}
	if v, ok := ex.(framework.TargetsValidator); ok {
		// A copy of its own, let go when it returns: what it changes
		// there reaches neither the checks that follow (a Receiver's),
		// nor Execute, nor the report.
		targets := p.handed()
		err := hook.Call(name, "ValidateTargets", func() error { return v.ValidateTargets(targets) })
		if err != nil {
			return requestError(err)
		}
	}
	err := hook.Call(name, "decoding its params", func() (err error) {
		in.Params, err = reg.DecodeParams(name, ex, p.Request.Params)
		return err
	})
	if err != nil {
		return requestError(signatures.WithholdSecret(err, func(s string) string {
			if p.secrets != nil {
				s = p.secrets.Redact(s)
			}
			if redact != nil {
				s = redact(s)
			}
			return s
		}))
	}
	if c, ok := ex.(framework.Configurer); ok {
		if err := hook.Call(name, "Configure", func() error { return c.Configure(settings) }); err != nil {
			// Its own key (query.x) said as the user sets it (shodan.x).
			return requestError(fmt.Errorf("configure %s: %w", name, settingkey.Configured(err, name, ex, p.Manifest)))
		}
	}
	if d, ok := ex.(framework.DirectSender); ok {
		err := hook.Call(name, "SendsToTargets", func() error { p.direct = d.SendsToTargets(); return nil })
		if err != nil {
			return requestError(err)
		}
	}
	return nil
}

// requestError wraps a check's refusal in a *RequestError; a
// *hook.PanicError is returned as it is.
func requestError(err error) error {
	var pe *hook.PanicError
	if errors.As(err, &pe) {
		return pe
	}
	return &RequestError{Err: err}
}

// typeTargets turns the request's target specs (or checks its typed
// targets) into typed targets of one category, the injector's, each in
// its canonical form (signatures.Canonical): p.Targets, what the
// signatures and the wire profiles see, and p.category. Typed targets
// already in that form are kept as they are (p.Targets is then the
// request's slice, which the runtime only reads: the executor is handed
// copies); the request's own are never changed. The first target sets
// the category; the others are checked in parts (see checkParts), each
// on a core of its own, and the error is that of the first bad target,
// as checking them in order finds it.
func (p *Prepared) typeTargets() error {
	typed := len(p.Request.Typed) > 0
	var targets []framework.Target
	if typed {
		targets = p.Request.Typed
	} else {
		targets = make([]framework.Target, len(p.Request.Targets))
	}
	// canon holds, for a part of typed targets, the indices whose
	// configuration Canonical changed, and the canonical ones: applied
	// to a copy of the request's slice once every part is checked.
	type canon struct {
		i int
		c signatures.Config
	}
	var cat framework.Category
	check := func(i int, changed *[]canon) error {
		var c signatures.Config
		attr := targets[i].Attribution
		if typed {
			if c = targets[i].Config; c == nil {
				return invalid(fmt.Sprintf("targets[%d]", i), "", "no configuration")
			}
			if err := c.Validate(); err != nil {
				return &RequestError{Err: prefixField(fmt.Sprintf("targets[%d]", i), err)}
			}
			if cc := signatures.Canonical(c); cc != c {
				*changed = append(*changed, canon{i, cc})
				c = cc
			}
		} else {
			spec := p.Request.Targets[i]
			var err error
			if c, err = spec.Config(); err != nil {
				return &RequestError{Err: prefixField(fmt.Sprintf("targets[%d]", i), err)}
			}
			c = signatures.Canonical(c)
			attr = spec.Attribution()
			targets[i] = framework.Target{Config: c, Attribution: attr} // its own index: parts never share one
		}
		if err := attr.Validate(); err != nil {
			return &RequestError{Err: prefixField(fmt.Sprintf("targets[%d]", i), err)}
		}
		if i == 0 {
			cat = c.Category()
		} else if c.Category() != cat {
			return invalid(fmt.Sprintf("targets[%d]", i), "", signatures.ReasonOtherCategory(c.Category(), "targets[0]", cat))
		}
		return nil
	}
	var first []canon
	if err := check(0, &first); err != nil {
		return err
	}
	parts := partsOf(len(targets) - 1)
	changes := append([][]canon{first}, make([][]canon, parts)...)
	err := checkParts(1, len(targets), parts, func(part, i int) error {
		return check(i, &changes[part+1]) // the part's own: no other writes there
	})
	if err != nil {
		return err
	}
	for _, part := range changes {
		for _, ch := range part {
			if &targets[0] == &p.Request.Typed[0] {
				targets = slices.Clone(targets)
			}
			targets[ch.i].Config = ch.c
		}
	}
	if p.Manifest != nil && p.Manifest.Category != "" && p.Manifest.Category != cat {
		return invalid("targets", string(cat),
			fmt.Sprintf("injector %s takes %s targets", p.Request.Injector, p.Manifest.Category))
	}
	p.Targets, p.category = targets, cat
	return nil
}

// checkFields checks what a request's bodies carry in their URL and headers:
// the inject id, when given (a wire profile that needs one says so), and
// the phase, when given (else DefaultPhase), must each pass
// signatures.ValidateID: printable, at most 256 bytes. A negative timeout
// is refused too (zero is the default).
func checkFields(req Request) error {
	if req.InjectID != "" {
		if err := signatures.ValidateID("inject_id", req.InjectID); err != nil {
			return &RequestError{Err: err}
		}
	}
	if req.Phase != "" {
		if err := signatures.ValidateID("phase", req.Phase); err != nil {
			return &RequestError{Err: err}
		}
	}
	if req.Timeout < 0 {
		return invalid("timeout", req.Timeout.String(), "must not be negative (zero is the default)")
	}
	return nil
}

// parseTypes returns the request's expectation types raw, each once, or,
// when it names none, the default of the injector's manifest m
// (Manifest.DefaultExpectations; DETECTION without a manifest).
func parseTypes(raw []string, m *framework.Manifest) ([]framework.ExpectationType, error) {
	if len(raw) == 0 {
		if m == nil {
			return []framework.ExpectationType{signatures.Detection}, nil
		}
		return m.DefaultExpectations(), nil
	}
	seen := map[framework.ExpectationType]bool{}
	var out []framework.ExpectationType
	for i, s := range raw {
		if strings.TrimSpace(s) == "" {
			return nil, &RequestError{Err: &signatures.ValidationError{Field: fmt.Sprintf("expectation_types[%d]", i), Value: s,
				Reason: "must not be blank: give DETECTION, PREVENTION or VULNERABILITY, or leave expectation_types out for the injector's default"}}
		}
		t, err := signatures.ParseExpectationType(s)
		var ve *signatures.ValidationError
		if errors.As(err, &ve) { // the entry itself, as the request names it, and the type likely meant
			named := *ve
			named.Field, named.Reason = fmt.Sprintf("expectation_types[%d]", i), ve.Reason+typeMeant(s)
			return nil, &RequestError{Err: &named}
		}
		if err != nil {
			return nil, &RequestError{Err: prefixField(fmt.Sprintf("expectation_types[%d]", i), err)}
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// declaredTypes refuses an expectation type of raw, the request's types,
// the injector's manifest does not declare (its contract: what its
// signatures are meant to be matched for), naming the entry of raw and
// the types declared. An injector without a manifest, or one declaring
// none, takes any; its default (parseTypes) is always declared.
func declaredTypes(m *framework.Manifest, raw []string) error {
	if m == nil {
		return nil
	}
	for i, s := range raw {
		t, err := signatures.ParseExpectationType(s)
		if err != nil {
			continue // parseTypes refused it
		}
		if err := m.CheckExpectation(t); err != nil {
			return invalid(fmt.Sprintf("expectation_types[%d]", i), s, err.Error())
		}
	}
	return nil
}

func invalid(field, value, reason string) error {
	return &RequestError{Err: &signatures.ValidationError{Field: field, Value: value, Reason: reason}}
}

func prefixField(prefix string, err error) error {
	var ve *signatures.ValidationError
	if errors.As(err, &ve) {
		cp := *ve
		if cp.Field == "" || cp.Field == "target" {
			cp.Field = prefix
		} else {
			cp.Field = prefix + "." + cp.Field
		}
		return &cp
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
