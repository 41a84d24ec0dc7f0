package openaevtest

import (
	"encoding/json"
	"fmt"
	"slices"
)

// expectationTypes are InjectExpectation.EXPECTATION_TYPE's members, the
// values Jackson binds an expectation_type to (case-sensitive).
var expectationTypes = set("TEXT", "DOCUMENT", "ARTICLE", "CHALLENGE", "MANUAL", "PREVENTION", "DETECTION", "VULNERABILITY")

// ContractExpectations is what the platform makes of the expectations a
// registered contract declares: the predefinedExpectations of its
// "expectations" field, stored as they are at registration (the package
// doc's rule 13; 2.4.0 read, Current taken as alike; files under
// openaev-api/src/main/java/io/openaev/ unless named).
//
// The platform never checks the expectation types a contract declares:
// registration stores contract_content as a string
// (rest/injector_contract/form/InjectorContractInput.java:30-31,
// InjectorContractService.java:765), so an unknown type or a duplicate
// registers. Later, the inject form reads the predefinedExpectations of the
// contract's expectations field through Jackson into form.Expectation
// (openaev-framework …/model/inject/form/Expectation.java:26-27), whose
// expectation_type is InjectExpectation.EXPECTATION_TYPE (TEXT, DOCUMENT,
// ARTICLE, CHALLENGE, MANUAL, PREVENTION, DETECTION, VULNERABILITY;
// openaev-model …/InjectExpectation.java:63-72, case-sensitive): one
// unknown type fails the whole read, which
// service/ExpectationService.java:57-65 logs, leaving no contract
// expectation; lines 68-86 then add the DETECTION, PREVENTION and
// VULNERABILITY the list lacks (MANUAL for a contract with a teams field).
// A duplicate is read, and offered, twice. An atomic test created without
// expectations of its own copies the contract's predefinedExpectations as
// they are, unknown or duplicate (service/AtomicTestingService.java:160-204).
// Platform.Expectations answers both per registered contract.
//
// Not modelled: the inject's health checks
// (rest/inject/service/InjectService.java:1369 →
// healthcheck/utils/HealthCheckUtils.java:96-97 → openaev-model
// …/helper/InjectModelHelper.java:242-243) call EXPECTATION_TYPE.valueOf on
// each type of the inject's content up to the first DETECTION or
// PREVENTION, and throw on an unknown one before it.
type ContractExpectations struct {
	// Offered are the expectation types the inject form offers
	// (ExpectationService.getAvailableExpectationsForInject): the
	// contract's, a duplicate listed twice, then DETECTION, PREVENTION and
	// VULNERABILITY when the contract lacks them (MANUAL for a contract
	// with a teams field). When one type is no EXPECTATION_TYPE member,
	// Jackson's read of the list fails, the platform logs it and offers
	// only those defaults: the contract's own expectations are lost.
	Offered []string
	// Predefined are the expectation types an atomic test created without
	// expectations of its own gets in its content
	// (AtomicTestingService.setExpectations): the contract's, copied as
	// they are, an unknown type or a duplicate included.
	Predefined []string
	// Names are the expectation_name of each of Predefined, as the atomic
	// test copies it: the name the inject's expectation then holds and
	// the platform shows (InjectExpectation's name). The platform's own
	// contracts and injects name VULNERABILITY "Not vulnerable" (2.4.0's
	// migration V4_06__Fix_vulnerability_expectations renamed every
	// other), as the official injectors' contracts do.
	Names []string
	// Unreadable is why the form could not read the contract's
	// expectations ("" when it could).
	Unreadable string
	// ArsenalDetail is why the threat arsenal's detail of the contract
	// (GET /api/threat_arsenals/{id}; "" when it renders) fails: for a
	// contract without payload, ThreatArsenalService.findById
	// (service/threat_arsenal/ThreatArsenalService.java:51-67) maps it
	// through ThreatArsenalMapper.toThreatArsenalActionFullOutput
	// (utils/mapper/ThreatArsenalMapper.java:62), whose
	// InjectorContractContentUtils.getPredefinedExpectations
	// (rest/injector_contract/InjectorContractContentUtils.java:139-159)
	// calls EXPECTATION_TYPE.valueOf on the asText of the
	// predefinedExpectations of every "expectations" field: "" for a list,
	// the list the platform's own ContractExpectations writes
	// (openaev-framework …/fields/ContractExpectations.java:25), so a
	// contract with such a field, the platform's own included, answers 400
	// with the IllegalArgumentException's message (RestBehavior.java:143-
	// 148); a field without key or predefinedExpectations, a 500 (a
	// NullPointerException no handler takes).
	ArsenalDetail string
}

