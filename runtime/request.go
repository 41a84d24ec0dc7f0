package runtime

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// DefaultPhase is the callback phase used when a request names none.
const DefaultPhase = "execution_complete"

// Request is one inject to run: the JSON shape read by --inject-file and,
// translated, from a platform message.
type Request struct {
	InjectID         string       `json:"inject_id"`
	Injector         string       `json:"injector"`
	ExpectationTypes []string     `json:"expectation_types,omitempty"`
	Targets          []TargetSpec `json:"targets"`
	// Typed, given in place of Targets, holds targets an intake has
	// already typed (the CLI's targets file): a long list then costs one
	// framework.Target per target, not a TargetSpec as well. The runtime
	// still checks each (its configuration valid, one category) and keeps
	// the slice, when its targets are canonical already, as
	// Report.Targets; it never writes there, and the executor is handed a
	// copy, so the slice holds the targets given during and after the run
	// (a retry of the request runs them again). It is never encoded.
	Typed   []framework.Target `json:"-"`
	Params  map[string]any     `json:"params,omitempty"`
	Timeout Duration           `json:"timeout,omitempty"`
	Phase   string             `json:"phase,omitempty"`
	// Resolved holds the targets' host names an intake resolved before
	// the run with Runtime.LookupHosts (openaev, judging its assets), as
	// it returned them: the run's route sources take their addresses
	// from here (signatures.RouteSources.Resolved), so that a name is
	// resolved once per inject. It is never encoded.
	Resolved map[string][]netip.Addr `json:"-"`
	// TrafficSources has the network targets of a framework.DirectSender
	// carry the source address of the family their traffic uses alone
	// (signatures.RouteSources.TrafficOnly: an IPv6 target no
	// source_ipv4, an IPv4 target or a host name no source_ipv6), not the
	// host-wide one of the other family. The openaev profile sets it: its
	// collectors match a signature on any of its source addresses. It is
	// never encoded.
	TrafficSources bool `json:"-"`
	// CallerLogs has Run and Reject log none of the failures they return
	// (an invalid request, a reception refused, a rejection or a report
	// not delivered): the caller logs each once, with what it knows
	// besides (a daemon: the message it settles, and how). A
	// *DeliveryError carries the delivery's Duration for that line. The
	// steps' INFO lines and the failures not returned are logged as
	// usual. It is never encoded.
	CallerLogs bool `json:"-"`
	// NameRejection, when set, is handed the error of a refused request
	// before anything reports it: the WARN line Run and Reject log, the
	// Rejection a Rejecter delivers and the error they return. An intake
	// whose input names a field otherwise than the request does (a
	// platform message's inject_content.ports, the request's
	// params.ports) has the refusal name it one way everywhere. It
	// returns its argument when it has nothing to rename, and keeps a
	// *RequestError one. It is never encoded.
	NameRejection func(error) error `json:"-"`
	// LogFields are added to every line the runtime logs about the
	// request (its executor's included), after its inject_id and
	// injector: a daemon's channel and delivery_tag, say, that tell two copies of
	// one inject in flight apart. It is never encoded.
	LogFields []zap.Field `json:"-"`
}

// namedRejection is err as the request's intake names it
// (NameRejection).
func (r *Request) namedRejection(err error) error {
	if r.NameRejection != nil && err != nil {
		return r.NameRejection(err)
	}
	return err
}

// TargetSpec is one target as a request writes it: either {"value": "…"}
// (classified as an IPv4, IPv6 or host name) or the fields of one
// category's configuration, plus the platform's optional attribution of it
// (agent, asset, asset group).
type TargetSpec struct {
	Value string `json:"value,omitempty"`

	TargetIPv4     string `json:"target_ipv4,omitempty"`
	TargetIPv6     string `json:"target_ipv6,omitempty"`
	TargetHostname string `json:"target_hostname,omitempty"`

	CloudProvider  string `json:"cloud_provider,omitempty"`
	CloudAccountID string `json:"cloud_account_id,omitempty"`
	CloudRegion    string `json:"cloud_region,omitempty"`
	TargetService  string `json:"target_service,omitempty"`

	Query string `json:"query,omitempty"`

	Agent      string `json:"agent,omitempty"`
	Asset      string `json:"asset,omitempty"`
	AssetGroup string `json:"asset_group,omitempty"`

	// blank is the key of the first field an inject file wrote blank (""
	// or white space alone), and blankValue that value, which Config
	// refuses: read as left out, a blank target_service would scan every
	// service, a blank target_ipv4 beside a query search unnarrowed, a
	// blank agent drop the platform's attribution.
	blank, blankValue string
}

