package signatures

import (
	"bytes"
	"encoding/json"
	"iter"
	"maps"
	"slices"
	"strings"
)

// Signature field names: the keys of a Signature's flat JSON object and the
// signature_type of each value in the default wire format.
const (
	FieldSourceIPv4      = "source_ipv4"
	FieldSourceIPv6      = "source_ipv6"
	FieldTargetIPv4      = "target_ipv4"
	FieldTargetIPv6      = "target_ipv6"
	FieldTargetHostname  = "target_hostname"
	FieldCloudProvider   = "cloud_provider"
	FieldCloudAccountID  = "cloud_account_id"
	FieldCloudRegion     = "cloud_region"
	FieldTargetService   = "target_service"
	FieldQuery           = "query"
	FieldStartTime       = "start_time"
	FieldEndTime         = "end_time"
	FieldExecutionStatus = "execution_status"
	FieldPartialResults  = "partial_results"
	FieldNotReached      = "not_reached"
)

// coreFields lists every core field name; an extra signature may not reuse one.
var coreFields = map[string]bool{
	FieldSourceIPv4: true, FieldSourceIPv6: true, FieldTargetIPv4: true, FieldTargetIPv6: true,
	FieldTargetHostname: true, FieldCloudProvider: true, FieldCloudAccountID: true,
	FieldCloudRegion: true, FieldTargetService: true, FieldQuery: true, FieldStartTime: true,
	FieldEndTime: true, FieldExecutionStatus: true, FieldPartialResults: true,
	FieldNotReached: true,
}

// IsCoreField reports whether name is one of the fields a Signature owns.
func IsCoreField(name string) bool { return coreFields[name] }

// coreTypes maps the platform's signature type of each core field named
// otherwise on the wire (see SignatureType) to the field.
var coreTypes = map[SignatureType]string{
	SourceIPv4Address: FieldSourceIPv4, SourceIPv6Address: FieldSourceIPv6,
	TargetIPv4Address: FieldTargetIPv4, TargetIPv6Address: FieldTargetIPv6,
	TargetHostnameAddress: FieldTargetHostname, StartDate: FieldStartTime, EndDate: FieldEndTime,
}

// ExtraNameError returns why an extra signature may not be named name, ""
// when it may: an empty name, a core field's (target_ipv4, start_time…),
// or the platform's signature type of a core field (target_ipv4_address,
// start_date, end_date…), which would reach the platform as a second value
// of that core type; each in any case (SOURCE_IPV4, Source_Ipv4_Address),
// as a reader that folds case (Java's equalsIgnoreCase, a case-insensitive
// column) would read it beside the core field.
func ExtraNameError(name string) string {
	if name == "" {
		return "empty key"
	}
	folded := foldName(name)
	if IsCoreField(folded) {
		if folded != name {
			return "collides with a core signature field (" + folded + ", in another case)"
		}
		return "collides with a core signature field"
	}
	if f, ok := coreTypes[SignatureType(folded)]; ok {
		return "collides with a core signature type (the platform's name of the core field " + f + ")"
	}
	return ""
}

// foldName is name with case folded as Java's equalsIgnoreCase and
// strings.EqualFold fold it (ſ as s, the Kelvin sign as k): upper case,
// then lower. A name of lower-case ASCII letters, digits and underscores,
// as every core name is, is returned as it is.
func foldName(name string) string {
	for i := range len(name) {
		if c := name[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(strings.ToUpper(name))
		}
	}
	return name
}

// ExtrasErrors yields, in sorted order, each key of extras (the extra
// signatures of one map) that may not be sent, and why: one ExtraNameError
// refuses, or one that differs from another key of extras only in case
// (PROCESS_NAME beside process_name), which a reader that folds case
// would read as one field given twice. Of such twins the one written as
// it folds (process_name) is kept, else the first in byte order.
func ExtrasErrors(extras map[string]any) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		keys := slices.Sorted(maps.Keys(extras))
		kept := make(map[string]string, len(keys)) // by folded name
		for _, k := range keys {
			if f := foldName(k); f == k {
				kept[f] = k
			}
		}
		for _, k := range keys {
			reason := ExtraNameError(k)
			if reason == "" {
				f := foldName(k)
				switch other, ok := kept[f]; {
				case !ok:
					kept[f] = k
				case other != k:
					reason = "collides with another extra (" + other + ", in another case)"
				}
			}
			if reason != "" && !yield(k, reason) {
				return
			}
		}
	}
}

// TimeFormat is the layout of start_time and end_time (UTC): whole
// seconds, the start rounded down and the end rounded up, so that
// [start_time, end_time] holds the whole run.
const TimeFormat = "2006-01-02T15:04:05Z"

