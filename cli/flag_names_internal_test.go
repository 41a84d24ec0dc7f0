package cli

import (
	"slices"
	"testing"

	ucli "github.com/urfave/cli/v2"
)

// TestNamesOnce checks that a flag namesOnce wraps answers as the flag it
// wraps: its names, its help, whether it takes a file; a boolean flag is
// left as it is.
func TestNamesOnce(t *testing.T) {
	str := &ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "u (env INJECTKIT_OUTPUT)", TakesFile: true}
	gen := &ucli.GenericFlag{Name: "target", Usage: "t (env INJECTKIT_TARGET)", Value: &repeated{}}
	boo := &ucli.BoolFlag{Name: "insecure", Usage: "i"}
	cmd := &ucli.Command{Name: "run", Flags: []ucli.Flag{str, gen, boo}}
	namesOnce(cmd)
	for i, tc := range []struct {
		names    []string
		usage    string
		takesVal bool
		same     bool // the flag itself, not a wrapper
	}{
		{[]string{"output", "o"}, str.Usage, true, false},
		{[]string{"target"}, gen.Usage, true, false},
		{[]string{"insecure"}, boo.Usage, false, true},
	} {
		f := cmd.Flags[i]
		if got := f.Names(); !slices.Equal(got, tc.names) {
			t.Errorf("flag %d: Names() = %q, want %q", i, got, tc.names)
		}
		df, ok := f.(ucli.DocGenerationFlag)
		if !ok || df.GetUsage() != tc.usage || df.TakesValue() != tc.takesVal {
			t.Errorf("flag %d (%T): help or value lost", i, f)
		}
		if same := f == []ucli.Flag{str, gen, boo}[i]; same != tc.same {
			t.Errorf("flag %d: is the flag itself: %v, want %v", i, same, tc.same)
		}
	}
	if env, ok := flagEnv(cmd.Flags[0]); !ok || env != "INJECTKIT_OUTPUT" {
		t.Errorf("flagEnv of the wrapped --output = %q, %v", env, ok)
	}
}
