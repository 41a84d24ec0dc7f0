package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// TestIntegrationBinaryNmap runs the built injectkit binary with the real
// nmap against a listener the test opens on 127.0.0.1, and checks the payload
// it prints: the target, the outcome and the ports and services found, for
// both expectation types.
func TestIntegrationBinaryNmap(t *testing.T) {
	testkit.Integration(t, "nmap")
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port

	code, out, errs := injectkit(t, nil, "run", "nmap", "--target", "127.0.0.1",
		"--param", fmt.Sprintf("ports=%d", port), "--param", "service_detection=true", "--param", "timing=4",
		"--expectation", "DETECTION", "--expectation", "PREVENTION")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	body := transporttest.PrintedBody(t, out)
	if len(body.ExpectationSignature.Targets) != 1 || len(body.ExpectationSignature.Targets[0].SignatureValues) != 2 {
		t.Fatalf("body = %s", out)
	}
	want := map[string]string{
		"source_ipv4":         `"172.17.0.2"`,
		"target_ipv4":         `"127.0.0.1"`,
		"execution_status":    `"success"`,
		"ports_discovered":    fmt.Sprintf("[%d]", port),
		"services_discovered": fmt.Sprintf(`["%d/tcp ssh"]`, port),
	}
	for _, g := range body.ExpectationSignature.Targets[0].SignatureValues {
		got := map[string]string{} // signature type → value, in JSON
		for k, v := range g.Map() {
			b, _ := json.Marshal(v)
			got[k] = string(b)
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s %s = %s, want %s", g.ExpectationType, k, got[k], w)
			}
		}
	}
	if !strings.Contains(errs, `"injector": "nmap"`) {
		t.Errorf("logs on stderr lack the injector: %s", errs)
	}

	// Bad input never reaches nmap: usage exit code, the field named.
	for _, args := range [][]string{
		{"--target", "127.0.0.1", "--param", "ports=0"},
		{"--target", "127.0.0.1", "--param", "scan_type=udp"},
		{"--target", "-oN/tmp/x"},
	} {
		code, _, errs := injectkit(t, nil, append([]string{"run", "nmap"}, args...)...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2: %s", args, code, errs)
		}
	}
}

// TestIntegrationBinaryNmapSIGINT interrupts a mixed IPv4/IPv6 scan once the
// IPv4 scan is over (nmap has moved on to ::1, where a listener that never
// speaks keeps its service detection busy for a minute): nmap is killed, and
// the delivered signatures carry timeout with the IPv4 host's open port.
func TestIntegrationBinaryNmapSIGINT(t *testing.T) {
	testkit.Integration(t, "nmap")
	testkit.NeedIPv6(t)
	ssh := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port
	silent := testkit.Listen(t, "tcp6", "[::1]:0", "")

	// A port list travels in an inject file: --param values are split on
	// commas by the command line.
	file := filepath.Join(t.TempDir(), "inject.json")
	inject := fmt.Sprintf(`{"inject_id": "nmap-sig", "injector": "nmap", "expectation_types": ["DETECTION"],
		"targets": [{"value": "127.0.0.1"}, {"value": "::1"}],
		"params": {"ports": "%d,%d", "service_detection": true, "timing": 4}}`, ssh, silent.Port)
	if err := os.WriteFile(file, []byte(inject), 0o644); err != nil {
		t.Fatal(err)
	}
	body, _ := interrupt(t, nil, func(p *testkit.Process) {
		select {
		case <-silent.Accepted():
		case <-p.Exited():
			t.Fatalf("injectkit exited (%v) before nmap reached ::1:\n%s", p.Err(), p.Stderr.String())
		case <-time.After(2 * time.Minute):
			t.Fatalf("nmap never reached ::1:\n%s", p.Stderr.String())
		}
	}, "run", "nmap", "--inject-file", file)
	b := string(body)
	for _, want := range []string{
		`"signature_type":"execution_status","signature_value":"timeout"`,
		fmt.Sprintf(`"127.0.0.1:%d/tcp open ssh"`, ssh),
		fmt.Sprintf(`"signature_type":"ports_discovered","signature_value":[%d]`, ssh),
	} {
		if !strings.Contains(b, want) {
			t.Errorf("body lacks %s:\n%s", want, b)
		}
	}
}
