package cloudscan

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// configRun is one target configuration on its way through Execute.
type configRun struct {
	cfg    signatures.CloudConfig
	result *ConfigResult
	// identity records the identity call, when it counts for this
	// configuration; recs, the calls of its checks.
	identity *recorder
	// sess is the session its checks ran in, nil when none did.
	sess session
	recs []*recorder
	// jobs are the checks it asked for, by service.
	jobs map[string]*job
	// unreached, when set, says why no call went to its account
	// (framework.ToolOutput.Unreached).
	unreached string
}

// Execute verifies each provider's identity, runs the checks in a bounded
// pool and reports findings, per-target API calls and the outcome. Invalid
// targets or parameters fail the inject before any call. What the inject
// started (a credential_process still running when every call gave up)
// ends with it: its context is cancelled on return.
func (e *Executor) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	ctx, cancel := context.WithCancel(withProcessEnv(ctx, os.Environ(), in.SecretEnv))
	defer cancel()
	params, err := e.params(in.Params)
	if err != nil {
		return failed(err.Error())
	}
	runs, err := e.plan(in.Targets)
	if err != nil {
		return failed(err.Error())
	}
	log := in.Logger()

	var jobs []*job
	for _, name := range providerOrder(runs) {
		jobs = append(jobs, e.prepare(ctx, log, name, params, runs)...)
	}
	runJobs(ctx, log, in, jobs, params.Concurrency)
	return assemble(ctx, in, runs)
}

// params returns the inject's params (see framework.ParamsAs), or the
// defaults when there are none, checked.
func (e *Executor) params(v any) (*Params, error) {
	p, err := framework.ParamsAs[Params](v)
	switch {
	case errors.Is(err, framework.ErrNoParams):
		return defaultParams(), nil
	case err != nil:
		return nil, fmt.Errorf("cloudscan: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// ValidateTargets checks, without any I/O, that every target is a valid
// cloud configuration of a supported provider and service. It returns a
// *signatures.ValidationError naming the first bad field, prefixed with the
// target's position. Execute calls it before anything else; a runtime may
// call it earlier to reject an inject before it runs.
func (e *Executor) ValidateTargets(targets []framework.Target) error {
	if len(targets) == 0 {
		return &signatures.ValidationError{Field: "targets", Reason: "no target configuration"}
	}
	for i, t := range targets {
		c, ok := t.Cloud()
		if !ok {
			return &signatures.ValidationError{Field: fmt.Sprintf("targets[%d]", i),
				Value: fmt.Sprintf("%T", t.Config), Reason: "cloudscan needs a cloud configuration"}
		}
		err := c.Validate()
		if err == nil {
			err = e.providers.validate(c)
		}
		if err != nil {
			var ve *signatures.ValidationError
			if errors.As(err, &ve) {
				cp := *ve
				cp.Field = fmt.Sprintf("targets[%d].%s", i, ve.Field)
				return &cp
			}
			return fmt.Errorf("targets[%d]: %w", i, err)
		}
	}
	return nil
}

// plan validates the targets and returns one run per target, in order.
func (e *Executor) plan(targets []framework.Target) ([]*configRun, error) {
	if err := e.ValidateTargets(targets); err != nil {
		return nil, err
	}
	runs := make([]*configRun, len(targets))
	for i, t := range targets {
		c, _ := t.Cloud()
		runs[i] = &configRun{cfg: c, jobs: map[string]*job{}, result: &ConfigResult{
			CloudProvider: c.CloudProvider, CloudAccountID: c.CloudAccountID, CloudRegion: c.CloudRegion,
			TargetService: c.TargetService, Checks: map[string]*CheckResult{},
		}}
	}
	return runs, nil
}

func providerOrder(runs []*configRun) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.cfg.CloudProvider] {
			seen[r.cfg.CloudProvider] = true
			names = append(names, r.cfg.CloudProvider)
		}
	}
	return names
}

