package openaevtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// How the platform takes a registration's contracts (2.4.0 read; Current
// taken as alike; files under openaev-api/src/main/java/io/openaev/ unless
// named). InjectorCreateInput.contracts carries no @Valid, so the @NotBlank
// of InjectorContractInput and InjectorContractDomainDTO are never checked
// when the input is bound: Jackson's binding alone answers 400 (an object
// where a string is wanted, an unknown platform). The contracts are then
// saved (InjectorContractService.convertInjectorFromInput, :758-782,
// contract_content stored as the string it is), and the entities'
// @NotBlank, which Hibernate's bean validation checks as it inserts them,
// refuse a blank contract id or content (openaev-model
// …/database/model/InjectorContract.java) and a blank domain name or color
// of a domain not stored yet (…/database/model/Domain.java; see
// domains.go): ConstraintViolationException, which RestBehavior does not
// handle, a 500. What the content holds is read only when a result is
// processed (readOutputs).

// contractOutput is one declared output of a registered contract.
type contractOutput struct {
	Type     string
	Field    string
	Multiple bool
}

// registered is what the stand-in keeps of a registered contract: its
// declared outputs, or why the platform cannot read them when it
// processes a result (then every result with structured outputs of its
// injects is dropped) and the legacy ingestion's answer for it.
type registered struct {
	content     string // contract_content, as given
	outputs     []contractOutput
	fault       string
	faultStatus int
	// lostAll says why the platform loses every callback of its injects
	// (callbacksLost), or is "".
	lostAll string
	// targeted: its content declares a targeted-asset field, which each
	// callback resolves (targeted.go).
	targeted bool
	// stored is what the platform stores of it (stored.go).
	stored StoredContract
}

// boundContract is one injector_contracts entry as Jackson binds it
// (InjectorContractInput), before the handler reads it.
type boundContract struct {
	id, content string
	domains     []boundDomain
	// attackNull: contract_attack_patterns_external_ids given as null,
	// which the handler reads as a list (a NullPointerException).
	attackNull bool
	// nul and labelsNUL say why its save fails on U+0000 (nul.go), or "".
	nul, labelsNUL string
	// What the platform stores of it (stored.go): its labels, platforms
	// (PLATFORM_TYPE names), attack pattern ids as given, manual and
	// atomic testing flags.
	labels         map[string]string
	platforms      []string
	attackPatterns []string
	manual, atomic bool
}

// boundDomain is one contract_domains entry (InjectorContractDomainDTO),
// or a null one (raw nil), which Jackson binds and DomainService.upserts
// fails on.
type boundDomain struct {
	raw         any
	name, color string
	colorGiven  bool
}

// bindContract binds one injector_contracts entry as Jackson does, or
// returns why it refuses it (a 400, before the handler runs). m's numbers
// are json.Number, their text as written. contract_platforms is a
// PLATFORM_TYPE[] (bindEnum: a name, or on 2.4.0 an index; a null element
// is refused, stricter: what 2.4.0 stores then was not read);
// contract_attack_patterns_external_ids a List<String> (bindStringList);
// contract_domains a Set of InjectorContractDomainDTO, null elements kept;
// contract_labels, contract_manual and is_atomic_testing as
// bindContractProps does.
func bindContract(v Version, m map[string]any) (boundContract, error) {
	var bc boundContract
	for _, f := range []struct {
		key string
		to  *string
	}{{"contract_id", &bc.id}, {"contract_content", &bc.content}} {
		s, refusal := bindString(m[f.key])
		if refusal != "" {
			return bc, fmt.Errorf("%s: %s", f.key, refusal)
		}
		*f.to = s
	}
	if err := bindContractProps(m); err != nil {
		return bc, err
	}
	bc.labels, bc.manual, bc.atomic = storedProps(m)
	if err := eachListed(m, "contract_platforms", func(p any) error {
		if p == nil {
			return fmt.Errorf("null is not a platform type")
		}
		name, refusal := bindEnum(v.platformEnum(), p)
		if refusal != "" {
			return fmt.Errorf("%v is not a platform type: %s", p, refusal)
		}
		bc.platforms = append(bc.platforms, name)
		return nil
	}); err != nil {
		return bc, err
	}
	if ids, present := m["contract_attack_patterns_external_ids"]; present {
		raw, _ := json.Marshal(ids) // json.Number written as it was read
		list, refusal := bindStringList(decodeValue(raw), raw)
		if refusal != "" {
			return bc, fmt.Errorf("contract_attack_patterns_external_ids: %s", refusal)
		}
		bc.attackNull = ids == nil
		items, _ := list.([]any)
		for _, id := range items {
			if s, ok := id.(string); ok {
				bc.attackPatterns = append(bc.attackPatterns, s)
			}
		}
	}
	err := eachListed(m, "contract_domains", func(d any) error {
		if d == nil {
			bc.domains = append(bc.domains, boundDomain{})
			return nil
		}
		dm, ok := d.(map[string]any)
		if !ok {
			return fmt.Errorf("%v is not a domain object", d)
		}
		name, refusal := bindString(dm["domain_name"])
		color, refusal2 := bindString(dm["domain_color"])
		if refusal += refusal2; refusal != "" {
			return fmt.Errorf("%v: %s", d, refusal)
		}
		bc.domains = append(bc.domains, boundDomain{d, name, color, dm["domain_color"] != nil})
		return nil
	})
	bc.nul, bc.labelsNUL = registrationNUL(m), labelsNUL(m)
	return bc, err
}

