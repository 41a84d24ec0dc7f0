package query

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// Per-configuration outcomes recorded in ConfigResult.Status.
const (
	ResultSuccess = "success"
	// ResultPartial is a query whose later page failed: the matches of the
	// pages received are kept, and the error names the page.
	ResultPartial   = "partial"
	ResultFailed    = "failed"
	ResultCancelled = "cancelled"
)

// fieldResults is the Findings key of the ConfigResults.
const fieldResults = "results"

// Extra signature keys. VULNERABILITY, the only type query declares,
// carries the CVEs; the matched addresses are findings, not signatures.
const (
	ExtraCVEs       = "cves"
	ExtraQueryError = "query_error"
)

// ConfigResult is the outcome of one target configuration, in Findings
// under "results", in the order of the inject's targets.
type ConfigResult struct {
	// Query is the query sent: the configuration's query narrowed to its
	// target.
	Query          string `json:"query"`
	TargetIPv4     string `json:"target_ipv4,omitempty"`
	TargetHostname string `json:"target_hostname,omitempty"`
	// Status is success, partial (a page after the first failed: the
	// matches of the earlier pages are kept), failed or cancelled.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Total is the engine's count of matches for the query.
	Total   int     `json:"total"`
	Matches []Match `json:"matches"`
	// notSent, when set, says why the query never reached the engine
	// (the deadline or a cancellation came first, its request got no
	// connection, the configuration was refused before it): the target
	// is not reached (framework.ToolOutput.Unreached).
	notSent string
	// cutOff is set when the engine counts more matches than were
	// fetched (max_results reached): a CVE may be on one not fetched.
	cutOff bool
	// keyRefused is set when the engine refused the API key
	// (refusesKey: not spent credits, nor a request the key's plan does
	// not allow): no later query of the run is sent with it.
	keyRefused bool
	// creditsOut is the HTTP status of the engine's answer that the key's
	// query credits are spent, 0 when it gave none (see credits.go).
	creditsOut int
}

// Execute runs one query per target configuration, one after the other. A
// configuration's failure does not stop the others: the output is partial
// when some failed or got only some of their pages, and failed when all
// failed. Cancellation stops the run
// between and during requests; what was found until then is kept.
func (e *Executor) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	params, err := asParams(in.Params)
	if err == nil {
		err = params.validate()
	}
	if err != nil {
		return failed(in, err.Error())
	}
	if len(in.Targets) == 0 {
		return failed(in, signatures.ErrNoConfigs.Error())
	}
	p, err := e.provider(params.Provider, in.Injector, in.Logger())
	if err != nil {
		return failed(in, err.Error())
	}
	results := make([]ConfigResult, len(in.Targets))
	red := httpx.NewRedactor(e.apiKey)
	refused := ""           // why no more queries are sent: the engine refused the key
	spent, unspent := "", 0 // why no more queries costing a credit are sent, and how many were not
	for i, t := range in.Targets {
		var d drops
		skip := refused
		if skip == "" && spent != "" && costsCredit(t) {
			skip = spent
		}
		results[i], d = e.runOne(ctx, p, i, t, params.MaxResults, red, skip)
		if spent != "" && results[i].notSent == notQueried+spent {
			unspent++
		}
		if spent == "" {
			spent = creditsSpent(i, results[i])
		}
		if results[i].keyRefused && refused == "" {
			// Every later request would send the key the engine just
			// refused, one a second, each refused alike.
			refused = fmt.Sprintf("Shodan refused the API key on targets[%d] (HTTP 401)", i)
		}
		if d.banners > 0 {
			in.Logger().Warn("banners dropped: ip_str or ip not an IP address, or port out of range",
				zap.Int("target", i), zap.Int("dropped", d.banners))
		}
		if d.names > 0 {
			in.Logger().Warn("banner host names dropped: not RFC 1123 host names, or holding the API key",
				zap.Int("target", i), zap.Int("dropped", d.names))
		}
		// A configuration cut off mid-paging keeps the pages it received:
		// they are what it found before the deadline.
		if r := results[i]; r.Status == ResultSuccess || r.Status == ResultPartial || len(r.Matches) > 0 {
			in.Partial(fmt.Sprintf("%s: %d of %d matches", r.Query, len(r.Matches), r.Total))
		}
	}
	if unspent > 0 {
		in.Logger().Warn("Shodan's query credits are spent: the later queries using a filter were not sent "+
			"(each would be refused alike until the credits reset); those without one were", zap.String("reason", spent),
			zap.Int("not_sent", unspent))
	}
	return buildOutput(results, in.Targets, in.ExpectationTypes, params.Provider)
}

// drops counts what one configuration's answers held that the injector
// left out: banners with no usable address or port (Result.Dropped) and
// host names (cleanMatches).
type drops struct{ banners, names int }