// prepare opens the provider's session and, per partition (in the order
// the targets name them), proves its identity and returns the checks of
// the configurations whose account matches. A configuration that does not
// match gets no job, and no call: the identity call was made under
// another account.
func (e *Executor) prepare(ctx context.Context, log *zap.Logger, name string, params *Params, runs []*configRun) []*job {
	prov := e.providers[name]
	var partitions []string
	byPartition := map[string][]*configRun{}
	for _, r := range runs {
		if r.cfg.CloudProvider != name {
			continue
		}
		part := prov.partition(r.cfg.CloudRegion)
		if _, ok := byPartition[part]; !ok {
			partitions = append(partitions, part)
		}
		byPartition[part] = append(byPartition[part], r)
	}
	sess, err := prov.open(ctx, log, params, e.settings, e.version)
	if err != nil {
		for _, part := range partitions {
			fail(byPartition[part], err.Error(), cutShort(ctx, whyNotOpened(name), "the "+name+" configuration was loaded"))
		}
		return nil
	}
	var jobs []*job
	for _, part := range partitions {
		jobs = append(jobs, preparePartition(ctx, log, name, prov, sess, part, byPartition[part])...)
	}
	return jobs
}

// preparePartition proves the identity of the credentials in one
// partition, signed for its first configuration's region, and returns the
// checks of that partition's configurations whose account matches: a
// partition's accounts, credentials and global endpoints are its own, so
// is the proof, and a global check is shared by its configurations only.
func preparePartition(ctx context.Context, log *zap.Logger, name string, prov provider, sess session, part string, mine []*configRun) []*job {
	// The identity call is logged by the trail of the account the
	// credentials belong to: it counts for the configurations of that
	// account only, and for none when no account was proved.
	idRec := newRecorder()
	account, err := sess.accountID(withRecorder(ctx, idRec), mine[0].cfg.CloudRegion)
	if err != nil {
		fail(mine, err.Error(), cutShort(ctx, whyNoIdentity, "the credentials' account was proved"))
		return nil
	}
	var jobs []*job
	// A check is run once per service and region (a global one once per
	// service), its result shared by every configuration that asks for it:
	// identical targets, or one naming a service another checks anyway.
	shared := map[string]*job{}
	for _, r := range mine {
		if account != r.cfg.CloudAccountID {
			err := &AccountMismatchError{Provider: name, Want: r.cfg.CloudAccountID, Got: account}
			r.result.Error = err.Error()
			r.unreached = "no check run: the credentials belong to account " + account // as the error quotes it
			log.Warn("cloud account mismatch", zap.String("provider", name), zap.String("partition", part),
				zap.String("cloud_account_id", r.cfg.CloudAccountID), zap.String("caller_account_id", account))
			continue
		}
		r.identity, r.sess = idRec, sess
		services := prov.services()
		if r.cfg.TargetService != "" {
			services = []string{r.cfg.TargetService}
		}
		for _, svc := range services {
			key, label := svc+" "+r.cfg.CloudRegion, name+" "+r.cfg.CloudRegion+" "+svc
			if prov.global(svc) {
				key, label = svc, part+" global "+svc
			}
			j, ok := shared[key]
			if !ok {
				j = &job{sess: sess, service: svc, region: r.cfg.CloudRegion, account: account, label: label,
					rec: newRecorder(), global: prov.global(svc)}
				shared[key] = j
				jobs = append(jobs, j)
			}
			r.jobs[svc] = j
		}
	}
	return jobs
}

// Why no call went to a configuration's account, when its provider's
// session did not open or its credentials' identity was not proved
// (framework.ToolOutput.Unreached): no check ran, and the identity call,
// if any, counts for no account.
const whyNoIdentity = "no check run: the credentials' account could not be proved"

func whyNotOpened(provider string) string {
	return "no check run: the " + provider + " configuration could not be loaded"
}

// cutShort is why, unless ctx is done: then the deadline or the interrupt
// is why no check ran, before what had to come first (before: "the
// credentials' account was proved").
func cutShort(ctx context.Context, why, before string) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "no check run: the deadline came before " + before
	case ctx.Err() != nil:
		return "no check run: the run was interrupted before " + before
	}
	return why
}

// fail records msg as the error of every run in runs, none of which a
// call reached (why).
func fail(runs []*configRun, msg, why string) {
	for _, r := range runs {
		r.result.Error, r.unreached = msg, why
	}
}

func failed(msg string) framework.ToolOutput {
	return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: msg}}
}

// count says n of noun, the noun in the plural unless n is 1: "1 finding",
// "0 errors".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
