package cloudscan

import (
	"context"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
)

// job is one check run, shared by every configuration of the provider's
// partition that asks for it: a regional one by those of its region, a
// global one by all.
type job struct {
	sess    session
	service string
	region  string // a global check runs in its partition's first asker's region
	account string // the account the identity call proved
	label   string
	global  bool // an account-wide check (provider.global)
	rec     *recorder
	result  *CheckResult
}

// runJobs runs the jobs, at most limit at once, and reports each as a
// partial result when it ends.
func runJobs(ctx context.Context, log *zap.Logger, in *framework.Inject, jobs []*job, limit int) {
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				j.result = newCheckResult()
				j.result.fail("check", ctx.Err())
				return
			}
			defer func() { <-sem }()
			j.result = safeCheck(ctx, j)
			log.Debug("check done", zap.String("check", j.label),
				zap.Int("findings", len(j.result.Findings)), zap.Int("check_errors", len(j.result.Errors)),
				zap.Bool("check_failed", j.result.Failed))
			in.Partial(fmt.Sprintf("%s: %s, %s", j.label, count(len(j.result.Findings), "finding"), count(len(j.result.Errors), "error")))
		}()
	}
	wg.Wait()
}

// safeCheck runs one job's check. A panic in a check goroutine would escape
// the runtime's recovery, so it becomes a failed check here.
func safeCheck(ctx context.Context, j *job) (res *CheckResult) {
	defer func() {
		if v := recover(); v != nil {
			res = newCheckResult()
			res.fail("check", fmt.Errorf("check panicked: %v", v))
		}
	}()
	return j.sess.check(withRecorder(ctx, j.rec), j.service, j.region, j.account)
}
