package framework

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
	// did not know it (DecodeParams); the runtime fills it in.
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

// CallHook calls f, one of the executor's methods named method, and turns
// a panic into a *PanicError naming the injector and the method. An error
// f returns is returned as it is; a *PanicError without an injector (from
// DecodeParams) gets this one.
func CallHook(injector, method string, f func() error) (err error) {
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
