// Command hello is the compiled example of docs/writing-an-injector.md: a
// third-party binary serving its own injector, hello, beside injectkit's
// reference injectors, with the whole injectkit command line.
//
//	go run ./examples/hello run hello --target 127.0.0.1 --target ::1 --param style=shout
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
	"github.com/injectkit/injectkit/signatures"
)

// Params are hello's parameters, declared once: the manifest's list is
// derived from the fields, their tags and the defaults NewParams sets.
type Params struct {
	Greeting string        `json:"greeting" doc:"what to say to each target"`
	Style    string        `json:"style" param:"enum=plain|shout" doc:"say it plainly or shout it"`
	Limit    int           `json:"limit" doc:"greet at most this many targets (0: all); fewer than all is a partial run"`
	Pause    time.Duration `json:"pause" doc:"wait between two greetings"`
}

// Validate checks what the tags cannot say. The runtime calls it before
// Execute; an error names the field by its json name.
func (p *Params) Validate() error {
	if strings.TrimSpace(p.Greeting) == "" {
		return &signatures.ValidationError{Field: "greeting", Value: p.Greeting, Reason: "must not be blank"}
	}
	if p.Limit < 0 {
		return &signatures.ValidationError{Field: "limit", Value: strconv.Itoa(p.Limit), Reason: "must be 0 or more"}
	}
	return nil
}

// Hello greets its network targets one after the other.
type Hello struct{}

// NewParams returns the defaults.
func (Hello) NewParams() any { return &Params{Greeting: "hello", Style: "plain"} }

// Manifest documents hello and generates its OpenAEV contract.
func (h Hello) Manifest() framework.Manifest {
	return framework.Manifest{
		Name:         "hello",
		Category:     framework.Network,
		Description:  "Greets each target and reports the greetings.",
		Params:       framework.MustParamsSpec(h.NewParams()),
		Expectations: []framework.ExpectationType{framework.Detection, framework.Prevention},
		Outputs: []framework.Output{
			{Type: "text", Field: "greetings", Multiple: true},
			{Type: "ipv4", Field: "greeted_ipv4", Multiple: true, Finding: true},
		},
		Platforms: []string{"Linux"},
		Domains:   []framework.Domain{framework.DomainNetwork},
		SecurityPlatforms: map[framework.ExpectationType][]string{
			framework.Detection:  {framework.SecurityNDR, framework.SecuritySIEM},
			framework.Prevention: {framework.SecurityNDR},
		},
	}
}

// Execute greets each target, reporting each greeting as a partial result.
func (Hello) Execute(ctx context.Context, in *framework.Inject) framework.ToolOutput {
	p, err := framework.ParamsOf[Params](in)
	if err != nil {
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{Message: err.Error()}}
	}
	greetings, ipv4 := []string{}, []string{}
	perTarget := map[framework.Target]framework.TypeExtras{}
greet:
	for i, t := range in.Targets {
		if p.Limit > 0 && i == p.Limit {
			break
		}
		if i > 0 {
			select {
			case <-ctx.Done(): // cut short: return what we have, the runtime reports a timeout
				break greet
			case <-time.After(p.Pause):
			}
		}
		nc, _ := t.Network() // the manifest's category: always a network target
		g := p.Greeting + " " + nc.Value()
		if p.Style == "shout" {
			g = strings.ToUpper(g) + "!"
		}
		in.Partial(g)
		greetings = append(greetings, g)
		if nc.TargetIPv4 != "" {
			ipv4 = append(ipv4, nc.TargetIPv4)
		}
		perTarget[t] = framework.TypeExtras{framework.Detection: {"greeting": g}}
	}
	out := framework.ToolOutput{
		Findings:        map[string]any{"greetings": greetings, "greeted_ipv4": ipv4},
		ExtraSignatures: map[string]any{"process_name": "hello"}, // a collector signature type
		TargetExtras:    perTarget,                               // "greeting" is not: default profile only
		Unreached:       map[framework.Target]string{},
	}
	for i, t := range in.Targets {
		if _, greeted := perTarget[t]; greeted {
			continue
		}
		why := "not greeted: the run was cut short first" // its signature then claims no address, no time
		if p.Limit > 0 && i >= p.Limit {
			why = fmt.Sprintf("not greeted: past the limit of %d", p.Limit)
		}
		out.Unreached[t] = why
	}
	if n := len(greetings); n < len(in.Targets) {
		out.Status = framework.StatusPartial
		out.ErrorInfo = &framework.ErrorInfo{Message: fmt.Sprintf("greeted %d of %d targets", n, len(in.Targets))}
	}
	return out
}

// registry serves hello beside the reference injectors, which identify
// themselves with the version of injectkit the binary is built with, as
// injectkit's own binary does (cloudscan's User-Agent, which a CloudTrail
// trail logs: injectkit/v1.2.3).
func registry(bi *debug.BuildInfo) *framework.Registry {
	reg := framework.NewRegistry()
	builtin.Register(reg, builtin.WithVersion(injectkitVersion(bi)))
	reg.Register("hello", func() framework.Executor { return Hello{} })
	return reg
}

// injectkitVersion is the version of injectkit bi records, the one
// go.mod requires; "dev" when it records none (no build information, a
// replace directive to a local clone, a build inside injectkit's tree).
func injectkitVersion(bi *debug.BuildInfo) string {
	if bi == nil {
		return "dev"
	}
	for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
		if m.Path != "github.com/injectkit/injectkit" {
			continue
		}
		if m.Replace != nil {
			m = m.Replace
		}
		if m.Version != "" && m.Version != "(devel)" {
			return m.Version
		}
	}
	return "dev"
}

// appOptions name the binary: its help, errors and User-Agent say hello,
// not injectkit.
func appOptions(bi *debug.BuildInfo) cli.Options {
	return cli.Options{
		Registry: registry(bi),
		Name:     "hello",
		Usage:    "greet the targets, beside injectkit's reference injectors",
		Product:  "hello-injector", // User-Agent: hello-injector/1.0.0
		Version:  "1.0.0",
	}
}

// main is all of cli.Main: the command line, its signals and exit codes.
func main() {
	bi, _ := debug.ReadBuildInfo()
	os.Exit(cli.Main(appOptions(bi)))
}
