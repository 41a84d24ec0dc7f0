package openaevtest

import (
	"crypto/tls"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Broker is the registration reply: the broker and the queue.
type Broker struct {
	Host   string
	VHost  string
	UseSSL bool
	Port   int
	User   string
	Pass   string
	Queue  string
}

type failKey struct{ kind, injectID string }

// failure is a scripted failure: the next skip requests are processed,
// then n answer status.
type failure struct{ status, n, skip int }

// inject is the platform's state of one inject.
type inject struct {
	contract    string
	injector    string // the injector it names (inject_injector), "" for none: injectinjector.go
	status      string
	denied      bool
	reopenings  int
	completes   []string // the statuses of its processed "complete" callbacks
	traces      []trace  // its execution traces (status_traces), in order
	signatures  []Signature
	initialized map[string]bool // by class: true once it received an injector's signatures, false while it holds only the platform's (ownsignatures.go)
	held        map[string]bool // the keys (heldKey) of signatures, nil until appendSignaturesLocked needs them
	findings    map[string]any
	stored      map[findingKey]bool     // the findings table's rows of the inject (rule 14)
	rows        []FindingRow            // the same, in the order stored, with their assets
	agents      []Agent                 // the primary agents of its assets (SetInjectAgents)
	verdicts    map[Expectation]Verdict // its VULNERABILITY expectations (rule 18)
	content     map[string]any          // its inject_content, as its message carries it (Platform.Message)
	expected    *targetExpectations     // its technical expectations, nil until Platform.Message (targetexpectations.go)
	// sentAt and endAt are its status's trackingSentDate (AddInject,
	// Dispatch) and trackingEndDate (a final status computed), zero for
	// none.
	sentAt, endAt time.Time
	// staleCopy: a Dispatch that lost the race (WithStaleDispatch) holds
	// a copy of its status it saves after the next reception (race.go).
	staleCopy bool
}

// Platform is the stand-in. Its methods are safe for concurrent use.
type Platform struct {
	// URL is the server's base URL (no trailing slash).
	URL string

	srv     *httptest.Server
	token   string
	tenants map[string]bool // WithTenants's, nil: every tenant
	version Version
	raw     string // the version string reported
	legacy  bool
	// staleDispatch: Dispatch loses the race (WithStaleDispatch, race.go).
	staleDispatch bool
	admin         bool // the token is an admin's, or holds BYPASS (WithAdminToken)
	// noRegister: the token's user lacks CREATE on INJECTOR (DenyRegistration).
	noRegister bool
	cert       *tls.Certificate // WithTLS's
	// maxMessage is the broker's max_message_size (WithMaxMessageSize).
	maxMessage int
	// declarer declares a registration's queue (WithQueueDeclarer).
	declarer QueueDeclarer
	// queued: callbacks are held for the batch worker, run every
	// ingestEvery (never on its own when 0; ingest.go).
	queued      bool
	ingestEvery time.Duration
	kick        chan struct{}
	// threshold is the pending sweep's (WithPendingThreshold, rule 17);
	// now the platform's clock.
	threshold time.Duration
	now       func() time.Time

	// seed seeds the shuffles of search pages, searches counts the
	// searches answered (paging.go); the searches hold mu or not.
	seed     uint64
	searches atomic.Uint64
	// orders counts the arbitrary orders drawn for messages and search
	// rows (order.go).
	orders atomic.Uint64
	// dropped are the sort fields DropSort took away, under droppedMu.
	droppedMu sync.Mutex
	dropped   map[string]bool

	mu        sync.Mutex
	calls     []Call
	broker    Broker
	groups    map[string][]map[string]any
	order     []string        // group ids, in insertion order
	assets    map[string]bool // the assets the platform holds, by id (AddAssets)
	fails     map[failKey]*failure
	injects   map[string]*inject
	contracts map[string]registered // contract id → declared outputs
	// injectors: contract id → the injectors linked to it, first linked
	// first, as the platform's InjectorContract names them (rule 8;
	// sharedcontract.go).
	injectors map[string][]contractInjector
	// registeredInjectors: the injectors registered, by id, as their
	// last registration named them; linked: contract id → the ids of
	// every injector that registered it, the platform's
	// injectors_injector_contracts (injectorcontracts.go).
	registeredInjectors map[string]contractInjector
	linked              map[string]map[string]bool
	// placeholders: an import's placeholder injector, by the type it
	// stands for (placeholder.go).
	placeholders map[string]contractInjector
	// expectations: contract id → what the platform makes of its
	// expectations (rule 13).
	expectations map[string]ContractExpectations
	// needsExecutor: the contracts whose injector_contract_needs_executor
	// is true (SetContractNeedsExecutor; targetexpectations.go).
	needsExecutor map[string]bool
	// domains: the domain names stored (domains.go); attackPatterns: the
	// external ids of the attack patterns held, by their upper case
	// (AddAttackPatterns, stored.go).
	domains        map[string]bool
	attackPatterns map[string]string
	breaking       map[string]bool // stored signature types no collector can read
	features       map[string]bool // enabled preview features, by enum name
	changed        chan struct{}
	queue          []queuedCall // the callbacks held, in the order received
}

// Option configures a Platform.
type Option func(*Platform)

// WithVersion sets the platform behaviour (default Current) and the
// version string it reports (Version.String).
func WithVersion(v Version) Option { return func(p *Platform) { p.version, p.raw = v, v.String() } }

// WithVersionString makes the platform report s, behaving as Classify(s)
// says (Current when s cannot be parsed).
func WithVersionString(s string) Option {
	return func(p *Platform) {
		v, _ := Classify(s)
		p.version, p.raw = v, s
	}
}

// WithAdminToken models a token of an admin user, or one holding the
// BYPASS capability, which PermissionService.hasPermission lets through
// every check before looking anything up (2.4.0 :74-84; 1.x: it passes
// @Secured(ROLE_ADMIN)): DenyInject has no effect, and a callback for an
// inject that does not exist is answered 200, then Dropped (rule 8). The
// default token is another user's, whose rights on an inject are
// resolved through the inject itself: a 404 for one that does not exist.
func WithAdminToken() Option { return func(p *Platform) { p.admin = true } }

// WithLegacyIngestion models the platform's older synchronous callback
// path (preview flag LEGACY_INGESTION_EXECUTION_TRACE): a "complete" on an
// inject that is not PENDING is a 409 and a callback whose processing fails
// is a 400, instead of 200 and a silent drop.
func WithLegacyIngestion() Option { return func(p *Platform) { p.legacy = true } }

// WithVariant models version v (WithVersion), with the legacy ingestion
// (WithLegacyIngestion) when legacy: the two settings a test that runs one
// scenario on each kind of platform varies.
func WithVariant(v Version, legacy bool) Option {
	return func(p *Platform) {
		WithVersion(v)(p)
		p.legacy = legacy
	}
}

// WithTLS makes the platform serve HTTPS (TLS 1.2 at least) with cert; its
// URL is then https://.
func WithTLS(cert tls.Certificate) Option { return func(p *Platform) { p.cert = &cert } }

// NewPlatform starts a platform accepting token, closed when the test ends.
// Its broker reply defaults to 127.0.0.1:5672, vhost "/", guest/guest and
// the queue "openaev_injector_<injector_id>".
func NewPlatform(t testing.TB, token string, opts ...Option) *Platform {
	t.Helper()
	p := &Platform{token: token, seed: pagingSeed(t.Name()), version: Current, raw: Current.String(),
		groups: map[string][]map[string]any{}, assets: map[string]bool{}, fails: map[failKey]*failure{},
		injects: map[string]*inject{}, contracts: map[string]registered{}, injectors: map[string][]contractInjector{}, registeredInjectors: map[string]contractInjector{},
		linked: map[string]map[string]bool{}, placeholders: map[string]contractInjector{}, breaking: map[string]bool{},
		expectations: map[string]ContractExpectations{}, domains: domainSet(),
		features: devFeatureSet([]string{SignatureOutputProcessor}), changed: make(chan struct{}),
		maxMessage: DefaultMaxMessageSize, kick: make(chan struct{}, 1), threshold: DefaultPendingThreshold, now: time.Now,
		broker: Broker{Host: "127.0.0.1", VHost: "/", Port: 5672, User: "guest", Pass: "guest"}}
	for _, o := range opts {
		o(p)
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	if p.cert != nil {
		p.srv.TLS = &tls.Config{Certificates: []tls.Certificate{*p.cert}, MinVersion: tls.VersionTLS12}
		p.srv.StartTLS()
	} else {
		p.srv.Start()
	}
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	if p.queued && !p.legacy {
		p.startWorker(t)
	}
	return p
}

// Version returns the behaviour the platform models.
func (p *Platform) Version() Version { return p.version }

// SetBroker sets the registration reply. An empty Queue is replaced by
// "openaev_injector_<injector_id>".
func (p *Platform) SetBroker(b Broker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.broker = b
}

// SetAssetGroup sets the assets (endpoint objects as the platform sends
// them) of an asset group, served by POST /api/endpoints/targets, each
// by its asset_id an asset the platform holds (AddAssets; groupID is none).
func (p *Platform) SetAssetGroup(groupID string, assets ...map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.groups[groupID]; !ok {
		p.order = append(p.order, groupID)
	}
	p.groups[groupID] = assets
	p.holdAssetsLocked(assets)
}

// AddInject creates an inject of a contract, as the platform does before
// it dispatches it (status QUEUING, its trackingSentDate now: see
// Dispatch and SweepPending). Reception and callbacks of any other
// inject id are answered 404. The contract's declared outputs are those of
// its last registration; the structured output of an inject whose
// contract was never registered is dropped (see the package doc, rule 4).
func (p *Platform) AddInject(injectID, contractID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.injects[injectID] = &inject{contract: contractID, status: "QUEUING", findings: map[string]any{},
		stored: map[findingKey]bool{}, sentAt: p.now()}
}

// DenyInject makes the token lack the rights on an inject (not an admin
// token's: WithAdminToken). From 2.0.0 on
// (Version24 reporting 2.x, and Current) the platform answers 403 on its
// reception, callbacks and GET; a 1.x version string (WithVersionString)
// answers 404 on the reception and callbacks, as for an inject that does
// not exist, and the inject on GET (see the package doc, rule 8).
func (p *Platform) DenyInject(injectID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.injects[injectID]; in != nil {
		in.denied = true
	}
}

// InjectStatus returns the inject's status name ("" for an unknown
// inject): QUEUING, PENDING after a reception, then, after each processed
// "complete", the status the platform computes from all of them: SUCCESS
// (EXECUTED on Current), PARTIAL or ERROR.
func (p *Platform) InjectStatus(injectID string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.injects[injectID]; in != nil {
		return in.status
	}
	return ""
}

// SetInjectStatus sets the inject's status by hand, as a user does
// (2.4.0: POST /api/exercises/{exerciseId}/injects/{injectId}/status,
// InjectStatusService.updateInjectStatus): a new InjectStatus replaces
// the inject's, its traces gone with the old one (orphanRemoval), so
// status_traces answers an empty list, and its dates with them
// (tracking_sent_date null). The inject must exist. The platform's own
// finalization of an inject left PENDING is SweepPending.
func (p *Platform) SetInjectStatus(injectID, status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.injects[injectID]
	in.status, in.completes, in.traces = status, nil, nil
	in.sentAt, in.endAt = time.Time{}, time.Time{}
}

// Reopenings counts the receptions that set a finished inject back to
// PENDING.
func (p *Platform) Reopenings(injectID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.injects[injectID]; in != nil {
		return in.reopenings
	}
	return 0
}

// Signatures returns the signatures the platform holds for an inject, by
// expectation type (DETECTION, PREVENTION).
func (p *Platform) Signatures(injectID string) map[string][]Signature {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string][]Signature{}
	if in := p.injects[injectID]; in != nil {
		for _, s := range in.signatures {
			out[s.ExpectationType] = append(out[s.ExpectationType], s)
		}
	}
	return out
}

// Findings returns the processed structured outputs of an inject, by
// field, as decoded from JSON (the last value of each field).
func (p *Platform) Findings(injectID string) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]any{}
	if in := p.injects[injectID]; in != nil {
		for k, v := range in.findings {
			out[k] = v
		}
	}
	return out
}

// CollectorBreaking returns, sorted, the stored signature types that are
// not members of pyoaev's SignatureTypes: each makes every collector's
// fetch of pending expectations fail.
func (p *Platform) CollectorBreaking() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.breaking))
}

// ContractOutputs returns the outputs a registered contract declares as
// "type:field" pairs, and whether it was registered.
func (p *Platform) ContractOutputs(contractID string) ([]string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ct, ok := p.contracts[contractID]
	outs := ct.outputs
	list := make([]string, 0, len(outs))
	for _, o := range outs {
		list = append(list, o.Type+":"+o.Field)
	}
	return list, ok
}
