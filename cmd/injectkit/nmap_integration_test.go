package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

// TestIntegrationBinaryNmapSIGINT interrupts a mixed IPv4/IPv6 scan once the
// IPv4 scan is over (nmap has moved on to ::1, where a listener that never
// speaks keeps its service detection busy for a minute): nmap is killed, and
// the delivered signatures carry timeout with the IPv4 host's open port.
func TestIntegrationBinaryNmapSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	if _, err := exec.LookPath("nmap"); err != nil {
		t.Skip("nmap is not installed (apt-get install nmap)")
	}
	ssh, _ := loopbackListener(t, "tcp4", "127.0.0.1:0", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n")
	silent, accepted := loopbackListener(t, "tcp6", "[::1]:0", "")
	srv, got := sink(t, http.StatusOK, 0)

	// A port list travels in an inject file: --param values are split on
	// commas by the command line.
	file := filepath.Join(t.TempDir(), "inject.json")
	inject := fmt.Sprintf(`{"inject_id": "nmap-sig", "injector": "nmap", "expectation_types": ["DETECTION"],
		"targets": [{"value": "127.0.0.1"}, {"value": "::1"}],
		"params": {"ports": "%d,%d", "service_detection": true, "timing": 4}}`, ssh, silent)
	if err := os.WriteFile(file, []byte(inject), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "nmap", "--inject-file", file, "--backend-url", srv.URL)
	cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir())
	errb := &lockedBuffer{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case c := <-accepted:
		defer c.Close()
	case err := <-exited:
		t.Fatalf("injectkit exited (%v) before nmap reached ::1:\n%s", err, errb.String())
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("nmap never reached ::1:\n%s", errb.String())
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := <-exited; err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, errb.String())
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.bodies) != 1 {
		t.Fatalf("want the signatures delivered once, got %d\n%s", len(got.bodies), errb.String())
	}
	b := string(got.bodies[0])
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

// loopbackListener listens on addr, greets each connection with banner
// (none when empty) and hands each accepted connection to the returned
// channel (dropping it when nobody waits).
func loopbackListener(t *testing.T, network, addr, banner string) (int, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	ch := make(chan net.Conn, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if banner != "" {
				_, _ = c.Write([]byte(banner))
			}
			select {
			case ch <- c:
			default:
				c.Close()
			}
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().(*net.TCPAddr).Port, ch
}
