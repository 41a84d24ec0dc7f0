package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/injectors/cloudscan/cloudscantest"
)

// TestReferenceInjectorsSayInjectkitsVersion: the reference injectors hello
// serves identify themselves with the version of injectkit the binary is
// built with, as injectkit's own binary does: cloudscan's User-Agent,
// which a CloudTrail trail logs, said injectkit/dev whatever the version.
func TestReferenceInjectorsSayInjectkitsVersion(t *testing.T) {
	aws := cloudscantest.NewAgents(t)
	dir := t.TempDir()
	cloudscantest.Isolate(t, dir)
	bi := &debug.BuildInfo{Main: debug.Module{Path: "example.com/hello", Version: "(devel)"},
		Deps: []*debug.Module{{Path: "github.com/injectkit/injectkit", Version: "v1.2.3"}}}
	o := appOptions(bi)
	var out, errs bytes.Buffer
	o.Stdout, o.Stderr = &out, &errs
	o.Getenv = func(k string) string {
		switch k {
		case "INJECTKIT_CLOUDSCAN_ENDPOINT_URL":
			return aws.URL
		case "XDG_STATE_HOME":
			return dir
		}
		return ""
	}
	cli.Run(context.Background(), o, []string{"hello", "run", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
		"--cloud-region", "eu-west-1", "--param", "retry_max_backoff=1ms", "--log-level", "error"})
	aws.Want(t, "injectkit/v1.2.3", errs.String())
}

// TestInjectkitVersion reads injectkit's version from the build
// information as the go command records it.
func TestInjectkitVersion(t *testing.T) {
	const mod = "github.com/injectkit/injectkit"
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "dev"},
		{"required", &debug.BuildInfo{Deps: []*debug.Module{{Path: "go.uber.org/zap", Version: "v1.27.0"},
			{Path: mod, Version: "v1.2.3"}}}, "v1.2.3"},
		{"replaced by a local clone", &debug.BuildInfo{Deps: []*debug.Module{{Path: mod, Version: "v0.0.0",
			Replace: &debug.Module{Path: "../injectkit"}}}}, "dev"},
		{"replaced by another version", &debug.BuildInfo{Deps: []*debug.Module{{Path: mod, Version: "v1.0.0",
			Replace: &debug.Module{Path: mod, Version: "v1.0.1"}}}}, "v1.0.1"},
		{"inside injectkit's tree", &debug.BuildInfo{Main: debug.Module{Path: mod, Version: "(devel)"}}, "dev"},
		{"inside injectkit's tree, stamped by the go command", &debug.BuildInfo{Main: debug.Module{Path: mod,
			Version: "v0.0.0-20261207120000-0123456789ab"}}, "v0.0.0-20261207120000-0123456789ab"},
	}
	for _, tt := range tests {
		if got := injectkitVersion(tt.bi); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
