package nmap

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"go.uber.org/zap/zapcore"
)

// What nmap writes to its standard error in a scan it ends normally (its
// warnings: "giving up on port because retransmission cap hit", a name
// resolving to no IPv4 address) is logged once per scan, a WARN naming
// the scan and quoting nmap, so that the user learns what nmap thought
// of the scan the signatures report as a success; a scan whose standard
// error is empty logs nothing. nmap is replayed: the report of
// testdata/name_unresolved (127.0.0.1).
func TestExecuteLogsWhatNmapSaidOfAScanThatSucceeded(t *testing.T) {
	xml, err := os.ReadFile("testdata/name_unresolved/nmap.xml")
	if err != nil {
		t.Fatal(err)
	}
	// nmap 7.93's scan_engine.cc writes it with error(): its stderr.
	const warning = "Warning: 127.0.0.1 giving up on port because retransmission cap hit (2).\n"
	for _, said := range []string{warning, ""} {
		t.Run(strings.TrimSpace(said), func(t *testing.T) {
			run := func(_ context.Context, _ []string, _ io.Reader, stdout, stderr io.Writer) error {
				if _, err := io.WriteString(stderr, said); err != nil {
					return err
				}
				_, err := stdout.Write(xml)
				return err
			}
			in, logs := newInject(t, &Params{Ports: "28585", ScanType: "connect", Timing: 4}, "127.0.0.1")
			out := newTestExecutor(run).Execute(context.Background(), in)
			if out.Status != framework.StatusSuccess {
				t.Fatalf("status %s (%+v), want success", out.Status, out.ErrorInfo)
			}
			got := logs.FilterMessage("nmap wrote to its standard error").All()
			if said == "" {
				if len(got) != 0 {
					t.Errorf("%d entries for an empty standard error, want none", len(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d entries, want 1 (all: %v)", len(got), logs.All())
			}
			e := got[0]
			fields := e.ContextMap()
			if e.Level != zapcore.WarnLevel || fields["scan"] != "IPv4 scan of 127.0.0.1" ||
				fields["said"] != strings.TrimSpace(warning) {
				t.Errorf("entry %s %v, want a WARN naming the scan and quoting nmap", e.Level, fields)
			}
		})
	}
}
