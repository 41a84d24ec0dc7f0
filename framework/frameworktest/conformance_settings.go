package frameworktest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
)

// settings returns the settings the runtime would hand the executor:
// every setting its manifest declares, its default, or its value in
// Options.Settings. A key of Options.Settings the manifest does not
// declare fails the test.
func (c *checker) settings(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var keys []string
	for _, s := range c.m.Settings {
		out[s.Key] = s.Default
		keys = append(keys, s.Key)
	}
	for k, v := range c.o.Settings {
		if !slices.Contains(keys, k) {
			t.Fatalf("Options.Settings: %q is no setting of the manifest (declared: %s)", k, strings.Join(keys, ", "))
		}
		out[k] = v
	}
	return out
}

// checkSettings configures a framework.Configurer as the runtime does
// before each inject, with every declared setting (Options.Settings, else
// its default): Configure must accept them, without panicking. The
// executor checked by the later groups is the one configured. It records
// a failure in c.unconfigured, as it does a panic of Manifest (its
// settings unknown), which the manifest group reports.
func (c *checker) checkSettings(t testing.TB) {
	t.Helper()
	cf, ok := c.ex.(framework.Configurer)
	if !ok {
		if len(c.o.Settings) > 0 {
			t.Errorf("Options.Settings given, but the executor has no Configure method (framework.Configurer)")
		}
		return
	}
	c.unconfigured = true
	if c.manifestErr != nil {
		// Its settings are unknown: the manifest group reports the panic,
		// alone, and the runtime would run none of its injects.
		t.Logf("not configured: %v", c.manifestErr)
		return
	}
	settings := c.settings(t)
	err := hook.Call(c.o.Name, "Configure", func() error { return cf.Configure(settings) })
	var pe *hook.PanicError
	switch {
	case errors.As(err, &pe):
		t.Fatalf("%v\n%s", pe, pe.Stack)
	case err != nil:
		t.Fatalf("Configure refused the settings (give a required one in Options.Settings, with ConformanceWith): %v", err)
	}
	c.unconfigured = false
}
