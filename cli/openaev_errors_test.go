package cli_test

import (
	"net"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

func TestRunOpenAEVErrors(t *testing.T) {
	hostile := writeFile(t, "hostile.json", `{"injection":{"inject_id":"inj-h","inject_content":{"target_selector":"manual","targets":"-oN/tmp/x"}}}`)
	broken := writeFile(t, "broken.json", `{"injection":`)
	// Not JSON, but naming its inject: bad input all the same, the
	// platform told nothing (serve tells it: no one else would hear).
	trailing := writeFile(t, "trailing.json", `{"injection":{"inject_id":"inj-t"}} garbage`)
	truncated := writeFile(t, "truncated.json", `{"injection":{"inject_id":"inj-t",`)
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  string
		printed int // requests printed to stdout
	}{
		{"unknown profile", []string{"run", "noop", "--profile", "amqp", "--target", "127.0.0.1"}, 2, `invalid profile "amqp"`, 0},
		{"message without injector or contract: reception and INVALID_USAGE", []string{"run", "--openaev-message", hostile}, 2,
			"injector_contract_id: required", 2},
		{"message with targets", []string{"run", "noop", "--openaev-message", hostile, "--target", "127.0.0.1"}, 2, "drop --target", 0},
		{"missing message file", []string{"run", "noop", "--openaev-message", "/nonexistent/m.json"}, 2, "invalid openaev_message \"/nonexistent/m.json\"", 0},
		{"malformed message: nothing sent", []string{"run", "noop", "--openaev-message", broken}, 2, "malformed message", 0},
		{"trailing bytes after a message naming its inject: nothing sent", []string{"run", "noop", "--openaev-message", trailing}, 2,
			"trailing.json:1:37: invalid message for inject inj-t: malformed message: not valid JSON: invalid character 'g' after top-level value\n", 0},
		{"message naming its inject cut short: nothing sent", []string{"run", "noop", "--openaev-message", truncated}, 2,
			"truncated.json:1:35: invalid message for inject inj-t: malformed message: not valid JSON: unexpected end of JSON input\n", 0},
		{"hostile manual target: reception and INVALID_USAGE", []string{"run", "noop", "--openaev-message", hostile}, 2, `"-oN/tmp/x"`, 2},
		{"hostile flag target: reception and INVALID_USAGE", []string{"run", "noop", "--profile", "openaev", "--target", "-oN/tmp/x"}, 2, `"-oN/tmp/x"`, 2},
		{"openaev max payload size under 1 KiB", []string{"run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--max-payload-size", "512"},
			2, `invalid max_payload_size "512" (--max-payload-size): must be between 1024 (1 KiB) and 67108864 (64 MiB)`, 0},
		{"openaev max payload size over 64 MiB", []string{"run", "noop", "--openaev-message", hostile, "--max-payload-size", "67108865"},
			2, `invalid max_payload_size "67108865"`, 0},
		{"max payload size not a number", []string{"run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--max-payload-size", "abc"},
			2, `invalid max_payload_size "abc"`, 0},
		{"negative max payload size", []string{"run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--max-payload-size=-5"},
			2, `invalid max_payload_size "-5"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, append(tt.args, "--log-level", "error")...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q does not mention %q", r.stderr, tt.stderr)
			}
			lines := printedLines(t, r.stdout)
			if len(lines) != tt.printed {
				t.Fatalf("printed %d requests, want %d: %s", len(lines), tt.printed, r.stdout)
			}
			if tt.printed > 0 && lines[len(lines)-1].Body["execution_status"] != "INVALID_USAGE" {
				t.Errorf("last printed %v", lines[len(lines)-1].Body)
			}
		})
	}
}

// An inject the platform holds without a status (a scenario's inject not
// dispatched yet, or a simulation reset since) is refused at the
// reception with a 404 too (2.4.0, InjectApi.java:374), while its GET
// answers inject_status null: the error and the hint say so, not that
// the platform does not know the inject; nothing runs.
func TestRunOpenAEVStatuslessInject(t *testing.T) {
	p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithVersion(openaevtest.Version24))
	p.AddInject("i-reset", openaev.ContractID("noop"))
	p.ResetInject("i-reset")
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "i-reset", "--target", "127.0.0.1",
		"--backend-url", p.URL, "--token", platformToken, "--outbox", "none", "--log-level", "error")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, ": the inject exists on the platform without a status (GET /api/injects/{id} answers it with inject_status null)") ||
		!strings.Contains(r.stderr, "hint: the inject exists on the platform but has no status") ||
		strings.Contains(r.stderr, "an inject it does not know") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if _, sent := p.Terminal("i-reset"); sent {
		t.Error("a terminal callback was sent")
	}
}

// A --max-payload-size over what the platform's broker takes by default
// is accepted, with one WARN saying the broker drops larger callbacks
// unless its max_message_size is raised.
func TestRunOpenAEVMaxPayloadSizeOverTheBroker(t *testing.T) {
	tests := []struct {
		size string
		warn int
	}{
		{"16776704", 0},
		{"16776705", 1},
		{"67108864", 1},
	}
	for _, tt := range tests {
		t.Run(tt.size, func(t *testing.T) {
			p := noopPlatform(t, "inj-big")
			r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "inj-big",
				"--target", "127.0.0.1", "--backend-url", p.URL, "--token", platformToken, "--max-payload-size", tt.size)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if n := strings.Count(r.stderr, "drops a callback larger than its max_message_size"); n != tt.warn {
				t.Errorf("%d WARN lines on the broker's max_message_size, want %d: %s", n, tt.warn, r.stderr)
			}
			if done, ok := p.Terminal("inj-big"); !ok || !done.Processed() {
				t.Errorf("terminal callback %v", done)
			}
		})
	}
}

// A platform that refuses every connection (a closed loopback port) costs
// the run one retry budget: the version read retries, then the inject's
// status and the reception are tried once each, one WARN line saying
// why, and the run ends not received (exit 1) as before.
func TestRunOpenAEVUnreachableRetriesOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--inject-id", "inj-down", "--target", "127.0.0.1",
		"--backend-url", closed, "--token", platformToken, "--outbox", "none")
	retried := strings.Count(r.stderr, "request failed, retrying")
	said := strings.Count(r.stderr, "the platform is unreachable: the requests that follow are sent once each")
	if r.code != cli.ExitDelivery || retried != openaev.DefaultAttempts-1 || said != 1 ||
		!strings.Contains(r.stderr, "inject status failed after 1 attempt") || !strings.Contains(r.stderr, "reception failed after 1 attempt") {
		t.Errorf("exit %d, %d retries, said unreachable %d times; want %d, %d retries (the version's), said once; stderr:\n%s",
			r.code, retried, said, cli.ExitDelivery, openaev.DefaultAttempts-1, r.stderr)
	}
}
