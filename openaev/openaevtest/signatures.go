package openaevtest

import (
	"errors"
	"fmt"
	"strconv"
)

// Signature is one expectation signature the platform stored for an
// inject, with the target it is attached to.
type Signature struct {
	Agent           string
	Asset           string
	AssetGroup      string
	ExpectationType string
	Type            string
	Value           string
}

// Expectation names one of an inject's expectations by its target, as
// the platform keys them: an agent's (Agent, with its Asset and maybe
// AssetGroup), an asset's own (Asset, no Agent) or an asset group's own
// (AssetGroup alone). An asset with agents has expectations of its own
// and one set per agent.
type Expectation struct {
	Agent      string
	Asset      string
	AssetGroup string
}

// attaches reports whether the platform attaches signature s to the
// expectations of e, resolving the target s names as
// InjectExpectationService.findTechnicalExpectationsForTarget does (rule
// 5): an agent first (findAllByInjectAndAgent: that agent's expectations,
// whatever asset or asset group s also names), else an asset
// (findAllByInjectAndAsset: the asset's own, agent IS NULL, never its
// agents'), else an asset group (findAllByInjectAndAssetGroup: the
// group's own, asset and agent IS NULL).
func attaches(s Signature, e Expectation) bool {
	switch {
	case s.Agent != "":
		return e.Agent == s.Agent
	case s.Asset != "":
		return e.Agent == "" && e.Asset == s.Asset
	}
	return e.Agent == "" && e.Asset == "" && e.AssetGroup == s.AssetGroup
}

// ExpectationSignatures returns the signatures the platform attached to
// the inject's expectations of e, by expectation type (rule 5). A
// signature two targets attach to the same expectations is listed twice,
// as the platform may store it: a test asserts a client sends it once.
func (p *Platform) ExpectationSignatures(injectID string, e Expectation) map[string][]Signature {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string][]Signature{}
	if in := p.injects[injectID]; in != nil {
		for _, s := range in.signatures {
			if attaches(s, e) {
				out[s.ExpectationType] = append(out[s.ExpectationType], s)
			}
		}
	}
	return out
}

// parseSignatures models SignatureOutputProcessor: an envelope
// {"targets":[{"signature_target":{…},"signature_values":[{"expectation_type",
// "values":[{"signature_type","signature_value"}]}]}]}. Only targets naming
// an agent, asset or asset group, only DETECTION and PREVENTION groups and
// only scalar values are kept. A malformed envelope is an error.
func parseSignatures(value any) ([]Signature, error) {
	env, ok := value.(map[string]any)
	if !ok {
		return nil, errors.New("expectation signatures must be an object with targets")
	}
	targets, ok := env["targets"].([]any)
	if !ok {
		return nil, errors.New("expectation signatures: targets must be a list")
	}
	var out []Signature
	for i, t := range targets {
		tm, ok := t.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("expectation signatures: target %d is not an object", i)
		}
		st, _ := tm["signature_target"].(map[string]any)
		base := Signature{
			Agent:      firstString(st, "agent_id", "agent"),
			Asset:      firstString(st, "asset_id", "asset"),
			AssetGroup: firstString(st, "asset_group_id", "asset_group"),
		}
		if base.Agent == "" && base.Asset == "" && base.AssetGroup == "" {
			continue // the platform has nothing to attach it to
		}
		groups, _ := tm["signature_values"].([]any)
		for _, g := range groups {
			gm, _ := g.(map[string]any)
			et, _ := gm["expectation_type"].(string)
			if et != "DETECTION" && et != "PREVENTION" {
				continue
			}
			values, _ := gm["values"].([]any)
			for _, v := range values {
				vm, _ := v.(map[string]any)
				typ, _ := vm["signature_type"].(string)
				val, ok := scalarText(vm["signature_value"])
				if typ == "" || !ok {
					continue
				}
				s := base
				s.ExpectationType, s.Type, s.Value = et, typ, val
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, _ := m[k].(string); s != "" {
			return s
		}
	}
	return ""
}

// scalarText renders a JSON value node; lists, objects and nulls are not
// values.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}
