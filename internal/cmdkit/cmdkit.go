// Package cmdkit holds the plumbing the repository's helper commands share
// (the benchmark floors, sink and driver under internal/, the platform and
// Shodan stand-ins' commands) with each other and with their tests: a POST
// of a JSON body whose answer is drained, so that the connection is
// reused; a file written at once, for a script that polls for it; the
// loopback-only check of an address to listen on or dial; the error of a
// broker's amqp:// URL that does not parse, its password masked; a command's main
// (Main: the signals that stop it, exit 2 for a UsageError, exit 0 for
// -h or --help). It measures and
// serves nothing itself.
package cmdkit

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
)

// Post POSTs body as JSON to url, with token as its bearer token unless
// token is empty, reads the answer to its end and returns its status.
func Post(c *http.Client, url, token string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// PostOK is Post that fails unless the status is 2xx.
func PostOK(c *http.Client, url, token string, body []byte) error {
	status, err := Post(c, url, token, body)
	if err == nil && status/100 != 2 {
		err = fmt.Errorf("status %d", status)
	}
	return err
}

// WriteFile writes s to name at once (a rename), so that a reader polling
// for the file never reads it half written.
func WriteFile(name, s string) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(s); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// CheckLoopback refuses a host:port whose host is not "localhost" or a
// loopback address.
func CheckLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if a, err := netip.ParseAddr(host); err != nil || !a.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address", host)
	}
	return nil
}
