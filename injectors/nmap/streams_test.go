package nmap

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// nmap's standard error is read line by line as it streams in, however
// it is cut into writes: the targets of the scan nmap failed to resolve
// are kept, nothing else (another name, a longer line).
func TestUnresolvedNames(t *testing.T) {
	long := strings.Repeat("a", maxStderrLine)
	cases := []struct {
		name   string
		stderr string
		chunk  int // bytes a write (0: all at once)
		want   map[string]string
	}{
		{"captured", "Failed to resolve \"nosuchhost.invalid\".\nFailed to resolve \"nosuchhost.invalid\".\n", 0,
			map[string]string{"nosuchhost.invalid": whyUnresolved}},
		{"a byte a write", "WARNING: x\nFailed to resolve \"::1%nosuchif0\".\nWARNING: No targets were specified, so 0 hosts scanned.\n", 1,
			map[string]string{"::1%nosuchif0": whyUnresolved}},
		{"the last line without its newline", "Failed to resolve \"nosuchhost.invalid\".", 7,
			map[string]string{"nosuchhost.invalid": whyUnresolved}},
		{"a name not of the scan", "Failed to resolve \"other.invalid\".\n", 0, nil},
		{"quoted inside a line", "x Failed to resolve \"nosuchhost.invalid\".\n", 0, nil},
		{"a line too long, then one read", long + "Failed to resolve \"nosuchhost.invalid\".\nFailed to resolve \"::1%nosuchif0\".\n", 100,
			map[string]string{"::1%nosuchif0": whyUnresolved}},
		{"nothing", "", 0, nil},
		// Captured from nmap 7.93 (unshare -rnm, /etc/hosts bound to one
		// naming v6only.test ::1 alone): its warning comes first.
		{"a name of IPv6 addresses alone", "Warning: Hostname v6only.test resolves, but not to any IPv4 address. Try scanning with -6\n" +
			"Failed to resolve \"v6only.test\".\n", 5, map[string]string{"v6only.test": whyNoIPv4}},
		// Captured from nmap 7.93's SYN scan in a network namespace of
		// loopback alone (testdata/no_route_syn); a name is written with
		// its address (NameIP).
		{"an address with no route", "setup_target: failed to determine route to 198.51.100.7\n", 3,
			map[string]string{"198.51.100.7": whyNoRouteSkipped}},
		{"a name with no route", "setup_target: failed to determine route to v6only.test (2001:db8::1)\n", 0,
			map[string]string{"v6only.test": whyNoRouteSkipped}},
		{"an address not of the scan with no route", "setup_target: failed to determine route to 198.51.100.8\n", 0, nil},
	}
	g := scanGroup{targets: []scanTarget{{value: "nosuchhost.invalid"}, {value: "::1%nosuchif0"}, {value: "v6only.test"}, {value: "198.51.100.7"}}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnresolvedNames(g)
			for rest := tc.stderr; rest != ""; {
				n := len(rest)
				if tc.chunk > 0 {
					n = min(n, tc.chunk)
				}
				if w, err := u.Write([]byte(rest[:n])); w != n || err != nil {
					t.Fatalf("Write = %d, %v", w, err)
				}
				rest = rest[n:]
			}
			if got := u.names(); !maps.Equal(got, tc.want) {
				t.Errorf("names %v, want %v", got, tc.want)
			}
			if len(u.line) > maxStderrLine {
				t.Errorf("kept a line of %d bytes", len(u.line))
			}
		})
	}
}

// Many names that do not resolve, their lines past the end of nmap's
// standard error an error quotes (maxSaid), are each named not reached
// because nmap failed to resolve it, never "nmap finished its scan
// without it". nmap is replayed: the report of testdata/name_unresolved
// (127.0.0.1 alone), its "Failed to resolve" line written for each name,
// three times as nmap writes it.
func TestExecuteNamesEveryNameUnresolved(t *testing.T) {
	xml, err := os.ReadFile("testdata/name_unresolved/nmap.xml")
	if err != nil {
		t.Fatal(err)
	}
	values := []string{"127.0.0.1"}
	for i := range 40 {
		values = append(values, fmt.Sprintf("nosuchhost-%02d.invalid", i))
	}
	var said strings.Builder
	for range 3 {
		for _, v := range values[1:] {
			fmt.Fprintf(&said, "Failed to resolve %q.\n", v)
		}
	}
	if said.Len() <= 2*maxSaid {
		t.Fatalf("stderr of %d bytes, want more than %d", said.Len(), 2*maxSaid)
	}
	run := func(_ context.Context, _ []string, _ io.Reader, stdout, stderr io.Writer) error {
		if _, err := stderr.Write([]byte(said.String())); err != nil {
			return err
		}
		_, err := stdout.Write(xml)
		return err
	}
	in, _ := newInject(t, &Params{Ports: "28585", ScanType: "connect", Timing: 4}, values...)
	out := newTestExecutor(run).Execute(context.Background(), in)
	if out.Status != framework.StatusPartial {
		t.Errorf("status %s (%+v), want partial", out.Status, out.ErrorInfo)
	}
	want := map[framework.Target]string{}
	for _, tg := range in.Targets[1:] {
		want[tg] = whyUnresolved
	}
	if !maps.Equal(out.Unreached, want) {
		for tg, why := range out.Unreached {
			if why != whyUnresolved {
				t.Errorf("%s: %q, want %q", tg, why, whyUnresolved)
			}
		}
		t.Errorf("%d targets not reached, want %d", len(out.Unreached), len(want))
	}
}

// readSizes records the size of each write it gets (a writer without
// ReadFrom, as io.MultiWriter is).
type readSizes struct {
	buf   bytes.Buffer
	sizes []int
}

func (r *readSizes) Write(p []byte) (int, error) {
	r.sizes = append(r.sizes, len(p))
	return r.buf.Write(p)
}

// TestChunked checks what os/exec is handed for each of nmap's outputs: a
// file or nil as they are, any other writer read into readChunk bytes at
// a time, whole.
func TestChunked(t *testing.T) {
	f, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	for _, tc := range []struct {
		name string
		w    io.Writer
		want io.Writer
	}{
		{"file", f, f},
		{"nil", nil, nil},
		{"buffer", &buf, chunkedWriter{&buf}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := chunked(tc.w); got != tc.want {
				t.Errorf("chunked(%T) = %#v, want %#v", tc.w, got, tc.want)
			}
		})
	}

	report := strings.Repeat("<host/>\n", 3*readChunk/8+5) // three chunks and a bit
	rs := &readSizes{}
	// As os/exec copies: io.Copy to the writer from a reader without WriteTo.
	n, err := io.Copy(chunked(rs), struct{ io.Reader }{strings.NewReader(report)})
	if err != nil || n != int64(len(report)) || rs.buf.String() != report {
		t.Fatalf("copied %d bytes, %v; got %d bytes back, want %d", n, err, rs.buf.Len(), len(report))
	}
	if len(rs.sizes) < 4 {
		t.Errorf("%d writes, want the report in chunks: %v", len(rs.sizes), rs.sizes)
	}
	for _, s := range rs.sizes {
		if s > readChunk {
			t.Errorf("a write of %d bytes, want at most %d: %v", s, readChunk, rs.sizes)
		}
	}
}
