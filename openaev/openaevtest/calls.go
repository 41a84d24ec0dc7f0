package openaevtest

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
)

// Call kinds.
const (
	KindRegistration = "registration"
	KindReception    = "reception"
	KindTrace        = "trace"    // a callback whose action is neither "complete" nor "data"
	KindComplete     = "complete" // a callback whose action is "complete"
	KindData         = "data"     // a callback whose action is "data" (Current)
	KindTargets      = "targets"  // POST /api/endpoints/targets
	KindInject       = "inject"   // GET /api/injects/{id}
	KindFindings     = "findings" // POST /api/findings/injects/{id}/search
	KindSettings     = "settings" // GET /api/settings, /api/settings/version, /api/settings/public
	// KindInjectorContracts is GET /api/injectors/{id}/injector_contracts.
	KindInjectorContracts = "injector_contracts"
	// KindInjectorContract is GET /api/injector_contracts/{id}.
	KindInjectorContract = "injector_contract"
	// KindInjector is GET /api/injectors/{id}.
	KindInjector = "injector"
	KindUnknown  = "unknown"
)

// Outcomes of a callback the platform accepted.
const (
	Processed = "processed" // its trace was saved and its outputs processed
	Dropped   = "dropped"   // answered 2xx, then thrown away (Reason says why)
)

// Call is one request the platform received, with what it answered and,
// for an accepted callback, what processing made of it.
type Call struct {
	Kind     string
	Method   string
	Path     string // without the tenant prefix
	Tenant   string
	InjectID string
	// AgentID is the agent a callback names on the implants' route
	// (POST /api/injects/execution/{agentId}/callback/{injectId}), or "".
	AgentID string
	Header  http.Header
	// allow is the Allow header of a 405: the methods the path's route
	// maps.
	allow string
	// Raw is the body; for a registration, the "input" part.
	Raw []byte
	// Body is the first JSON value of Raw decoded, when it is an object
	// (else nil), as the platform reads it: the last occurrence of each
	// property, and the fields of the route's input as Jackson binds
	// them (a number or a boolean in a String field as its text). A
	// number is a float64, or its text (json.Number) when a float64
	// cannot hold it (1e400).
	Body map[string]any
	// Icon and IconType are a registration's icon part, as sent;
	// IconStored says whether the platform stored it (icon.go).
	Icon       []byte
	IconType   string
	IconStored bool
	iconPart   bool // the icon part is a file (isFilePart)
	// Status is the HTTP status the platform answered.
	Status int
	// Outcome is Processed or Dropped for a callback answered 2xx (Queued
	// while the platform holds it, not processed yet: WithIngestEvery),
	// and Reason why it was dropped (or, in legacy mode, refused).
	Outcome string
	Reason  string
	// Signatures are the signatures this callback stored.
	Signatures []Signature
	// SignaturesRepeated are the signatures of this callback the
	// expectations they reach held already, from an earlier callback or
	// earlier in this one: the platform stores one row per expectation,
	// type and value (ownsignatures.go), so they were not stored again. A
	// sender that means each signature once sends none.
	SignaturesRepeated []Signature
	// SignaturesUnattached are the signatures of this callback the
	// platform found no expectation for (no expectation of their type on
	// the agent, asset or asset group they name: a Caldera implant's
	// agent, a target the inject does not have, a type its content does
	// not list) and so did not store ("No inject expectation found for
	// structured signatures"; targetexpectations.go).
	SignaturesUnattached []Signature
	// SignaturesSkipped says why the platform ignored the callback's
	// expectation signatures, processing the rest (SignaturesDisabled),
	// or is empty.
	SignaturesSkipped string
	// UnlinkedAssets are the asset ids the findings of a processed
	// callback named (asset_id) that name no asset the platform holds
	// (AddAssets), each once, in the order named: the platform stored
	// those findings without that link (rule 14).
	UnlinkedAssets []string
	// DeletedContracts and DeletedInjects are the contracts a
	// registration of an injector the platform held already left out,
	// which the platform deleted, and the injects deleted with them
	// (injectorcontracts.go), sorted.
	DeletedContracts, DeletedInjects []string
	// fails says how processing this callback fails its batch
	// (failsBatch), if it does.
	fails failsBatch
}

// failsBatch is how a callback fails the batch it is processed in (the
// batch's one transaction, BatchingInjectStatusService.java:58).
type failsBatch int

const (
	// failsThrown: FindingService, a class-level @Transactional bean
	// (rest/finding/FindingService.java:25-29), threw out of
	// generateFindings (an output failing its validation, :326-329), which
	// marks the batch's transaction rollback-only: the callback itself is
	// lost before its trace (InjectExecutionService.java:112 before :114),
	// and the batch's commit throws UnexpectedRollbackException.
	failsThrown failsBatch = iota + 1
	// failsAtCommit: the findings' inserts, deferred to the flush at the
	// commit (Finding's id is generated, Finding.java:34-37), fail there
	// (a row the unique index holds already, an index row too large,
	// U+0000 in a value): the callback's trace and status were written.
	failsAtCommit
)

