// Command injectkit runs attack-simulation injectors and reports their
// expectation signatures. See `injectkit --help`.
package main

import (
	"os"
	"runtime/debug"

	"github.com/injectkit/injectkit/cli"
)

// version, commit and goVersion are stamped at build time
// (-ldflags "-X main.version=… -X main.commit=… -X main.goVersion=…"; see
// make build and make release) and printed by `injectkit version`; an
// empty goVersion is the running binary's runtime.Version(). A binary
// built without them (go install …@v1.2.3, go build in a checkout) takes
// them from the build information the go command records (see buildStamp).
var (
	version   = "dev"
	commit    = "unknown"
	goVersion = ""
)

func main() {
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		v, c = buildStamp(v, c, bi)
	}
	stop := startProfiles()
	code := cli.Main(cli.Options{Registry: registry(), Version: v, Commit: c, GoVersion: goVersion})
	stop()
	os.Exit(code)
}

// buildStamp fills what -ldflags left at its default from bi: the module
// version go install records, and the VCS revision go build records in a
// checkout (with "-dirty" when the tree had changes).
func buildStamp(version, commit string, bi *debug.BuildInfo) (string, string) {
	if v := bi.Main.Version; version == "dev" && v != "" && v != "(devel)" {
		version = v
	}
	if commit != "unknown" {
		return version, commit
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && commit != "unknown" {
		commit += "-dirty"
	}
	return version, commit
}
