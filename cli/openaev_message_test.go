package cli_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// contractMessage writes a platform message of the contract given, over
// two assets.
func contractMessage(t *testing.T, contract string) string {
	t.Helper()
	return writeFile(t, "m.json", `{"injection":{"inject_id":"inj-c","inject_injector_contract":{"injector_contract_id":"`+contract+
		`"},"inject_content":{"target_selector":"assets"}},"assets":[`+
		`{"asset_id":"a1","asset_name":"one","asset_ips":["192.0.2.1"]},{"asset_id":"a2","asset_name":"two","asset_ips":["192.0.2.2"]}]}`)
}

// oneAssetMessage writes a platform message of inject id and the contract
// given, over one asset (192.0.2.1).
func oneAssetMessage(t *testing.T, id, contract string) string {
	t.Helper()
	return writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+contract+
		`"},"inject_content":{"target_selector":"assets"}},"assets":[`+
		`{"asset_id":"a1","asset_name":"one","asset_ips":["192.0.2.1"]}]}`)
}

// assetsInjectFile writes a noop inject file of inject id over n targets,
// 10.0.0.1 onwards, each the platform's asset asset-0 onwards.
func assetsInjectFile(t *testing.T, id string, n int) string {
	t.Helper()
	targets := make([]string, n)
	for i := range targets {
		targets[i] = fmt.Sprintf(`{"value":"10.0.0.%d","asset":"asset-%d"}`, i+1, i)
	}
	return writeFile(t, "inject.json", `{"injector":"noop","inject_id":"`+id+`","targets":[`+strings.Join(targets, ",")+`]}`)
}

// A platform message runs only with the injector its contract names: one
// named on the command line that is not the message's is refused with
// exit 2 before anything runs, is sent or is stored (an nmap run over a
// noop inject's assets would scan them), the message naming the contract,
// its injector when known, and the command to run instead.
func TestRunOpenAEVMessageOtherInjectorRefused(t *testing.T) {
	scanner := &frameworktest.Executor{Category: framework.Network}
	reg := withFake("scanner", scanner)
	unknown := "00000000-0000-4000-8000-000000000000"
	tests := []struct {
		name, injector, contract string
		code                     int
		want                     []string // in stderr
		runs                     bool     // scanner ran
	}{
		{"noop's message, scanner named", "scanner", openaev.ContractID("noop"), cli.ExitUsage,
			[]string{openaev.ContractID("noop") + " (noop), not scanner's", `run "injectkit run noop --openaev-message `, "or omit the injector name"}, false},
		{"unknown contract, scanner named", "scanner", unknown, cli.ExitUsage,
			[]string{unknown + ", not scanner's", "no injector of injectkit has that contract"}, false},
		{"scanner's message, scanner named", "scanner", openaev.ContractID("scanner"), cli.ExitOK, nil, true},
		{"scanner's message, no injector named", "", openaev.ContractID("scanner"), cli.ExitOK, nil, true},
		{"noop's message, noop named", "noop", openaev.ContractID("noop"), cli.ExitOK, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(scanner.Calls())
			backend := transporttest.NewBackend(t)
			ob := filepath.Join(t.TempDir(), "outbox.db")
			msg := contractMessage(t, tt.contract)
			args := []string{"run"}
			if tt.injector != "" {
				args = append(args, tt.injector)
			}
			args = append(args, "--openaev-message", msg, "--log-level", "error")
			if tt.code != cli.ExitOK {
				args = append(args, "--backend-url", backend.URL, "--token", "tok", "--outbox", ob)
			}
			r := run(t, reg, nil, args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, tt.want, nil)
			if ran := len(scanner.Calls()) > before; ran != tt.runs {
				t.Errorf("scanner ran: %v, want %v", ran, tt.runs)
			}
			if tt.code == cli.ExitOK {
				return
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the platform: %+v", n, backend.Requests())
			}
			noOutboxFile(t, ob)
		})
	}
}

