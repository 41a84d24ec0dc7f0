package cli

import "runtime/debug"

// serveGCPercent is serve's garbage collection target (as GOGC) when the
// environment sets no GOGC. serve's live heap is small (about 2 MB with 16
// noop injects in flight) and each inject allocates about 60 KB, so at
// the runtime's default of 100 the heap reached its 4 MB goal every 40
// injects or so: a collection every 20 ms at 2 000 injects/s, 18 % of the
// daemon's CPU. At 400 the heap may grow to five times its live data (16 MB
// at least) before a collection: about a quarter of them, for some 10 MB
// more resident memory at that load.
const serveGCPercent = 400

// collectLess sets serve's garbage collection target for as long as it
// serves, unless GOGC is set in the environment (the operator's choice
// then stands), and returns what restores the one before.
func collectLess(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	before := debug.SetGCPercent(serveGCPercent)
	return func() { debug.SetGCPercent(before) }
}
