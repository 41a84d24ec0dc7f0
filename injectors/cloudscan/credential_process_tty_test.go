//go:build linux

package cloudscan

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
)

// ttyChildEnv makes TestCredentialProcessPromptsOnTheTerminal run as the
// child it starts on a terminal: its value is the helper's path.
const ttyChildEnv = "INJECTKIT_TEST_TTY_HELPER"

// TestCredentialProcessPromptsOnTheTerminal: injectkit runs in the
// foreground of a terminal (script's pseudo-terminal), its profile's
// credential_process asks for an MFA code on /dev/tty. The code typed is
// read, as when the helper runs from a shell; Ctrl-C at the prompt ends
// the helper and reaches injectkit as a Ctrl-C of its own.
func TestCredentialProcessPromptsOnTheTerminal(t *testing.T) {
	if helper := os.Getenv(ttyChildEnv); helper != "" {
		ttyChild(helper)
		return
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) not on PATH: no terminal to run under")
	}
	helper := filepath.Join(t.TempDir(), "mfa.sh")
	body := "#!/bin/sh\nprintf 'code: ' > /dev/tty\nread code < /dev/tty\n" +
		"printf '{\"Version\":1,\"AccessKeyId\":\"AKIDEXAMPLE\",\"SecretAccessKey\":\"%s\"}' \"$code\"\n"
	if err := os.WriteFile(helper, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, typed, want string }{
		{"code typed", "123456\n", "got=123456"},
		{"Ctrl-C at the prompt", "\x03", "interrupted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			self := fmt.Sprintf("%q -test.run='^TestCredentialProcessPromptsOnTheTerminal$'", os.Args[0])
			cmd := exec.Command(script, "-qfec", self, "/dev/null")
			cmd.Env = append(os.Environ(), ttyChildEnv+"="+helper)
			in, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Typed once the helper asks, as a user would; the terminal's
			// input stays open until the child has said how it went.
			var seen strings.Builder
			r := bufio.NewReader(out)
			typed := false
			for {
				b, err := r.ReadByte()
				if err != nil {
					break
				}
				seen.WriteByte(b)
				if !typed && strings.HasSuffix(seen.String(), "code: ") {
					typed = true
					if _, err := in.Write([]byte(tt.typed)); err != nil {
						t.Fatal(err)
					}
				}
				if strings.Contains(seen.String(), "\nend\r") {
					break
				}
			}
			_ = in.Close()
			_ = cmd.Wait()
			if !strings.Contains(seen.String(), tt.want) {
				t.Errorf("on the terminal:\n%s\nwant %q", seen.String(), tt.want)
			}
		})
	}
}

// ttyChild runs the credential_process helper as an inject does, on the
// terminal it was started on, and says how it went: got=<the secret key>,
// interrupted (the helper ended and this process was sent SIGINT), or the
// error. A helper stopped at its prompt is ended after 30 s.
func ttyChild(helper string) {
	defer fmt.Println("\nend")
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	creds, err := newQuietProcess(ctx, helper, zap.NewNop(), &terminal{}).Retrieve(ctx)
	switch {
	case err == nil:
		fmt.Println("got=" + creds.SecretAccessKey)
	case ctx.Err() != nil:
		fmt.Println("helper held past its bound:", errors.Unwrap(err))
	default:
		select {
		case <-sigs:
			fmt.Println("interrupted")
		case <-ctx.Done():
			fmt.Println("no SIGINT after:", err)
		}
	}
}
