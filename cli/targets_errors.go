package cli

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/callback"
)

// The errors about a target name where it was written (see targets.go):
// the flag, the file and line, or the inject file's key.

// invalid is the usage error of a target written at o: the flag, the
// file and line, or the inject file's key, with the value and the reason.
func (l *targetList) invalid(o origin, spec runtime.TargetSpec, err error) error {
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) {
		return usageErr("%s: %w", l.head(o, "", describeSpec(spec)), err)
	}
	value, ok := ve.Value, ve.Value != ""
	if !ok {
		// The value of the field refused, as written (a blank provider is
		// " "), else the whole target.
		value, ok = specField(spec, ve.Field)
	}
	if !ok {
		value = describeSpec(spec)
	}
	reason := ve.Reason
	if reason == signatures.ReasonTargetPort && l.portAdvice != "" {
		reason = "a target holds no port; " + l.portAdvice
	}
	if s := l.sources[o.src]; addressField(s, ve.Field) {
		reason += severalAdvice(s, value)
	}
	return usageErr("%s: %s", l.head(o, ve.Field, value), reason)
}

// portAdvice says where injector name, of manifest m, takes the ports a
// target written with one meant: its ports param (Manifest.PortsParam:
// nmap's ports), or that it takes none. Only the injector run is named:
// a hint naming another's param would be no use to it.
func portAdvice(name string, m framework.Manifest) string {
	if p, ok := m.PortsParam(); ok {
		return fmt.Sprintf("injector %s takes the ports in its %s param (--param %s=…)", name, p.Name, p.Name)
	}
	return "injector " + name + " takes no ports"
}

// specField returns the value of the field of spec named by its JSON key,
// and whether spec has such a field.
func specField(spec runtime.TargetSpec, field string) (string, bool) {
	switch field {
	case "value":
		return spec.Value, true
	case "target_ipv4":
		return spec.TargetIPv4, true
	case "target_ipv6":
		return spec.TargetIPv6, true
	case "target_hostname":
		return spec.TargetHostname, true
	case "cloud_provider":
		return spec.CloudProvider, true
	case "cloud_account_id":
		return spec.CloudAccountID, true
	case "cloud_region":
		return spec.CloudRegion, true
	case "target_service":
		return spec.TargetService, true
	case "query":
		return spec.Query, true
	case "agent":
		return spec.Agent, true
	case "asset":
		return spec.Asset, true
	case "asset_group":
		return spec.AssetGroup, true
	}
	return "", false
}

// head is what an error about field of a target written at o says before
// the reason, one form per source: the flag, which of several it is, and
// the value (invalid --target "a b", invalid --target #2 "a b"), the key, the value and where for the environment or
// the config file (invalid target "a b" (env INJECTKIT_TARGET)), the file
// and line (hosts.txt:4: invalid target "a b") or the inject file's key
// (inject file x.json: invalid targets[2].value "a b"). field "" or
// "target" is the target itself; value "" shows none. An address or host
// name is shown as signatures.ShownTarget shows it: "(not shown)" when it
// does not read as an attempt at one (a line of an environment or
// password file given as --targets-file by mistake).
func (l *targetList) head(o origin, field, value string) string {
	s := l.sources[o.src]
	quoted := ""
	switch {
	case value == "":
	case addressField(s, field):
		quoted = " " + signatures.ShownTarget(value)
	default:
		quoted = fmt.Sprintf(" %q", signatures.Shorten(value, signatures.MaxQuoted))
	}
	switch s.kind {
	case fromTargetFile:
		return fmt.Sprintf("%s: invalid target%s", l.label(o), quoted)
	case fromInjectFile:
		key := fmt.Sprintf("targets[%d]", o.at)
		if field != "" && field != "target" {
			key += "." + field
		}
		return fmt.Sprintf("%s: invalid %s%s", l.fileAt(s, o), key, quoted)
	}
	flag, where, at := flagOfField(s.name, field), s.where, position(o)
	if flag != s.name {
		where, at = l.flagWhere(flag, value), ""
	}
	return fmt.Sprintf("invalid %s%s%s%s", nameAt(flag, where), at, quoted, where)
}

// fileAt names the inject file s and the line of its target at o
// ("inject file x.json:7"), or the file alone when the line is not known.
func (l *targetList) fileAt(s targetSource, o origin) string {
	if int(o.at) < l.fileLines.len() {
		return fmt.Sprintf("inject file %s:%d", s.name, l.fileLines.at(int(o.at)).at)
	}
	return "inject file " + s.name
}

// addressField reports whether field of a target written in s holds an
// address, a CIDR range or a host name: a line of a targets file, a
// --target, an inject file's value or target_ipv4, _ipv6 or _hostname.
func addressField(s targetSource, field string) bool {
	switch field {
	case "", "target", "value", "target_ipv4", "target_ipv6", "target_hostname":
		return s.kind != fromFlags || s.name == "--target"
	}
	return false
}

// nameAt names a setting as it was given at where: the flag ("--target")
// when where is the flag itself or says nothing, else its key ("target"),
// followed in the message by where, which names the environment variable
// or the config file's line (" (env INJECTKIT_TARGET)", " (config file
// c.yaml:1)", or without the parentheses), as every other setting's error
// does: never the flag for a value the user did not give with it.
func nameAt(flag, where string) string {
	switch w := strings.TrimSuffix(strings.TrimPrefix(where, " ("), ")"); w {
	case "", flag:
		return flag
	}
	return strings.ReplaceAll(strings.TrimPrefix(flag, "--"), "-", "_")
}