// saveContract saves a bound contract as the platform's handler does,
// returning what the stand-in keeps of it or why the platform fails (a
// 500). payloads is the input's injector_payloads: such an injector's
// domains are not saved. domains holds the domain names stored; the
// contract's new ones are added to it (upsertDomain).
func saveContract(v Version, bc boundContract, payloads bool, domains map[string]bool) (registered, error) {
	if bc.attackNull {
		return registered{}, fmt.Errorf("contract_attack_patterns_external_ids null: NullPointerException (InjectorContractService.convertInjectorFromInput)")
	}
	if bc.nul != "" {
		return registered{}, errors.New(bc.nul)
	}
	if !payloads {
		// upserts reads every name before it saves any: a null entry
		// fails first.
		for _, d := range bc.domains {
			if d.raw == nil {
				return registered{}, fmt.Errorf("contract_domains: a null entry: NullPointerException (DomainService.upserts)")
			}
		}
		for _, d := range bc.domains {
			if err := upsertDomain(domains, d.raw, d.name, d.color, d.colorGiven); err != nil {
				return registered{}, err
			}
		}
	}
	for _, f := range [][2]string{{"contract_id", bc.id}, {"contract_content", bc.content}} {
		if blank(f[1]) {
			return registered{}, fmt.Errorf("%s must not be blank (InjectorContract's @NotBlank, ConstraintViolationException)", f[0])
		}
	}
	outs, fault, status := readOutputs(v, bc.content)
	return registered{outputs: outs, fault: fault, faultStatus: status, lostAll: callbacksLost(bc.content),
		targeted: targetedFields(bc.content) > 0}, nil
}

// bindString binds a String property as Jackson does: a string, null (or
// left out) as "", a number or a boolean as its text (a json.Number's text
// as written, as Jackson's parser gives it); an object or a list is
// refused.
func bindString(x any) (string, string) {
	switch x := x.(type) {
	case nil:
		return "", ""
	case string:
		return x, ""
	case json.Number:
		return string(x), ""
	case map[string]any, []any:
		return "", "Cannot deserialize value of type `java.lang.String` from " + map[bool]string{true: "Object", false: "Array"}[isObject(x)] + " value"
	default:
		b, _ := json.Marshal(x)
		return string(b), ""
	}
}

func isObject(x any) bool { _, ok := x.(map[string]any); return ok }

