package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap"
)

// buildRunRequest merges the inject file with the configuration (which
// wins, see logReplaced) and
// checks what a run would refuse before anything runs: every error is a
// usage error naming the flag, the param, the file and line or the inject
// file's key the user wrote. It also returns the targets with where each
// was written (nil when the request's targets are the inject file's as
// written), to name them in a later error and to report duplicates, and
// keeps in cfg where the inject file writes its other values (filePlaces),
// for a later error about a param. An interrupt through ctx stops the
// reading of the files (see openInput).
func buildRunRequest(ctx context.Context, log *zap.Logger, injector string, cfg *runConfig, set *injectorSet) (runtime.Request, *targetList, error) {
	var req runtime.Request
	var fromFile runtime.FileTargets // the inject file's targets, typed by collectTargets
	if cfg.InjectFile == stdinName && cfg.TargetsFile == stdinName {
		return req, nil, usageErr("invalid targets_file %q%s: stdin is read as the inject_file already%s: give the targets in a file of their own, or in the inject file",
			cfg.TargetsFile, cfg.where("targets_file"), cfg.where("inject_file"))
	}
	if cfg.InjectFile != "" {
		f, err := openInputOrStdin(ctx, "inject_file", cfg.where("inject_file"), cfg.InjectFile)
		if err != nil {
			return req, nil, err
		}
		defer f.Close()
		data, err := f.bound(maxInjectFileSize).readAll()
		var ee *ExitError
		switch {
		case err != nil && errors.As(err, &ee):
			return req, nil, ee // interrupted, or larger than its bound, named as the setting
		case err != nil: // named as readInput names another input's failure
			return req, nil, usageErr("invalid inject_file %q%s: %w", cfg.InjectFile, cfg.where("inject_file"), fileReason(err))
		}
		if req, fromFile, err = runtime.DecodeInjectFile(f.Name(), data); err != nil {
			return req, nil, &ExitError{Code: ExitUsage, Err: err}
		}
		cfg.filePlaces = fromFile.Places()
		logReplaced(log, *cfg, req, fromFile.Len())
	}
	if injector != "" {
		if req.Injector != "" && req.Injector != injector {
			// The command line wins, as for every field (a dry run of an
			// nmap inject with noop, say); a slip should not go unseen.
			log.Warn("the inject file names another injector; running the one the command line names",
				zap.String("inject_file", cfg.InjectFile), zap.String("file_injector", req.Injector), zap.String("injector", injector))
		}
		req.Injector = injector
	}
	cfg.injectorFromFile = injector == "" && req.Injector != ""
	if strings.TrimSpace(req.Injector) == "" {
		// None, "" or white space alone, from the file or the command
		// line: refused as blank, not looked up as an unknown name.
		prefix := ""
		if cfg.InjectFile != "" && injector == "" {
			// The file names none, or a blank one: where it does first,
			// as for its other values.
			prefix = cfg.filePlaces.Of("injector") + ": "
		}
		return req, nil, usageErr("%sinvalid injector %q: name one (known: %s)", prefix, req.Injector, strings.Join(set.names(), ", "))
	}
	if _, ok := set.get(req.Injector); !ok && injector == "" {
		// The inject file named it: its line and column first, as for
		// the file's other values.
		return req, nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", cfg.filePlaces.Of("injector"), set.unknown(req.Injector))}
	}
	if cfg.InjectID != "" {
		req.InjectID = cfg.InjectID
	}
	if err := checkPhase(*cfg, req.Phase, cfg.redaction(set.manifests())); err != nil {
		return req, nil, err
	}
	switch {
	case cfg.openAEV():
		req.Phase = "" // the profile's wire has none: the inject file's is ignored, as the configuration's
	case cfg.Phase != "":
		req.Phase = cfg.Phase
	}
	if cfg.Execution.Timeout != 0 {
		req.Timeout = runtime.Duration(cfg.Execution.Timeout)
	}
	if len(cfg.Expectations) > 0 {
		// Unknown, or not one the injector declares: refused before
		// anything is sent, with the openaev profile too (a setting, not
		// the inject's: the platform is told nothing of it).
		b, _ := set.get(req.Injector)
		for _, e := range cfg.Expectations {
			t, err := signatures.ParseExpectationType(e)
			if err != nil {
				return req, nil, unknownExpectation(e, cfg.whereItem("expectation", e))
			}
			if err := b.m.CheckExpectation(t); b.ok && err != nil {
				return req, nil, usageErr("invalid expectation %q%s: %w", e, cfg.whereItem("expectation", e), err)
			}
		}
		req.ExpectationTypes = cfg.Expectations
	}
	if b, ok := set.get(req.Injector); ok && b.err == nil {
		cfg.portAdvice = portAdvice(req.Injector, b.m)
	}
	targets, err := collectTargets(ctx, *cfg, fromFile)
	if err != nil {
		return req, nil, err
	}
	if targets != nil {
		req.Targets, req.Typed = targets.specs, targets.typed
		// Its duplicates dropped, the set of the targets kept goes
		// before the run (a block of 32 B an address of scattered
		// IPv4 targets).
		targets.seen = nil
	}
	if err := addParams(&req, cfg, set); err != nil {
		return req, nil, err
	}
	return req, targets, nil
}