// runOne runs the query of one target configuration. What the provider
// returned goes through cleanMatches, red redacting the API key; what was
// dropped is counted. refused, when set, says why the query is not sent:
// the engine refused the key, or said its query credits were spent, on an
// earlier configuration.
func (e *Executor) runOne(ctx context.Context, p Provider, i int, t framework.Target, limit int, red *httpx.Redactor, refused string) (ConfigResult, drops) {
	c, ok := t.External()
	if !ok {
		cat := "none"
		if t.Config != nil {
			cat = string(t.Config.Category())
		}
		why := fmt.Sprintf("not an external configuration (category %s)", cat)
		return ConfigResult{Status: ResultFailed, Matches: []Match{},
			Error: fmt.Sprintf("targets[%d]: %s", i, why), notSent: notQueried + why}, drops{}
	}
	query := composeQuery(c)
	r := ConfigResult{Query: red.Redact(query), TargetIPv4: c.TargetIPv4, TargetHostname: c.TargetHostname, Matches: []Match{}}
	err := c.Validate()
	if long := queryTooLong(c); err == nil && long != nil {
		err = long // refused by ValidateTargets when the runtime runs it
	}
	if err != nil {
		r.Status, r.Error, r.notSent = ResultFailed, fmt.Sprintf("targets[%d]: %v", i, err), notQueried+err.Error()
		return r, drops{}
	}
	if err := ctx.Err(); err != nil {
		r.Status, r.Error, r.notSent = ResultCancelled, fmt.Sprintf("targets[%d]: not run: %v", i, err), whyNotSent(err)
		return r, drops{}
	}
	if refused != "" {
		r.Status, r.Error, r.notSent = ResultFailed, fmt.Sprintf("targets[%d]: not run: %s", i, refused), notQueried+refused
		return r, drops{}
	}
	res, err := p.Search(ctx, query, limit)
	ns, unsent := errors.AsType[*notSentError](err)
	switch {
	case unsent && ctx.Err() != nil:
		// Cut while it waited for its turn, or before its request got a
		// connection: nothing of it was sent.
		r.Status, r.Error, r.notSent = ResultCancelled, fmt.Sprintf("targets[%d]: not run: %v", i, ns.err), whyNotSent(ctx.Err())
		return r, drops{}
	case unsent:
		// Its request never got to the engine (a connection refused, a
		// name that does not resolve, a TLS handshake refused): the
		// engine never saw the query.
		r.Status, r.Error = ResultFailed, red.Redact(fmt.Sprintf("targets[%d]: %v", i, err))
		r.notSent = red.Redact(notQueried + "its request never reached the engine (" + sendFailure(ns.err) + ")")
		return r, drops{}
	}
	clean, names, cerr := cleanMatches(ctx, nonNilMatches(res.Matches), red)
	r.Total, r.Matches = res.Total, clean
	r.cutOff = res.Total > len(res.Matches)+res.Dropped
	d := drops{banners: res.Dropped, names: names}
	if cerr != nil { // cut by ctx: what Search said matters less
		err = cerr
	}
	switch {
	case err == nil:
		r.Status = ResultSuccess
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		r.Status, r.Error = ResultCancelled, red.Redact(fmt.Sprintf("targets[%d]: %v", i, err))
	case len(r.Matches) > 0:
		r.Status, r.Error = ResultPartial, red.Redact(fmt.Sprintf("targets[%d]: %v", i, err))
	default:
		r.Status, r.Error = ResultFailed, red.Redact(fmt.Sprintf("targets[%d]: %v", i, err))
	}
	r.keyRefused, r.creditsOut = refusesKey(err), creditsStatus(err)
	return r, d
}

// notQueried begins the reason of a configuration whose query never
// reached the engine (framework.ToolOutput.Unreached), in words that
// finish "query on <target>: ".
const notQueried = "not queried: "

// whyNotSent is why a configuration's query was never sent, err the
// context's error.
func whyNotSent(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return notQueried + "the deadline came before its query was sent"
	}
	return notQueried + "the run was interrupted before its query was sent"
}

// sendFailure is what kept a request from the engine, in a few words
// that never quote its URL (which holds the query): the network's own
// ("connect: connection refused", "lookup …: no such host"), else the
// client's under the URL ("http: server gave HTTP response to HTTPS
// client", a certificate refused).
func sendFailure(err error) string {
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Err != nil {
		return op.Err.Error()
	}
	if ue, ok := errors.AsType[*url.Error](err); ok && ue.Err != nil {
		return ue.Err.Error()
	}
	return "the request could not be sent"
}

