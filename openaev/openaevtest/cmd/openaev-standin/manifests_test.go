package main

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// panicsInManifest is an injector whose Manifest panics.
type panicsInManifest struct{ frameworktest.Executor }

func (*panicsInManifest) Manifest() framework.Manifest { panic("boom in manifest") }

// -register naming an injector whose factory or Manifest panics is an
// error naming -register, the injector, the method and the panic's
// message, never a crash; the working ones give their manifests.
func TestManifestsOfReportsABrokenInjector(t *testing.T) {
	r := framework.NewRegistry()
	r.Register("ok", func() framework.Executor { return &frameworktest.Executor{} })
	r.Register("factory", func() framework.Executor { panic("boom in factory") })
	r.Register("manifest", func() framework.Executor { return &panicsInManifest{} })
	if ms, err := manifestsOf(r, []string{"ok"}); err != nil || len(ms) != 1 || ms[0].Name != "ok" {
		t.Fatalf("manifestsOf(ok) = %v, %v", ms, err)
	}
	tests := []struct{ name, want string }{
		{"factory", "-register: injector factory: its factory panicked: boom in factory"},
		{"manifest", "-register: injector manifest: Manifest panicked: boom in manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := manifestsOf(r, []string{"ok", tt.name})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("manifestsOf(ok, %s) error = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}