// flagOfField returns the flag that gave a target field: the flag of the
// source itself for its own field, else the flag of the field.
func flagOfField(flag, field string) string {
	switch field {
	case "cloud_provider":
		return "--cloud-provider"
	case "cloud_account_id":
		return "--cloud-account"
	case "cloud_region":
		return "--cloud-region"
	case "target_service":
		return "--target-service"
	case "query":
		return "--query"
	case "target_ipv4", "target_ipv6", "target_hostname", "value":
		if flag == "--query" {
			return "--target" // it narrows the query
		}
	}
	return flag
}

// relabel rewrites a runtime error about targets[N] (a check across
// targets, the injector's own, or any with lenient) to name where target
// N was written; any other error is returned as it is.
func (l *targetList) relabel(err error) error {
	var big *callback.TooLargeError
	if l != nil && errors.As(err, &big) && big.Err.Index >= 0 && big.Err.Index < l.len() {
		return l.tooLarge(big)
	}
	var ve *signatures.ValidationError
	if l != nil && errors.As(err, &ve) && ve.Field == "targets" && l.len() > 0 {
		// The category refused ("injector x takes cloud targets"): the
		// first target is named where it was written, with its value.
		o, v := l.categoryOrigin()
		return fmt.Errorf("%s: %s", l.head(o, "", v), ve.Reason)
	}
	if l == nil || !errors.As(err, &ve) || !strings.HasPrefix(ve.Field, "targets[") {
		return err
	}
	var n int
	var rest string
	if _, scanErr := fmt.Sscanf(ve.Field, "targets[%d]", &n); scanErr != nil || n < 0 || n >= l.len() {
		return err
	}
	if why := l.why[n]; why != nil {
		return why
	}
	if i := strings.IndexByte(ve.Field, ']'); i >= 0 {
		rest = ve.Field[i+1:]
	}
	o, first := l.from.at(n), l.from.at(0)
	name := l.label(first)
	if l.sources[first.src].kind == fromInjectFile {
		name = fmt.Sprintf("targets[%d]", first.at)
	}
	reason := strings.ReplaceAll(ve.Reason, "targets[0]", name)
	field, value := strings.TrimPrefix(rest, "."), ve.Value
	if w, ok := l.writtenAs(n, value); ok {
		value = w // the injector saw the canonical form: 0x7f000001 written 0X7F000001.
	}
	if value == "" && l.lenient && n < len(l.specs) {
		value, _ = specField(l.specs[n], field) // as written: a blank provider is " "
	}
	return fmt.Errorf("%s: %s", l.head(o, field, value), reason)
}

// tooLarge is the error of a target whose signatures fit in no body: the
// target where it was written, and the size setting where it was given.
func (l *targetList) tooLarge(e *callback.TooLargeError) error {
	o := l.from.at(e.Err.Index)
	field := "target"
	if l.sources[o.src].name == "--cloud-region" {
		field = "cloud_account_id" // the value a cloud target is named by
	}
	var spec runtime.TargetSpec
	if l.lenient {
		spec = l.specs[e.Err.Index]
	}
	return l.invalid(o, spec, &signatures.ValidationError{Field: field, Value: e.Value,
		Reason: e.Reason() + " (" + cmp.Or(l.sizeName, "max_payload_size") + ")" + e.Advice("--max-payload-size")})
}

// categoryOrigin is where the first target's category was written, and
// the value written there: the address or host name, the query, the
// cloud region (its flag's value). A query narrowed to a --target is
// named by its --query, which made it external.
func (l *targetList) categoryOrigin() (origin, string) {
	o := l.from.at(0)
	var cfg signatures.Config
	if !l.lenient {
		cfg = l.typed[0].Config
	} else if c, err := l.specs[0].Config(); err == nil {
		cfg = c
	} else {
		return o, describeSpec(l.specs[0])
	}
	switch c := cfg.(type) {
	case signatures.NetworkConfig:
		return o, cmp.Or(c.TargetIPv4, c.TargetIPv6, c.TargetHostname)
	case signatures.ExternalConfig:
		for i, src := range l.sources {
			if src.kind == fromFlags && src.name == "--query" && l.sources[o.src].kind == fromFlags {
				return origin{src: int32(i)}, c.Query
			}
		}
		return o, c.Query
	case signatures.CloudConfig:
		return o, c.CloudRegion
	}
	return o, ""
}

// networkFields are the fields of a target spec that hold an address or a
// host name, which the runtime hands an injector in canonical form.
func networkFields(s runtime.TargetSpec) [4]string {
	return [4]string{s.Value, s.TargetIPv4, s.TargetIPv6, s.TargetHostname}
}

// writtenOtherwise reports whether an address or host name of s is
// written otherwise than its canonical form (signatures.CanonicalTarget).
func writtenOtherwise(s runtime.TargetSpec) bool {
	for _, v := range networkFields(s) {
		if v != "" && signatures.CanonicalTarget(v) != v {
			return true
		}
	}
	return false
}

// writtenAs returns the address or host name of target n as the user
// wrote it, when value is its canonical form written otherwise (the
// injector refuses what it was handed, the canonical form), and false
// when value is as written or none of the target's.
func (l *targetList) writtenAs(n int, value string) (string, bool) {
	var spec runtime.TargetSpec
	switch {
	case value == "":
		return "", false
	case l.lenient && n < len(l.specs):
		spec = l.specs[n]
	default:
		s, ok := l.written[int32(n)]
		if !ok {
			return "", false
		}
		spec = s
	}
	for _, v := range networkFields(spec) {
		if v != "" && v != value && signatures.CanonicalTarget(v) == value {
			return v, true
		}
	}
	return "", false
}
