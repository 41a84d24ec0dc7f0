package cli_test

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// refusedBeforeRun runs `run probe` with args against a backend, with an
// outbox of its own, and checks that the run was refused before anything
// ran, was sent or was stored: exit 2, the injector never executed, no
// request to the backend, no outbox file. It returns stderr.
func refusedBeforeRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	return refusedBeforeRunOf(t, "", "error", env, args...)
}

// refusedBeforeRunOf is refusedBeforeRun with a probe of category cat
// (any target when empty), logging at level.
func refusedBeforeRunOf(t *testing.T, cat framework.Category, level string, env map[string]string, args ...string) string {
	t.Helper()
	probe := &frameworktest.Executor{Category: cat}
	reg := withFake("probe", probe)
	b := newBackend(t, http.StatusOK)
	path := filepath.Join(t.TempDir(), "outbox.db")
	r := run(t, reg, env, append([]string{"run", "probe", "--log-level", level, "--backend-url", b.URL,
		"--inject-id", "i-1", "--token", "t", "--outbox", path}, args...)...)
	if r.code != 2 {
		t.Errorf("exit %d, want 2; stderr:\n%s", r.code, r.stderr)
	}
	if n := len(probe.Calls()); n != 0 {
		t.Errorf("the injector ran %d times, want none", n)
	}
	nothingSentOrStored(t, b, path)
	return r.stderr
}

// nothingSentOrStored checks that the backend b got no request and that
// no outbox file was created at path.
func nothingSentOrStored(t *testing.T, b *backend, path string) {
	t.Helper()
	if n := len(b.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	noOutboxFile(t, path)
}

// noOutboxFile checks that no outbox file was created at path.
func noOutboxFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("outbox file %s: %v, want none created", path, err)
	}
}