// --openaev-message reports with the platform's own calls: a profile set
// to anything else is refused (exit 2, naming it and where it was set), as
// the inject's own fields are; --profile openaev is accepted.
func TestRunOpenAEVMessageProfile(t *testing.T) {
	msg := contractMessage(t, openaev.ContractID("noop"))
	cfg := writeFile(t, "c.yaml", "profile: callback\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"--profile callback", []string{"--profile", "callback"}, cli.ExitUsage,
			`invalid profile "callback" (--profile): --openaev-message runs with the openaev profile, the platform's own calls; drop --profile`},
		{"profile callback in the config file", []string{"--config", cfg}, cli.ExitUsage, `invalid profile "callback" (config file ` + cfg + `:1)`},
		{"--profile openaev", []string{"--profile", "openaev"}, cli.ExitOK, ""},
		{"no profile", nil, cli.ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, append([]string{"run", "noop", "--openaev-message", msg, "--log-level", "error"}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d saying %q", r.code, r.stderr, tt.code, tt.want)
			}
			if tt.code != cli.ExitOK {
				if lines := printedLines(t, r.stdout); len(lines) != 0 {
					t.Errorf("printed %d requests, want none", len(lines))
				}
				return
			}
			lines := printedLines(t, r.stdout)
			if len(lines) == 0 || lines[0].Path != "/api/injects/execution/reception/inj-c" {
				t.Errorf("printed %s, want the openaev profile's calls", r.stdout)
			}
		})
	}
}

