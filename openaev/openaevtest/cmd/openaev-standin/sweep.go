package main

import (
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// sweepEveryMinute runs the platform's pending sweep every minute, as
// 2.4.0's InjectsExecutionJob does, until the returned stop is called.
func sweepEveryMinute(p *openaevtest.Platform) (stop func()) {
	t := time.NewTicker(time.Minute)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case now := <-t.C:
				p.SweepPending(now)
			case <-done:
				return
			}
		}
	}()
	return func() {
		t.Stop()
		close(done)
	}
}
