package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestIntegrationBinaryNmap runs the built injectkit binary with the real
// nmap against a listener the test opens on 127.0.0.1, and checks the payload
// it prints: the target, the outcome and the ports and services found, for
// both expectation types.
func TestIntegrationBinaryNmap(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	if _, err := exec.LookPath("nmap"); err != nil {
		t.Skip("nmap is not installed (apt-get install nmap)")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n"))
		}
	}()
	defer func() { ln.Close(); <-done }()
	port := ln.Addr().(*net.TCPAddr).Port

	code, out, errs := injectkit(t, nil, "run", "nmap", "--target", "127.0.0.1",
		"--param", fmt.Sprintf("ports=%d", port), "--param", "service_detection=true", "--param", "timing=4",
		"--expectation", "DETECTION", "--expectation", "PREVENTION")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var body struct {
		ExpectationSignature struct {
			Targets []struct {
				SignatureValues []struct {
					ExpectationType string `json:"expectation_type"`
					Values          []struct {
						Type  string          `json:"signature_type"`
						Value json.RawMessage `json:"signature_value"`
					} `json:"values"`
				} `json:"signature_values"`
			} `json:"targets"`
		} `json:"expectation_signature"`
	}
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("stdout is not one JSON body: %v\n%s", err, out)
	}
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
		got := map[string]string{}
		for _, v := range g.Values {
			got[v.Type] = string(v.Value)
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