// buildOutput turns the per-configuration results into the tool output:
// findings (cves left out when it is empty and a configuration did not
// succeed: see the comment where it is set), one TargetExtras and one
// TargetStatus entry per configuration (keyed by its target), the configurations whose query was never sent
// (Unreached: nothing a collector could match goes in their signatures)
// and the status —
// timeout when a configuration was cancelled, failed when all failed,
// partial when some failed or were partial. targets are the inject's, one
// per result: their asset ids go into the CVE objects.
func buildOutput(results []ConfigResult, targets []framework.Target, types []framework.ExpectationType, provider string) framework.ToolOutput {
	allIPs := []string{}
	var errs []string
	failures, cancelled, cut := 0, false, false
	var unreached map[framework.Target]string
	extras := make(map[framework.Target]framework.TypeExtras, len(results))
	own := make(map[framework.Target]framework.ExecutionStatus, len(results))
	metas := make([]signatures.Attribution, len(targets))
	for i, r := range results {
		allIPs = append(allIPs, matchedIPs(r.Matches)...)
		cves := matchedCVEs(r.Matches)
		te := framework.TypeExtras{}
		for _, t := range types {
			m := map[string]any{}
			// An empty list says the query found no CVE, which only a
			// query answered in full may say (as for the cves output
			// below): one that failed, was cancelled, is partial or was
			// cut at max_results says what happened in query_error or
			// partial_results instead.
			if t == framework.Vulnerability && (len(cves) > 0 || (r.Status == ResultSuccess && !r.cutOff)) {
				m[ExtraCVEs] = cves
			}
			if r.Status != ResultSuccess {
				m[ExtraQueryError] = r.Error
			}
			te[t] = m
		}
		extras[targets[i]], metas[i] = te, targets[i].Attribution
		own[targets[i]] = resultStatus[r.Status]
		if r.Status != ResultSuccess {
			errs = append(errs, r.Error)
		}
		if r.Status == ResultFailed {
			failures++
		}
		cancelled = cancelled || r.Status == ResultCancelled
		cut = cut || r.cutOff
		if r.notSent != "" {
			if unreached == nil {
				unreached = map[framework.Target]string{}
			}
			unreached[targets[i]] = r.notSent
		}
	}
	v4, v6 := splitFamilies(allIPs)
	out := framework.ToolOutput{
		Status:       framework.StatusSuccess,
		TargetExtras: extras,
		TargetStatus: own,
		Unreached:    unreached,
		Findings: map[string]any{
			"provider":       provider,
			fieldResults:     results,
			FieldMatchedIPs:  v4,
			FieldMatchedIPv6: v6,
		},
	}
	// The platform sets one VULNERABILITY verdict for the whole inject
	// from the cves output (CVEOutputProcessor, read on 2.4.0, which
	// creates no expectation for an injector's inject: the Current line
	// does, from PR #6347 on): an empty list is
	// "Not vulnerable" for every asset, those never queried too. So an
	// empty list goes only when every configuration was answered in full,
	// none cut at max_results with matches left unfetched; a CVE found
	// goes whatever was not answered.
	if cves := buildCVEs(results, metas); len(cves) > 0 || (len(errs) == 0 && !cut) {
		out.Findings[FieldCVEs] = cves
	}
	switch {
	case cancelled:
		out.Status = framework.StatusTimeout
	case failures == len(results):
		out.Status = framework.StatusFailed
		out.ErrorInfo = &framework.ErrorInfo{ExitCode: 1, Message: framework.JoinErrors(errs, fieldResults)}
	case len(errs) > 0:
		// What made it partial (the targets and pages that failed), in
		// the message the platform and the summary show.
		out.Status = framework.StatusPartial
		out.ErrorInfo = &framework.ErrorInfo{Message: framework.JoinErrors(errs, fieldResults)}
	}
	return out
}

// resultStatus is the outcome of a target of its own
// (framework.ToolOutput.TargetStatus) by its ConfigResult.Status: a
// query cancelled timed out.
var resultStatus = map[string]framework.ExecutionStatus{ResultSuccess: framework.StatusSuccess,
	ResultPartial: framework.StatusPartial, ResultFailed: framework.StatusFailed, ResultCancelled: framework.StatusTimeout}

// failed is the output of an inject that could not run at all (no API
// key, invalid params): the reason is in ErrorInfo, and no query was
// sent: every target is not reached (Unreached), for that reason.
func failed(in *framework.Inject, msg string) framework.ToolOutput {
	out := framework.ToolOutput{
		Status:    framework.StatusFailed,
		ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: msg},
	}
	if len(in.Targets) > 0 {
		out.Unreached = make(map[framework.Target]string, len(in.Targets))
		for _, tg := range in.Targets {
			out.Unreached[tg] = notQueried + msg
		}
	}
	return out
}
