package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A token the platform does not know (its 401 to the registration) is
// logged at ERROR, once, saying what to check (INJECTKIT_TOKEN …), and
// serve exits 1 at once (its JSON exit line): retrying cannot fix it. The
// token shows nowhere.
func TestServeRegistrationTokenRefusedIsAnError(t *testing.T) {
	const wrong = "wrong-token-h184-secret"
	p := openaevtest.NewPlatform(t, serveToken)
	stderr, stop := serveRun(t, map[string]string{"INJECTKIT_TOKEN": wrong}, "--openaev-url", p.URL,
		"--injector-id", injectorID, "--listen-addr", "", "--log-format", "json", "--outbox", "none")
	waitUntil(t, "serve to exit", func() bool { return len(jsonLogs(stderr.String(), cli.ExitMessage)) == 1 })
	if code := stop(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := jsonLogs(stderr.String(), "registration failed")
	if len(lines) != 1 {
		t.Fatalf("%d \"registration failed\" lines, want 1; stderr:\n%s", len(lines), stderr)
	}
	msg, _ := lines[0]["error"].(string)
	if lines[0]["level"] != "error" || !strings.Contains(msg, "status 401: it does not know it; check that INJECTKIT_TOKEN") {
		t.Errorf("registration failed line = %v, want an ERROR saying to check INJECTKIT_TOKEN", lines[0])
	}
	if strings.Contains(stderr.String(), wrong) {
		t.Error("the token shows in the logs")
	}
}