// Accepted reports whether the platform answered 2xx.
func (c Call) Accepted() bool { return c.Status >= 200 && c.Status < 300 }

// Processed reports whether the platform answered 2xx and processed the
// callback (a dropped callback is accepted but not processed).
func (c Call) Processed() bool { return c.Accepted() && c.Outcome == Processed }

// Structured decodes a callback's execution_output_structured string as
// the injector must write it: exactly one JSON object, nothing after it
// but white space. It is stricter than the platform, which reads the
// first JSON value and ignores what follows (rule 4, readStructured), so
// a test reading the outputs through it also guards against bytes
// appended to them; what the platform processed is in Outcome, Findings
// and Signatures.
func (c Call) Structured() (map[string]any, bool) {
	s, ok := c.Body["execution_output_structured"].(string)
	if !ok {
		return nil, false
	}
	var doc map[string]any
	if json.Unmarshal([]byte(s), &doc) != nil || doc == nil {
		return nil, false
	}
	return doc, true
}

// Reading the calls the platform received.

// Calls returns the calls about one inject (reception, traces, complete,
// data), in the order received, failed ones included; not the reads of
// its status or findings (CallsOf KindInject, KindFindings).
func (p *Platform) Calls(injectID string) []Call {
	return p.filter(func(c Call) bool {
		return c.InjectID == injectID && c.Kind != KindInject && c.Kind != KindFindings
	})
}

// Registrations returns the registration calls, in order.
func (p *Platform) Registrations() []Call { return p.CallsOf(KindRegistration) }

// TargetQueries returns the asset-group page calls, in order.
func (p *Platform) TargetQueries() []Call { return p.CallsOf(KindTargets) }

// CallsOf returns the calls of one kind (KindSettings: the version reads,
// and the reads of enabled_dev_features, public ones included), in order.
func (p *Platform) CallsOf(kind string) []Call {
	return p.filter(func(c Call) bool { return c.Kind == kind })
}

// AllCalls returns every call, in order.
func (p *Platform) AllCalls() []Call { return p.filter(func(Call) bool { return true }) }

// Dropped returns every accepted callback that processing dropped, in
// order: each is a result the real platform would have lost.
func (p *Platform) Dropped() []Call {
	return p.filter(func(c Call) bool { return c.Accepted() && c.Outcome == Dropped })
}

func (p *Platform) filter(keep func(Call) bool) []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Call
	for _, c := range p.calls {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// Terminal returns the first accepted (2xx) "complete" callback of the
// inject, processed or dropped: check Call.Outcome.
func (p *Platform) Terminal(injectID string) (Call, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.terminalLocked(injectID)
}

func (p *Platform) terminalLocked(injectID string) (Call, bool) {
	for _, c := range p.calls {
		if c.InjectID == injectID && c.Kind == KindComplete && c.Accepted() {
			return c, true
		}
	}
	return Call{}, false
}

// Receptions returns the reception calls of the inject, in order, failed
// ones included.
func (p *Platform) Receptions(injectID string) []Call {
	return p.filter(func(c Call) bool { return c.InjectID == injectID && c.Kind == KindReception })
}

// Completions returns the processed "complete" callbacks of the inject:
// more than one means the platform completed it more than once.
func (p *Platform) Completions(injectID string) []Call {
	return p.filter(func(c Call) bool {
		return c.InjectID == injectID && c.Kind == KindComplete && c.Processed()
	})
}

// WaitTerminal blocks until the inject has an accepted "complete" callback
// or ctx ends. The call may have been dropped: check Call.Outcome.
func (p *Platform) WaitTerminal(ctx context.Context, injectID string) (Call, error) {
	for {
		p.mu.Lock()
		c, ok := p.terminalLocked(injectID)
		ch := p.changed
		p.mu.Unlock()
		if ok {
			return c, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Call{}, ctx.Err()
		}
	}
}

// WaitFor blocks until cond holds (checked after every call the platform
// records) or ctx ends.
func (p *Platform) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		p.mu.Lock()
		ch := p.changed
		p.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (p *Platform) record(c Call) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holdLocked(c, len(p.calls))
	p.calls = append(p.calls, c)
	p.notifyLocked()
}

// notifyLocked wakes the waiters for a change (WaitFor, CallsFrom).
func (p *Platform) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// takeFailure consumes one scripted failure, returning its status or 0.
func (p *Platform) takeFailure(kind, injectID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.fails[failKey{kind, injectID}]
	if f == nil || f.n <= 0 {
		return 0
	}
	if f.skip > 0 {
		f.skip--
		return 0
	}
	f.n--
	return f.status
}

// runMark matches the mark an injectkit run ends a "complete"'s message
// with, naming the run (" [run 1a2b3c4d]"), and which the platform keeps
// in the complete's trace: at the message's end only.
var runMark = regexp.MustCompile(` \[run [0-9a-f]{8}\]\z`)

// Unmarked returns msg, a "complete"'s message, without its run mark: what
// a test compares, as the mark is random.
func Unmarked(msg string) string { return runMark.ReplaceAllString(msg, "") }

// Marked reports whether msg, a "complete"'s message, carries a run mark.
func Marked(msg string) bool { return runMark.MatchString(msg) }