// A blank target given with --target, in the environment or in the config
// file is refused, named where it was given, never dropped as if it had
// not been given; an empty environment variable is unset, as any other.
func TestBlankTargetRefused(t *testing.T) {
	list := writeFile(t, "list.yaml", "target:\n  - 127.0.0.1\n  - \"\"\n")
	tests := []refusal{
		{"flag alone", nil, []string{"--target", ""},
			`invalid --target "": must not be blank: give an address, a host name or a CIDR range`},
		{"flag beside another", nil, []string{"--target", "", "--target", "127.0.0.1"}, `invalid --target "": must not be blank`},
		{"flag, white space", nil, []string{"--target", " "}, `invalid --target " ": must not be blank`},
		{"env, empty item", map[string]string{"INJECTKIT_TARGET": "127.0.0.1,,127.0.0.2"}, nil,
			`invalid target "" (env INJECTKIT_TARGET): must not be blank: give an address, a host name or a CIDR range (item 2 of "127.0.0.1,,127.0.0.2")`},
		{"env, trailing comma", map[string]string{"INJECTKIT_TARGET": "127.0.0.1,"}, nil,
			`invalid target "" (env INJECTKIT_TARGET): must not be blank`},
		{"config file list item", nil, []string{"--config", list}, `invalid target "" (config file ` + list + `:3): must not be blank: give an address, a host name or a CIDR range (item 2 of ["127.0.0.1", ""])`},
		{"cloud region", nil, []string{"--cloud-provider", "aws", "--cloud-account", "1", "--cloud-region", "", "--cloud-region", "eu-west-1"},
			`invalid --cloud-region "": must not be blank`},
		{"target service", nil, []string{"--cloud-provider", "aws", "--cloud-account", "1", "--cloud-region", "eu-west-1", "--target-service", ""},
			`invalid --target-service "": must not be blank`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if stderr := refusedBeforeRun(t, tt.env, tt.args...); !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr:\n%s\nwant %q", stderr, tt.want)
			}
			r := run(t, registry(), tt.env, append([]string{"validate", "noop"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("validate: exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
	// An empty variable gives no target, as if unset: the targets of the
	// flags run.
	r := run(t, registry(), map[string]string{"INJECTKIT_TARGET": ""}, "run", "noop", "--target", "127.0.0.1", "--log-level", "error")
	if r.code != 0 {
		t.Errorf("empty INJECTKIT_TARGET: exit %d, stderr %s", r.code, r.stderr)
	}
	// A targets file's blank lines are skipped, as documented.
	hosts := writeFile(t, "hosts.txt", "127.0.0.1\n\n   \n# c\n")
	if r := run(t, registry(), nil, "run", "noop", "--targets-file", hosts, "--log-level", "error"); r.code != 0 {
		t.Errorf("targets file with blank lines: exit %d, stderr %s", r.code, r.stderr)
	}
}

// A target whose least signatures no body under --max-payload-size holds
// is refused before anything runs, is sent or is stored (no outbox file),
// named where it was written, its value cut short when long, with the
// size setting where it was given.
func TestTooLargeTargetRefusedBeforeRun(t *testing.T) {
	label := strings.Repeat("a", 63)
	long := label + "." + label + "." + label + ".example.com"
	hosts := writeFile(t, "hosts.txt", "# one\n127.0.0.1\n")
	tests := []refusal{
		{"flag", nil, []string{"--target", "127.0.0.1", "--max-payload-size", "300"},
			`invalid --target "127.0.0.1": its signatures fit in no body of at most 300 bytes (--max-payload-size); this inject needs at least N bytes: give --max-payload-size `},
		{"long value", nil, []string{"--target", long, "--max-payload-size", "400"},
			`invalid --target "` + long[:100]},
		{"env", map[string]string{"INJECTKIT_TARGET": "127.0.0.1", "INJECTKIT_MAX_PAYLOAD_SIZE": "300"}, nil,
			`invalid target "127.0.0.1" (env INJECTKIT_TARGET): its signatures fit in no body of at most 300 bytes (max_payload_size, env INJECTKIT_MAX_PAYLOAD_SIZE); this inject needs at least N bytes`},
		{"targets file", nil, []string{"--targets-file", hosts, "--max-payload-size", "300"}, hosts + `:2: invalid target "127.0.0.1": its signatures fit in no body of at most`},
		{"second of two", nil, []string{"--target", "10.0.0.1", "--target", long, "--max-payload-size", "600"}, `invalid --target #2 "` + long[:100]},
		{"cloud", nil, []string{"--cloud-provider", "aws", "--cloud-account", "1", "--cloud-region", "eu-west-1", "--max-payload-size", "300"},
			`invalid --cloud-account "1": its signatures fit in no body of at most`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr := leastSize.ReplaceAllString(refusedBeforeRun(t, tt.env, tt.args...), "at least N bytes")
			if !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "at least N bytes") {
				t.Errorf("stderr:\n%s\nwant %q and the least size", stderr, tt.want)
			}
			if strings.Contains(stderr, long) {
				t.Errorf("stderr quotes the long target whole:\n%s", stderr)
			}
		})
	}
}

// A request the runtime refuses whatever happens (no target at all, a
// target of another category) is refused before anything
// runs, is sent or is stored (no outbox file), with the run's WARN
// "inject rejected" line and the error naming where the value was given.
func TestInvalidRequestRefusedBeforeOutbox(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"no target", nil, nil, []string{"inject rejected", "invalid targets: at least one target is required"}},
		{"empty INJECTKIT_TARGET", map[string]string{"INJECTKIT_TARGET": ""}, nil,
			[]string{"inject rejected", "invalid targets: at least one target is required"}},
		{"target of another category", nil, []string{"--query", "port:22"},
			[]string{"inject rejected", "injector probe takes network targets", "hint: give network targets with --target"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr := refusedBeforeRunOf(t, framework.Network, "warn", tt.env, tt.args...)
			checkSays(t, "stderr", stderr, tt.want, nil)
			if n := strings.Count(stderr, "inject rejected"); n != 1 {
				t.Errorf("%d WARN inject rejected lines, want 1:\n%s", n, stderr)
			}
		})
	}
}

// A blank item is named as every other error of its source names the
// value: the flag alone for a flag, the key then the variable or the
// config file's line otherwise; one form per source.
func TestBlankItemNamedAsItsSourceNamesOthers(t *testing.T) {
	blankCfg := writeFile(t, "blank.yaml", "target:\n  - \"\"\n")
	badCfg := writeFile(t, "bad.yaml", "target:\n  - \"a b\"\n")
	cloud := []string{"--cloud-provider", "aws", "--cloud-account", "123456789012"}
	tests := []struct {
		name              string
		blankEnv, badEnv  map[string]string
		blankArg, badArgs []string
		blank, bad        string // the value, as quoted
	}{
		{"--target", nil, nil, []string{"--target", ""}, []string{"--target", "a b"}, `""`, `"a b"`},
		{"--query", nil, nil, []string{"--query", ""}, []string{"--query", "a\x01b"}, `""`, `"a\x01b"`},
		{"--cloud-region", nil, nil, append(cloud, "--cloud-region", ""), append(cloud, "--cloud-region", "x y"), `""`, `"x y"`},
		{"--target-service", nil, nil, append(cloud, "--cloud-region", "eu-west-1", "--target-service", ""),
			append(cloud, "--cloud-region", "eu-west-1", "--target-service", "a b"), `""`, `"a b"`},
		{"env", map[string]string{"INJECTKIT_TARGET": "a,,b"}, map[string]string{"INJECTKIT_TARGET": "a b"}, nil, nil, `""`, `"a b"`},
		{"config file", nil, nil, []string{"--config", blankCfg}, []string{"--config", badCfg}, `""`, `"a b"`},
	}
	// form cuts the value out of the first "invalid …" line: what names it.
	form := func(t *testing.T, stderr, value string) string {
		t.Helper()
		for line := range strings.Lines(stderr) {
			if i := strings.Index(line, "invalid "); i >= 0 {
				line = line[i:]
				if j := strings.Index(line, " "+value); j >= 0 {
					head, _, _ := strings.Cut(line[j+1+len(value):], ":")
					return line[:j] + " _" + head
				}
			}
		}
		t.Fatalf("no invalid %s in:\n%s", value, stderr)
		return ""
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blank := run(t, registry(), tt.blankEnv, append([]string{"validate", "noop"}, tt.blankArg...)...)
			bad := run(t, registry(), tt.badEnv, append([]string{"validate", "noop"}, tt.badArgs...)...)
			if blank.code != 2 || bad.code != 2 {
				t.Fatalf("exits %d and %d, want 2; stderr:\n%s\n%s", blank.code, bad.code, blank.stderr, bad.stderr)
			}
			badForm := strings.ReplaceAll(form(t, bad.stderr, tt.bad), badCfg, "FILE")
			if got := strings.ReplaceAll(form(t, blank.stderr, tt.blank), blankCfg, "FILE"); got != badForm {
				t.Errorf("blank named %q, another error of the source %q", got, badForm)
			}
		})
	}
}

