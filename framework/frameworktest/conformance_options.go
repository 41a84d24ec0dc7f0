package frameworktest

import (
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// Defaults of Options.
const (
	DefaultTimeout = 10 * time.Second
	DefaultWait    = 5 * time.Second
)

// Options tunes ConformanceWith. The zero value runs every check with the
// defaults.
type Options struct {
	// Name is the name the executor is registered under (RegistryConformance
	// sets it; default: its manifest's name): the executor is checked as the
	// runtime names it (the live inject's Injector; framework.Registry.Manifest
	// under that name). A
	// manifest naming itself otherwise is logged, not failed: a binary may
	// register an injector under another name (reg.Register("shodan", …)),
	// which names it everywhere (command line, settings' keys, contract).
	Name string
	// Targets of the live inject. Default: one target of the manifest's
	// category: loopback 127.0.0.1 for network (and for an executor of no
	// category), aws account 123456789012 in us-east-1 for cloud, the
	// query "apache" narrowed to 127.0.0.1 for external. They should be
	// cheap to act on. Each is attributed to an asset (conformance-asset-1,
	// -2 …), as the platform's targets are, so that TargetExtras keyed by
	// a configuration alone (framework.Target{Config: c}), which the
	// runtime does not match to such a target, are reported. A
	// configuration given as a pointer is handed to each inject as a
	// pointer to a copy of its value: the caller's is left as it is.
	Targets []signatures.Config
	// Params of the live inject, decoded and validated as the runtime does
	// (framework.DecodeParams). Default: the executor's defaults. A
	// failure names them, never their values (a secret may be one).
	Params map[string]any
	// Settings are the values of the executor's settings (by key, as its
	// manifest declares them) that Configure receives, as the runtime
	// hands them over before each inject: every declared setting, these
	// values over the defaults. Give a required one here (an API key).
	Settings map[string]string
	// Timeout is the deadline of the live run (default DefaultTimeout).
	Timeout time.Duration
	// Wait bounds how long Execute may take to return once its context is
	// done (default DefaultWait).
	Wait time.Duration
	// FailNotExercised makes each rule the executor left unexercised a
	// failure rather than a logged line (see ConformanceWith).
	FailNotExercised bool
}
