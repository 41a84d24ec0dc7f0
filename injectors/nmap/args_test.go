package nmap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// fixed are the arguments every scan carries, in order.
// The addresses of the scan's family that are no host are excluded last
// (notHosts).
var fixed = []string{"-Pn", "-n", "--stats-every", "5s", "-oX", "-", "-iL", "-", "--exclude"}

func TestBuildArgs(t *testing.T) {
	with := func(head []string, tail ...string) []string {
		excluded := "0.0.0.0,255.255.255.255,224.0.0.0/4"
		if slices.Contains(tail, "-6") {
			excluded = "::,ff00::/8"
		}
		return append(append(append(append([]string{}, head...), fixed...), excluded), tail...)
	}
	tests := []struct {
		name   string
		params Params
		ipv6   bool
		want   []string
	}{
		{"defaults", DefaultParams(), false, with([]string{"-sT", "-T3"})},
		{"defaults ipv6", DefaultParams(), true, with([]string{"-sT", "-T3"}, "-6")},
		{"syn ports", Params{ScanType: ScanSYN, Ports: "22,80", Timing: 4}, false,
			with([]string{"-sS", "-T4"}, "-p", "22,80")},
		{"ports without the spaces around their items", Params{ScanType: ScanConnect, Ports: " 22, 80 ,\t8000-8100", Timing: 3}, false,
			with([]string{"-sT", "-T3"}, "-p", "22,80,8000-8100")},
		{"fin T0 service", Params{ScanType: ScanFIN, Timing: 0, ServiceDetection: true}, false,
			with([]string{"-sF", "-T0"}, "-sV")},
		{"everything", Params{ScanType: ScanConnect, Ports: "1-1024,8080", Timing: 5, ServiceDetection: true}, true,
			with([]string{"-sT", "-T5"}, "-p", "1-1024,8080", "-sV", "-6")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildArgs(tt.params, tt.ipv6); !slices.Equal(got, tt.want) {
				t.Errorf("buildArgs = %q\nwant        %q", got, tt.want)
			}
		})
	}
}

// TestBuildArgsEveryCombination builds the arguments of every combination of
// params and address family and checks each flag is there exactly when it
// should be, and that nothing else is.
func TestBuildArgsEveryCombination(t *testing.T) {
	scanFlag := map[string]string{ScanConnect: "-sT", ScanSYN: "-sS", ScanFIN: "-sF"}
	for _, st := range []string{ScanConnect, ScanSYN, ScanFIN} {
		for timing := 0; timing <= 5; timing++ {
			for _, ports := range []string{"", "22", "22,80,8000-8100"} {
				for _, sv := range []bool{false, true} {
					for _, v6 := range []bool{false, true} {
						p := Params{ScanType: st, Ports: ports, Timing: timing, ServiceDetection: sv}
						if err := p.Validate(); err != nil {
							t.Fatal(err)
						}
						name := fmt.Sprintf("%s/T%d/p=%q/sV=%v/6=%v", st, timing, ports, sv, v6)
						want := []string{scanFlag[st], fmt.Sprintf("-T%d", timing)}
						want = append(want, fixed...)
						if v6 {
							want = append(want, "::,ff00::/8")
						} else {
							want = append(want, "0.0.0.0,255.255.255.255,224.0.0.0/4")
						}
						if ports != "" {
							want = append(want, "-p", ports)
						}
						if sv {
							want = append(want, "-sV")
						}
						if v6 {
							want = append(want, "-6")
						}
						if got := buildArgs(p, v6); !slices.Equal(got, want) {
							t.Errorf("%s: buildArgs = %q, want %q", name, got, want)
						}
					}
				}
			}
		}
	}
}

