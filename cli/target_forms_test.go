package cli_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
)

// A refused target value is named in one form per source, whatever
// refused it (the parse, the blank rule, the injector): the flag alone
// (invalid --target "v": …), the key then the environment variable or
// the config file's line (invalid target "v" (env INJECTKIT_TARGET): …),
// the targets file's line first (hosts.txt:2: invalid target "v": …).
func TestTargetRefusalNamedOneFormPerSource(t *testing.T) {
	reg := registry(withNmapScanner, func(r *framework.Registry) {
		r.Register("cloudscan", func() framework.Executor { return cloudscan.New() })
	})
	cloud := []string{"--cloud-provider", "aws", "--cloud-account", "123456789012"}
	settings := []struct {
		key, injector string
		args          []string // the other settings the target needs
		first         string   // a good value before the refused one in a config file list
		refused       map[string]string
	}{
		{"target", "nmap", nil, "127.0.0.1",
			map[string]string{"parse": "a b", "blank": "", "injector": "0x7f000001"}},
		{"query", "noop", nil, "apache",
			map[string]string{"parse": "a\x01b", "blank": " "}}, // INJECTKIT_QUERY is one query: commas are its own
		{"cloud_region", "cloudscan", cloud, "eu-west-1",
			map[string]string{"parse": "-eu", "blank": "", "injector": "mars-1"}},
		{"target_service", "cloudscan", append(cloud[:4:4], "--cloud-region", "eu-west-1"), "s3",
			map[string]string{"parse": "-s3", "blank": "", "injector": "bogus"}},
	}
	for _, s := range settings {
		flag := "--" + strings.ReplaceAll(s.key, "_", "-")
		env := "INJECTKIT_" + strings.ToUpper(s.key)
		for kind, v := range s.refused {
			envValue, envAt := s.first+","+v, ""
			if s.key == "target" && kind != "blank" {
				envAt = " #2" // the second of the variable's targets
			}
			if s.key == "query" {
				envValue = v
			}
			cfg := writeFile(t, "c.yaml", fmt.Sprintf("%s:\n  - %s\n  - %s\n", s.key, s.first, strconv.Quote(v)))
			sources := []refusal{
				{"flag", nil, []string{flag, v}, fmt.Sprintf("invalid %s %q: ", flag, v)},
				{"env", map[string]string{env: envValue}, nil, fmt.Sprintf("invalid %s%s %q (env %s): ", s.key, envAt, v, env)},
				{"config", nil, []string{"--config", cfg}, fmt.Sprintf("invalid %s %q (config file %s:3): ", s.key, v, cfg)},
			}
			if kind == "blank" && s.key == "target" {
				sources = sources[1:] // an item of a variable is blank beside another
			}
			for _, src := range sources {
				t.Run(s.key+"/"+kind+"/"+src.name, func(t *testing.T) {
					for _, cmd := range [][]string{{"validate"}, {"run", "--profile", "openaev"}} {
						args := append(append(append(append([]string{}, cmd[:1]...), s.injector), cmd[1:]...), "--log-level", "error")
						r := run(t, reg, src.env, append(append(args, s.args...), src.args...)...)
						if r.code != 2 || !strings.Contains(r.stderr, src.want) {
							t.Errorf("%v: exit %d, stderr:\n%s\nwant 2 and %q", cmd, r.code, r.stderr, src.want)
						}
					}
				})
			}
		}
	}
}

// White space around a target is dropped in every intake, as a targets
// file's line is trimmed: --target ' 127.0.0.1 ', the environment's list
// and an inject file's {"value":" 127.0.0.1 "} send the same signatures.
// A cloud provider and account, their flags (as every setting's value,
// TestSettingValuesReadAlike) and the inject file's alike, are read
// without the white space around them; white space inside is refused.
func TestTargetWhiteSpaceOneRule(t *testing.T) {
	file := func(target string) string {
		return writeFile(t, "inject.json", `{"injector":"noop","targets":[`+target+`]}`)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stdout (exit 0) or stderr
	}{
		{"--target", nil, []string{"run", "noop", "--target", " 127.0.0.1 "}, 0, `"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"INJECTKIT_TARGET", map[string]string{"INJECTKIT_TARGET": " 127.0.0.1 "}, []string{"run", "noop"}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"targets file", nil, []string{"run", "noop", "--targets-file", writeFile(t, "hosts.txt", " 127.0.0.1 \n")}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"inject file value", nil, []string{"run", "--inject-file", file(`{"value":" 127.0.0.1 "}`)}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"inject file target_ipv4", nil, []string{"run", "--inject-file", file(`{"target_ipv4":"\t127.0.0.1 "}`)}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"--cloud-provider", nil, []string{"validate", "noop", "--cloud-provider", " aws ", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"}, 0,
			`valid: noop on 1 cloud target`},
		{"--cloud-provider, white space inside", nil, []string{"validate", "noop", "--cloud-provider", "a ws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"}, 2,
			`invalid --cloud-provider "a ws": must not hold white space`},
		{"--cloud-account", nil, []string{"run", "noop", "--cloud-provider", "aws", "--cloud-account", " 123456789012", "--cloud-region", "eu-west-1"}, 0,
			`"signature_type":"cloud_account_id","signature_value":"123456789012"`},
		{"inject file cloud_provider and cloud_account_id", nil, []string{"run", "--inject-file",
			file(`{"cloud_provider":" aws ","cloud_account_id":"123456789012 ","cloud_region":"eu-west-1"}`)}, 0,
			`"signature_type":"cloud_account_id","signature_value":"123456789012"`},
		{"inject file cloud_provider, white space inside", nil, []string{"validate", "--inject-file",
			file(`{"cloud_provider":"a ws","cloud_account_id":"123456789012","cloud_region":"eu-west-1"}`)}, 2,
			`invalid targets[0].cloud_provider "a ws": must not hold white space`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append(tt.args, "--log-level", "error")...)
			out := r.stdout
			if tt.code != 0 {
				out = r.stderr
			}
			if r.code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, want %d with %q:\n%s%s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
}
