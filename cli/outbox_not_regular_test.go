package cli_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// An outbox path naming a FIFO, a device or a directory is refused at
// once (exit 2), naming the setting, where it was given and the value:
// never opened (a FIFO's opening waits for a writer), nothing run.
func TestOutboxNotRegularRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.db")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	conf := writeFile(t, "c.yaml", "outbox: "+fifo+"\n")
	target := []string{"run", "noop", "--target", "127.0.0.1", "--log-level", "error"}
	backend := []string{"--backend-url", "https://127.0.0.1:1", "--inject-id", "inj-fifo", "--token", "abcdefgh12"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "abcdefgh12",
		"--injector-id", "00000000-0000-4000-8000-000000000001", "--injectors", "noop", "--listen-addr", ""}
	isFIFO := "a FIFO (named pipe), not a regular file"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"run --outbox FIFO", nil, append(append(target, backend...), "--outbox", fifo), `invalid outbox "` + fifo + `" (--outbox): ` + isFIFO},
		{"env INJECTKIT_OUTBOX", map[string]string{"INJECTKIT_OUTBOX": fifo}, target, `invalid outbox "` + fifo + `" (env INJECTKIT_OUTBOX): ` + isFIFO},
		{"config outbox", nil, append(target, "--config", conf), `invalid outbox "` + fifo + `" (config file ` + conf + `:1): ` + isFIFO},
		{"outbox list", nil, []string{"outbox", "list", "--outbox", fifo}, `invalid outbox "` + fifo + `" (--outbox): ` + isFIFO},
		{"outbox flush", nil, append([]string{"outbox", "flush", "--outbox", fifo}, backend[:2]...), `invalid outbox "` + fifo + `" (--outbox): ` + isFIFO},
		{"serve --outbox", nil, append(serve, "--outbox", fifo), `invalid outbox "` + fifo + `" (--outbox): ` + isFIFO},
		{"/dev/null", nil, append(target, "--outbox", "/dev/null"), `invalid outbox "/dev/null" (--outbox): a character device, not a regular file`},
		{"a directory", nil, append(target, "--outbox", dir), `invalid outbox "` + dir + `" (--outbox): a directory, not a regular file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stderr, tt.want)
			}
			if strings.Contains(r.stderr, "lost") {
				t.Errorf("stderr speaks of signatures lost:\n%s", r.stderr)
			}
		})
	}
}