// Signature is the set of facts a defence should have recorded about one
// target. Empty fields are never emitted.
type Signature struct {
	SourceIPv4      string
	SourceIPv6      string
	TargetIPv4      string
	TargetIPv6      string
	TargetHostname  string
	CloudProvider   string
	CloudAccountID  string
	CloudRegion     string
	TargetService   string
	Query           string
	StartTime       string
	EndTime         string
	ExecutionStatus ExecutionStatus
	PartialResults  []string
	// NotReached, when set, says why the tool sent nothing to the target
	// (framework.ToolOutput.Unreached): the signature then holds it and
	// ExecutionStatus alone (see NotReachedSignature).
	NotReached string
	// Extra holds the tool's extra signatures, merged by CompilePost.
	Extra map[string]any
}

// Field is one named value of a signature.
type Field struct {
	Name  string
	Value any
}

// Fields returns the signature's non-empty fields in wire order: identity
// fields (source_*, target_*, cloud_*, target_service, query), then
// start_time, end_time, execution_status, partial_results, not_reached,
// then the extras sorted by name.
func (s Signature) Fields() []Field {
	return s.AppendFields(make([]Field, 0, 8+len(s.Extra)))
}

// AppendFields appends the signature's fields, in the order Fields documents,
// to dst.
func (s Signature) AppendFields(dst []Field) []Field {
	dst = s.appendCore(dst)
	return appendSorted(dst, s.Extra)
}

func (s *Signature) appendCore(dst []Field) []Field {
	return s.appendCoreBoxed(dst, nil)
}

// boxCache remembers, per core field, the last string boxed into an any, so
// that the values most signatures share (source address, times, status)
// are boxed once per payload rather than once per target.
type boxCache [16]struct {
	s string
	v any
}

func (c *boxCache) box(slot int, v string) any {
	if c == nil {
		return v
	}
	e := &c[slot]
	if e.v == nil || e.s != v {
		e.s, e.v = v, v
	}
	return e.v
}

// appendIdentity appends the fields of a signature whose identity is c and
// that holds nothing else, as appendCoreBoxed appends them: in its order,
// boxed in its slots (target_ipv4's is the third, after source_ipv4 and
// source_ipv6).
func (c NetworkConfig) appendIdentity(dst []Field, boxes *boxCache) []Field {
	add := func(slot int, name, v string) {
		if v != "" {
			dst = append(dst, Field{name, boxes.box(slot, v)})
		}
	}
	add(2, FieldTargetIPv4, c.TargetIPv4)
	add(3, FieldTargetIPv6, unzoned(c.TargetIPv6))
	add(4, FieldTargetHostname, c.TargetHostname)
	return dst
}

func (s *Signature) appendCoreBoxed(dst []Field, c *boxCache) []Field {
	slot := 0
	add := func(name, v string) {
		if v != "" {
			dst = append(dst, Field{name, c.box(slot, v)})
		}
		slot++
	}
	add(FieldSourceIPv4, s.SourceIPv4)
	add(FieldSourceIPv6, s.SourceIPv6)
	add(FieldTargetIPv4, s.TargetIPv4)
	add(FieldTargetIPv6, unzoned(s.TargetIPv6))
	add(FieldTargetHostname, s.TargetHostname)
	add(FieldCloudProvider, s.CloudProvider)
	add(FieldCloudAccountID, s.CloudAccountID)
	add(FieldCloudRegion, s.CloudRegion)
	add(FieldTargetService, s.TargetService)
	add(FieldQuery, s.Query)
	add(FieldStartTime, s.StartTime)
	add(FieldEndTime, s.EndTime)
	add(FieldExecutionStatus, string(s.ExecutionStatus))
	if len(s.PartialResults) > 0 {
		dst = append(dst, Field{FieldPartialResults, s.PartialResults})
	}
	if s.NotReached != "" {
		dst = append(dst, Field{FieldNotReached, s.NotReached})
	}
	return dst
}

// unzoned returns an IPv6 address without its zone (fe80::1%eth0 is
// fe80::1): the zone names an interface of the machine that scans, which
// no packet carries and no defence logs, so that target_ipv6 on the wire
// is the address alone. The configuration keeps the zone: the executor
// needs it to reach the target, and ExtrasKey to tell fe80::1%eth0 from
// fe80::1%eth1.
func unzoned(v string) string {
	if i := strings.IndexByte(v, '%'); i >= 0 {
		return v[:i]
	}
	return v
}

// NotReachedSignature is the signature of a target the tool sent nothing
// to, for the reason given: the run's status and that reason, nothing a
// defence could have recorded (no address, no time, no extra), so that no
// collector can match an alert to traffic that never existed.
func NotReachedSignature(status ExecutionStatus, reason string) Signature {
	return Signature{ExecutionStatus: status, NotReached: reason}
}

func appendSorted(dst []Field, m map[string]any) []Field {
	if len(m) == 0 {
		return dst
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		dst = append(dst, Field{k, m[k]})
	}
	return dst
}

// MarshalJSON encodes the signature as one flat object, keys in wire order.
func (s Signature) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range s.Fields() {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Name)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
