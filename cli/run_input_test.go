package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A bare number is seconds wherever a duration is written: the inject
// file, a flag, the environment, the config file.
func TestRunDurationsAreSeconds(t *testing.T) {
	reg := withExecutor("deadline", func(ctx context.Context, _ *framework.Inject) framework.ToolOutput {
		d, _ := ctx.Deadline()
		return framework.ToolOutput{ExtraSignatures: map[string]any{"deadline_s": math.Ceil(time.Until(d).Seconds())}}
	})
	injectFile := func(timeout string) string {
		return writeFile(t, "inject.json", `{"injector":"deadline","targets":[{"value":"127.0.0.1"}],"timeout":`+timeout+`}`)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want float64
	}{
		{"--timeout 300", nil, []string{"deadline", "--target", "127.0.0.1", "--timeout", "300"}, 300},
		{"--timeout 1.5m", nil, []string{"deadline", "--target", "127.0.0.1", "--timeout", "1.5m"}, 90},
		{"environment", map[string]string{"INJECTKIT_TIMEOUT": "45"}, []string{"deadline", "--target", "127.0.0.1"}, 45},
		{"config file", nil, []string{"deadline", "--target", "127.0.0.1", "--config", writeFile(t, "c.yaml", "timeout: 120\n")}, 120},
		{"inject file number", nil, []string{"--inject-file", injectFile("300")}, 300},
		{"inject file string", nil, []string{"--inject-file", injectFile(`"90"`)}, 90},
		{"inject file fraction", nil, []string{"--inject-file", injectFile("2.5")}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, tt.env, append([]string{"run", "--log-level", "error"}, tt.args...)...)
			body := printedBody(t, r, 0)
			// The deadline is a little less than the timeout when read.
			if got := bodyValues(t, body, 0)["deadline_s"]; got != tt.want {
				t.Errorf("deadline in %v s, want %v", got, tt.want)
			}
		})
	}
}

// --phase is the documented phase unless --phase-any.
func TestRunPhase(t *testing.T) {
	fileTypo := writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"127.0.0.1"}],"phase":"custom_phase"}`)
	tests := []refusal{
		{"default", nil, nil, "execution_complete"},
		{"the documented phase", nil, []string{"--phase", "execution_complete"}, "execution_complete"},
		{"any phase", nil, []string{"--phase", "my_phase", "--phase-any"}, "my_phase"},
		{"any phase from the environment", map[string]string{"INJECTKIT_PHASE_ANY": "true", "INJECTKIT_PHASE": "env_phase"}, nil, "env_phase"},
		{"the inject file's phase", nil, []string{"--inject-file", fileTypo, "--phase-any"}, "custom_phase"},
		{"a flag over the inject file's", nil, []string{"--inject-file", fileTypo, "--phase", "execution_complete"}, "execution_complete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"run", "noop", "--target", "127.0.0.1", "--log-level", "error"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &body); err != nil || body["phase"] != tt.want {
				t.Errorf("phase %v (%v), want %s", body["phase"], err, tt.want)
			}
		})
	}
}

// A backend URL without a token logs a WARN line.
func TestRunWarnsOfAMissingToken(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	const warn = "WARN\tno token: requests to the backend carry no Authorization header (set INJECTKIT_TOKEN, the config file's token or --token)"
	tests := []struct {
		name string
		args []string
		warn bool
	}{
		{"backend without token", []string{"--backend-url", be.URL}, true},
		{"openaev backend without token", []string{"--backend-url", be.URL, "--profile", "openaev", "--openaev-version", "3.260821.0"}, true},
		{"backend with token", []string{"--backend-url", be.URL, "--token", "t"}, false},
		{"backend with a blank token", []string{"--backend-url", be.URL, "--token", "   "}, true},
		{"backend URL with credentials (Basic)", []string{"--backend-url", strings.Replace(be.URL, "://", "://user:pw@", 1)}, false},
		{"no backend", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(be.got())
			r := run(t, registry(), nil, append([]string{"run", "noop", "--inject-id", "tok-1", "--target", "127.0.0.1", "--log-level", "warn"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if got := strings.Contains(r.stderr, warn); got != tt.warn {
				t.Errorf("warned %v, want %v:\n%s", got, tt.warn, r.stderr)
			}
			for _, req := range be.got()[before:] {
				if h := req.Header.Get("Authorization"); tt.warn && h != "" {
					t.Errorf("Authorization %q sent without a token", h)
				}
			}
		})
	}
}

// The injector the command line names wins over the inject file's, with a
// WARN line naming both; the same one in both says nothing.
func TestInjectFileInjectorOverridden(t *testing.T) {
	for _, tt := range []struct{ file, warn string }{
		{"nmap", `"file_injector": "nmap", "injector": "noop"`},
		{"noop", ""},
	} {
		f := writeFile(t, "inject.json", `{"injector":"`+tt.file+`","targets":[{"value":"127.0.0.1"}]}`)
		r := run(t, registry(), nil, "run", "noop", "--inject-file", f, "--log-level", "warn")
		if r.code != 0 {
			t.Fatalf("file %s: exit %d: %s", tt.file, r.code, r.stderr)
		}
		if got := strings.Contains(r.stderr, "the inject file names another injector"); got != (tt.warn != "") || !strings.Contains(r.stderr, tt.warn) {
			t.Errorf("file %s: stderr %q, want the warning %v", tt.file, r.stderr, tt.warn != "")
		}
	}
}

// CONTAINER_IP, the source_ipv4 of the signatures, is checked before
// anything runs: a value that is not an IPv4 address is refused naming the
// variable and the value (it was skipped, and another address put in every
// signature); a valid one is the source_ipv4.
func TestRunContainerIP(t *testing.T) {
	for _, v := range []string{"bogus", "10.0.0.300", "::1", "::ffff:10.0.0.1", "10.0.0.1/24"} {
		for _, cmd := range []string{"run", "validate"} {
			r := run(t, registry(), map[string]string{"CONTAINER_IP": v}, cmd, "noop", "--target", "127.0.0.1", "-o", "json")
			want := fmt.Sprintf("invalid CONTAINER_IP %q: not an IPv4 address", v)
			if r.code != 2 || !strings.Contains(r.stderr, want) || r.stdout != "" {
				t.Errorf("%s, CONTAINER_IP=%s: exit %d, stdout %q, stderr:\n%s\nwant 2, nothing printed and %q", cmd, v, r.code, r.stdout, r.stderr, want)
			}
		}
	}
	r := run(t, registry(), map[string]string{"CONTAINER_IP": "192.0.2.77"}, "run", "noop", "--target", "127.0.0.1", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"signature_type":"source_ipv4","signature_value":"192.0.2.77"`) {
		t.Errorf("CONTAINER_IP=192.0.2.77: exit %d, stdout %s, stderr %s; want it as the source_ipv4", r.code, r.stdout, r.stderr)
	}
}

