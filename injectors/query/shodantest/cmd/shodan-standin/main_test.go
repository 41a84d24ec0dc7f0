package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/internal/testkit"
)

// -addr 127.0.0.1:0 listens on a free port, whose base URL -url-file
// holds once the stand-in answers; the end of its context stops it
// without an error (SIGTERM, exit 0).
func TestURLFileNamesAFreePort(t *testing.T) {
	file := filepath.Join(t.TempDir(), "shodan.url")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-url-file", file, "-key", "k"}, io.Discard) }()
	var url []byte
	testkit.WaitFor(t, 30*time.Second, "the URL file", func() bool {
		b, err := os.ReadFile(file)
		url = b
		return err == nil && len(b) > 0
	})
	resp, err := http.Get(string(url) + "/shodan/host/search?key=k&query=apache")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("search: %d, want 200", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after its context ended: %v", err)
	}
}

func TestRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-addr", "192.0.2.1:0"},
		{"-min-interval", "-1s"},
		{"-nope"},
		{"extra"},
	} {
		var ue cmdkit.UsageError
		if err := run(context.Background(), args, io.Discard); !errors.As(err, &ue) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
}

// -h and --help print the usage and are no error: exit 0 (cmdkit.Main).
func TestHelpExitsZero(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		var stderr bytes.Buffer
		err := run(context.Background(), []string{arg}, &stderr)
		if code := cmdkit.ExitCode(err); code != 0 || !strings.Contains(stderr.String(), "-url-file string") {
			t.Errorf("run(%q): exit %d, stderr %q; want 0 and the usage", arg, code, stderr.String())
		}
	}
}