// A required injector setting left unset (query's Shodan key) makes every
// inject of the injector fail: run refuses it as validate does, exit 2
// naming the setting and where to set it, before anything is sent or
// stored, whatever the profile, a platform message's run included (the
// platform is not told of a local configuration mistake as a failed
// inject).
func TestRunRefusesUnsetRequiredSetting(t *testing.T) {
	const want = `invalid query.shodan_api_key "": required, every inject of query fails without it (set env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file)`
	msg := writeFile(t, "q.json", `{"injection":{"inject_id":"inj-q","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("query")+`"},"inject_content":{"query":"apache"}}}`)
	// The contract id is a UUID: the platform may spell it in upper case.
	upper := writeFile(t, "u.json", `{"injection":{"inject_id":"inj-q","inject_injector_contract":{"injector_contract_id":"`+
		strings.ToUpper(openaev.ContractID("query"))+`"},"inject_content":{"query":"apache"}}}`)
	tests := []struct {
		name string
		args []string
	}{
		{"callback profile", []string{"query", "--query", "apache", "--inject-id", "i-1"}},
		{"openaev profile", []string{"query", "--query", "apache", "--inject-id", "i-1", "--profile", "openaev"}},
		{"platform message", []string{"--openaev-message", msg}},
		{"platform message, injector named", []string{"query", "--openaev-message", msg}},
		{"platform message, contract in upper case", []string{"--openaev-message", upper}},
		{"platform message, contract in upper case, injector named", []string{"query", "--openaev-message", upper}},
		{"validate", []string{"query", "--query", "apache", "--inject-id", "i-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t, http.StatusOK)
			box := filepath.Join(t.TempDir(), "outbox.db")
			cmd := "run"
			if tt.name == "validate" {
				cmd = "validate"
			}
			args := append([]string{cmd}, tt.args...)
			r := run(t, registry(withQuery), map[string]string{"INJECTKIT_SHODAN_API_KEY": ""},
				append(args, "--backend-url", be.URL, "--token", "tok", "--outbox", box, "--log-level", "error")...)
			if r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
			}
			nothingSentOrStored(t, be, box)
		})
	}
}

// A required setting given blank is refused as one given no value, its
// white space quoted as written (no secret to mask) and where it was
// given named, as a blank --token is.
func TestRunRefusesBlankRequiredSetting(t *testing.T) {
	const reason = `: required, every inject of query fails without it (set env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file)`
	blank := writeFile(t, "c4.yaml", "log_level: error\nquery:\n  shodan_api_key: \"  \"\n")
	empty := writeFile(t, "c5.yaml", "log_level: error\nquery.shodan_api_key: ''\n")
	tests := []refusal{
		{"blank environment", map[string]string{"INJECTKIT_SHODAN_API_KEY": "  "}, nil,
			`invalid query.shodan_api_key "  " (env INJECTKIT_SHODAN_API_KEY)` + reason},
		{"blank in the config file", map[string]string{"INJECTKIT_SHODAN_API_KEY": ""}, []string{"--config", blank},
			`invalid query.shodan_api_key "  " (config file ` + blank + `:3)` + reason},
		{"empty in the config file", map[string]string{"INJECTKIT_SHODAN_API_KEY": ""}, []string{"--config", empty},
			`invalid query.shodan_api_key "" (config file ` + empty + `:2)` + reason},
		{"not given", map[string]string{"INJECTKIT_SHODAN_API_KEY": ""}, nil, `invalid query.shodan_api_key ""` + reason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cmd := range []string{"run", "validate"} {
				args := append([]string{cmd, "query", "--query", "apache", "--inject-id", "i-1"}, tt.args...)
				r := run(t, registry(withQuery), tt.env, args...)
				if r.code != 2 || !strings.Contains(r.stderr, "injectkit: "+tt.want+"\n") {
					t.Errorf("%s: exit %d, stderr %q; want 2 and %q", cmd, r.code, r.stderr, tt.want)
				}
			}
		})
	}
}

