//go:build unix

package main

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// SIGQUIT is left to the Go runtime, as the EXIT CODES of the help say:
// the stacks of every goroutine on stderr, for a run that seems stuck,
// then exit 2 at once. The dump names functions and addresses, never a
// value: neither the token given by flag nor the one in the environment
// is in it.
func TestBinarySIGQUITDumpsStacksWithoutSecrets(t *testing.T) {
	const flagToken, envToken = "S3cr3tFlagTok9", "S3cr3tEnvTok7"
	for _, help := range [][]string{{"--help"}, {"serve", "--help"}} {
		code, stdout, _ := injectkit(t, nil, help...)
		if _, exits, _ := strings.Cut(stdout, "EXIT CODES:"); code != 0 || !strings.Contains(exits, "SIGQUIT") {
			t.Errorf("injectkit %s: its EXIT CODES do not say what SIGQUIT does:\n%s", strings.Join(help, " "), stdout)
		}
	}
	be := transporttest.NewBackend(t)
	for _, tt := range []struct {
		name string
		env  []string
		args []string
	}{
		{"token by flag", nil, []string{"--token", flagToken}},
		{"token by env", []string{"INJECTKIT_TOKEN=" + envToken}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "noop", "--target", "127.0.0.1", "--param", "delay=1m", "--inject-id", "i-quit",
				"--backend-url", be.URL, "--outbox", "none"}, tt.args...)
			cmd := exec.Command(bin, args...)
			cmd.Env = append(append(os.Environ(), "CONTAINER_IP=172.17.0.2"), tt.env...)
			p := testkit.Start(t, cmd)
			testkit.WaitFor(t, time.Minute, "the inject to run", func() bool {
				return strings.Contains(p.Stderr.String(), "pre-execution signatures compiled")
			})
			if code := p.Stop(t, syscall.SIGQUIT, time.Minute); code != cli.ExitUsage {
				t.Fatalf("exit %d after SIGQUIT, want %d (the Go runtime's)\n%s", code, cli.ExitUsage, p.Stderr.String())
			}
			out := p.Stderr.String()
			if !strings.Contains(out, "SIGQUIT: quit") || !strings.Contains(out, "goroutine ") {
				t.Errorf("no goroutine dump on stderr:\n%s", out)
			}
			for _, secret := range []string{flagToken, envToken, "S3cr3t"} {
				if strings.Contains(out, secret) {
					t.Errorf("the dump shows %q", secret)
				}
			}
		})
	}
}
