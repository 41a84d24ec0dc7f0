package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// A target of a category the injector does not take is named where the
// user wrote it, with its value (the flag, the variable, the config file's
// line, the targets file's line, the inject file's key), never by its
// category alone ("invalid targets \"network\""), by run and validate alike.
func TestRunWrongCategoryNamesWhereWritten(t *testing.T) {
	reg := registry(func(r *framework.Registry) {
		r.Register("cloudy", func() framework.Executor { return &frameworktest.Executor{Category: framework.Cloud} })
		r.Register("scanner", func() framework.Executor { return &frameworktest.Executor{Category: framework.Network} })
	})
	cfg := writeFile(t, "c.yaml", "target:\n  - 192.0.2.1\n")
	hosts := writeFile(t, "hosts.txt", "# hosts\n192.0.2.1\n")
	inject := writeFile(t, "i.json", `{"targets":[{"target_ipv4":"192.0.2.1"}]}`)
	const never = `invalid targets "`
	wantRefused(t, reg, nil, []string{"cloudy"}, never, []refusal{
		{name: "--target", args: []string{"--target", "192.0.2.1"}, want: `invalid --target "192.0.2.1": injector cloudy takes cloud targets`},
		{name: "INJECTKIT_TARGET", env: map[string]string{"INJECTKIT_TARGET": "192.0.2.1"},
			want: `invalid target "192.0.2.1" (env INJECTKIT_TARGET): injector cloudy takes cloud targets`},
		{name: "config file", args: []string{"--config", cfg}, want: `invalid target "192.0.2.1" (config file ` + cfg + `:2): injector cloudy takes cloud targets`},
		{name: "targets file", args: []string{"--targets-file", hosts}, want: hosts + `:2: invalid target "192.0.2.1": injector cloudy takes cloud targets`},
		{name: "inject file", args: []string{"--inject-file", inject}, want: `inject file ` + inject + `:1: invalid targets[0] "192.0.2.1": injector cloudy takes cloud targets`},
	})
	wantRefused(t, reg, nil, []string{"scanner"}, never, []refusal{
		{name: "--query", args: []string{"--query", "port:22"}, want: `invalid --query "port:22": injector scanner takes network targets`},
		{name: "--query narrowed to a --target", args: []string{"--query", "port:22", "--target", "192.0.2.1"},
			want: `invalid --query "port:22": injector scanner takes network targets`},
		{name: "INJECTKIT_QUERY", env: map[string]string{"INJECTKIT_QUERY": "port:22"},
			want: `invalid query "port:22" (env INJECTKIT_QUERY): injector scanner takes network targets`},
		{name: "--cloud-region", args: []string{"--cloud-provider", "aws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"},
			want: `invalid --cloud-region "eu-west-1": injector scanner takes network targets`},
	})
}
