package frameworktest_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing the
// test. Like *testing.T, Fatal and FailNow stop the calling goroutine with
// runtime.Goexit. Logs are recorded apart, and go to the real test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	msgs   []string
	logs   []string
	failed bool
}

func (r *recorder) Log(args ...any) { r.log(fmt.Sprint(args...)) }
func (r *recorder) Logf(f string, args ...any) {
	r.log(fmt.Sprintf(f, args...))
}

func (r *recorder) log(msg string) {
	r.mu.Lock()
	r.logs = append(r.logs, msg)
	r.mu.Unlock()
	r.TB.Log(msg)
}

func (r *recorder) logged() []string { r.mu.Lock(); defer r.mu.Unlock(); return r.logs }

func (r *recorder) record(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
	r.failed = true
}

func (r *recorder) Helper()                      {}
func (r *recorder) Error(args ...any)            { r.record(fmt.Sprint(args...)) }
func (r *recorder) Errorf(f string, args ...any) { r.record(fmt.Sprintf(f, args...)) }
func (r *recorder) Fatal(args ...any)            { r.record(fmt.Sprint(args...)); runtime.Goexit() }
func (r *recorder) Fatalf(f string, args ...any) { r.record(fmt.Sprintf(f, args...)); runtime.Goexit() }
func (r *recorder) Fail()                        { r.record("Fail") }
func (r *recorder) FailNow()                     { r.record("FailNow"); runtime.Goexit() }
func (r *recorder) Skip(args ...any)             { r.record("skip"); runtime.Goexit() }
func (r *recorder) Skipf(f string, args ...any)  { r.record("skip"); runtime.Goexit() }
func (r *recorder) SkipNow()                     { r.record("skip"); runtime.Goexit() }
func (r *recorder) Failed() bool                 { r.mu.Lock(); defer r.mu.Unlock(); return r.failed }
func (r *recorder) messages() []string           { r.mu.Lock(); defer r.mu.Unlock(); return r.msgs }