// noteBlank notes field key written as v when v is blank and no field
// was noted before. A blank cloud provider, account or region is not
// noted: the cloud configuration refuses it as required.
func (t *TargetSpec) noteBlank(key, v string) {
	if t.blank != "" || strings.TrimSpace(v) != "" {
		return
	}
	switch key {
	case "cloud_provider", "cloud_account_id", "cloud_region":
		return
	}
	t.blank, t.blankValue = key, v
}

// blankError is the refusal of the field noted blank, nil when none.
func (t TargetSpec) blankError() error {
	if t.blank == "" {
		return nil
	}
	reason := "blank; give a value or leave the key out"
	switch t.blank {
	case "agent", "asset", "asset_group":
		reason = signatures.ReasonBlankID
	}
	return &signatures.ValidationError{Field: t.blank, Value: t.blankValue, Reason: reason}
}

// category returns the category a spec describes, and whether it mixes
// fields of several categories.
func (t TargetSpec) category() (signatures.Category, error) {
	var cats []signatures.Category
	if t.Value != "" || t.TargetIPv6 != "" || (t.Query == "" && (t.TargetIPv4 != "" || t.TargetHostname != "")) {
		cats = append(cats, signatures.Network)
	}
	if t.CloudProvider != "" || t.CloudAccountID != "" || t.CloudRegion != "" || t.TargetService != "" {
		cats = append(cats, signatures.Cloud)
	}
	if t.Query != "" {
		cats = append(cats, signatures.External)
	}
	switch len(cats) {
	case 0:
		return "", errors.New("empty target")
	case 1:
		return cats[0], nil
	}
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = string(c)
	}
	return "", fmt.Errorf("target mixes %s fields: give one kind a target", strings.Join(names, " and "))
}

