package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// A run given no target is refused naming the category the injector
// takes, and its hint names the ways to give targets of it (every way,
// for an injector that takes any), from no flag, an empty config file or
// an inject file with no target alike.
func TestNoTargetNamesTheWaysToGiveOne(t *testing.T) {
	const anyWay = "hint: give targets with --target or --targets-file (network), --query (external), " +
		"--cloud-provider, --cloud-account and --cloud-region (cloud), or in --inject-file"
	empty := writeFile(t, "empty.yaml", "")
	noTargets := writeFile(t, "inject.json", `{"targets":[]}`)
	tests := []struct {
		name string
		cat  framework.Category
		args []string
		want []string
	}{
		{"any category", "", nil, []string{"invalid targets: at least one target is required\n", anyWay}},
		{"any category, empty config", "", []string{"--config", empty}, []string{"invalid targets: at least one target is required\n", anyWay}},
		{"network", framework.Network, nil, []string{"invalid targets: at least one target is required (injector probe takes network targets)",
			"hint: give network targets with --target (an address, a host name or a CIDR range) or --targets-file, or in --inject-file"}},
		{"network, inject file", framework.Network, []string{"--inject-file", noTargets}, []string{
			"inject file " + noTargets + ": invalid targets: at least one target is required (injector probe takes network targets)",
			"hint: give network targets with --target"}},
		{"external", framework.External, nil, []string{"(injector probe takes external targets)",
			"hint: give external targets with --query (repeatable; a --target narrows each query), or in --inject-file"}},
		{"cloud", framework.Cloud, nil, []string{"(injector probe takes cloud targets)",
			"hint: give cloud targets with --cloud-provider, --cloud-account and --cloud-region (repeatable), or in --inject-file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr := refusedBeforeRunOf(t, tt.cat, "error", nil, tt.args...)
			checkSays(t, "stderr", stderr, tt.want, nil)
		})
	}
}