// TestHostileTargetsNeverReachNmap hands targets that could be read as
// options, split into several targets or run by a shell straight to Execute
// (bypassing the runtime's validation): each is rejected naming the target,
// and the runner is never called.
func TestHostileTargetsNeverReachNmap(t *testing.T) {
	host := func(name string) signatures.Config { return signatures.NetworkConfig{TargetHostname: name} }
	tests := []struct {
		name   string
		config signatures.Config
	}{
		{"output option", host("-oN/tmp/x")},
		{"script option", host("--script=x")},
		{"leading dash name", host("-iL")},
		{"space", host("a b")},
		{"command substitution", host("$(id)")},
		{"semicolon", host("10.0.0.1;id")},
		{"semicolon as ipv4", signatures.NetworkConfig{TargetIPv4: "10.0.0.1;id"}},
		{"300-char name", host(strings.Repeat("a", 300))},
		{"newline", host("localhost\n10.0.0.1")},
		{"comment", host("localhost#x")},
		{"cidr", signatures.NetworkConfig{TargetIPv4: "10.0.0.0/8"}},
		{"range", host("10.0.0.1-254")},
		{"hex integer name", host("0x7f000001")},
		{"hex integer name, trailing dot", host("0X7F000001.")},
		{"hex and decimal parts", host("0x7f.1")},
		{"octal parts", host("0177.0.0.1")},
		{"octal two parts", host("0177.1")},
		{"decimal integer name", host("2130706433")},
		{"hex parts", host("0x7f.0x0.0x0.0x1")},
		{"hex name, upper case", host("0XFFFFFFFF")},
		{"numeric top-level label", host("host.example.123")},
		{"zone with newline", signatures.NetworkConfig{TargetIPv6: "fe80::1%lo\n10.0.0.1"}},
		{"zone with space", signatures.NetworkConfig{TargetIPv6: "fe80::1%lo --script=x"}},
		{"two fields", signatures.NetworkConfig{TargetIPv4: "127.0.0.1", TargetHostname: "localhost"}},
		{"empty", signatures.NetworkConfig{}},
		{"cloud config", signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestExecutor(neverRun(t))
			cfg, _ := newInject(t, nil, "127.0.0.1")
			cfg.Targets = append(cfg.Targets, framework.Target{Config: tt.config})
			// Refused before the run (the runtime's invalid request) and by
			// Execute itself.
			if err := e.ValidateTargets(cfg.Targets); err == nil || !strings.Contains(err.Error(), "targets[1]") {
				t.Errorf("ValidateTargets = %v, want an error naming targets[1]", err)
			}
			out := e.Execute(context.Background(), cfg)
			if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != ExitInvalidInput {
				t.Fatalf("ErrorInfo = %+v, want exit code %d", out.ErrorInfo, ExitInvalidInput)
			}
			if !strings.Contains(out.ErrorInfo.Message, "targets[1]") {
				t.Errorf("message %q does not name targets[1]", out.ErrorInfo.Message)
			}
			if out.ExecutionStatus() != framework.StatusFailed {
				t.Errorf("status = %q, want failed", out.ExecutionStatus())
			}
		})
	}
}

func TestInvalidParamsNeverReachNmap(t *testing.T) {
	tests := []struct {
		name   string
		params any
		privs  privileges
		want   string
	}{
		{"bad ports", &Params{ScanType: ScanConnect, Ports: "22 --script=x", Timing: 3}, asRoot, "ports"},
		{"bad timing", &Params{ScanType: ScanConnect, Timing: 9}, asRoot, "timing"},
		{"syn unprivileged", &Params{ScanType: ScanSYN, Timing: 3}, asUser, "root"},
		{"fin unprivileged", &Params{ScanType: ScanFIN, Timing: 3}, asUser, "root"},
		{"syn as root without CAP_NET_RAW", &Params{ScanType: ScanSYN, Timing: 3}, privileges{}, "CAP_NET_RAW"},
		{"wrong type", map[string]any{"ports": "22"}, asRoot, "want *nmap.Params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestExecutor(neverRun(t))
			e.privileges = func() privileges { return tt.privs }
			cfg, _ := newInject(t, nil, "127.0.0.1")
			cfg.Params = tt.params
			out := e.Execute(context.Background(), cfg)
			if out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, tt.want) {
				t.Fatalf("ErrorInfo = %+v, want a message holding %q", out.ErrorInfo, tt.want)
			}
		})
	}
}

