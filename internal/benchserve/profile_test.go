package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationProfileDir runs the harness with -profile-dir: a daemon
// built with -tags benchprofile writes its four profiles there, each a
// pprof file (gzip), named by its pid; one built without the tag writes
// nothing, the directory named all the same.
//
// The daemons are built without urfave_cli_no_docs, which make's builds
// add: only cmd/injectkit reads benchprofile (profile_bench.go,
// profile_none.go) and urfave_cli_no_docs changes urfave/cli alone, so
// that the tag decides what is written either way. Built so, they share
// the -race packages every other test's build of cmd/injectkit has
// compiled (TestIntegrationRunOnce's here): with urfave_cli_no_docs,
// urfave/cli and every package importing it were compiled again, 109 s of
// the test's 113 on a loaded machine.
func TestIntegrationProfileDir(t *testing.T) {
	testkit.Integration(t)
	servetest.Broker(t) // skips without a broker
	tagged, removeTagged := testkit.Build("../../cmd/injectkit", "-tags", "benchprofile")
	t.Cleanup(removeTagged)
	plain, removePlain := testkit.Build("../../cmd/injectkit")
	t.Cleanup(removePlain)
	for _, tt := range []struct {
		name, bin string
		want      []string
	}{
		{"benchprofile", tagged, []string{"allocs", "block", "cpu", "mutex"}},
		{"without benchprofile", plain, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := config{bin: tt.bin, amqpURL: "amqp://guest:guest@" + servetest.Addr + "/", queuePrefix: defaultQueuePrefix,
				n: 5, workers: 2, timeout: 3 * time.Minute, profileDir: dir}
			if _, err := runOnce(context.Background(), c, true); err != nil {
				t.Fatal(err)
			}
			files, err := filepath.Glob(filepath.Join(dir, "*"))
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, f := range files {
				var kind string
				var pid int
				if n, _ := splitProfileName(filepath.Base(f), &kind, &pid); n != 2 {
					t.Errorf("%s: not <kind>-<pid>.pprof", f)
					continue
				}
				kinds = append(kinds, kind)
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
					t.Errorf("%s: %d bytes, not a gzipped pprof profile", f, len(b))
				}
			}
			slices.Sort(kinds)
			if !slices.Equal(kinds, tt.want) {
				t.Errorf("profiles written: %v, want %v", kinds, tt.want)
			}
		})
	}
}

// splitProfileName splits name, "<kind>-<pid>.pprof", into kind and pid; n is
// how many it found.
func splitProfileName(name string, kind *string, pid *int) (n int, err error) {
	base, ok := strings.CutSuffix(name, ".pprof")
	k, p, found := strings.Cut(base, "-")
	if !ok || !found || k == "" {
		return 0, nil
	}
	*kind = k
	if *pid, err = strconv.Atoi(p); err != nil {
		return 1, err
	}
	return 2, nil
}