// Expectations returns what the platform makes of the expectations of a
// registered contract (its last registration), and whether it was
// registered.
func (p *Platform) Expectations(contractID string) (ContractExpectations, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ce, ok := p.expectations[contractID]
	ce.Offered, ce.Predefined, ce.Names = slices.Clone(ce.Offered), slices.Clone(ce.Predefined), slices.Clone(ce.Names)
	return ce, ok
}

// contractExpectations reads the expectations of a contract document as
// the platform does after registration (rule 13); content is already
// known to be a JSON document.
func contractExpectations(content string) ContractExpectations {
	var doc struct {
		Fields []struct {
			Key        string          `json:"key"`
			Predefined json.RawMessage `json:"predefinedExpectations"`
		} `json:"fields"`
	}
	_ = json.Unmarshal([]byte(content), &doc)
	var ce ContractExpectations
	human := false
	for _, f := range doc.Fields {
		switch f.Key {
		case "teams":
			human = true
		case "expectations": // the last such field wins, as in the platform's loop
			ce.Predefined, ce.Names, ce.Unreadable = readExpectationTypes(f.Predefined)
		}
	}
	ce.ArsenalDetail = arsenalDetail(content)
	if ce.Unreadable == "" {
		ce.Offered = slices.Clone(ce.Predefined)
	}
	defaults := []string{"DETECTION", "PREVENTION", "VULNERABILITY"}
	if human {
		defaults = []string{"MANUAL"}
	}
	for _, d := range defaults {
		if !slices.Contains(ce.Offered, d) {
			ce.Offered = append(ce.Offered, d)
		}
	}
	return ce
}

// readExpectationTypes returns the expectation_type and expectation_name
// of each item of a predefinedExpectations list, and why Jackson's binding
// of the list to List<Expectation> fails ("" when it does not).
func readExpectationTypes(raw json.RawMessage) (types, names []string, unreadable string) {
	var items []struct {
		Type any `json:"expectation_type"`
		Name any `json:"expectation_name"`
	}
	if len(raw) == 0 {
		return nil, nil, "no predefinedExpectations"
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, nil, "predefinedExpectations is not a list of expectations"
	}
	for _, it := range items {
		s, _ := it.Type.(string)
		types = append(types, s)
		name, _ := it.Name.(string)
		names = append(names, name)
		if !expectationTypes[s] && unreadable == "" {
			unreadable = fmt.Sprintf("expectation_type %v is not an EXPECTATION_TYPE", it.Type)
		}
	}
	return types, names, unreadable
}

// arsenalDetail is why 2.4.0's threat arsenal detail of a contract fails
// ("" when it renders; ContractExpectations.ArsenalDetail): content that
// is no JSON object (getConvertedContent is null), or the first item of a
// "fields" list that is no object with a key, or is keyed "expectations"
// but has no predefinedExpectations, is a 500 (NullPointerException); an
// "expectations" field whose predefinedExpectations, read as Jackson's
// asText reads it ("" for a list or an object), names no EXPECTATION_TYPE
// is a 400. A "fields" that is no list is skipped.
func arsenalDetail(content string) string {
	const npe = "500: NullPointerException"
	var doc map[string]json.RawMessage
	if json.Unmarshal([]byte(content), &doc) != nil || doc == nil {
		return npe + " (content is no JSON object)"
	}
	var fields []json.RawMessage
	if json.Unmarshal(doc["fields"], &fields) != nil {
		return ""
	}
	for _, raw := range fields {
		var f map[string]json.RawMessage
		_ = json.Unmarshal(raw, &f)
		key, ok := f["key"]
		if !ok {
			return npe + " (a field without key)"
		}
		if asText(key) != "expectations" {
			continue
		}
		pe, ok := f["predefinedExpectations"]
		if !ok {
			return npe + " (an expectations field without predefinedExpectations)"
		}
		if name := asText(pe); !expectationTypes[name] {
			return "400: No enum constant io.openaev.database.model.InjectExpectation.EXPECTATION_TYPE." + name
		}
	}
	return ""
}

// asText is Jackson's JsonNode.asText of a JSON value: a string's text,
// "" for an array or an object, a scalar's JSON text otherwise.
func asText(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case []any, map[string]any:
		return ""
	}
	return string(raw)
}