// checkPhase refuses a phase that cannot travel in a callback's URL
// (signatures.ValidateID), an inject file's blank one, and, unless phase_any is set, one the wire
// format does not document (docs/wire-format.md): from the configuration,
// named after the value (`invalid phase "x" (--phase): …`), else from the
// inject file, named first by its line and column, as the file's other
// values are (`inject file x.json:3:10: invalid phase "x": …`). The
// openaev profile ignores the phase, wherever it is given (a flag of it
// is refused, otherProfileFlags): nothing to check. A phase holding a
// secret redact removes (the token, a Secret setting) is refused first,
// its value withheld, as an inject id holding one is: the phase travels
// in every body, in its Idempotency-Key, in the outbox and in a dry
// run's output.
func checkPhase(cfg runConfig, fromFile string, redact func(string) string) error {
	if cfg.openAEV() {
		return nil
	}
	// Where the configuration gave it: --phase, env INJECTKIT_PHASE or the
	// config file's line.
	phase, where := cfg.Phase, " ("+cfg.source("phase").at()+")"
	prefix := ""
	if phase == "" {
		phase, where, prefix = fromFile, "", cfg.filePlaces.Of("phase")+": "
	}
	switch {
	case phase == "" && cfg.InjectFile != "" && cfg.Phase == "" && cfg.filePlaces.Writes("phase"):
		// "phase": "" is refused as --phase '' is, not run with the
		// default (null leaves it out).
		return usageErr("%sinvalid phase \"\": must not be blank: leave the key out for the default", prefix)
	case phase == "":
		return nil
	}
	if redact != nil && redact(phase) != phase {
		secret := &signatures.ValidationError{Field: "phase", Reason: signatures.ReasonSecret, Withheld: true}
		if prefix == "" {
			return &ExitError{Code: ExitUsage, Err: cfg.named(secret)}
		}
		return usageErr("%s%w", prefix, secret)
	}
	if err := signatures.ValidateID("phase", phase); err != nil {
		if prefix == "" {
			// Where it was given right after the value, as every refused
			// setting (an inject id) is named.
			return &ExitError{Code: ExitUsage, Err: cfg.named(err)}
		}
		return usageErr("%s%w", prefix, err)
	}
	if !cfg.PhaseAny && phase != runtime.DefaultPhase {
		return usageErr("%sinvalid phase %q%s: want %s, the phase docs/wire-format.md documents (--phase-any sends any other)%s",
			prefix, phase, where, runtime.DefaultPhase, meant(phase, []string{runtime.DefaultPhase}))
	}
	return nil
}

// value is a network target as the command line writes it: --target or a
// line of --targets-file.
type value struct {
	v string
	o origin
}

// gatherTargets returns the targets the flags give (--target,
// --targets-file, --query, --cloud-*), which replace the inject file's, or,
// when they give none, the inject file's own, typed, with their CIDR ranges
// expanded (nil when it has none), and the refused ones noted in the list
// (collectTargets names them).
func gatherTargets(ctx context.Context, cfg runConfig, fromFile runtime.FileTargets) (*targetList, error) {
	l := newTargetList(cfg.MaxTargets, true)
	l.whereOf = cfg.whereItem
	l.limits(cfg)
	l.lenient = cfg.openAEV() // its INVALID_USAGE reports a bad target
	cloud := cfg.CloudProvider != "" || cfg.CloudAccount != "" || len(cfg.CloudRegions) > 0 || len(cfg.TargetServices) > 0
	if !cloud && len(cfg.Queries) == 0 {
		// The common case: each --target and line of --targets-file is a
		// target of its own, added as it is read.
		given := 0
		err := eachValue(ctx, l, cfg, func(v string, o origin) error {
			given++
			return l.add(runtime.TargetSpec{Value: v}, o)
		})
		switch {
		case err != nil:
			return nil, err
		case given > 0:
			return l, nil
		case cfg.TargetsFile != "":
			// Say which input came up empty, rather than that no
			// target was given at all; and never fall back to the
			// inject file's targets, which a targets file replaces.
			return nil, usageErr("invalid targets_file %q%s: holds no target (only blank lines and # comments)",
				cfg.TargetsFile, cfg.where("targets_file"))
		}
		return injectFileTargets(cfg, fromFile)
	}
	var values []value
	if err := eachValue(ctx, l, cfg, func(v string, o origin) error {
		values = append(values, value{v, o})
		return nil
	}); err != nil {
		return nil, err
	}
	switch {
	case cloud && len(cfg.Queries) > 0:
		src := l.sourceFrom(fromFlags, "--query", cfg.whereItem("query", cfg.Queries[0]))
		return nil, usageErr("%s: cloud targets (%s) and external ones (--query) cannot be mixed; give one kind",
			l.head(origin{src: src}, "", cfg.Queries[0]), cfg.cloudGiven())
	case cloud && len(values) > 0:
		return nil, usageErr("%s: cloud targets (%s) take no --target or --targets-file; give one kind",
			l.head(values[0].o, "", values[0].v), cfg.cloudGiven())
	case cloud:
		return l, cloudTargets(l, cfg)
	}
	return l, queryTargets(l, cfg.Queries, values, func(q string) string { return cfg.whereItem("query", q) })
}

