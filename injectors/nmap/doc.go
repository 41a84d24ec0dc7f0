// Package nmap owns the nmap injector: a framework.Executor that runs a real
// nmap port scan against an inject's network targets and reports the open
// ports and services it found, per target, as expectation signatures.
//
// The executor is built along three seams. Argument building (buildArgs) is
// pure and turns validated Params into nmap flags; the only values that reach
// nmap's command line come from the closed set of typed parameters. Targets
// never reach the command line at all: they are validated twice (by the
// signatures package, then by a character whitelist here) and written to
// nmap's standard input (-iL -). Running is a replaceable function (the
// runner) over exec.CommandContext, without a shell, in its own process
// group so that cancellation kills nmap and anything it started, with the
// process's environment less every INJECTKIT_* and AWS_* variable (the
// token, the API keys, the cloud credentials: nmap reads none of them)
// and less what framework.Inject.ChildEnv withholds from a child (every
// injector's Secret settings, a URL with a password such as a proxy's).
// Parsing is a pure, streaming encoding/xml reader of nmap's XML output
// that tolerates a document cut short, so that a scan ended by its
// deadline still reports every host it finished.
//
// IPv6 targets need nmap's -6 flag: an inject that mixes IPv4 (or host
// name) targets with IPv6 ones runs two scans, one after the other, and
// merges their results; an nmap killed by a signal injectkit did not send
// stops the inject before the next scan. Results are attributed back to targets by address or
// by the host name nmap was given, never by position.
package nmap
