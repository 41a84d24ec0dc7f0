package cli_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// t83: an inject refused (bad input) whose rejection callback the platform
// did not take still exits 2, and its one line is the refusal as it reads
// when that callback is delivered (the field and the value), then what
// became of the callback: stored in the outbox for `outbox flush`, in its
// dead list, or, with --outbox none, why it failed. It said "delivery
// failed; 1 signature body stored in outbox …", exit 1, of a body that
// carries no signatures, and the field only in the WARN line before.
func TestRunOpenAEVRejectionNotDelivered(t *testing.T) {
	t.Parallel()
	const id = "inj-m3"
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"manual","targets":"-oN/tmp/x"}}}`)
	const value = `"-oN/tmp/x"`
	tests := []struct {
		name   string
		args   []string
		status int    // of every attempt of the complete
		none   bool   // --outbox none
		names  string // what the refusal names
		kept   string // what follows the refusal; BOX the outbox
	}{
		{"message, platform down", []string{"run", "--openaev-message", msg}, http.StatusServiceUnavailable, false, value,
			"; delivery failed; its rejection callback stored in outbox BOX (flush with: injectkit outbox flush "},
		{"flags, platform down", []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "-oN/tmp/x"},
			http.StatusServiceUnavailable, false, value,
			"; delivery failed; its rejection callback stored in outbox BOX (flush with: injectkit outbox flush "},
		{"message, callback refused", []string{"run", "--openaev-message", msg}, http.StatusBadRequest, false, value,
			"; delivery failed; its rejection callback rejected by the backend (status 400: " + `"{\"message\":\"scripted failure\"}"` + "), kept in the dead list of outbox BOX (see: injectkit outbox list"},
		{"message, no outbox", []string{"run", "--openaev-message", msg}, http.StatusServiceUnavailable, true, value,
			"; its rejection callback was not delivered: inject " + id + ": terminal callback (complete): complete failed after 4 attempts: status 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, box := outboxEnv(t)
			if tt.none {
				env["INJECTKIT_OUTBOX"] = "none"
			}
			refusal := func(url string) (code int, line, stderr string) {
				r := run(t, registry(), env, append(tt.args, "--backend-url", url, "--log-level", "error")...)
				for l := range strings.Lines(r.stderr) {
					if strings.HasPrefix(l, "injectkit: ") && !strings.HasPrefix(l, "injectkit: hint: ") {
						line = strings.TrimSuffix(strings.TrimPrefix(l, "injectkit: "), "\n")
					}
				}
				return r.code, line, r.stderr
			}
			// The refusal as it reads with its callback delivered.
			code, delivered, stderr := refusal(noopPlatform(t, id).URL)
			if code != 2 || !strings.Contains(delivered, tt.names) || strings.Contains(delivered, "at byte") {
				t.Fatalf("callback delivered: exit %d, want 2 naming the value; stderr:\n%s", code, stderr)
			}
			p := noopPlatform(t, id)
			p.FailComplete(id, tt.status, openaev.DefaultAttempts)
			code, line, stderr := refusal(p.URL)
			want := delivered + strings.ReplaceAll(tt.kept, "BOX", box)
			if code != 2 || !strings.HasPrefix(line, want) || strings.Contains(line, "at byte") || strings.Contains(stderr, "signature bod") {
				t.Fatalf("exit %d, line\n%s\nwant 2 and a line starting\n%s\nstderr:\n%s", code, line, want, stderr)
			}
			if tt.status != http.StatusServiceUnavailable || tt.none {
				return
			}
			// What was stored is the rejection: a flush delivers it.
			if f := run(t, registry(), env, "outbox", "flush", "--backend-url", p.URL, "--log-level", "error"); f.code != 0 {
				t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
			}
			if done, ok := p.Terminal(id); !ok || !done.Processed() || done.Body["execution_status"] != "INVALID_USAGE" {
				t.Errorf("terminal callback after the flush: present %v, %v", ok, done.Body)
			}
		})
	}
}

// An inject refused (bad input) whose reception the platform refused or
// never acknowledged, so that its rejection callback was not sent, exits
// 2 with its line naming the field and the value, then what the platform
// did, and the hint the same failure of a valid inject's reception gives:
// an inject the platform does not know (404), a platform that did not
// answer (503). The hint was lost, and a 503 said nothing of running
// the inject again once the platform answers.
func TestRunOpenAEVRejectionNotReceived(t *testing.T) {
	t.Parallel()
	const id = "inj-r1"
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"manual","targets":"-oN/tmp/x"}}}`)
	flags := []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "-oN/tmp/x"}
	const (
		unknown    = "the platform answers 404 for an inject it does not know"
		unanswered = "the platform did not acknowledge the reception, so the inject did not run and nothing was stored; run it again once the platform answers"
	)
	tests := []struct {
		name   string
		args   []string
		status int    // of every attempt of the reception
		what   string // what the line says the platform did
		hint   string
	}{
		{"flags, inject unknown", flags, http.StatusNotFound, "; its rejection callback was not delivered: inject " + id + ": the platform refused the reception: reception rejected: status 404", unknown},
		{"message, inject unknown", []string{"run", "--openaev-message", msg}, http.StatusNotFound,
			"; its rejection callback was not delivered: inject " + id + ": the platform refused the reception: reception rejected: status 404", unknown},
		{"flags, platform down", flags, http.StatusServiceUnavailable,
			"; its rejection callback was not delivered: inject " + id + " not run: reception failed after 4 attempts: status 503", unanswered},
		{"message, platform down", []string{"run", "--openaev-message", msg}, http.StatusServiceUnavailable,
			"; its rejection callback was not delivered: inject " + id + " not run: reception failed after 4 attempts: status 503", unanswered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, _ := outboxEnv(t)
			p := noopPlatform(t, id)
			p.FailReception(id, tt.status, openaev.DefaultAttempts)
			r := run(t, registry(), env, append(tt.args, "--backend-url", p.URL, "--log-level", "error")...)
			want := `invalid --target "-oN/tmp/x": not an address nor a CIDR range`
			if tt.args[1] == "--openaev-message" {
				want = `invalid message for inject ` + id + `: invalid inject_content.targets "-oN/tmp/x"`
			}
			if r.code != 2 || !strings.Contains(r.stderr, "injectkit: "+want) || !strings.Contains(r.stderr, tt.what) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2, a line naming %q and saying %q", r.code, r.stderr, want, tt.what)
			}
			if !strings.Contains(r.stderr, "injectkit: hint: "+tt.hint) {
				t.Errorf("stderr:\n%s\nwant the hint %q", r.stderr, tt.hint)
			}
		})
	}
}
