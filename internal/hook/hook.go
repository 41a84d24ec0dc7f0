// Package hook owns the calling of an injector's methods other than
// Execute, its hooks (its factory, Manifest, NewParams, the params'
// Validate, ValidateParams, ValidateTargets, Configure, Close…): Call runs
// one and turns a panic, a bug of the injector and never bad input, into
// a *PanicError naming the injector and the method. Package framework
// calls the hooks a registry and DecodeParams call, package runtime the
// ones of an inject's lifecycle, the command line the ones of its checks,
// and package frameworktest those it tests; all report a panic alike. An
// injector never calls it.
package hook

import (
	"fmt"
	"runtime/debug"
)

// PanicError reports a panic of one of an injector's methods other than
// Execute (ValidateTargets, NewParams, the params' Validate,
// ValidateParams, Configure, Close): a bug of the injector, never bad
// input. The runtime recovers it as it recovers a panic of Execute: the
// inject fails, its signatures report the failure, and the message names
// the injector and the method.
type PanicError struct {
	// Injector is the registered name of the executor, "" when the caller
	// did not know it (framework.DecodeParams); the runtime fills it in.
	Injector string
	// Method is the method that panicked ("Validate", "Configure"…).
	Method string
	// Value is what the method panicked with.
	Value any
	// Stack is the goroutine's stack at the panic, for a debug log.
	Stack []byte
}

func (e *PanicError) Error() string {
	if e.Injector == "" {
		return fmt.Sprintf("%s panicked: %v", e.Method, e.Value)
	}
	return fmt.Sprintf("injector %s: %s panicked: %v", e.Injector, e.Method, e.Value)
}

// Call calls f, one of the executor's methods named method, and turns
// a panic into a *PanicError naming the injector and the method. An error
// f returns is returned as it is; a *PanicError without an injector (from
// framework.DecodeParams) gets this one.
func Call(injector, method string, f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Injector: injector, Method: method, Value: v, Stack: debug.Stack()}
		}
		if pe, ok := err.(*PanicError); ok && pe.Injector == "" {
			pe.Injector = injector
		}
	}()
	return f()
}
