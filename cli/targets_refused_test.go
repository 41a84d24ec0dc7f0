package cli_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// Every bad target is named, each where it was written, from one run: a
// targets file with 25 bad lines among good ones gets a line saying how
// many, then the first 20 (file:line and value), then how many more; a
// --target given several times its flag index; an inject file its JSON
// path and line. validate and run alike exit 2, the injector never run,
// nothing sent.
func TestEveryBadTargetNamed(t *testing.T) {
	var lines []string
	var want []string
	for i := 1; i <= 60; i++ {
		if i%2 == 1 && len(want) < 25 {
			lines = append(lines, fmt.Sprintf("bad host %d", i))
			want = append(want, fmt.Sprintf(`%%s:%d: invalid target "bad host %d": host name may hold only letters`, i, i))
			continue
		}
		lines = append(lines, fmt.Sprintf("127.0.0.%d", i))
	}
	many := writeFile(t, "many.txt", strings.Join(lines, "\n")+"\n")
	for i, w := range want {
		want[i] = fmt.Sprintf(w, many)
	}
	want = append(want[:20:20], "  and 5 more\n")
	inject := writeFile(t, "inject.json", `{"targets": [
 {"value": "127.0.0.1"},
 {"value": "a b"},
 {"target_ipv4": "10.0.0.0/8"},
 {"value": "x y", "asset": "a1"}
]}
`)
	tests := []struct {
		name   string
		args   []string
		header string
		want   []string
		never  string
	}{
		{"targets file of many bad lines", []string{"--targets-file", many}, "25 invalid targets, nothing run (the first 20 named):\n", want, "bad host 41"},
		{"several --target", []string{"--target", "127.0.0.1", "--target", "a b", "--target", "0.0.0.0", "--target", "c d"},
			"3 invalid targets, nothing run:\n", []string{
				`  invalid --target #2 "a b": `,
				`  invalid --target #3 "0.0.0.0": an unspecified address`,
				`  invalid --target #4 "c d": `,
			}, ""},
		{"inject file", []string{"--inject-file", inject}, "3 invalid targets, nothing run:\n", []string{
			`  inject file ` + inject + `:3: invalid targets[1].value "a b": `,
			`  inject file ` + inject + `:4: invalid targets[2].target_ipv4 "10.0.0.0/8": CIDR ranges expand to 16777216 addresses in all, more than --max-targets 65536`,
			`  inject file ` + inject + `:5: invalid targets[3].value "x y": `,
		}, ""},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"validate", "run"} {
			t.Run(tt.name+" "+cmd, func(t *testing.T) {
				var ran atomic.Bool
				reg := withExecutor("probe", func(_ context.Context, in *framework.Inject) framework.ToolOutput {
					ran.Store(true)
					return framework.ToolOutput{}
				})
				backend := transporttest.NewBackend(t)
				args := append([]string{cmd, "probe", "--outbox", "none", "--backend-url", backend.URL, "--inject-id", "inj-b"}, tt.args...)
				r := run(t, reg, nil, args...)
				if r.code != cli.ExitUsage || !strings.HasPrefix(r.stderr, "injectkit: "+tt.header) {
					t.Fatalf("exit %d, stderr:\n%s\nwant %d starting %q", r.code, r.stderr, cli.ExitUsage, tt.header)
				}
				rest := strings.TrimPrefix(r.stderr, "injectkit: "+tt.header)
				got := strings.Split(strings.TrimSuffix(rest, "\n"), "\n")
				if len(got) != len(tt.want) {
					t.Fatalf("%d lines after the first, want %d:\n%s", len(got), len(tt.want), r.stderr)
				}
				for i, w := range tt.want {
					w = strings.TrimSuffix(w, "\n")
					if !strings.HasPrefix(w, "  ") {
						w = "  " + w
					}
					if !strings.HasPrefix(got[i], w) {
						t.Errorf("line %d: %q, want it to start %q", i+2, got[i], w)
					}
				}
				if tt.never != "" && strings.Contains(r.stderr, tt.never) {
					t.Errorf("named %q, past the first 20", tt.never)
				}
				if ran.Load() || backend.Len() != 0 || r.stdout != "" {
					t.Errorf("ran %v, %d requests, stdout %q: want nothing run, sent nor printed", ran.Load(), backend.Len(), r.stdout)
				}
			})
		}
	}
}
