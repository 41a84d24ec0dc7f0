package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A token the platform does not know (its 401 to the registration) ends
// serve at once with exit 1 (retrying cannot fix it), in one ERROR line:
// its exit line, saying what to check (INJECTKIT_TOKEN …). The daemon
// does not log it besides (log or return, never both): a log pipeline
// counted the one failure twice. The token shows nowhere.
func TestServeRegistrationTokenRefusedIsAnError(t *testing.T) {
	const wrong = "wrong-token-h184-secret"
	p := openaevtest.NewPlatform(t, serveToken)
	stderr, stop := serveRun(t, map[string]string{"INJECTKIT_TOKEN": wrong}, "--openaev-url", p.URL,
		"--injector-id", injectorID, "--listen-addr", "", "--log-format", "json", "--outbox", "none")
	waitUntil(t, "serve to exit", func() bool { return len(jsonLogs(stderr.String(), cli.ExitMessage)) == 1 })
	if code := stop(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := jsonLogs(stderr.String(), cli.ExitMessage)
	msg, _ := lines[0]["error"].(string)
	if lines[0]["level"] != "error" || !strings.Contains(msg, "status 401: it does not know it; check that INJECTKIT_TOKEN") {
		t.Errorf("exit line = %v, want an ERROR saying to check INJECTKIT_TOKEN", lines[0])
	}
	if n := strings.Count(stderr.String(), "status 401: it does not know it"); n != 1 {
		t.Errorf("the refusal is said %d times, want once (the exit line):\n%s", n, stderr)
	}
	if strings.Contains(stderr.String(), wrong) {
		t.Error("the token shows in the logs")
	}
}