// --timeout is the deadline of a platform message's inject too, wherever
// it is set: past it the injector is cancelled, the terminal callback says
// TIMEOUT and run exits 3 (the message's noop would run for 5 s, SUCCESS).
func TestRunOpenAEVMessageTimeout(t *testing.T) {
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-t","inject_injector_contract":{"injector_contract_id":"`+openaev.ContractID("noop")+
		`"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1","delay":"5s"}},"assets":[]}`)
	cfg := writeFile(t, "c.yaml", "timeout: 20ms\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"--timeout", nil, []string{"--timeout", "20ms"}},
		{"INJECTKIT_TIMEOUT", map[string]string{"INJECTKIT_TIMEOUT": "0.02"}, nil},
		{"timeout in the config file", nil, []string{"--config", cfg}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"run", "--openaev-message", msg, "--log-level", "error"}, tt.args...)...)
			if r.code != cli.ExitFailed {
				t.Fatalf("exit %d, want %d: %s", r.code, cli.ExitFailed, r.stderr)
			}
			lines := printedLines(t, r.stdout)
			if len(lines) == 0 {
				t.Fatal("printed no request")
			}
			last := lines[len(lines)-1]
			if last.Body["execution_action"] != "complete" || last.Body["execution_status"] != openaev.StatusTimeout {
				t.Errorf("terminal callback %v, want a complete with status %s", last.Body, openaev.StatusTimeout)
			}
		})
	}
}

// A platform message saved with a byte order mark (an editor on Windows)
// runs as the same message without one, as the config, inject and
// targets files do.
func TestRunOpenAEVMessageByteOrderMark(t *testing.T) {
	plain := contractMessage(t, openaev.ContractID("noop"))
	b, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	bom := writeFile(t, "bom.json", "\ufeff"+string(b))
	paths := func(msg string) []string {
		t.Helper()
		r := run(t, registry(), nil, "run", "--openaev-message", msg, "--log-level", "error")
		if r.code != cli.ExitOK {
			t.Fatalf("%s: exit %d: %s", filepath.Base(msg), r.code, r.stderr)
		}
		var out []string
		for _, l := range printedLines(t, r.stdout) {
			out = append(out, l.Path)
		}
		return out
	}
	want, got := paths(plain), paths(bom)
	if len(got) == 0 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("with a byte order mark: %v, want the calls of the same message without one: %v", got, want)
	}
}

// A field of the inject given beside --openaev-message, whose message
// gives the inject, is refused (exit 2, nothing sent or stored) naming it
// as the user gave it: the flag, the environment variable or the config
// file's line, its value (a URL masked, a target that reads as none not
// shown), and how to drop it there; never a flag the user did not give.
func TestRunOpenAEVMessageConflictNamesItsSource(t *testing.T) {
	msg := contractMessage(t, openaev.ContractID("noop"))
	targets := writeFile(t, "hosts.txt", "10.9.9.9\n")
	inject := writeFile(t, "inject.json", `{"injector":"noop"}`)
	conf := writeFile(t, "tm.yaml", "log_level: error\ntarget: [10.9.9.9]\n")
	msgConf := writeFile(t, "m.yaml", "openaev_message: "+msg+"\nprofile: callback\n")
	const takes = ": --openaev-message takes the inject from the message; "
	tests := []refusal{
		{"--target", nil, []string{"--target", "10.9.9.9"}, `invalid target "10.9.9.9" (--target)` + takes + "drop --target"},
		{"env target", map[string]string{"INJECTKIT_TARGET": "10.9.9.9"}, nil,
			`invalid target "10.9.9.9" (env INJECTKIT_TARGET)` + takes + "unset INJECTKIT_TARGET"},
		{"env target not shown", map[string]string{"INJECTKIT_TARGET": "TOKEN=S3cr3t"}, nil,
			`invalid target (not shown) (env INJECTKIT_TARGET)` + takes + "unset INJECTKIT_TARGET"},
		{"config file target", nil, []string{"--config", conf},
			`invalid target "10.9.9.9" (config file ` + conf + `:2)` + takes + "remove it from config file " + conf + ":2"},
		{"env inject id", map[string]string{"INJECTKIT_INJECT_ID": "inj-9"}, nil,
			`invalid inject_id "inj-9" (env INJECTKIT_INJECT_ID)` + takes + "unset INJECTKIT_INJECT_ID"},
		{"env expectation", map[string]string{"INJECTKIT_EXPECTATION": "PREVENTION"}, nil,
			`invalid expectation "PREVENTION" (env INJECTKIT_EXPECTATION)` + takes + "unset INJECTKIT_EXPECTATION"},
		{"env param with a URL", map[string]string{"INJECTKIT_PARAM": "url=http://u:S3cr3t@h/"}, nil,
			`invalid param "url=http://REDACTED@h/" (env INJECTKIT_PARAM)` + takes + "unset INJECTKIT_PARAM"},
		{"env inject file", map[string]string{"INJECTKIT_INJECT_FILE": inject}, nil,
			`invalid inject_file "` + inject + `" (env INJECTKIT_INJECT_FILE)` + takes + "unset INJECTKIT_INJECT_FILE"},
		{"env query", map[string]string{"INJECTKIT_QUERY": "port:22"}, nil,
			`invalid query "port:22" (env INJECTKIT_QUERY)` + takes + "unset INJECTKIT_QUERY"},
		{"env cloud region", map[string]string{"INJECTKIT_CLOUD_REGION": "eu-west-1"}, nil,
			`invalid cloud_region "eu-west-1" (env INJECTKIT_CLOUD_REGION)` + takes + "unset INJECTKIT_CLOUD_REGION"},
		{"env targets file", map[string]string{"INJECTKIT_TARGETS_FILE": targets}, nil,
			`invalid targets_file "` + targets + `" (env INJECTKIT_TARGETS_FILE)` + takes + "unset INJECTKIT_TARGETS_FILE"},
		{"message and profile in the config file", nil, []string{"--config", msgConf},
			`invalid profile "callback" (config file ` + msgConf + `:2): openaev_message (config file ` + msgConf +
				`:1) runs with the openaev profile, the platform's own calls; remove it from config file ` + msgConf + ":2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := transporttest.NewBackend(t)
			ob := filepath.Join(t.TempDir(), "outbox.db")
			args := []string{"run", "--backend-url", backend.URL, "--token", "tok", "--outbox", ob, "--log-level", "error"}
			if !strings.Contains(tt.name, "message and profile") {
				args = append(args, "--openaev-message", msg)
			}
			r := run(t, registry(), tt.env, append(args, tt.args...)...)
			checkRefused(t, r, tt.want)
			if strings.Contains(r.stderr, "S3cr3t") {
				t.Errorf("stderr shows the secret:\n%s", r.stderr)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the platform: %+v", n, backend.Requests())
			}
			noOutboxFile(t, ob)
		})
	}
}

