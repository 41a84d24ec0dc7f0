package cli_test

import (
	"runtime"
	"strings"
	"testing"
)

// An inject file that fails while it is read (an I/O error) was named
// apart from every other input's failure, without the flag it was given
// by and with its path twice (`inject file /proc/self/mem: read
// /proc/self/mem: input/output error`), where a config or targets file
// reads `invalid config "/proc/self/mem" (--config): input/output error`.
// It is now named as they are, by the setting and where it was given.
func TestInjectFileReadErrorNamesTheSetting(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/self/mem, whose read at offset 0 fails, is Linux's")
	}
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"flag", []string{"--inject-file", "/proc/self/mem"}, nil, `invalid inject_file "/proc/self/mem" (--inject-file): input/output error`},
		{"environment", nil, map[string]string{"INJECTKIT_INJECT_FILE": "/proc/self/mem"}, `invalid inject_file "/proc/self/mem" (env INJECTKIT_INJECT_FILE): input/output error`},
		{"targets file, alike", []string{"--targets-file", "/proc/self/mem"}, nil, `invalid targets_file "/proc/self/mem" (--targets-file): input/output error`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append([]string{"validate", "noop"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, "injectkit: "+tt.want+"\n") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stderr, tt.want)
			}
		})
	}
}
