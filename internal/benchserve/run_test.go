package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationRunOnce runs the harness on a few injects with the real
// serve binary and RabbitMQ, with and without the outbox: each run checks
// itself (every inject completed once, nothing refused or dropped, the
// queue empty), so a change to serve that breaks the harness fails here;
// with -delivery-slots too, which only the outbox run passes on (serve
// exits 2 given it with --outbox none).
func TestIntegrationRunOnce(t *testing.T) {
	testkit.Integration(t)
	servetest.Broker(t) // skips without a broker
	bin, remove := testkit.Build("../../cmd/injectkit")
	t.Cleanup(remove)
	const n = 20
	for _, tc := range []struct {
		outbox bool
		slots  int // -delivery-slots: passed to the outbox run alone
	}{{true, 0}, {false, 0}, {true, 2}, {false, 2}} {
		t.Run(fmt.Sprintf("outbox=%s slots=%d", label(tc.outbox), tc.slots), func(t *testing.T) {
			c := config{bin: bin, amqpURL: "amqp://guest:guest@" + servetest.Addr + "/", queuePrefix: defaultQueuePrefix,
				n: n, workers: 2, deliverySlots: tc.slots, timeout: 3 * time.Minute}
			res, err := runOnce(context.Background(), c, tc.outbox)
			if err != nil {
				t.Fatal(err)
			}
			if res.wall <= 0 || res.calls < 3*n {
				t.Errorf("result %+v: want a wall time and at least %d calls", res, 3*n)
			}
			// The daemon made system calls (its log, its posts): their
			// kernel time is part of its CPU time, never more than it.
			if res.sys <= 0 || res.sys > res.cpu {
				t.Errorf("result %+v: want a system time above 0 and at most the CPU time", res)
			}
			// The daemon wrote its log and posted its calls, and slept
			// waiting for work: counts a system that says them must show.
			if goruntime.GOOS == "linux" && (res.counts.syscw < 3*n || res.counts.wbytes < 0 || res.counts.ctxsw <= 0) {
				t.Errorf("counts %+v: want at least %d write-class system calls, the bytes written and some context switches", res.counts, 3*n)
			}
		})
	}
}

func TestOutboxModes(t *testing.T) {
	tests := []struct {
		in   string
		want []bool
		ok   bool
	}{
		{"on", []bool{true}, true},
		{"none", []bool{false}, true},
		{"both", []bool{true, false}, true},
		{"off", nil, false},
	}
	for _, tt := range tests {
		got, err := outboxModes(tt.in)
		if (err == nil) != tt.ok || len(got) != len(tt.want) {
			t.Errorf("outboxModes(%q) = %v, %v", tt.in, got, err)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("outboxModes(%q) = %v, want %v", tt.in, got, tt.want)
			}
		}
	}
}

// TestMedian: the middle value of an odd count, the mean of the two
// middle values of an even count (not the lower of them).
func TestMedian(t *testing.T) {
	s := time.Second
	tests := []struct {
		sorted []time.Duration
		want   time.Duration
	}{
		{[]time.Duration{3 * s}, 3 * s},
		{[]time.Duration{1 * s, 3 * s}, 2 * s},
		{[]time.Duration{1 * s, 2 * s, 9 * s}, 2 * s},
		{[]time.Duration{1 * s, 2 * s, 4 * s, 9 * s}, 3 * s},
	}
	for _, tt := range tests {
		if got := median(tt.sorted); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.sorted, got, tt.want)
		}
	}
}

// TestPerInject: the daemon's CPU time shared over the injects, in ms.
func TestPerInject(t *testing.T) {
	tests := []struct {
		cpu  time.Duration
		n    int
		want float64
	}{
		{2 * time.Second, 2000, 1},
		{1500 * time.Millisecond, 3000, 0.5},
		{0, 10, 0},
	}
	for _, tt := range tests {
		if got := perInject(tt.cpu, tt.n); got != tt.want {
			t.Errorf("perInject(%v, %d) = %v ms, want %v", tt.cpu, tt.n, got, tt.want)
		}
	}
}

