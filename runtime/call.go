package runtime

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
)

// callExecutor calls p's executor on its inject under p's deadline,
// recovers a panic, and stops waiting Grace after the deadline (the
// executor is abandoned then, its output empty, and p.running is the
// channel closed when its Execute returns: closed waits for it before
// Close). A run cut short that did not fail is a timeout.
func (rt *Runtime) callExecutor(ctx context.Context, p *Prepared, log *zap.Logger) (out framework.ToolOutput) {
	ex, in, timeout := p.executor, p.inject, p.Timeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan framework.ToolOutput, 1)
	returned := make(chan struct{})
	go func() {
		defer close(returned) // last: after the output (or the panic's) is sent
		defer func() {
			if v := recover(); v != nil {
				log.Debug("executor panic", zap.String("method", "Execute"), zap.String("panic", fmt.Sprint(v)), zap.ByteString("stack", debug.Stack()))
				done <- rt.panicOutput((&hook.PanicError{Injector: p.Request.Injector, Method: "Execute", Value: v}).Error())
			}
		}()
		done <- ex.Execute(ctx, in)
	}()
	select {
	case out = <-done:
	case <-ctx.Done():
		timer := time.NewTimer(rt.grace)
		defer timer.Stop()
		select {
		case out = <-done:
		case <-timer.C:
			log.Warn("executor did not return after its deadline; abandoned",
				zap.Duration("grace", rt.grace), zap.Error(ctx.Err()))
			out = framework.ToolOutput{}
			p.running = returned
		}
	}
	if ctx.Err() != nil && out.Status != framework.StatusFailed {
		out.Status = framework.StatusTimeout
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			log.Warn("deadline passed", zap.Duration("timeout", timeout))
		}
	}
	return out
}

// closed closes the executor of a run that ended with err: a panic of its
// Close is the run's error when it had none (its report delivered), else
// logged. An executor abandoned while its Execute ran (p.running) is
// closed only once Execute has returned, if ever, by a goroutine of its
// own: what its Close does (an error, a panic) is logged then, and the
// run's error is err.
func (rt *Runtime) closed(p *Prepared, err error) error {
	if running := p.running; running != nil {
		ex, req := p.executor, p.Request // not p: the run is over when Close is called
		go func() {
			<-running
			if pe := rt.close(ex, req); pe != nil {
				rt.injectLog(req).Error("executor Close panicked", zap.Error(pe))
			}
		}()
		return err
	}
	pe := rt.close(p.executor, p.Request)
	switch {
	case pe == nil:
		return err
	case err == nil:
		return pe
	}
	rt.injectLog(p.Request).Error("executor Close panicked", zap.Error(pe))
	return err
}

// close calls the Closer of ex, req's executor, once per run. An error is
// logged; a panic is returned, a *hook.PanicError.
func (rt *Runtime) close(ex framework.Executor, req Request) *hook.PanicError {
	c, ok := ex.(framework.Closer)
	if !ok {
		return nil
	}
	err := hook.Call(req.Injector, "Close", c.Close)
	var pe *hook.PanicError
	if errors.As(err, &pe) {
		rt.injectLog(req).Debug("executor panic", zap.String("method", pe.Method), zap.String("panic", fmt.Sprint(pe.Value)),
			zap.ByteString("stack", pe.Stack))
		return pe
	}
	if err != nil {
		rt.injectLog(req).Warn("close executor", zap.Error(err))
	}
	return nil
}
