package cli_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// Every serve setting out of its bounds exits 2 before anything is
// contacted, one line naming the key, the value and where it was given.
func TestServeSettingBounds(t *testing.T) {
	notPEM := writeFile(t, "not.pem", "not a certificate\n")
	ca := servetest.NewCA(t)
	client, other := ca.Client(t, "client"), ca.Client(t, "other")
	tokenFile := writeFile(t, "tokenfile", "S3cr3tTokenValue\n")
	servefile := writeFile(t, "c.yaml", "workers: 2\ninjectors: [noop, sqlmap]\n")
	blankfile := writeFile(t, "blank.yaml", "workers: 2\ninjector_type: \" \"\n")
	heartbeatfile := writeFile(t, "heartbeat.yaml", "heartbeat_interval: 4\n")
	slotsfile := writeFile(t, "slots.yaml", "delivery_slots: 2\n")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"workers wrapping the 16-bit prefetch", []string{"--workers", "65536"}, nil, `invalid workers "65536" (--workers): must be between 1 and 1024`},
		{"workers above 1024", []string{"--workers", "1025"}, nil, `invalid workers "1025"`},
		// An outbox that keeps no result: every inject would run with
		// nothing to keep its result through a kill.
		{"outbox below any result", []string{"--outbox-max-bytes", "100"}, nil,
			`invalid outbox_max_bytes "100" (--outbox-max-bytes): must be at least 1024: a smaller outbox keeps next to no inject's result`},
		{"outbox below any result from env", nil, map[string]string{"INJECTKIT_OUTBOX_MAX_BYTES": "1023"},
			`invalid outbox_max_bytes "1023" (env INJECTKIT_OUTBOX_MAX_BYTES): must be at least 1024`},
		{"negative workers", []string{"--workers=-1"}, nil, `invalid workers "-1"`},
		// Delivery slots raise the prefetch; they take a message over
		// once the outbox is about to keep its result (serve.Executed).
		{"negative delivery slots", []string{"--delivery-slots=-1"}, nil, `invalid delivery_slots "-1" (--delivery-slots): must be between 0 and 1024`},
		{"delivery slots above 1024 from env", nil, map[string]string{"INJECTKIT_DELIVERY_SLOTS": "1025"},
			`invalid delivery_slots "1025" (env INJECTKIT_DELIVERY_SLOTS): must be between 0 and 1024`},
		{"delivery slots without an outbox", []string{"--delivery-slots", "4", "--outbox", "none"}, nil,
			`invalid delivery_slots "4" (--delivery-slots): needs an outbox, and outbox is none (--outbox): a delivery slot takes a message once its inject has run and the outbox is about to keep its result`},
		{"delivery slots in the file without an outbox from env", []string{"--config", slotsfile}, map[string]string{"INJECTKIT_OUTBOX": "none"},
			`invalid delivery_slots "2" (config file ` + slotsfile + `:1): needs an outbox, and outbox is none (env INJECTKIT_OUTBOX)`},
		{"heartbeat of 1ns", []string{"--heartbeat-interval", "1ns"}, nil, `invalid heartbeat_interval "1ns" (--heartbeat-interval): must be at least 5s`},
		{"heartbeat under 5s from env", nil, map[string]string{"INJECTKIT_HEARTBEAT_INTERVAL": "4s"}, `invalid heartbeat_interval "4s" (env INJECTKIT_HEARTBEAT_INTERVAL): must be at least 5s`},
		// A value is quoted as written, not as it was read (4 is 4s).
		{"heartbeat of bare seconds", []string{"--heartbeat-interval", "4"}, nil, `invalid heartbeat_interval "4" (--heartbeat-interval): must be at least 5s`},
		{"heartbeat of bare seconds in the file", []string{"--config", heartbeatfile}, nil,
			`invalid heartbeat_interval "4" (config file ` + heartbeatfile + `:1): must be at least 5s`},
		{"workers with a leading zero", []string{"--workers", "01025"}, nil, `invalid workers "01025" (--workers): not an integer as JSON writes one (3, 3.0 or 3e0; not +3, 03 nor 3.5): a leading 0 is octal`},
		{"listen port out of range", []string{"--listen-addr", "127.0.0.1:65536"}, nil, `invalid listen_addr "127.0.0.1:65536" (--listen-addr): port "65536"`},
		{"listen port not a number", []string{"--listen-addr", "127.0.0.1:metrics"}, nil, `invalid listen_addr "127.0.0.1:metrics"`},
		{"listen address without a port", []string{"--listen-addr", "localhost"}, nil, `invalid listen_addr "localhost" (--listen-addr): want host:port`},
		{"listen host not a host", []string{"--listen-addr", "bad host:9464"}, nil, `invalid listen_addr "bad host:9464" (--listen-addr): host "bad host"`},
		{"unknown injector", []string{"--injectors", "noop,nmapp"}, nil, `invalid injectors "nmapp" (--injectors): unknown injector (known: noop, portscan)`},
		{"mistyped injector: did you mean", []string{"--injectors", "portscna"}, nil, "hint: did you mean portscan?"},
		{"unknown injector from env", nil, map[string]string{"INJECTKIT_INJECTORS": "portscan, bogus"}, `invalid injectors "bogus" (env INJECTKIT_INJECTORS): unknown injector`},
		{"unknown injector in the file", []string{"--config", servefile}, nil, `invalid injectors "sqlmap" (config file ` + servefile + `:2): unknown injector`},
		{"no auth failure allowed", []string{"--auth-failures", "0"}, nil, `invalid auth_failures "0" (--auth-failures): must be between 1 and 1000`},
		{"auth failures above 1000", []string{"--auth-failures", "1001"}, nil, `invalid auth_failures "1001"`},
		{"auth failures not a number", []string{"--auth-failures", "three"}, nil, `invalid auth_failures "three"`},
		{"message size under 1 KiB", []string{"--max-message-size", "1023"}, nil, `invalid max_message_size "1023" (--max-message-size): must be between 1024 (1 KiB) and 536870912 (512 MiB)`},
		{"message size above 512 MiB", []string{"--max-message-size", "536870913"}, nil, `invalid max_message_size "536870913"`},
		{"payload size under 1 KiB", []string{"--max-payload-size", "1023"}, nil, `invalid max_payload_size "1023" (--max-payload-size): must be between 1024 (1 KiB) and 67108864 (64 MiB)`},
		{"payload size above 64 MiB", []string{"--max-payload-size", "67108865"}, nil, `invalid max_payload_size "67108865"`},
		{"negative payload size from env", nil, map[string]string{"INJECTKIT_MAX_PAYLOAD_SIZE": "-5"}, `invalid max_payload_size "-5" (env INJECTKIT_MAX_PAYLOAD_SIZE)`},
		{"payload size not a number", []string{"--max-payload-size", "abc"}, nil, `invalid max_payload_size "abc"`},
		{"missing broker CA", []string{"--broker-ca-file", "/nonexistent/ca.pem"}, nil, `invalid broker_ca_file "/nonexistent/ca.pem" (--broker-ca-file): no such file or directory` + "\n"},
		{"broker CA without a certificate", []string{"--broker-ca-file", notPEM}, nil, fmt.Sprintf(`invalid broker_ca_file %q (--broker-ca-file): no PEM certificate found`+"\n", notPEM)},
		{"broker certificate without its key", []string{"--broker-cert-file", notPEM}, nil, fmt.Sprintf(`invalid broker_cert_file %q (--broker-cert-file): needs broker_key_file`, notPEM)},
		{"broker key without its certificate", nil, map[string]string{"INJECTKIT_BROKER_KEY_FILE": notPEM}, fmt.Sprintf(`invalid broker_key_file %q (env INJECTKIT_BROKER_KEY_FILE): needs broker_cert_file`, notPEM)},
		{"broker key pair unreadable", []string{"--broker-cert-file", notPEM, "--broker-key-file", notPEM}, nil, fmt.Sprintf(`invalid broker_cert_file %q`, notPEM)},
		// A key file holding no key (a token) is named, not the
		// certificate beside it, nor what the key file holds.
		{"broker key that is a token", []string{"--broker-cert-file", client.CertFile, "--broker-key-file", tokenFile}, nil,
			fmt.Sprintf(`invalid broker_key_file %q (--broker-key-file): holds no PEM private key`, tokenFile)},
		{"broker key that is the certificate", nil, map[string]string{"INJECTKIT_BROKER_CERT_FILE": client.CertFile, "INJECTKIT_BROKER_KEY_FILE": client.CertFile},
			fmt.Sprintf(`invalid broker_key_file %q (env INJECTKIT_BROKER_KEY_FILE): holds no PEM private key`, client.CertFile)},
		{"broker key of another certificate", []string{"--broker-cert-file", client.CertFile, "--broker-key-file", other.KeyFile}, nil,
			fmt.Sprintf(`invalid broker_key_file %q (--broker-key-file): not the private key of broker_cert_file's certificate`, other.KeyFile)},
		{"missing platform CA", []string{"--ca-file", "/nonexistent/platform-ca.pem"}, nil, `invalid ca_file "/nonexistent/platform-ca.pem"`},
		// The broker's CA file and the platform's are checked alike: one
		// check, one wording.
		{"platform CA without a certificate", nil, map[string]string{"INJECTKIT_CA_FILE": notPEM}, fmt.Sprintf(`invalid ca_file %q (env INJECTKIT_CA_FILE): no PEM certificate found`+"\n", notPEM)},
		{"blank injector type", []string{"--injector-type", " "}, nil, `invalid injector_type " " (--injector-type): must not be blank`},
		{"blank injector name from env", nil, map[string]string{"INJECTKIT_INJECTOR_NAME": "\t"}, `invalid injector_name "\t" (env INJECTKIT_INJECTOR_NAME): must not be blank`},
		{"blank injector type in the file", []string{"--config", blankfile}, nil, `invalid injector_type " " (config file ` + blankfile + `:2): must not be blank`},
		{"empty injector type", []string{"--injector-type="}, nil, `invalid injector_type "" (--injector-type): must not be blank`},
		// The platform's web UI writes the type, as it is, in the URL path
		// of the injector's icon, and stores the icon under <type>.png.
		{"injector type holding a slash", []string{"--injector-type", "a/b"}, nil, `invalid injector_type "a/b" (--injector-type): holds "/" at byte 1`},
		{"injector type a dot segment", []string{"--injector-type", ".."}, nil, `invalid injector_type ".." (--injector-type): a dot segment`},
		{"injector type climbing to another's", []string{"--injector-type", "a/../nmap"}, nil, `invalid injector_type "a/../nmap" (--injector-type): holds "/"`},
		{"injector type holding a query", []string{"--injector-type", "x?y"}, nil, `invalid injector_type "x?y" (--injector-type): holds "?" at byte 1`},
		{"injector type holding a fragment", nil, map[string]string{"INJECTKIT_INJECTOR_TYPE": "x#y"}, `invalid injector_type "x#y" (env INJECTKIT_INJECTOR_TYPE): holds "#"`},
		{"injector type holding an escape", []string{"--injector-type", "x%2Fy"}, nil, `invalid injector_type "x%2Fy" (--injector-type): holds "%"`},
		{"injector type holding a backslash", []string{"--injector-type", `x\y`}, nil, `invalid injector_type "x\\y" (--injector-type): holds "\\"`},
		{"injector type holding a semicolon", []string{"--injector-type", "x;y"}, nil, `invalid injector_type "x;y" (--injector-type): holds ";"`},
		{"blank injector id", []string{"--injector-id", " "}, nil, `invalid injector_id " " (--injector-id)`},
		{"blank tenant", []string{"--tenant", " "}, nil, `invalid tenant " " (--tenant)`},
		{"blank platform URL", []string{"--openaev-url", " "}, nil, `invalid openaev_url " " (--openaev-url)`},
		{"blank platform version", []string{"--openaev-version", " "}, nil, `invalid openaev_version " " (--openaev-version)`},
		{"blank icon file", []string{"--icon-file", " "}, nil, `invalid icon_file " " (--icon-file)`},
		{"blank platform CA", []string{"--ca-file", " "}, nil, `invalid ca_file " " (--ca-file)`},
		{"blank broker CA", []string{"--broker-ca-file", " "}, nil, `invalid broker_ca_file " " (--broker-ca-file)`},
		{"blank broker key pair", []string{"--broker-cert-file", " ", "--broker-key-file", " "}, nil, `invalid broker_cert_file " " (--broker-cert-file)`},
		{"blank outbox", []string{"--outbox", " "}, nil, `invalid outbox " " (--outbox)`},
		{"blank listen address", []string{"--listen-addr", " "}, nil, `invalid listen_addr " " (--listen-addr)`},
		{"blank injectors", []string{"--injectors", " "}, nil, `invalid injectors " " (--injectors): must not be blank`},
		{"injectors only commas", []string{"--injectors", " , "}, nil, `invalid injectors " " (--injectors): must not be blank`},
		{"injectors only commas in the file", []string{"--config", writeFile(t, "commas.yaml", "injectors: [\",\"]\n")}, nil,
			`invalid injectors "" (config file`},
		{"blank log format", []string{"--log-format", " "}, nil, `invalid log_format " " (--log-format)`},
		{"blank log level", []string{"--log-level", " "}, nil, `invalid log_level " " (--log-level)`},
		{"timeout of 0", []string{"--timeout", "0"}, nil, `invalid timeout "0" (--timeout): must be positive`},
		{"negative timeout from env", nil, map[string]string{"INJECTKIT_TIMEOUT": "-30"}, `invalid timeout "-30" (env INJECTKIT_TIMEOUT): must not be negative`},
		{"timeout not a duration in the file", []string{"--config", writeFile(t, "timeout.yaml", "timeout: soon\n")}, nil,
			`invalid timeout "soon" (config file`},
		{"source address not IPv4", nil, map[string]string{"CONTAINER_IP": "10.0.0.300"}, `invalid CONTAINER_IP "10.0.0.300": not an IPv4 address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			args := append([]string{"--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "127.0.0.1:0"}, tt.args...)
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			stderr, stop := serveRun(t, env, args...)
			waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
			if code := stop(); code != cli.ExitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", code, cli.ExitUsage, stderr)
			}
			if !strings.Contains(stderr.String(), tt.want) || strings.Contains(stderr.String(), "S3cr3t") {
				t.Errorf("stderr %q does not mention %q, or shows a file's content", stderr, tt.want)
			}
			if calls := p.AllCalls(); len(calls) != 0 {
				t.Errorf("the platform was called before the configuration was checked: %s %s", calls[0].Kind, calls[0].Path)
			}
		})
	}
}

// serve registers the injectors selected, from any layer: by default every
// registered one but noop, which is served only when named.
func TestServeInjectorSelection(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"default: all but noop", nil, nil, []string{"portscan"}},
		{"noop named", []string{"--injectors", "noop"}, nil, []string{"noop"}},
		{"repeated flag", []string{"--injectors", "portscan", "--injectors", "noop"}, nil, []string{"noop", "portscan"}},
		{"from env, spaces and repeats", nil, map[string]string{"INJECTKIT_INJECTORS": "portscan, noop,portscan"}, []string{"noop", "portscan"}},
		{"from the file", []string{"--config", writeFile(t, "c.yaml", "injectors:\n  - noop\n")}, nil, []string{"noop"}},
		{"flag over env", []string{"--injectors", "portscan"}, map[string]string{"INJECTKIT_INJECTORS": "noop"}, []string{"portscan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			// No broker: the registration alone is looked at.
			p.SetBroker(openaevtest.Broker{Host: "127.0.0.1", Port: 1, VHost: "/", User: "u", Pass: "p", Queue: "q"})
			args := append([]string{"--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "127.0.0.1:0", "--outbox", "none", "--log-format", "json"}, tt.args...)
			stderr, stop := serveRun(t, tt.env, args...)
			waitUntil(t, "a registration", func() bool { return len(p.Registrations()) > 0 })
			if code := stop(); code != 0 {
				t.Errorf("exit %d: %s", code, stderr)
			}
			var got []string
			for _, name := range []string{"noop", "portscan"} {
				if _, ok := p.ContractOutputs(openaev.ContractID(name)); ok {
					got = append(got, name)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("contracts registered for %v, want %v", got, tt.want)
			}
			starting := jsonLogs(stderr.String(), "starting")
			if len(starting) != 1 || fmt.Sprint(starting[0]["injectors"]) != fmt.Sprint(tt.want) {
				t.Errorf("start logged %v, want injectors %v", starting, tt.want)
			}
		})
	}
}

// An injector setting the injector refuses stops serve at start, naming
// where it was given, before the platform is contacted: not every inject.
func TestServeInjectorSettingRefused(t *testing.T) {
	cfg := writeFile(t, "c.yaml", "query:\n  request_timeout: soon\n")
	emptyCfg := writeFile(t, "e.yaml", "query:\n  request_timeout: \"\"\n")
	reg := registry(withQuery)
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"env":         {map[string]string{"INJECTKIT_QUERY_REQUEST_TIMEOUT": "-3"}, nil, `invalid query.request_timeout "-3" (env INJECTKIT_QUERY_REQUEST_TIMEOUT): want a positive duration`},
		"config file": {nil, []string{"--config", cfg}, `invalid query.request_timeout "soon" (config file ` + cfg + `:2)`},
		// As every duration given empty: refused, never the default.
		"blank in env":             {map[string]string{"INJECTKIT_QUERY_REQUEST_TIMEOUT": " "}, nil, `invalid query.request_timeout " " (env INJECTKIT_QUERY_REQUEST_TIMEOUT): must not be blank`},
		"empty in the config file": {nil, []string{"--config", emptyCfg}, `invalid query.request_timeout "" (config file ` + emptyCfg + `:2): must not be blank`},
	} {
		t.Run(name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			d := serveWith(t, reg, tc.env, append([]string{"--openaev-url", p.URL, "--token", serveToken,
				"--injector-id", injectorID, "--injectors", "query", "--listen-addr", "127.0.0.1:0"}, tc.args...)...)
			waitUntil(t, "serve to exit", func() bool { return strings.Contains(d.stderr.String(), "injectkit: ") })
			if code := d.Stop(t); code != cli.ExitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", code, cli.ExitUsage, d.stderr)
			}
			if !strings.Contains(d.stderr.String(), tc.want) {
				t.Errorf("stderr %q does not mention %q", d.stderr, tc.want)
			}
			if calls := p.AllCalls(); len(calls) != 0 {
				t.Errorf("the platform was called: %s %s", calls[0].Kind, calls[0].Path)
			}
		})
	}
}

// A blank item of serve's injectors is refused wherever it is given (an
// item of the flag's comma-separated value, of the environment variable,
// of the config file's list, an empty list), as a blank target is: never
// dropped as if it had not been given. The error quotes the item as
// written, names where (the key, then where, whatever the source, as
// serve's other settings), and nothing reaches the platform.
func TestServeBlankInjectorsRefused(t *testing.T) {
	empty := writeFile(t, "empty.yaml", "injectors: [nmap, \"\"]\n")
	null := writeFile(t, "null.yaml", "injectors:\n  - nmap\n  - null\n")
	scalar := writeFile(t, "scalar.yaml", "injectors: \"nmap,\"\n")
	none := writeFile(t, "none.yaml", "injectors: []\n")
	const blank = "must not be blank: give an injector's name, or leave the setting out to serve every injector but noop"
	tests := []refusal{
		{"env inner item", map[string]string{"INJECTKIT_INJECTORS": "nmap,,query"}, nil,
			`invalid injectors "" (env INJECTKIT_INJECTORS): ` + blank + ` (item 2 of "nmap,,query")`},
		{"flag trailing comma", nil, []string{"--injectors", "nmap,"}, `invalid injectors "" (--injectors): ` + blank + ` (item 2 of "nmap,")`},
		{"flag blank", nil, []string{"--injectors", " "}, `invalid injectors " " (--injectors): ` + blank},
		{"flag repeated, one empty", nil, []string{"--injectors", "nmap", "--injectors", ""}, `invalid injectors "" (--injectors): ` + blank},
		{"config empty item", nil, []string{"--config", empty}, `invalid injectors "" (config file ` + empty + `:1): ` + blank + ` (item 2 of ["nmap", ""])`},
		{"config null item", nil, []string{"--config", null}, `invalid injectors "" (config file ` + null + `:3): ` + blank + ` (item 2 of ["nmap", ""])`},
		{"config scalar trailing comma", nil, []string{"--config", scalar},
			`invalid injectors "" (config file ` + scalar + `:1): ` + blank + ` (item 2 of "nmap,")`},
		{"config empty list", nil, []string{"--config", none},
			`invalid injectors "[]" (config file ` + none + `:1): an empty list: give at least one, or leave the key out`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			platform := transporttest.NewBackend(t)
			args := append([]string{"serve", "--openaev-url", platform.URL, "--token", "tok",
				"--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", "", "--log-level", "error"}, tt.args...)
			r := run(t, registry(), tt.env, args...)
			checkRefused(t, r, tt.want)
			if n := platform.Len(); n != 0 {
				t.Errorf("%d requests reached the platform", n)
			}
		})
	}
}

// TestServeWarnsOfAnUnsetRequiredSetting checks that serve, which starts
// all the same, says once at its start which required setting of a
// served injector is unset or blank (validate refuses it), and where to
// set it; a blank one with its value and where it was given.
func TestServeWarnsOfAnUnsetRequiredSetting(t *testing.T) {
	const warn = "required injector setting unset or blank: every inject of query fails without it"
	blank := writeFile(t, "blank.yaml", "query:\n  shodan_api_key: \"\"\n")
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		warns int
	}{
		{"query without its key", nil, []string{"--injectors", "query"}, 1},
		{"query and noop without its key", nil, []string{"--injectors", "query,noop"}, 1},
		{"query with its key", map[string]string{"INJECTKIT_SHODAN_API_KEY": "k"}, []string{"--injectors", "query"}, 0},
		{"query with its key from the config file", nil,
			[]string{"--injectors", "query", "--config", writeFile(t, "c.yaml", "query:\n  shodan_api_key: k\n")}, 0},
		{"noop alone", nil, []string{"--injectors", "noop"}, 0},
		{"query with a blank key", map[string]string{"INJECTKIT_SHODAN_API_KEY": " "}, []string{"--injectors", "query"}, 1},
		{"query with a blank key in the config file", nil, []string{"--injectors", "query", "--config", blank}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			d := serveWith(t, registry(withQuery), tt.env, append([]string{"--openaev-url", p.URL, "--token", serveToken,
				"--injector-id", injectorID, "--listen-addr", ""}, tt.args...)...)
			waitUntil(t, "a registration", func() bool { return len(p.Registrations()) >= 1 })
			got := d.stderr.String()
			if n := strings.Count(got, warn); n != tt.warns {
				t.Fatalf("%d WARN lines %q, want %d:\n%s", n, warn, tt.warns, got)
			}
			if tt.warns > 0 && (!strings.Contains(got, "query.shodan_api_key") ||
				!strings.Contains(got, "env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file")) {
				t.Errorf("the WARN does not say which setting and where to set it:\n%s", got)
			}
			// A blank given is named where it was given, as run names it;
			// a setting nobody gave is named nowhere.
			given := map[string]string{
				"query with a blank key":                    `"value": " ", "given": "env INJECTKIT_SHODAN_API_KEY"`,
				"query with a blank key in the config file": `"value": "", "given": "config file ` + blank + `:2"`,
			}[tt.name]
			switch {
			case given != "" && !strings.Contains(got, given):
				t.Errorf("the WARN does not say where the blank came from (%s):\n%s", given, got)
			case given == "" && strings.Contains(got, `"given"`):
				t.Errorf("the WARN names where an unset setting came from:\n%s", got)
			}
		})
	}
}

// A platform setting serve refuses (an injector id that is no UUID, a
// tenant that is no bare identifier) exits 2 before anything is created:
// neither the outbox given nor the default one, nor their directories.
func TestServeRefusedPlatformSettingCreatesNoOutbox(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"injector id not a UUID", []string{"--injector-id", "not-a-uuid"}, `invalid injector_id "not-a-uuid" (--injector-id)`},
		{"tenant not an identifier", []string{"--injector-id", injectorID, "--tenant", "a/b"}, `invalid tenant "a/b" (--tenant)`},
		// What the platform's HTTP firewall refuses in a decoded path
		// (400 before any route, the registration included), and any
		// other character no tenant id (a UUID) holds, a terminal would
		// obey or `outbox list` would print: it ran, then exited 1 on
		// the platform's 400.
		{"tenant with a line feed", []string{"--injector-id", injectorID, "--tenant", "t\n1"}, `invalid tenant "t\n1" (--tenant): must be a bare identifier: it holds the non-printable character U+000A at byte 1`},
		{"tenant with a carriage return", []string{"--injector-id", injectorID, "--tenant", "t\r1"}, `invalid tenant "t\r1" (--tenant)`},
		{"tenant with a NUL", []string{"--injector-id", injectorID, "--tenant", "t\x001"}, `invalid tenant "t\x001" (--tenant)`},
		{"tenant with a line separator", []string{"--injector-id", injectorID, "--tenant", "t\u20281"}, `invalid tenant "t\u20281" (--tenant)`},
		{"tenant with a paragraph separator", []string{"--injector-id", injectorID, "--tenant", "t\u20291"}, `invalid tenant "t\u20291" (--tenant)`},
		{"tenant with an escape", []string{"--injector-id", injectorID, "--tenant", "t\x1b[2J"}, `invalid tenant "t\x1b[2J" (--tenant)`},
	}
	for _, tt := range tests {
		for _, given := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, outbox given %v", tt.name, given), func(t *testing.T) {
				p := openaevtest.NewPlatform(t, serveToken)
				state := filepath.Join(t.TempDir(), "state")
				box := filepath.Join(t.TempDir(), "new", "dir", "outbox.db")
				args := append([]string{"--openaev-url", p.URL, "--token", serveToken, "--listen-addr", "127.0.0.1:0"}, tt.args...)
				if given {
					args = append(args, "--outbox", box)
				}
				stderr, stop := serveRun(t, map[string]string{"XDG_STATE_HOME": state}, args...)
				waitUntil(t, "serve to exit", func() bool { return strings.Contains(stderr.String(), "injectkit: ") })
				if code := stop(); code != cli.ExitUsage || !strings.Contains(stderr.String(), tt.want) {
					t.Errorf("exit %d, want %d with %q; stderr: %s", code, cli.ExitUsage, tt.want, stderr)
				}
				for _, path := range []string{state, filepath.Dir(filepath.Dir(box))} {
					if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
						t.Errorf("%s created (or unreadable: %v) by a refused serve", path, err)
					}
				}
				if calls := p.AllCalls(); len(calls) != 0 {
					t.Errorf("the platform was called: %s %s", calls[0].Kind, calls[0].Path)
				}
			})
		}
	}
}
