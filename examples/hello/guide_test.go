package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// TestGuideQuotesAParamInTheConfigFile runs the refusal the guide quotes
// for a param written in the config file under its injector's name, with
// the guide's own binary: the line hello says is the line quoted (the
// guide quoted keyed.region, a param its keyed does not have: a reader
// following it got "unknown key keyed.region" and nothing of the rest).
func TestGuideQuotesAParamInTheConfigFile(t *testing.T) {
	guide, err := os.ReadFile("../../docs/writing-an-injector.md")
	if err != nil {
		t.Fatal(err)
	}
	quoted := regexp.MustCompile("`(config file c\\.yaml:2: unknown key ([a-z_]+)\\.([a-z_]+); [^`]*)`").
		FindStringSubmatch(strings.Join(strings.Fields(string(guide)), " "))
	if quoted == nil {
		t.Fatal("the guide quotes no refusal of a param in the config file")
	}
	t.Chdir(t.TempDir()) // the line names the file as given: c.yaml
	if err := os.WriteFile("c.yaml", []byte(quoted[2]+":\n  "+quoted[3]+": hi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, stderr := options(t)
	code := cli.Run(context.Background(), o, []string{"hello", "validate", "hello", "--target", "127.0.0.1", "--config", "c.yaml"})
	if want := "hello: " + quoted[1] + "\n"; code != 2 || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; the guide quotes %q (exit 2)", code, stderr, want)
	}
}
