// Command hello is a complete third-party injector binary: one injector
// that greets its network targets, registered beside the built-in noop,
// with the whole injectkit command line (run, injectors, version).
//
//	go run ./examples/hello run hello --target 127.0.0.1 --param greeting=hi
package main

import (
	"context"
	"os"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
)

// Params are hello's typed parameters; the runtime decodes --param and the
// inject file's params into them, strictly.
type Params struct {
	Greeting string `json:"greeting"`
}

// Hello greets each target: it reports one partial result per target and
// one extra signature.
type Hello struct{}

func (Hello) Manifest() framework.Manifest {
	return framework.Manifest{
		Name: "hello", Category: framework.Network, Description: "greets its targets",
		Params: []framework.Param{{Name: "greeting", Type: framework.ParamString, Default: "hello", Doc: "what to say"}},
	}
}

func (Hello) NewParams() any { return &Params{Greeting: "hello"} }

func (Hello) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	p := in.Params.(*Params)
	for _, t := range in.Targets {
		if ctx.Err() != nil {
			// Cut short: the runtime reports a timeout with the partial
			// results so far.
			return framework.ToolOutput{}
		}
		nc, _ := t.Network()
		in.Partial(p.Greeting + " " + nc.Value())
	}
	return framework.ToolOutput{ExtraSignatures: map[string]any{"greeting": p.Greeting}}
}

func main() {
	reg := framework.NewRegistry()
	reg.Register("noop", func() framework.Executor { return noop.New() })
	reg.Register("hello", func() framework.Executor { return Hello{} })
	os.Exit(cli.Run(context.Background(), cli.Options{Registry: reg, Version: "hello-1", Stdout: os.Stdout, Stderr: os.Stderr}, os.Args))
}
