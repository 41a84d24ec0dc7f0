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
	bi, _ := debug.ReadBuildInfo()
	stop := startProfiles()
	code := cli.Main(options(bi))
	stop()
	os.Exit(code)
}

// options wires the CLI: the version and commit `injectkit version`
// prints are the ones the injectors identify themselves with (cloudscan's
// user agent, which a CloudTrail trail logs). bi is the build information
// the go command recorded, nil when there is none.
func options(bi *debug.BuildInfo) cli.Options {
	v, c := version, commit
	if bi != nil {
		v, c = buildStamp(v, c, bi)
	}
	return cli.Options{Registry: registry(v), Version: v, Commit: c, GoVersion: goVersion}
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
