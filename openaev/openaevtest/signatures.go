package openaevtest

import (
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/javatext"
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
// the inject's expectations of e, by expectation type (rule 5), each type
// and value once, as the platform holds them (Call.SignaturesRepeated
// lists what arrived again).
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

// parseSignatures models SignatureOutputProcessor (openaev-api
// …/output_processor/SignatureOutputProcessor.java, both Current versions
// read: the one behind the SIGNATURE_OUTPUT_PROCESSOR flag and the later
// ungated one): an envelope {"targets":[{"signature_target":{…},
// "signature_values":[{"expectation_type","values":[{"signature_type",
// "signature_value"}]}]}]}. Its readText reads each of a target's ids
// (agent_id, else agent; asset_id, else asset; asset_group_id, else
// asset_group), a value's type (signature_type, else type) and its value
// (signature_value, else value) as the first of its keys whose node is a
// value node (a string, number, boolean or null: a list or an object is
// skipped) and whose text (asText: "null" for null) has text
// (StringUtils.hasText: a char Java's Character.isWhitespace does not
// take; javatext.HasText), so a blank one is passed over for the next
// key, and a value without a type and a value that have text is dropped
// (extractSignatures). Its mapExpectationType reads the expectation_type
// Java-trimmed and upper-cased (" detection " is DETECTION); only
// DETECTION and PREVENTION groups are kept (the earlier version's filter;
// the later one's appendExpectationSignatures warns of and ignores the
// others). Only targets naming an agent, asset or asset group are kept
// (findTechnicalExpectationsForTarget finds nothing for none).
//
// Nothing in the envelope is refused: the processor reads it with
// JsonNode.path, which gives a MissingNode for a key absent or read on a
// null, a scalar or a list, and it returns or skips where it finds no
// array, so a null or non-object envelope, "targets" null or no list, a
// target null or no object, "signature_target" null, "signature_values",
// a group or "values" null: each is read as having no signatures, and the
// callback is processed (AbstractExecutionProcessingHandler
// .dispatchToProcessors hands a JSON null over as a NullNode, only a
// missing key is skipped). A null where a text is read (signature_type,
// signature_value, an id) is a value node whose asText is "null": kept as
// that text (readText).
func parseSignatures(value any) []Signature {
	env, _ := value.(map[string]any)
	targets, _ := env["targets"].([]any)
	var out []Signature
	for _, t := range targets {
		tm, _ := t.(map[string]any)
		st, _ := tm["signature_target"].(map[string]any)
		base := Signature{
			Agent:      readText(st, "agent_id", "agent"),
			Asset:      readText(st, "asset_id", "asset"),
			AssetGroup: readText(st, "asset_group_id", "asset_group"),
		}
		if base.Agent == "" && base.Asset == "" && base.AssetGroup == "" {
			continue // the platform has nothing to attach it to
		}
		groups, _ := tm["signature_values"].([]any)
		for _, g := range groups {
			gm, _ := g.(map[string]any)
			et := expectationTypeOf(gm["expectation_type"])
			if et != "DETECTION" && et != "PREVENTION" {
				continue
			}
			values, _ := gm["values"].([]any)
			for _, v := range values {
				vm, _ := v.(map[string]any)
				typ, val := readText(vm, "signature_type", "type"), readText(vm, "signature_value", "value")
				if typ == "" || val == "" {
					continue
				}
				s := base
				s.ExpectationType, s.Type, s.Value = et, typ, val
				out = append(out, s)
			}
		}
	}
	return out
}

// readText is the processor's readText (see parseSignatures): the text
// of the first of m's keys holding a value node whose text has text, or
// "".
func readText(m map[string]any, keys ...string) string {
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		if s, ok := scalarText(v); ok && javatext.HasText(s) {
			return s
		}
	}
	return ""
}

// expectationTypeOf is the processor's mapExpectationType before its
// valueOf: a string's text, trimmed as Java's String.trim trims (every
// char up to U+0020) and upper-cased (Locale.ROOT); any other node's
// text names no expectation type.
func expectationTypeOf(v any) string {
	s, _ := v.(string)
	return strings.ToUpper(javaTrim(s))
}

// scalarText renders a JSON value node as Jackson's asText does: a
// string as it is, a boolean, a number, and null as "null"; lists and
// objects are no value nodes.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "null", true
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}