// TestOpenBroker: the queue's name begins with the prefix given, and a
// broker where nothing listens gets the hint to start RabbitMQ.
func TestOpenBroker(t *testing.T) {
	// A loopback port nothing listens on: one just closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "amqp://guest:guest@" + l.Addr().String() + "/"
	l.Close()
	tests := []struct {
		name, url, prefix string
		broker            bool   // needs the real broker
		wantQueue         string // the queue's name begins with it
		wantErr           string // in the error
	}{
		{name: "default prefix", url: "amqp://guest:guest@" + servetest.Addr + "/", prefix: defaultQueuePrefix,
			broker: true, wantQueue: "injectkit_bench_serve_"},
		{name: "own prefix", url: "amqp://guest:guest@" + servetest.Addr + "/", prefix: "h95_bench_",
			broker: true, wantQueue: "h95_bench_"},
		{name: "broker down", url: down, prefix: defaultQueuePrefix,
			wantErr: "is RabbitMQ running? start it as root with `service rabbitmq-server start`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.broker {
				servetest.Broker(t) // skips without a broker
			}
			b, err := openBroker(tt.url, tt.prefix)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer b.close()
			if !strings.HasPrefix(b.queue, tt.wantQueue) || len(b.queue) != len(tt.wantQueue)+12 {
				t.Errorf("queue %q, want %q and 12 hex digits", b.queue, tt.wantQueue)
			}
		})
	}
}

func TestCheckQueuePrefix(t *testing.T) {
	tests := []struct {
		prefix, wantErr string
	}{
		{defaultQueuePrefix, ""},
		{"", ""},
		{"team_a.bench_", ""},
		{"amq.bench_", `-queue-prefix "amq.bench_": RabbitMQ reserves the names beginning with amq.`},
		{strings.Repeat("q", 244), "-queue-prefix of 244 bytes: at most 243"},
	}
	for _, tt := range tests {
		err := checkQueuePrefix(tt.prefix)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("checkQueuePrefix(%.20q) = %v, want %q", tt.prefix, err, tt.wantErr)
		}
	}
}

// TestLargeAssetsWithinSize: the messages of -message-size weigh at most
// the size asked (serve rejects one past its --max-message-size unread),
// and within a tenth of it, their assets all distinct.
func TestLargeAssetsWithinSize(t *testing.T) {
	for _, size := range []int{1 << 10, 1 << 20, 16 << 20} {
		assets, body := largeAssets("bench-0-000001", "bench noop 1", "c5df9442-3be3-5c6d-8cf5-31a58dabebfb", size)
		if len(body) > size || len(body) < size-size/10 {
			t.Errorf("size %d: a message of %d bytes", size, len(body))
		}
		ips := map[any]bool{}
		for _, a := range assets {
			ips[a["endpoint_seen_ip"]] = true
		}
		if len(ips) != len(assets) {
			t.Errorf("size %d: %d assets, %d distinct addresses", size, len(assets), len(ips))
		}
	}
}

// TestProfiled: f runs and its error is returned, with or without a
// profile; with a file, the file holds a CPU profile once f has returned;
// a file that cannot be created fails before f runs.
func TestProfiled(t *testing.T) {
	dir := t.TempDir()
	ferr := errors.New("the run failed")
	tests := []struct {
		name    string
		file    string
		f       error
		ran     bool
		wantErr string
		profile bool
	}{
		{name: "no profile", file: "", f: nil, ran: true},
		{name: "no profile, f fails", file: "", f: ferr, ran: true, wantErr: "the run failed"},
		{name: "profile", file: filepath.Join(dir, "cpu.pprof"), ran: true, profile: true},
		{name: "profile, f fails", file: filepath.Join(dir, "cpu2.pprof"), f: ferr, ran: true, wantErr: "the run failed", profile: true},
		{name: "file cannot be created", file: filepath.Join(dir, "missing", "cpu.pprof"), wantErr: "-cpuprofile: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := false
			err := profiled(tt.file, func() error { ran = true; return tt.f })
			if ran != tt.ran {
				t.Errorf("f ran: %v, want %v", ran, tt.ran)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want one holding %q", err, tt.wantErr)
			}
			if !tt.profile {
				return
			}
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b { // a profile is gzipped protobuf
				t.Errorf("%s: %d bytes, not a gzipped profile", tt.file, len(b))
			}
		})
	}
}

// TestProfileDir: the daemon's profile directory is made absolute and
// created when missing (the daemon cannot say, but in a log a successful
// run removes, that it failed to create its profiles); a path under a
// file is refused before anything runs.
func TestProfileDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	tests := []struct {
		name, dir, want, wantErr string
	}{
		{name: "missing, relative", dir: "p/q", want: filepath.Join(dir, "p", "q")},
		{name: "existing, absolute", dir: dir, want: dir},
		{name: "under a file", dir: filepath.Join(file, "p"), wantErr: "-profile-dir: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := profileDir(tt.dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("profileDir(%q) = %q, %v; want an error holding %q", tt.dir, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("profileDir(%q) = %q, %v; want %q", tt.dir, got, err, tt.want)
			}
			if fi, err := os.Stat(got); err != nil || !fi.IsDir() {
				t.Errorf("%s: not a directory after profileDir: %v", got, err)
			}
		})
	}
}