// Config returns the typed, validated configuration a spec describes.
func (t TargetSpec) Config() (signatures.Config, error) {
	if err := t.blankError(); err != nil {
		return nil, err
	}
	if err := t.narrowing(); err != nil {
		return nil, err
	}
	cat, err := t.category()
	if err != nil {
		return nil, &signatures.ValidationError{Field: "target", Reason: err.Error()}
	}
	var c signatures.Config
	switch cat {
	case signatures.Network:
		if err := t.badRange(); err != nil {
			return nil, err
		}
		if t.Value != "" {
			return t.valueConfig()
		}
		c = signatures.NetworkConfig{TargetIPv4: t.TargetIPv4, TargetIPv6: t.TargetIPv6, TargetHostname: t.TargetHostname}
	case signatures.Cloud:
		c = signatures.CloudConfig{CloudProvider: t.CloudProvider, CloudAccountID: t.CloudAccountID,
			CloudRegion: t.CloudRegion, TargetService: t.TargetService}
	case signatures.External:
		c = signatures.ExternalConfig{Query: t.Query, TargetIPv4: t.TargetIPv4, TargetHostname: t.TargetHostname}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// ReasonValueNarrowing is the reason a query target's value is refused:
// only target_ipv4 and target_hostname narrow a query.
const ReasonValueNarrowing = "a query is narrowed by target_ipv4 or target_hostname, not value"

// narrowing refuses a query narrowed by a field that cannot narrow one,
// naming that field and its value: target_ipv6 with the reason a --target
// narrowing a --query gets, value (which classifies as a network target)
// with the fields that do narrow a query. Without it such a target was
// refused as one mixing two categories, naming neither field nor value.
func (t TargetSpec) narrowing() error {
	if t.Query == "" || t.CloudProvider != "" || t.CloudAccountID != "" || t.CloudRegion != "" || t.TargetService != "" {
		return nil
	}
	switch {
	case t.TargetIPv6 != "":
		return &signatures.ValidationError{Field: "target_ipv6", Value: t.TargetIPv6, Reason: signatures.ReasonIPv6Narrowing}
	case t.Value != "":
		return &signatures.ValidationError{Field: "value", Value: t.Value, Reason: ReasonValueNarrowing}
	}
	return nil
}

// badRange refuses a value, target_ipv4 or target_ipv6 holding "/" that
// is no CIDR range, as the command line that expands ranges refuses it:
// one reason, whichever layer refuses it.
func (t TargetSpec) badRange() error {
	for _, f := range [...]struct{ key, v string }{{"value", t.Value}, {"target_ipv4", t.TargetIPv4}, {"target_ipv6", t.TargetIPv6}} {
		if _, err := netip.ParsePrefix(f.v); err != nil && strings.Contains(f.v, "/") {
			return &signatures.ValidationError{Field: f.key, Value: f.v, Reason: signatures.RangeReason(f.v)}
		}
	}
	return nil
}

// valueConfig classifies {"value": "…"}.
func (t TargetSpec) valueConfig() (signatures.Config, error) {
	if t.TargetIPv4 != "" || t.TargetIPv6 != "" || t.TargetHostname != "" {
		return nil, &signatures.ValidationError{Field: "value", Value: t.Value, Reason: "value and target_* fields are exclusive"}
	}
	nc := signatures.ClassifyNetworkTarget(t.Value)
	if err := nc.Validate(); err != nil {
		reason := err.Error()
		var ve *signatures.ValidationError
		if errors.As(err, &ve) {
			reason = ve.Reason
		}
		return nil, &signatures.ValidationError{Field: "value", Value: t.Value, Reason: reason}
	}
	return nc, nil
}

// trimmed returns t without the white space around the fields the command
// line reads without it (--target, a targets file's line,
// --cloud-provider, --cloud-account, --cloud-region, --target-service,
// --query): an address, a host name, a cloud provider or account, a
// region, a service or a query, whose edges hold no meaning. A cloud
// provider or account of white space alone is kept, to be refused quoted
// as its flag's is. The platform's ids (agent, asset, asset group) are
// kept as written.
func (t TargetSpec) trimmed() TargetSpec {
	for _, f := range []*string{&t.Value, &t.TargetIPv4, &t.TargetIPv6, &t.TargetHostname,
		&t.CloudRegion, &t.TargetService, &t.Query} {
		*f = strings.TrimSpace(*f)
	}
	for _, f := range []*string{&t.CloudProvider, &t.CloudAccountID} {
		if v := strings.TrimSpace(*f); v != "" {
			*f = v
		}
	}
	return t
}

// Attribution returns the platform's attribution of the target (its
// signature_target: agent, asset, asset group).
func (t TargetSpec) Attribution() signatures.Attribution {
	return signatures.Attribution{Agent: t.Agent, Asset: t.Asset, AssetGroup: t.AssetGroup}
}

// Key is the identity of a target for dropping duplicates (the CLI's
// targets, the platform's manual targets): its fields, its address or
// host name in its canonical form (signatures.CanonicalTarget) whichever
// field holds it, so that 0:0:0:0:0:0:0:1 repeats ::1, a target_ipv6
// ::ffff:10.0.0.4 repeats a value or target_ipv4 10.0.0.4, and
// WEB.example.com. repeats web.example.com. Call it on a checked target.
func (t TargetSpec) Key() string {
	var network string // a checked target sets one of these at most
	for _, v := range []string{t.Value, t.TargetIPv4, t.TargetIPv6, t.TargetHostname} {
		if v != "" {
			network = signatures.CanonicalTarget(v)
			break
		}
	}
	// A field written blank, which Config refuses, keeps its target from
	// repeating one that leaves the field out: dropped as a repeat, its
	// refusal would be lost.
	return strings.Join([]string{network,
		t.CloudProvider, t.CloudAccountID, t.CloudRegion, t.TargetService, t.Query,
		t.Agent, t.Asset, t.AssetGroup, t.blank}, "\x00")
}
