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
			envValue := s.first + "," + v
			if s.key == "query" {
				envValue = v
			}
			cfg := writeFile(t, "c.yaml", fmt.Sprintf("%s:\n  - %s\n  - %s\n", s.key, s.first, strconv.Quote(v)))
			sources := []refusal{
				{"flag", nil, []string{flag, v}, fmt.Sprintf("invalid %s %q: ", flag, v)},
				{"env", map[string]string{env: envValue}, nil, fmt.Sprintf("invalid %s %q (env %s): ", s.key, v, env)},
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
