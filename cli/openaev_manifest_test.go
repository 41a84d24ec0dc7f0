package cli_test

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
)

// collideParams has a param named like the contract's target field.
type collideParams struct {
	Targets string `json:"targets" doc:"collides with a contract field"`
}

type collide struct{ ran chan struct{} }

func (*collide) NewParams() any { return &collideParams{} }
func (c *collide) Manifest() framework.Manifest {
	return framework.Manifest{Name: "collide", Category: framework.Network, Params: framework.MustParamsSpec(c.NewParams())}
}
func (c *collide) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	close(c.ran)
	return framework.ToolOutput{}
}

// An injector whose manifest the platform refuses (a param named like a
// contract field) is refused by the openaev profile before anything runs
// or is sent, with serve's registration message; the default profile runs it.
func TestOpenAEVProfileRefusesManifestThePlatformRefuses(t *testing.T) {
	ex := &collide{ran: make(chan struct{})}
	reg := withFake("collide", ex)
	msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-msg","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("collide")+`"},"inject_content":{"target_selector":"manual","manual_targets":"127.0.0.1"}}}`)
	const want = `invalid collide.params "targets": name reserved by the contract's target fields`
	for _, args := range [][]string{
		{"run", "collide", "--profile", "openaev", "--target", "127.0.0.1"},
		{"validate", "collide", "--profile", "openaev", "--target", "127.0.0.1"},
		{"run", "collide", "--openaev-message", msg},
		{"run", "--openaev-message", msg},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := run(t, reg, nil, append(args, "--log-level", "error")...)
			checkRefused(t, r, want)
		})
	}
	select {
	case <-ex.ran:
		t.Fatal("the injector ran")
	default:
	}
	r := run(t, reg, nil, "run", "collide", "--target", "127.0.0.1", "--log-level", "error")
	if r.code != 0 {
		t.Errorf("default profile: exit %d: %s", r.code, r.stderr)
	}
}
