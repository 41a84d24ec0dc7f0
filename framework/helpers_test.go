package framework_test

import (
	"context"

	"github.com/injectkit/injectkit/framework"
)

// withParams is an executor that does nothing, whose params are a fresh P
// (a framework.ParamsFactory): what a test of the params' decoding needs.
type withParams[P any] struct{}

func (withParams[P]) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}
func (withParams[P]) NewParams() any { return new(P) }
