package openaev

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Target selectors of the non-network categories, as Targets.Selector
// reports them.
const (
	SelectorQuery = "query" // an external query alone, on no target
	SelectorCloud = "cloud" // cloud account regions
)

// categoryTargets resolves an inject's targets for the injector's
// category: network targets (and any category), external queries narrowed
// to network targets, or cloud account regions.
func categoryTargets(ctx context.Context, m *Message, c framework.Category, pager targetPager, hosts hostLookup, limit int, ports string) (*Selection, error) {
	switch c {
	case framework.Cloud:
		return cloudTargets(m.Injection, limit)
	case framework.External:
		return externalTargets(ctx, m, pager, hosts, limit, ports)
	}
	return resolveTargets(ctx, m, pager, hosts, limit, ports)
}

// required reads a content field that must not be blank.
func (in Injection) required(key string) (string, error) {
	v, err := in.contentString(key)
	if err != nil {
		return "", err
	}
	if v = strings.TrimSpace(v); v == "" {
		return "", &ValidationError{Field: "inject_content." + key, Reason: "required"}
	}
	return v, nil
}

// requiredText reads a content field that must hold a string that is
// not blank: the platform's text field, which its form sends as a string.
// A value of another JSON type is refused in the words of an inject
// file's (runtime's strict decoding: "wrong JSON type: a number, want a
// string", a scalar shown, a list or an object not), rather than read as
// its text (a query of 123, true) or a list's one item as a select
// field's, and sent so.
func (in Injection) requiredText(key string) (string, error) {
	if raw := bytes.TrimSpace(in.Content[key]); len(raw) > 0 && !isNull(raw) {
		var got, shown string
		switch raw[0] {
		case '"':
		case '[':
			got = "an array"
		case '{':
			got = "an object"
		case 't', 'f':
			got, shown = "a boolean", string(raw)
		default:
			got, shown = "a number", string(raw)
		}
		if got != "" {
			return "", &ValidationError{Field: "inject_content." + key, Value: shown, Reason: "wrong JSON type: " + got + ", want a string"}
		}
	}
	return in.required(key)
}

// cloudTargets returns one cloud target per region of
// inject_content.cloud_region (comma-separated, trimmed, de-duplicated).
func cloudTargets(in Injection, limit int) (*Selection, error) {
	var vals [3]string
	for i, key := range []string{KeyCloudProvider, KeyCloudAccountID, KeyCloudRegion} {
		v, err := in.required(key)
		var ve *ValidationError
		if key == KeyCloudProvider && errors.As(err, &ve) && ve.Reason == "required" {
			v, err = DefaultCloudProvider, nil // the field's default, as the platform reads it
		}
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	service, err := in.contentString(KeyTargetService)
	if err != nil {
		return nil, err
	}
	if n := countItems(vals[2]); n > limit {
		return nil, tooManyTargets("inject_content."+KeyCloudRegion, n, limit)
	}
	t := &Selection{Selector: SelectorCloud}
	seen := map[string]bool{}
	for _, r := range strings.Split(vals[2], ",") {
		if r = strings.TrimSpace(r); r == "" || seen[r] {
			continue
		}
		seen[r] = true
		t.Specs = append(t.Specs, runtime.TargetSpec{CloudProvider: vals[0], CloudAccountID: vals[1],
			CloudRegion: r, TargetService: strings.TrimSpace(service)})
	}
	if len(t.Specs) == 0 {
		return nil, &ValidationError{Field: "inject_content." + KeyCloudRegion, Value: vals[2], Reason: "no region"}
	}
	return t, nil
}

// externalTargets returns the query narrowed to each network target, or
// the query alone when the inject names no target (manual selector, no
// manual target). IPv6 targets, which a query cannot be narrowed to, are
// skipped like unusable assets; a manual one is an error.
func externalTargets(ctx context.Context, m *Message, pager targetPager, hosts hostLookup, limit int, ports string) (*Selection, error) {
	q, err := m.Injection.requiredText(KeyQuery)
	if err != nil {
		return nil, err
	}
	t, err := resolveTargets(ctx, m, pager, hosts, limit, ports)
	if errors.Is(err, errNoTargets) && t != nil && t.Selector == SelectorManual {
		return &Selection{Selector: SelectorQuery, Specs: []runtime.TargetSpec{{Query: q}}}, nil
	}
	if err != nil {
		return t, err
	}
	specs := t.Specs[:0]
	for _, s := range t.Specs {
		c := signatures.Canonical(signatures.ClassifyNetworkTarget(s.Value)).(signatures.NetworkConfig)
		if c.TargetIPv6 != "" {
			if t.Selector == SelectorManual {
				return nil, &ValidationError{Field: "inject_content." + KeyTargets, Value: s.Value,
					Reason: "an exposure query narrows to IPv4 addresses or host names only"}
			}
			t.Skipped = append(t.Skipped, skippedAsset(s.Asset, "IPv6 address "+s.Value+": a query narrows to IPv4 addresses or host names"))
			continue
		}
		specs = append(specs, runtime.TargetSpec{Query: q, TargetIPv4: c.TargetIPv4, TargetHostname: c.TargetHostname,
			Agent: s.Agent, Asset: s.Asset, AssetGroup: s.AssetGroup})
	}
	t.Specs = specs
	if len(specs) == 0 {
		return t, errors.New("no targets: every target is an IPv6 address (skipped: " + skipList(t.Skipped) + ")")
	}
	return t, nil
}
