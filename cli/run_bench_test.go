package cli_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// BenchmarkRunW1 runs the W1 pipeline in process, as scripts/bench-w1.sh
// runs the binary: `run noop` over N IPv4 targets read from a file, two
// expectation types, 1 MiB bodies, POSTed to a loopback sink, with and
// without the outbox. It is the harness for -cpuprofile and -memprofile:
//
//	go test ./cli -run '^$' -bench 'RunW1/outbox=on/N=100000' -cpuprofile cpu.out
//
// W1_N (a number of targets) replaces the default sizes, 10 000 and
// 100 000.
func BenchmarkRunW1(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if v := os.Getenv("W1_N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("W1_N=%q: want a number of targets", v)
		}
		sizes = []int{n}
	}
	var posts, bytes atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		posts.Add(1)
		bytes.Add(n)
	}))
	b.Cleanup(sink.Close)
	for _, outbox := range []string{"on", "none"} {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("outbox=%s/N=%d", outbox, n), func(b *testing.B) {
				dir := b.TempDir()
				targets := filepath.Join(dir, "targets.txt")
				if err := os.WriteFile(targets, benchTargets(n), 0o600); err != nil {
					b.Fatal(err)
				}
				args := []string{"injectkit", "run", "noop", "--targets-file", targets,
					"--expectation", "DETECTION", "--expectation", "PREVENTION", "--inject-id", "inject-bench-001",
					"--backend-url", sink.URL, "--max-payload-size", "1048576"}
				if outbox == "none" {
					args = append(args, "--outbox", "none")
				}
				env := map[string]string{"CONTAINER_IP": "172.17.0.2", "INJECTKIT_OUTBOX": filepath.Join(dir, "outbox.db")}
				o := cli.Options{Registry: registry(), Version: "1.2.3", Stdout: io.Discard, Stderr: io.Discard,
					Getenv: func(k string) string { return env[k] }}
				b.ReportAllocs()
				for b.Loop() {
					posts.Store(0)
					bytes.Store(0)
					if code := cli.Run(context.Background(), o, args); code != 0 {
						b.Fatalf("exit %d", code)
					}
				}
				b.ReportMetric(float64(bytes.Load()), "wire-bytes/op")
			})
		}
	}
}

// benchTargets is the targets file of scripts/bench-w1.sh: n addresses
// 10.x.y.z, one a line.
func benchTargets(n int) []byte {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "10.%d.%d.%d\n", i>>16&255, i>>8&255, i&255)
	}
	return []byte(sb.String())
}

// BenchmarkRunOne is the fixed cost of one command line, whatever the
// injector does: `run noop` on one target, printed (no backend, no
// outbox). It is the in-process half of scripts/bench-nmap.sh's fixed
// cost (building the application, reading the flags and the environment,
// checking and running the inject, printing its body); its allocations
// are the figure to compare, the wall time swings with the machine's load.
func BenchmarkRunOne(b *testing.B) {
	env := map[string]string{"CONTAINER_IP": "172.17.0.2"}
	o := cli.Options{Registry: registry(), Version: "1.2.3", Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string { return env[k] }}
	args := []string{"injectkit", "run", "noop", "--target", "127.0.0.1", "--inject-id", "inject-bench-001", "--outbox", "none"}
	b.ReportAllocs()
	for b.Loop() {
		if code := cli.Run(context.Background(), o, args); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
