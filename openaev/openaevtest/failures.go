package openaevtest

// Scripted failures: the answers a test has the platform give instead of
// processing a request, per inject or for the platform's other routes.

// kindLostComplete keys the scripted answers of LoseCompleteAnswer.
const kindLostComplete = "lost-complete"

// FailComplete makes the next n terminal callbacks of the inject answer
// status (before any check).
func (p *Platform) FailComplete(injectID string, status, n int) {
	p.fail(KindComplete, injectID, status, n)
}

// LoseCompleteAnswer makes the next n "complete" callbacks of the inject
// that the platform processes (or, queued, holds: WithIngestEvery) answer
// status all the same: a gateway that timed out after the platform took
// the body (a 502 or 504, which the injector counts as no answer; a 503 it
// takes as not taken: its body is the stand-in's JSON, not Envoy's words
// after a reset, which testkit.EnvoyReset answers). The Call keeps its
// Outcome (Processed, or Queued until the worker settles it) and records
// status.
func (p *Platform) LoseCompleteAnswer(injectID string, status, n int) {
	p.fail(kindLostComplete, injectID, status, n)
}

// FailReception makes the next n receptions of the inject answer status.
func (p *Platform) FailReception(injectID string, status, n int) {
	p.fail(KindReception, injectID, status, n)
}

// FailInjectRead makes the next n reads of the inject (GET
// /api/injects/{id}, its status) answer status.
func (p *Platform) FailInjectRead(injectID string, status, n int) {
	p.fail(KindInject, injectID, status, n)
}

// FailFindings makes the next n searches of the inject's stored findings
// (POST /api/findings/injects/{id}/search) answer status.
func (p *Platform) FailFindings(injectID string, status, n int) {
	p.fail(KindFindings, injectID, status, n)
}

// FailTrace makes the next n traces of the inject answer status.
func (p *Platform) FailTrace(injectID string, status, n int) { p.fail(KindTrace, injectID, status, n) }

// FailTraceAfter makes the n traces of the inject that follow the next
// taken ones answer status (FailTrace when taken is 0).
func (p *Platform) FailTraceAfter(injectID string, taken, status, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fails[failKey{KindTrace, injectID}] = &failure{status: status, n: n, skip: taken}
}

// FailRegistration makes the next n registrations answer status.
func (p *Platform) FailRegistration(status, n int) { p.fail(KindRegistration, "", status, n) }

// FailInjectorContracts makes the next n reads of the contracts held for
// an injector id (GET /api/injectors/{id}/injector_contracts) answer
// status.
func (p *Platform) FailInjectorContracts(status, n int) { p.fail(KindInjectorContracts, "", status, n) }

// FailInjectorContract makes the next n reads of one contract (GET
// /api/injector_contracts/{id}, whichever id) answer status.
func (p *Platform) FailInjectorContract(status, n int) { p.fail(KindInjectorContract, "", status, n) }

// FailInjector makes the next n reads of one injector (GET
// /api/injectors/{id}, whichever id) answer status.
func (p *Platform) FailInjector(status, n int) { p.fail(KindInjector, "", status, n) }

// FailSettings makes the next n reads of the settings (GET /api/settings
// and /api/settings/version together) answer status.
func (p *Platform) FailSettings(status, n int) { p.fail(KindSettings, "", status, n) }

// FailTargets makes the next n asset-group pages answer status.
func (p *Platform) FailTargets(status, n int) { p.fail(KindTargets, "", status, n) }

func (p *Platform) fail(kind, injectID string, status, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fails[failKey{kind, injectID}] = &failure{status: status, n: n}
}
