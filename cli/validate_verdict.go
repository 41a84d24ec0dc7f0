package cli

import (
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/runtime"
)

// verdictJSON is what `validate` prints of a valid inject when run's
// output is json (-o json, INJECTKIT_OUTPUT, output in the config
// file): one JSON object holding what its line of text says, for a
// script that asked for JSON. An invalid inject prints nothing on
// stdout, as with text.
type verdictJSON struct {
	// Valid is always true: stdout is written only for a valid inject.
	Valid        bool     `json:"valid"`
	Injector     string   `json:"injector"`
	Targets      int      `json:"targets"`
	Category     string   `json:"category"`
	Expectations []string `json:"expectations"`
	// Timeout is the execution deadline as --timeout takes it ("10m0s").
	Timeout string `json:"timeout"`
	Profile string `json:"profile"`
	// BackendURL is where run would send, its credentials stripped; ""
	// when it would print to stdout.
	BackendURL string `json:"backend_url"`
	// Destination is the line of text's words on where the results go.
	Destination string `json:"destination"`
	// CannotRun says why the injector cannot run on this machine (nmap
	// not on PATH), as validate's WARN line does: the inject is valid,
	// its run would fail until the tool is there. Left out when it can.
	CannotRun string `json:"cannot_run,omitempty"`
}

// verdictOf is the verdict of p, whose results would go to dest.
func verdictOf(p *runtime.Prepared, cfg runConfig, dest string) verdictJSON {
	v := verdictJSON{Valid: true, Injector: p.Request.Injector, Targets: len(p.Targets), Expectations: []string{},
		Timeout: p.Timeout.String(), Profile: cfg.Profile, Destination: dest}
	if len(p.Targets) > 0 {
		v.Category = string(p.Targets[0].Config.Category())
	}
	for _, t := range p.ExpectationTypes() {
		v.Expectations = append(v.Expectations, string(t))
	}
	if cfg.Backend.URL != "" {
		v.BackendURL = httpx.StripCredentials(cfg.Backend.URL)
	}
	return v
}