// readOutputs reads a contract's declared outputs as the platform does
// when it processes a result (InjectorContractContentUtils.getAllContractOutputs
// over the content ContentConverter read: its first JSON value as an
// object, else null), returning them, or why the platform fails and the
// legacy ingestion's answer: a content that is no JSON object, or an object
// without "outputs", is a NullPointerException (500); an output element
// Jackson cannot bind (treeToValue into InjectorContractContentOutputElement)
// an IllegalArgumentException (400). "outputs" null or a scalar declares
// none; an object's values are read as its elements, in the order
// written (ObjectNode keeps it). An element's type
// binds a ContractOutputType: its label, or on 2.4.0 a JSON index, the
// constant at that place (FAIL_ON_NUMBERS_FOR_ENUMS off; assumed refused on
// Current, whose enum order was not read); a label the version lacks is
// judged when outputs are processed (outputsLocked). field binds a
// String, labels a String[], isMultiple and isFindingCompatible booleans,
// each from the tree (treebind.go: a number is its node's text, 1E2
// "100.0").
func readOutputs(v Version, content string) ([]contractOutput, string, int) {
	if doc, ok := readStructured(content); !ok || doc == nil {
		return nil, "contract_content is not a JSON object: ContentConverter gives null, and reading its outputs throws a NullPointerException", http.StatusInternalServerError
	}
	var first json.RawMessage
	_ = json.NewDecoder(strings.NewReader(content)).Decode(&first)
	doc, _ := treeValue(first).(map[string]any)
	raw, present := doc["outputs"]
	if !present {
		return nil, "contract_content has no outputs: reading them throws a NullPointerException", http.StatusInternalServerError
	}
	var elems []any
	switch raw := raw.(type) {
	case []any:
		elems = raw
	case map[string]any:
		elems = outputsInOrder(content)
	}
	outs := make([]contractOutput, 0, len(elems))
	for _, e := range elems {
		o, err := bindOutput(v, e)
		if err != nil {
			return nil, fmt.Sprintf("contract output %v: %v (IllegalArgumentException)", e, err), http.StatusBadRequest
		}
		outs = append(outs, o)
	}
	return outs, "", 0
}

// bindOutput binds one element of a contract's outputs (readOutputs).
func bindOutput(v Version, e any) (contractOutput, error) {
	m, ok := e.(map[string]any)
	if !ok {
		return contractOutput{}, fmt.Errorf("not an object")
	}
	var o contractOutput
	switch t := m["type"].(type) {
	case string:
		o.Type = t
	case json.Number:
		n, err := strconv.Atoi(string(t))
		if v != Version24 || err != nil || n < 0 || n >= len(outputOrder24) {
			return o, fmt.Errorf("type %v is no ContractOutputType index", t)
		}
		o.Type = outputOrder24[n]
	default:
		return o, fmt.Errorf("type %v is no ContractOutputType", t)
	}
	field, refusal := bindString(m["field"])
	if refusal != "" {
		return o, fmt.Errorf("field: %s", refusal)
	}
	o.Field = field
	if refusal := bindStringArray(m["labels"]); refusal != "" {
		return o, fmt.Errorf("labels: %s", refusal)
	}
	multiple, refusal := bindBool(m["isMultiple"])
	if refusal != "" {
		return o, fmt.Errorf("isMultiple: %s", refusal)
	}
	o.Multiple = multiple
	if _, refusal := bindBool(m["isFindingCompatible"]); refusal != "" {
		return o, fmt.Errorf("isFindingCompatible: %s", refusal)
	}
	return o, nil
}

// eachListed applies check to each element of m[key], a list that may be
// absent or null; the error of an element is prefixed with the key.
func eachListed(m map[string]any, key string, check func(any) error) error {
	raw, present := m[key]
	if !present || raw == nil {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		return fmt.Errorf("%s must be a list", key)
	}
	for _, x := range list {
		if err := check(x); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// outputsInOrder returns the values of content's "outputs" object in the
// order an ObjectNode holds them: as written, a repeated name at its first
// place with its last value (LinkedHashMap.put). content's first value is
// an object whose "outputs" is an object (readOutputs).
func outputsInOrder(content string) []any {
	var first json.RawMessage
	_ = json.NewDecoder(strings.NewReader(content)).Decode(&first)
	top, _ := objectMembers(first)
	var outputs json.RawMessage
	for _, m := range top {
		if m.name == "outputs" {
			outputs = m.raw
		}
	}
	members, _ := objectMembers(outputs)
	var names []string
	last := map[string]any{}
	for _, m := range members {
		if _, seen := last[m.name]; !seen {
			names = append(names, m.name)
		}
		last[m.name] = treeValue(m.raw)
	}
	elems := make([]any, len(names))
	for i, n := range names {
		elems[i] = last[n]
	}
	return elems
}
