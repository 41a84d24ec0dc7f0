package framework

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/signatures"
)

// Run takes one request through the whole lifecycle: validate, compile the
// pre-execution signatures, execute under the deadline, compile the
// post-execution signatures, build the payload and deliver it.
//
// An invalid request is a *RequestError and nothing runs. A delivery
// failure is a *DeliveryError carrying the report. Otherwise the report is
// returned whatever the tool's outcome.
func (rt *Runtime) Run(ctx context.Context, req Request) (*Report, error) {
	p, err := rt.Prepare(req)
	if err != nil {
		rt.log().Info("inject rejected", zap.String("inject_id", req.InjectID),
			zap.String("injector", req.Injector), zap.Error(err))
		return nil, err
	}
	if c, ok := p.Executor.(Closer); ok {
		defer func() {
			if err := c.Close(); err != nil {
				rt.log().Warn("close executor", zap.String("injector", req.Injector), zap.Error(err))
			}
		}()
	}
	r, err := rt.Execute(ctx, p)
	if err != nil {
		return r, err
	}
	return r, rt.Deliver(context.WithoutCancel(ctx), r)
}

// Execute runs a prepared inject and compiles its signatures and payload,
// without delivering them.
func (rt *Runtime) Execute(ctx context.Context, p *Prepared) (*Report, error) {
	log := rt.log().With(zap.String("inject_id", p.Request.InjectID), zap.String("injector", p.Request.Injector))
	in := p.Inject
	in.Log = log
	mgr := rt.manager()

	t0 := rt.now()
	pre, err := mgr.CompilePre(p.Configs...)
	if err != nil {
		return nil, &RequestError{Err: err}
	}
	log.Info("pre-execution signatures compiled", zap.Int("targets", len(pre)),
		zap.String("category", string(in.Category)), zap.Duration("duration", rt.now().Sub(t0)))

	t1 := rt.now()
	out := rt.execute(ctx, p.Executor, in, p.Timeout, log)
	status := out.ExecutionStatus()
	fields := []zap.Field{zap.Int("targets", len(pre)), zap.String("status", string(status)),
		zap.Int("partial_results", len(in.PartialResults())), zap.Duration("duration", rt.now().Sub(t1))}
	if out.ErrorInfo != nil && out.ErrorInfo.Message != "" {
		fields = append(fields, zap.Int("exit_code", out.ErrorInfo.ExitCode), zap.String("error", out.ErrorInfo.Message))
	}
	log.Info("executed", fields...)

	t2 := rt.now()
	if len(out.TargetExtras) > 0 && len(out.TargetExtras) != len(pre) {
		log.Warn("executor returned target extras of the wrong length; ignored",
			zap.Int("want", len(pre)), zap.Int("got", len(out.TargetExtras)))
		out.TargetExtras = nil
	}
	post, err := mgr.CompilePost(pre, out)
	if err != nil {
		// The executor's output is malformed: report a failure rather than
		// lose the signatures.
		log.Error("executor output rejected", zap.Error(err))
		out = ToolOutput{ErrorInfo: &ErrorInfo{ExitCode: 1, Message: "invalid executor output: " + err.Error()}, Findings: out.Findings}
		if post, err = mgr.CompilePost(pre, out); err != nil {
			return nil, err
		}
		status = out.ExecutionStatus()
	}
	metas := make([]signatures.Target, len(in.Targets))
	for i, t := range in.Targets {
		metas[i] = t.Meta
	}
	if _, err := signatures.PayloadTargets(post, metas, p.Types, out.ExtraByType, out.TargetExtras...); err != nil {
		log.Error("executor extras rejected; signatures sent without them", zap.Error(err))
		out.ExtraByType, out.TargetExtras = nil, nil
	}
	log.Info("payload built", zap.Int("targets", len(post)), zap.String("status", string(status)),
		zap.Duration("duration", rt.now().Sub(t2)))
	return &Report{
		InjectID: p.Request.InjectID, Injector: p.Request.Injector, Phase: p.Request.Phase,
		Category: in.Category, Status: status, Output: out, Targets: in.Targets,
		Signatures: post, Types: p.Types, metas: metas, Started: t1, Finished: rt.now(),
	}, nil
}

// Deliver hands a report to the Deliverer, logging the outcome.
func (rt *Runtime) Deliver(ctx context.Context, r *Report) error {
	if rt.Deliverer == nil {
		return nil
	}
	log := rt.log().With(zap.String("inject_id", r.InjectID), zap.String("injector", r.Injector))
	t := rt.now()
	if err := rt.Deliverer.Deliver(ctx, r); err != nil {
		log.Error("delivery failed", zap.Int("targets", len(r.Signatures)), zap.String("status", string(r.Status)),
			zap.Duration("duration", rt.now().Sub(t)), zap.Error(err))
		de := &DeliveryError{Report: r, Err: err}
		var se *StoredError
		if errors.As(err, &se) {
			de.Outbox, de.Stored, de.Dead = se.Outbox, se.Pending, se.Dead
		}
		return de
	}
	log.Info("delivered", zap.Int("targets", len(r.Signatures)), zap.String("status", string(r.Status)),
		zap.Duration("duration", rt.now().Sub(t)))
	return nil
}

// execute calls the executor under the deadline, recovers a panic, and stops
// waiting Grace after the deadline.
func (rt *Runtime) execute(ctx context.Context, ex Executor, in *Inject, timeout time.Duration, log *zap.Logger) (out ToolOutput) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan ToolOutput, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				log.Debug("executor panic", zap.Any("panic", v), zap.ByteString("stack", debug.Stack()))
				done <- ToolOutput{ErrorInfo: &ErrorInfo{ExitCode: 1,
					CrashTimestamp: time.Now().UTC().Format(time.RFC3339),
					Message:        fmt.Sprintf("executor panic: %v", v)}}
			}
		}()
		done <- ex.Execute(ctx, in)
	}()
	grace := rt.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	select {
	case out = <-done:
	case <-ctx.Done():
		select {
		case out = <-done:
		case <-time.After(grace):
			log.Warn("executor did not return after its deadline; abandoned",
				zap.Duration("grace", grace), zap.Error(ctx.Err()))
			out = ToolOutput{}
		}
	}
	failed := out.ErrorInfo != nil && out.ErrorInfo.ExitCode != 0
	if ctx.Err() != nil && !failed {
		// Cut short by the deadline or a cancellation: a timeout, with every
		// partial result reported so far.
		if out.TimeoutInfo == nil {
			out.TimeoutInfo = &TimeoutInfo{}
		}
		if len(out.TimeoutInfo.PartialResults) == 0 {
			out.TimeoutInfo.PartialResults = in.PartialResults()
		}
		if out.Status != "" && out.Status != StatusTimeout {
			out.Status = StatusTimeout
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			log.Warn("deadline passed", zap.Duration("timeout", timeout))
		}
	}
	return out
}