// An inject the platform says was made with another injector's contract
// is refused before anything is sent or stored, exit 2 naming the inject
// id and the injector whose contract it is: the platform matches a
// result's outputs by the inject's contract, and would not store the
// findings of the injector run. So is one the platform says has no
// contract (OpenAEV 2.4.0 loses every callback of it).
func TestRunOpenAEVInjectOfAnotherContractRefused(t *testing.T) {
	scanner := &frameworktest.Executor{Category: framework.Network}
	reg := withFake("scanner", scanner)
	other := "00000000-0000-4000-8000-000000000000"
	p := openaevtest.NewPlatform(t, platformToken)
	registered(t, p, platformToken, reg)
	p.AddInject("of-scanner", openaev.ContractID("scanner"))
	p.AddInject("of-none", other)
	p.AddInject("inj-c", openaev.ContractID("scanner")) // contractMessage's inject
	p.AddInject("without", "")
	p.AddInject("of-noop", openaev.ContractID("noop"))
	injectFile := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"of-scanner","targets":[{"value":"127.0.0.1"}]}`)
	msg := contractMessage(t, openaev.ContractID("noop"))
	flags := func(id string) []string {
		return []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1"}
	}
	tests := []struct {
		name, id string
		args     []string
		want     []string // in stderr; none: the inject runs
	}{
		{"another injector's contract", "of-scanner", flags("of-scanner"), []string{
			`invalid inject_id "of-scanner" (--inject-id): inject of-scanner has contract ` + openaev.ContractID("scanner") +
				` on the platform (scanner's), not noop's (` + openaev.ContractID("noop") + `)`,
			"would not store noop's findings; nothing ran or was sent", "hint: the inject is scanner's: run the same command with the injector scanner in place of noop"}},
		{"an inject file's inject", "of-scanner", []string{"run", "--profile", "openaev", "--inject-file", injectFile}, []string{
			`inject file ` + injectFile + `:1:32: invalid inject_id "of-scanner": inject of-scanner has contract ` + openaev.ContractID("scanner"),
			`hint: the inject is scanner's: write "injector": "scanner" in place of "noop" (inject file ` + injectFile +
				`:1:13), or name the injector scanner on the command line`}},
		{"an inject file's inject, the injector named on the command line", "of-scanner",
			[]string{"run", "noop", "--profile", "openaev", "--inject-file", injectFile}, []string{
				"hint: the inject is scanner's: run the same command with the injector scanner in place of noop"}},
		{"a contract of no injector of the program", "of-none", flags("of-none"), []string{
			`inject of-none has contract ` + other + ` on the platform (no injector of this program's), not noop's`}},
		{"a platform message whose inject has another contract", "inj-c",
			[]string{"run", "--openaev-message", msg}, []string{
				`invalid openaev_message "` + msg + `" (--openaev-message): the message's contract disagrees with the platform's, the message is stale: ` +
					`inject inj-c has contract ` + openaev.ContractID("scanner") + ` on the platform (scanner's), not noop's`}},
		// 2.4.0 loses every callback of an inject without a contract.
		{"no contract", "without", flags("without"), []string{
			`invalid inject_id "without" (--inject-id): inject without has no contract on the platform, which loses every callback of such an inject`,
			"nothing ran or was sent"}},
		{"its own contract", "of-noop", flags("of-noop"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			r := run(t, reg, nil, append(tt.args, "--backend-url", p.URL, "--token", platformToken, "--outbox", box, "--log-level", "error")...)
			if tt.want == nil {
				if r.code != 0 || callKinds(p.Calls(tt.id)) != "reception,trace,complete" {
					t.Errorf("exit %d, calls %s; want 0 and the inject run: %s", r.code, callKinds(p.Calls(tt.id)), r.stderr)
				}
				return
			}
			if r.code != 2 {
				t.Errorf("exit %d, want 2: %s", r.code, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, tt.want, nil)
			if calls := p.Calls(tt.id); len(calls) != 0 {
				t.Errorf("calls %s sent, want none", callKinds(calls))
			}
			noOutboxFile(t, box)
		})
	}
	if n := len(scanner.Calls()); n != 0 {
		t.Errorf("scanner ran %d times", n)
	}
}
