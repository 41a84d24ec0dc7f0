package cli_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// otherKey is keyed's Secret setting in the redaction tests: a secret of
// another injector than the one that leaks it.
const otherKey = "keyed-api-key-0123456789"

// serveLeaky leaks the platform's token and another injector's secret in every
// way an executor's words reach serve's log: its error message (raw, in
// base64, URL-encoded, and one cut by the log line across the token), a
// line of its own logger, and a panic; its Configure panics quoting them
// when its level is "panic".
type serveLeaky struct{}

func (serveLeaky) Manifest() framework.Manifest {
	return framework.Manifest{Name: "leaky", Category: framework.Network, Settings: []framework.Setting{
		{Key: "level", Env: "LEAKY_LEVEL", Doc: "a level"},
	}}
}

func (serveLeaky) Configure(s map[string]string) error {
	if s["level"] == "panic" {
		panic("configure saw " + serveToken + " and " + otherKey)
	}
	return nil
}

// leakyRegistry holds serveLeaky as "leaky" and keyedSettings as "keyed".
func leakyRegistry() *framework.Registry {
	return registry(func(r *framework.Registry) {
		r.Register("leaky", func() framework.Executor { return serveLeaky{} })
		r.Register("keyed", func() framework.Executor { return keyedSettings{} })
	})
}

func (serveLeaky) Execute(_ context.Context, in *framework.Inject) framework.ToolOutput {
	in.Logger().Info("leaking", zap.String("token", serveToken), zap.String("key", otherKey))
	switch in.ID {
	case "l-panic":
		panic("execute saw " + serveToken + " and " + otherKey)
	case "l-cut":
		// The log line's cut (runtime.MaxLoggedMessage) falls inside the token.
		msg := strings.Repeat("x", 8<<10-8) + serveToken
		return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: msg}}
	}
	msg := "token " + serveToken + " b64 " + base64.StdEncoding.EncodeToString([]byte(serveToken)) +
		" url " + url.QueryEscape("?"+serveToken+"&") + " key " + otherKey
	return framework.ToolOutput{Status: framework.StatusFailed, ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: msg}}
}

// checkNoSecrets fails when text shows the token or the key, or a piece of
// either (the start of one cut), in any of the forms serveLeaky gives them.
func checkNoSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{serveToken, otherKey} {
		for _, form := range []string{s[:10], base64.StdEncoding.EncodeToString([]byte(s))[:12], url.QueryEscape(s)} {
			for line := range strings.Lines(text) {
				if strings.Contains(line, form) {
					t.Errorf("%q (of %q) in serve's stderr: %.300s", form, s, line)
				}
			}
		}
	}
}

// serve's log redacts the platform's token and the injectors' Secret
// settings as run's does: from what an executor says (its message, also
// when cut to fit the line, its logger, its panic) and from a Configure
// panic refusing the start.
func TestServeRedactsSecretsFromItsLog(t *testing.T) {
	reg := leakyRegistry()
	env := map[string]string{"KEYED_API_KEY": otherKey, "LEAKY_LEVEL": "panic"}
	served := run(t, reg, env, "serve", "--openaev-url", "http://127.0.0.1:1", "--token", serveToken,
		"--injector-id", injectorID, "--listen-addr", "", "--injectors", "leaky")
	if served.code != 2 || !strings.Contains(served.stderr, "Configure panicked") {
		t.Errorf("serve: exit %d, want 2 naming the panic:\n%s", served.code, served.stderr)
	}
	checkNoSecrets(t, served.stderr)
}

func TestIntegrationServeRedactsSecretsFromItsLog(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	reg := leakyRegistry()
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	ids := []string{"l-msg", "l-cut", "l-panic"}
	var msgs [][]byte
	for _, id := range ids {
		p.AddInject(id, openaev.ContractID("leaky"))
		msgs = append(msgs, openaevtest.Message(openaevtest.QueuedInject{ID: id, ContractID: openaev.ContractID("leaky"),
			Content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1"}}))
	}
	servetest.Publish(t, queue, msgs...)
	d := serveWith(t, reg, map[string]string{"KEYED_API_KEY": otherKey}, "--openaev-url", p.URL,
		"--token", serveToken, "--injector-id", injectorID, "--listen-addr", "", "--log-format", "json",
		"--injectors", "leaky", "--outbox", "none")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, id := range ids {
		if _, err := p.WaitTerminal(ctx, id); err != nil {
			t.Fatalf("%s: no terminal callback: %v\n%s", id, err, d.stderr)
		}
	}
	waitUntil(t, "every callback delivered", func() bool {
		return len(jsonLogs(d.stderr.String(), "terminal callback delivered")) == len(ids)
	})
	if code := d.Stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	got := d.stderr.String()
	if !strings.Contains(got, "[REDACTED]") || !strings.Contains(got, "bytes cut") {
		t.Errorf("no line redacted, or no message cut:\n%s", got)
	}
	checkNoSecrets(t, got)
}
