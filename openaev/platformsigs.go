package openaev

// The signatures of a report as the platform takes them: its type names,
// the expectation types it stores, and what goes for a target.

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/injectkit/injectkit/internal/javatext"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// platformNames maps the core signature fields to the platform's signature
// types. Names not listed pass unchanged.
var platformNames = map[string]string{
	signatures.FieldSourceIPv4:     string(signatures.SourceIPv4Address),
	signatures.FieldSourceIPv6:     string(signatures.SourceIPv6Address),
	signatures.FieldTargetIPv4:     string(signatures.TargetIPv4Address),
	signatures.FieldTargetIPv6:     string(signatures.TargetIPv6Address),
	signatures.FieldTargetHostname: string(signatures.TargetHostnameAddress),
	signatures.FieldStartTime:      string(signatures.StartDate),
	signatures.FieldEndTime:        string(signatures.EndDate),
}

// PlatformSignatureType returns the platform's name of a signature field.
func PlatformSignatureType(name string) string {
	if n, ok := platformNames[name]; ok {
		return n
	}
	return name
}

// sentTypes are the expectation types whose groups the profile sends.
var sentTypes = map[signatures.ExpectationType]bool{signatures.Detection: true, signatures.Prevention: true}

// platformSignaturesOf converts the payload of r as the profile sends it
// (platformSignatures), the target addresses of a run whose traffic did
// not go to its targets left out (runtime.Report.Indirect: see
// indirectTypes).
func platformSignaturesOf(r *runtime.Report) (out signatures.Payload, dropped []string, err error) {
	p, err := r.Payload()
	if err != nil {
		return signatures.Payload{}, nil, err
	}
	out, dropped = platformSignatures(p, r.Indirect)
	return out, dropped, nil
}

// platformSignatures converts a payload to the platform's shape: signature
// types renamed (PlatformSignatureType) and kept only when they are
// members of the collectors' closed enum (KnownSignatureType; so
// execution_status and partial_results are never sent), values kept only
// when they are scalars (strings as they are, numbers and booleans
// formatted; lists, objects and nulls dropped) that have text (Spring's
// StringUtils.hasText, with which the platform's SignatureOutputProcessor
// drops a value blank to Java: "", spaces, a tab, U+2003, not U+00A0),
// source addresses dropped
// when unknown, only DETECTION and PREVENTION groups kept, and only targets
// that name an agent, an asset or an asset group (the platform attaches
// signatures to those). Targets or groups left empty are dropped. The
// payload is never nil; dropped lists, sorted, the extras (names that are
// not core signature fields) left out because the enum lacks them, and
// the target addresses when indirect (indirectTypes).
func platformSignatures(p signatures.Payload, indirect bool) (out signatures.Payload, dropped []string) {
	out = signatures.Payload{Targets: []signatures.PayloadTarget{}}
	var drops map[string]bool
	for _, t := range p.Targets {
		if pt, ok := platformTarget(t, sentTypes, &drops, indirect); ok {
			out.Targets = append(out.Targets, pt)
		}
	}
	return out, sortedKeys(drops)
}

// indirectTypes are the core fields a target of a run whose traffic did
// not go to its targets (runtime.Report.Indirect: a Shodan query about
// them, a dry run) does not send: QRadar, LogRhythm and NetWitness match
// a signature's target addresses to the destination of network events
// (QRadar's destinationip), and Cortex XDR, SentinelOne and XSOAR its host
// name to the host an alert was raised on, none of which the run's
// traffic touched. Without them such a collector has no address to search
// on, and refuses or never matches the expectation, rather than marking
// it detected by any event naming the asset.
var indirectTypes = map[string]bool{
	signatures.FieldTargetIPv4: true, signatures.FieldTargetIPv6: true, signatures.FieldTargetHostname: true,
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(m))
}

// platformTarget converts one payload target (see platformSignatures),
// keeping the groups of types (a subset of sentTypes), and leaving out the
// target addresses when indirect (indirectTypes); it reports false for a target with nothing left to send, and adds to
// *drops (made on first use) the extras the enum lacks. The result shares
// no memory with t.
func platformTarget(t signatures.PayloadTarget, types map[signatures.ExpectationType]bool, drops *map[string]bool, indirect bool) (signatures.PayloadTarget, bool) {
	if t.SignatureTarget == (signatures.Attribution{}) {
		return signatures.PayloadTarget{}, false
	}
	var groups []signatures.ValueGroup
	for _, g := range t.SignatureValues {
		if !types[g.ExpectationType] || !sentTypes[g.ExpectationType] {
			continue
		}
		vals := make([]signatures.Value, 0, len(g.Values)+1)
		add := func(name string, v any) {
			if indirect && indirectTypes[name] {
				return
			}
			typ := PlatformSignatureType(name)
			if !KnownSignatureType(typ) {
				if !signatures.IsCoreField(name) {
					if *drops == nil {
						*drops = map[string]bool{}
					}
					(*drops)[name] = true
				}
				return
			}
			s, ok := scalar(v)
			if !ok || !javatext.HasText(s) {
				return // the platform's processor drops a value without text
			}
			if (name == signatures.FieldSourceIPv4 || name == signatures.FieldSourceIPv6) && s == signatures.UnknownSourceIP {
				return
			}
			var val any = s
			if _, isString := v.(string); isString {
				val = v // already a string: no new allocation
			}
			vals = append(vals, signatures.Value{SignatureType: typ, SignatureValue: val})
		}
		if g.IsFlat() {
			add(g.SignatureType, g.SignatureValue)
		}
		for _, v := range g.Values {
			add(v.SignatureType, v.SignatureValue)
		}
		if len(vals) > 0 {
			groups = append(groups, signatures.ValueGroup{ExpectationType: g.ExpectationType, Values: vals})
		}
	}
	if len(groups) == 0 {
		return signatures.PayloadTarget{}, false
	}
	return signatures.PayloadTarget{SignatureTarget: t.SignatureTarget, SignatureValues: groups}, true
}

// scalar renders a scalar signature value as a string.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case signatures.ExecutionStatus:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), true
	}
	return "", false
}