func TestNoTargets(t *testing.T) {
	e := newTestExecutor(neverRun(t))
	cfg, _ := newInject(t, nil)
	out := e.Execute(context.Background(), cfg)
	if out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, "no target") {
		t.Fatalf("ErrorInfo = %+v", out.ErrorInfo)
	}
}

func TestGroupTargets(t *testing.T) {
	cfg, _ := newInject(t, nil, "::1", "127.0.0.1", "localhost", "127.0.0.1", "fe80::1%lo")
	targets, err := scanTargets(cfg.Targets)
	if err != nil {
		t.Fatal(err)
	}
	groups := groupTargets(targets)
	if len(groups) != 3 {
		t.Fatalf("got %d groups, want 3", len(groups))
	}
	if groups[0].ipv6 || groups[0].input() != "127.0.0.1\nlocalhost\n" {
		t.Errorf("first scan: ipv6=%v input %q", groups[0].ipv6, groups[0].input())
	}
	if !groups[1].ipv6 || groups[1].input() != "::1\n" {
		t.Errorf("second scan: ipv6=%v input %q", groups[1].ipv6, groups[1].input())
	}
	if !groups[2].ipv6 || groups[2].input() != "fe80::1%lo\n" {
		t.Errorf("third scan (the zone's): ipv6=%v input %q", groups[2].ipv6, groups[2].input())
	}
	var ve *signatures.ValidationError
	if _, err := scanTargets(nil); !errors.As(err, &ve) {
		t.Errorf("scanTargets(nil) = %v", err)
	}
}