// TestRunOpenAEVMessageMaxTargets checks that --max-targets bounds the
// targets a platform message gives, as serve's max_targets does (t50: a
// message of 1.5 million manual targets peaked at 1.08 GB): past it the
// run exits 2 naming the count and the limit, nothing ran; at it the
// inject runs. serve has the setting too.
func TestRunOpenAEVMessageMaxTargets(t *testing.T) {
	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-max","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"manual","targets":"192.0.2.1,192.0.2.2,192.0.2.3"}}}`)
	tests := []struct {
		name, max string
		code      int
		want      string
	}{
		{"past the limit", "2", cli.ExitUsage, "invalid inject_content.targets: 3 targets, more than max_targets (2)"},
		{"at the limit", "3", cli.ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, "run", "--openaev-message", msg, "--max-targets", tt.max, "--outbox", "none", "--log-level", "error")
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
	if h := run(t, registry(), nil, "serve", "--help"); !strings.Contains(h.stdout, "--max-targets value") {
		t.Errorf("serve --help has no --max-targets:\n%s", h.stdout)
	}
}

// A platform message over an asset group whose members the platform fails
// to list after every attempt (a 5xx) is no invalid message: `run` exits
// 1, saying the platform failed, with a hint to run it again; nothing runs
// and the platform is told nothing (no reception, no ERROR: the inject
// stays as it was). A listing refused for good (403) is still the
// inject's: reception, terminal ERROR, exit 2.
func TestRunOpenAEVMessageAssetGroupPlatformFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		code   int
		want   []string // in stderr
		told   string   // the terminal status the platform got, "" for none
	}{
		{http.StatusInternalServerError, cli.ExitDelivery, []string{
			fmt.Sprintf("injectkit: inject inj-g not run: the platform failed to list its targets: asset group Servers: endpoint targets failed after %d attempts: status 500",
				openaev.DefaultAttempts),
			"injectkit: hint: the platform failed to list an asset group's members, so the inject did not run and nothing was sent or stored; run it again once the platform answers",
		}, ""},
		{http.StatusForbidden, cli.ExitUsage, []string{"injectkit: invalid message for inject inj-g: asset group Servers: endpoint targets rejected: status 403"}, "ERROR"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			const id = "inj-g"
			var ran atomic.Bool
			reg := flagging("watched", &ran)
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, reg)
			p.AddInject(id, openaev.ContractID("watched"))
			p.SetAssetGroup("g", map[string]any{"asset_id": "a1", "asset_name": "one", "asset_ips": []string{"192.0.2.1"}})
			p.FailTargets(tt.status, openaev.DefaultAttempts)
			before := p.InjectStatus(id)
			msg := writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
				openaev.ContractID("watched")+`"},"inject_content":{"target_selector":"asset-groups"}},`+
				`"assetGroups":[{"asset_group_id":"g","asset_group_name":"Servers"}]}`)
			env, _ := outboxEnv(t)
			r := run(t, reg, env, "run", "--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error")
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, tt.want, nil)
			if ran.Load() {
				t.Error("the injector ran without its targets")
			}
			c, sent := p.Terminal(id)
			if tt.told == "" {
				if strings.Contains(r.stderr, "invalid message") {
					t.Errorf("a platform failure reported as an invalid message:\n%s", r.stderr)
				}
				if calls := p.Calls(id); len(calls) != 0 || p.InjectStatus(id) != before {
					t.Errorf("the platform was told %v (inject %s, was %s): want nothing", calls, p.InjectStatus(id), before)
				}
				wantOutboxEmpty(t, reg, env, "(nothing ran)")
				return
			}
			if !sent || c.Body["execution_status"] != tt.told {
				t.Errorf("terminal %v, want %s", c.Body, tt.told)
			}
		})
	}
}