// A noop run, shorter than a second, reaches the platform with an end
// time after its start time, in both profiles: collectors search the
// defences' logs over [start, end] (Splunk ES with an exclusive end), so
// an end equal to the start would be an empty window.
func TestRunSubSecondEndsAfterStart(t *testing.T) {
	tests := []struct {
		profile    string
		start, end string
		times      func(t *testing.T) (start, end any)
	}{
		{profile: "callback", start: "start_time", end: "end_time", times: func(t *testing.T) (any, any) {
			be := newBackend(t, http.StatusOK)
			r := run(t, registry(), nil, "run", "noop", "--inject-id", "inj-t", "--target", "127.0.0.1",
				"--backend-url", be.URL, "--token", "s3cret-token", "--log-level", "error")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			v := bodyValues(t, be.only(t).Body, 0)
			return v["start_time"], v["end_time"]
		}},
		{profile: "openaev", start: "start_date", end: "end_date", times: func(t *testing.T) (any, any) {
			// Only a target the platform knows (an asset) carries signatures.
			msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-t",
				"inject_injector_contract":{"injector_contract_id":"c5df9442-3be3-5c6d-8cf5-31a58dabebfb"},
				"inject_content":{"target_selector":"assets","target_property_selector":"local_ip",
				"expectations":[{"expectation_type":"DETECTION"}]}},
				"assets":[{"endpoint_id":"a1","endpoint_ips":["192.0.2.1"]}]}`)
			p := noopPlatform(t, "inj-t")
			r := run(t, registry(), map[string]string{"INJECTKIT_TOKEN": platformToken}, "run", "noop",
				"--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error")
			calls := p.Calls("inj-t")
			if r.code != 0 || len(calls) == 0 || calls[len(calls)-1].Kind != "complete" {
				t.Fatalf("exit %d, calls %s: %s", r.code, callKinds(calls), r.stderr)
			}
			var doc struct {
				Sigs signatures.Payload `json:"expectation_signatures"`
			}
			if err := json.Unmarshal([]byte(calls[len(calls)-1].Body["execution_output_structured"].(string)), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Sigs.Targets) != 1 || len(doc.Sigs.Targets[0].SignatureValues) == 0 {
				t.Fatalf("signatures %+v in %v", doc.Sigs, calls[len(calls)-1].Body)
			}
			v := map[string]any{}
			for _, x := range doc.Sigs.Targets[0].SignatureValues[0].Values {
				v[x.SignatureType] = x.SignatureValue
			}
			return v["start_date"], v["end_date"]
		}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			before := time.Now().UTC()
			rawStart, rawEnd := tt.times(t)
			after := time.Now().UTC()
			start, errS := time.Parse(signatures.TimeFormat, str(rawStart))
			end, errE := time.Parse(signatures.TimeFormat, str(rawEnd))
			if errS != nil || errE != nil {
				t.Fatalf("%s %v, %s %v: want both in %s", tt.start, rawStart, tt.end, rawEnd, signatures.TimeFormat)
			}
			if !end.After(start) {
				t.Errorf("%s %s, %s %s: want the end after the start (a run of %s)", tt.start, rawStart, tt.end, rawEnd, after.Sub(before))
			}
			// The window holds the run and no more than the whole seconds
			// around it.
			if lo, hi := before.Truncate(time.Second), after.Truncate(time.Second).Add(time.Second); start.Before(lo) || end.After(hi) {
				t.Errorf("window [%s, %s] outside [%s, %s]", rawStart, rawEnd, lo.Format(signatures.TimeFormat), hi.Format(signatures.TimeFormat))
			}
		})
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// A duration that rounds to 0s is refused (exit 2, nothing sent) naming
// the setting, where it was given and the value, with advice that holds
// for that setting: "write 0 for none" only where 0 is taken (noop's
// delay, outbox_lock_timeout); where 0 is refused (timeout,
// shutdown_timeout, an inject file's timeout), how to get the default.
func TestDurationRoundingToZeroAdvice(t *testing.T) {
	conf := writeFile(t, "to.yaml", "timeout: 1e-10\n")
	inject := writeFile(t, "inject.json", `{"timeout": 1e-10}`)
	const rounds = "rounds to 0s: the shortest duration is 1ns"
	const none, leave = " (write 0 for none)", " (leave the setting out for the default)"
	uuid := "00000000-0000-4000-8000-000000000000"
	tests := []refusal{
		{"run --timeout", nil, []string{"run", "noop", "--timeout", "1e-10"}, `invalid timeout "1e-10" (--timeout): ` + rounds + leave},
		{"validate --timeout", nil, []string{"validate", "noop", "--timeout", "1e-10"}, `invalid timeout "1e-10" (--timeout): ` + rounds + leave},
		{"env timeout", map[string]string{"INJECTKIT_TIMEOUT": "0.1ns"}, []string{"run", "noop"},
			`invalid timeout "0.1ns" (env INJECTKIT_TIMEOUT): ` + rounds + leave},
		{"config file timeout", nil, []string{"run", "noop", "--config", conf}, `invalid timeout "1e-10" (config file ` + conf + `:1): ` + rounds + leave},
		{"inject file timeout", nil, []string{"run", "noop", "--inject-file", inject},
			`inject file ` + inject + `:1:13: invalid timeout "1e-10": ` + rounds + " (leave the field out for the default)"},
		{"serve --shutdown-timeout", nil, []string{"serve", "--shutdown-timeout", "1e-10", "--token", "tok", "--injector-id", uuid, "--listen-addr", ""},
			`invalid shutdown_timeout "1e-10" (--shutdown-timeout): ` + rounds + leave},
		{"noop's delay", nil, []string{"run", "noop", "--param", "delay=1e-10"}, `invalid param "delay=1e-10" (--param): ` + rounds + none},
		{"outbox_lock_timeout", map[string]string{"INJECTKIT_OUTBOX_LOCK_TIMEOUT": "1e-10"}, []string{"run", "noop"},
			`invalid outbox_lock_timeout "1e-10" (env INJECTKIT_OUTBOX_LOCK_TIMEOUT): ` + rounds + none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := transporttest.NewBackend(t)
			args := append([]string{}, tt.args...)
			switch args[0] {
			case "serve":
				args = append(args, "--openaev-url", backend.URL)
			default:
				args = append(args, "--target", "127.0.0.1", "--backend-url", backend.URL, "--token", "tok", "--inject-id", "inj-1", "--outbox", "none")
			}
			r := run(t, registry(), tt.env, append(args, "--log-level", "error")...)
			checkRefused(t, r, tt.want)
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
}