func TestHostNameChecks(t *testing.T) {
	for v, want := range map[string]bool{
		"10.0.0.1-254":   true,
		"10.0-255.0.1":   true,
		"1-2":            true,
		"1-2.example":    false,
		"localhost":      false,
		"host-1.example": false,
		"2130706433":     true,
		"0177.1":         true,
	} {
		if got := looksLikeRange(v); got != want {
			t.Errorf("looksLikeRange(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestInetAton holds what glibc's inet_aton (and so getaddrinfo, and nmap)
// reads as an IPv4 address, checked against the C library: 1 to 4 parts,
// each decimal, 0x hex or 0 octal, within range. Every other name is one
// nmap resolves, and is scanned as the name it is.
func TestInetAton(t *testing.T) {
	for v, want := range map[string]string{
		"0x7f000001":   "127.0.0.1",
		"0X7F000001":   "127.0.0.1",
		"2130706433":   "127.0.0.1",
		"0177.1":       "127.0.0.1",
		"127.1":        "127.0.0.1",
		"0x7f.1":       "127.0.0.1",
		"1.0xa":        "1.0.0.10",
		"0x7f.0x0.0.1": "127.0.0.1",
		"0xFFFFFFFF":   "255.255.255.255",
		"0x0000000001": "0.0.0.1",
		"1.16777215":   "1.255.255.255",
		"1.2.65535":    "1.2.255.255",
		"017777777777": "127.255.255.255",
		"00":           "0.0.0.0",
		// Names, not addresses: inet_aton refuses each.
		"a.0x1":        "",
		"0x":           "",
		"0X":           "",
		"1.0x":         "",
		"1.2.3.0x":     "",
		"0xg":          "",
		"host.0xg":     "",
		"0x7f.example": "",
		"1.2.3.4.5":    "",
		"1.2.3.4.":     "",
		"0x7f000001.":  "",
		"1..2":         "",
		".1":           "",
		"08":           "",
		"09.1":         "",
		"1e":           "",
		"256.1":        "",
		"1.2.3.256":    "",
		"1.16777216":   "",
		"1.2.65536":    "",
		"4294967296":   "",
		"0x100000000":  "",
		"040000000000": "",
		"+1":           "",
		"localhost":    "",
	} {
		a, ok := inetAton(v)
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("inetAton(%q) = %q, want %q", v, got, want)
		}
	}
}

// A host name inet_aton reads as an address is refused naming the target
// and the address nmap would scan; one it does not read so is a name.
func TestNumericHostNames(t *testing.T) {
	host := func(name string) framework.Target {
		return framework.Target{Config: signatures.NetworkConfig{TargetHostname: name}}
	}
	err := (&Executor{}).ValidateTargets([]framework.Target{host("localhost"), host("0x7f000001")})
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Field != "targets[1]" || ve.Value != "0x7f000001" || !strings.Contains(ve.Reason, "127.0.0.1") {
		t.Errorf("ValidateTargets = %#v, want a ValidationError of targets[1] naming the value and 127.0.0.1", err)
	}
	for _, name := range []string{"a.0x1", "0x", "host.0xff.example", "0x7f.example"} {
		if err := (&Executor{}).ValidateTargets([]framework.Target{host(name)}); err != nil {
			t.Errorf("ValidateTargets(%q) = %v, want a host name nmap resolves", name, err)
		}
	}
}

// The forms the README gives are refused as it says: one whose last part
// is all digits by the shared target check as no host name, the others
// here naming the address nmap would scan.
func TestNumericHostNamesAsTheREADMESays(t *testing.T) {
	for _, tt := range []struct{ name, reason string }{
		{"127.1", "not a valid IP address or host name (a host name's last label is not all digits)"},
		{"0x7f.1", "not a valid IP address or host name (a host name's last label is not all digits)"},
		{"0177.0.0.01", "not a valid IP address or host name (a host name's last label is not all digits)"},
		{"0x7f000001", "nmap reads this host name as the IPv4 address 127.0.0.1 (inet_aton: "},
		{"0x7f.0x1", "nmap reads this host name as the IPv4 address 127.0.0.1 (inet_aton: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := signatures.ValidateHostname("targets[0]", tt.name)
			if err == nil {
				err = (&Executor{}).ValidateTargets([]framework.Target{{Config: signatures.NetworkConfig{TargetHostname: tt.name}}})
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Value != tt.name || !strings.HasPrefix(ve.Reason, tt.reason) {
				t.Errorf("refusal of %q = %v, want one naming the value: %s…", tt.name, err, tt.reason)
			}
		})
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	for _, want := range []string{"`0x7f000001`, `0x7f.0x1` are 127.0.0.1", "(`127.1`, `0x7f.1`, `0177.0.0.01`) is refused earlier"} {
		if !strings.Contains(text, want) {
			t.Errorf("README.md does not say %q", want)
		}
	}
}

// nmap is given each target in its canonical form: an IPv4-mapped address
// as the IPv4 address it is (scanned without -6: its traffic is IPv4), an
// IPv6 address compressed in lower case, a host name in lower case
// without its trailing dot.
func TestTargetsGoToNmapCanonical(t *testing.T) {
	rec := &recorder{}
	e := newTestExecutor(rec.run)
	in, _ := newInject(t, nil, "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1", "LOCALHOST.", "FD00::2")
	e.Execute(context.Background(), in)
	calls := rec.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d scans, want 2: %+v", len(calls), calls)
	}
	if slices.Contains(calls[0].Args, "-6") || calls[0].Stdin != "127.0.0.1\nlocalhost\n" {
		t.Errorf("first scan: args %q, input %q; want IPv4 and names, without -6", calls[0].Args, calls[0].Stdin)
	}
	if !slices.Contains(calls[1].Args, "-6") || calls[1].Stdin != "::1\nfd00::2\n" {
		t.Errorf("second scan: args %q, input %q; want the IPv6 addresses with -6", calls[1].Args, calls[1].Stdin)
	}
}
