package openaevtest

import (
	"fmt"
	"maps"
)

// Vulnerability verdicts (rule 18), as OpenAEV 2.4.0 stores them on an
// inject's VULNERABILITY expectations (read: openaev-api …/expectation/
// ExpectationType.java:10, the labels; …/service/InjectExpectationService
// .java:1187-1243, matchesVulnerabilityExpectations; …/utils/
// ExpectationUtils.java:401-417, setResultExpectationVulnerable;
// …/collectors/expectations_expiration_manager/service/
// ExpectationsExpirationManagerService.java:56-100, the expiry).
const (
	// ResultVulnerable is stored, score 0, when a cve output processed
	// holds at least one CVE.
	ResultVulnerable = "Vulnerable"
	// ResultNotVulnerable is stored, the expected score, when a cve
	// output processed is empty; and on an agent's expectation at expiry.
	ResultNotVulnerable = "Not vulnerable"
	// ResultFailed is stored, score 0, on an expectation not bound to an
	// agent that no cve output judged before it expired
	// (computeFailedMessage has no VULNERABILITY case: HUMAN_RESPONSE's
	// failure label).
	ResultFailed = "Failed"

	// SourceVulnerabilityManager and SourceExpirationManager name who
	// stored a verdict (the result's source_name).
	SourceVulnerabilityManager = "Expectations Vulnerability Manager"
	SourceExpirationManager    = "Expectations Expiration Manager"

	// ExpectedScore is the expected score of the expectations
	// SetVulnerabilityExpectations adds (the platform's default, 100).
	ExpectedScore = 100.0
)

// Verdict is what the platform stores on one VULNERABILITY expectation:
// nothing yet (Pending), or a result, its score and its source.
type Verdict struct {
	Result string
	Score  float64
	Source string
}

// Pending reports an expectation the platform has not judged yet.
func (v Verdict) Pending() bool { return v.Result == "" }

func (v Verdict) String() string {
	if v.Pending() {
		return "Pending"
	}
	return fmt.Sprintf("%s (score %g, %s)", v.Result, v.Score, v.Source)
}

// SetVulnerabilityExpectations gives inject id the VULNERABILITY
// expectations the platform created for it, each pending, expecting
// ExpectedScore: an asset's own (Expectation{Asset}), an asset group's
// own (Expectation{AssetGroup}), or an agent's (Agent set). It replaces
// those set before.
//
// On Version24 it gives none: OpenAEV 2.4.0 creates no expectation for
// an external injector's inject, so no cve output ever judges one there.
// Its Executor.executeExternal (openaev-api …/executors/Executor.java
// :52-66) publishes the inject and adds the INFO trace, nothing else;
// InjectExpectationService.buildAndSaveInjectExpectations (…/service/
// InjectExpectationService.java:1008-1010) is called by the platform's own
// executors only (challenge, channel, email, manual, the implant's,
// OpenCTI, OVH: injectors/*/…Executor.java), and no route creates one.
// matchesVulnerabilityExpectations then finds no expectation and returns
// (:1197-1201). The platform creates them for an external inject from
// the Current line on (openaev PR #6347, 2026-06-23), which the stand-in
// models there.
func (p *Platform) SetVulnerabilityExpectations(injectID string, es ...Expectation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.version == Version24 {
		return
	}
	if in := p.injects[injectID]; in != nil {
		in.verdicts = make(map[Expectation]Verdict, len(es))
		for _, e := range es {
			in.verdicts[e] = Verdict{}
		}
	}
}

// Verdicts returns what the platform stores on each VULNERABILITY
// expectation of inject id (SetVulnerabilityExpectations).
func (p *Platform) Verdicts(injectID string) map[Expectation]Verdict {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.injects[injectID]; in != nil {
		return maps.Clone(in.verdicts)
	}
	return nil
}

// ExpireExpectations runs the expiration manager over inject id as if
// the expiration time of each of its expectations had passed
// (ExpectationsExpirationManagerService.computeExpectations): a pending
// one bound to an agent becomes ResultNotVulnerable at the expected
// score (processAgentExpectations), any other ResultFailed, score 0
// (processRemainingExpectations); one judged already is left as it is.
func (p *Platform) ExpireExpectations(injectID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.injects[injectID]
	if in == nil {
		return
	}
	for e, v := range in.verdicts {
		switch {
		case !v.Pending():
		case e.Agent != "":
			in.verdicts[e] = Verdict{Result: ResultNotVulnerable, Score: ExpectedScore, Source: SourceExpirationManager}
		default:
			in.verdicts[e] = Verdict{Result: ResultFailed, Source: SourceExpirationManager}
		}
	}
}

// judgeLocked applies the cve outputs among outputs, the declared
// outputs a processed callback stored (none when its batch rolled
// back), to the inject's VULNERABILITY expectations, in the contract's
// order: CVEOutputProcessor.afterFindings calls
// matchesVulnerabilityExpectations with the output's node, which judges
// every expectation of an injector's execution not bound to an agent
// (fetchVulnerabilityExpectations: the execution names no agent), the
// asset the output's CVEs name or not: Vulnerable, score 0, when the
// node is a non-empty list or object, else Not vulnerable at the
// expected score. A later one replaces the verdict. An output left out
// of the document is never dispatched (AbstractExecutionProcessingHandler:
// a missing node): the expectations stay as they were.
func (p *Platform) judgeLocked(in *inject, outputs map[string]any) {
	if len(in.verdicts) == 0 || len(outputs) == 0 {
		return
	}
	for _, o := range p.contracts[in.contract].outputs {
		v, present := outputs[o.Field]
		if o.Type != "cve" || !present {
			continue
		}
		verdict := Verdict{Result: ResultNotVulnerable, Score: ExpectedScore, Source: SourceVulnerabilityManager}
		if nonEmptyContainer(v) {
			verdict = Verdict{Result: ResultVulnerable, Source: SourceVulnerabilityManager}
		}
		for e := range in.verdicts {
			if e.Agent == "" {
				in.verdicts[e] = verdict
			}
		}
	}
}

// nonEmptyContainer is Jackson's isContainerNode() && !isEmpty() of a
// decoded JSON value.
func nonEmptyContainer(v any) bool {
	switch v := v.(type) {
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return false
}
