package cli_test

import (
	"net/http"
	"testing"
)

// TestConfigGivenTwiceRefused checks that a second --config, which would
// drop the first file's settings (its backend and token), exits 2 before
// anything runs, in every command that reads a config file.
func TestConfigGivenTwiceRefused(t *testing.T) {
	be := newBackend(t, http.StatusAccepted)
	c1 := writeFile(t, "c1.yaml", "backend_url: "+be.URL+"\ntoken: t1\ninject_id: i-1\n")
	c2 := writeFile(t, "c2.yaml", "log_level: error\n")
	want := `--config given twice ("` + c1 + `", then "` + c2 + `"): files don't merge`
	tests := []struct {
		name string
		args []string
	}{
		{"run", []string{"run", "noop", "--target", "10.0.0.1", "--config", c1, "--config", c2}},
		{"validate", []string{"validate", "noop", "--target", "10.0.0.1", "--config", c1, "--config=" + c2}},
		{"outbox flush", []string{"outbox", "flush", "--config", c1, "--config", c2}},
		{"injectors", []string{"injectors", "--config", c1, "--config", c2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, tt.args...)
			checkRefused(t, r, want)
		})
	}
	t.Run("once", func(t *testing.T) {
		r := run(t, registry(), nil, "run", "noop", "--target", "10.0.0.1", "--config", c1, "--log-level", "error")
		if r.code != 0 || len(be.got()) != 1 {
			t.Fatalf("exit %d, %d requests, want 0 and 1: %s", r.code, len(be.got()), r.stderr)
		}
	})
	if n := len(be.got()); n != 1 {
		t.Errorf("%d requests sent, want only the one of a single --config", n)
	}
}