// eachValue calls fn with each --target, then each target line of
// --targets-file, with where it was written, until fn fails. Of several
// --target values given one way (flags, one environment variable), each
// origin's at is its position from 1, which errors name (--target #3);
// else it is 0.
func eachValue(ctx context.Context, l *targetList, cfg runConfig, fn func(v string, o origin) error) error {
	flag := l.sourceFrom(fromFlags, "--target", cfg.where("target"))
	for i, t := range cfg.Targets {
		o := origin{src: flag}
		if len(cfg.Targets) > 1 {
			o.at = int32(i + 1) // --target #2: which of several
		}
		if w := cfg.whereItem("target", t); w != l.sources[flag].where && w != " (--target)" {
			o = origin{src: l.sourceFrom(fromFlags, "--target", w)} // an item of a config file list, on its line
		}
		if err := fn(t, o); err != nil {
			return err
		}
	}
	if cfg.TargetsFile == "" {
		return nil
	}
	return readTargetsFile(ctx, l, cfg.TargetsFile, cfg.where("targets_file"), fn)
}

// limits says where the settings that bound the targets were given:
// --max-targets, in maxWhere, and max_payload_size, in sizeName.
func (l *targetList) limits(cfg runConfig) {
	l.portAdvice, l.heap = cfg.portAdvice, cfg.heap
	if l.maxWhere = cfg.where("max_targets"); l.maxWhere == " (--max-targets)" {
		l.maxWhere = ""
	}
	switch w := strings.TrimSuffix(strings.TrimPrefix(cfg.where("max_payload_size"), " ("), ")"); {
	case w == "" || strings.HasPrefix(w, "--"):
		l.sizeName = cmp.Or(w, "max_payload_size")
	default:
		l.sizeName = "max_payload_size, " + w
	}
}

// injectFileTargets types the inject file's targets, decoded one at a
// time, and expands their CIDR ranges, dropping duplicates as the flags'
// targets are (seenTargets: one identity for every source); nil when the
// file has none. The list is made for the file's count of entries once
// the first is taken, as a targets file's once its first line is
// (presize).
func injectFileTargets(cfg runConfig, specs runtime.FileTargets) (*targetList, error) {
	if specs.Len() == 0 {
		return nil, nil
	}
	l := newTargetList(cfg.MaxTargets, true)
	l.limits(cfg)
	l.lenient = cfg.openAEV()
	src := l.source(fromInjectFile, shownInput(cfg.InjectFile))
	var i int32
	err := specs.Each(func(s runtime.TargetSpec, line int) error {
		o := origin{src: src, at: i}
		i++
		l.fileLines.add(origin{at: int32(line)}) // a file of 64 MiB at most: fewer lines than an int32 holds
		if err := l.add(s, o); err != nil {
			return err
		}
		if i == 1 && l.refused.count == 0 {
			// Its first target taken (a file wrong from it is refused
			// without the list made: the rest are only checked), the
			// list is made for the rest, at most maxPresized of it
			// (presize).
			l.presize(specs.Len() - 1)
		}
		return nil
	})
	var re *runtime.RequestError
	switch {
	case errors.As(err, &re):
		return nil, &ExitError{Code: ExitUsage, Err: err} // the file's, not l.add's
	case err != nil:
		return nil, err
	}
	return l, nil
}

// fileReason is why a file could not be opened, without its path (the
// message names the key and the path itself).
func fileReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// unknownExpectation is the refusal of e, written at where, which names
// no expectation type, with the one likely meant.
func unknownExpectation(e, where string) error {
	types := []string{string(signatures.Detection), string(signatures.Prevention), string(signatures.Vulnerability)}
	return usageErr("invalid expectation %q%s: want %s%s", e, where, orList(types), meant(strings.ToUpper(e), types))
}

// checkExpectations refuses an item of r, a layer of the expectation
// setting that a higher one hides, that names no expectation type, as the
// run refuses one of the layer read.
func checkExpectations(r raw) error {
	for i, e := range r.vals {
		e = strings.TrimSpace(e)
		if _, err := signatures.ParseExpectationType(e); err != nil {
			from := r.from
			if i < len(r.itemFrom) {
				from = r.itemFrom[i]
			}
			return unknownExpectation(e, " ("+from+")")
		}
	}
	return nil
}
