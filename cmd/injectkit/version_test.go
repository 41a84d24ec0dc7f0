package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/injectors/cloudscan/cloudscantest"
)

// The version, commit and Go version stamped with -ldflags (as make build
// and make release do) are what `version` and --version print.
func TestBinaryVersionIsStamped(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errs := injectkit(t, nil, args...)
		if want := "injectkit 9.9.9 (commit c0ffee012345, go9.9.9, " + platform + ")\n"; code != 0 || out != want {
			t.Errorf("%v: exit %d, stdout %q, want %q; stderr %s", args, code, out, want, errs)
		}
	}
	code, out, errs := injectkit(t, nil, "version", "-o", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %q %s", code, err, out, errs)
	}
	want := map[string]string{"name": "injectkit", "version": "9.9.9", "commit": "c0ffee0123456789", "go_version": "go9.9.9", "platform": platform}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %q, want %q", k, v[k], w)
		}
	}
	if len(v) != len(want) || strings.Contains(out, "\n\n") {
		t.Errorf("version -o json: %q", out)
	}
}

// Without -ldflags, the version and commit come from what the go command
// recorded: go install's module version, go build's VCS revision.
func TestBuildStamp(t *testing.T) {
	info := func(version string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	tests := []struct {
		name                  string
		version, commit       string
		bi                    *debug.BuildInfo
		wantVersion, wantComm string
	}{
		{"go install @v1.2.3", "dev", "unknown", info("v1.2.3"), "v1.2.3", "unknown"},
		{"go build in a checkout", "dev", "unknown", info("v0.0.0-20261130190907-6c0dc5cc2c05", "vcs.revision", "6c0dc5cc2c05aa", "vcs.modified", "false"),
			"v0.0.0-20261130190907-6c0dc5cc2c05", "6c0dc5cc2c05aa"},
		{"changed tree", "dev", "unknown", info("(devel)", "vcs.revision", "abc", "vcs.modified", "true"), "dev", "abc-dirty"},
		{"no information", "dev", "unknown", info(""), "dev", "unknown"},
		{"-ldflags win", "1.0.0", "c0ffee", info("v9.9.9", "vcs.revision", "abc"), "1.0.0", "c0ffee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, c := buildStamp(tt.version, tt.commit, tt.bi)
			if v != tt.wantVersion || c != tt.wantComm {
				t.Errorf("buildStamp = %q, %q; want %q, %q", v, c, tt.wantVersion, tt.wantComm)
			}
		})
	}
}

// The binary built with the shipped tags (urfave_cli_no_docs: no man page
// or Markdown output, nor the Markdown parser) still prints its help and
// every shell's completion script, and links no Markdown parser.
func TestBinaryBuiltWithShippedTags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "COMMANDS:"},
		{[]string{"run", "--help"}, "--target"},
		{[]string{"completion", "bash"}, "complete -o bashdefault -o default -F _injectkit_complete injectkit"},
		{[]string{"completion", "zsh"}, "#compdef injectkit"},
		{[]string{"completion", "fish"}, "complete -c injectkit -n '__fish_seen_subcommand_from run validate injectors' -f -a"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := injectkit(t, nil, tt.args...)
			if code != 0 || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, stdout %q; want exit 0 and %q; stderr %s", code, out, tt.want, errs)
			}
		})
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Settings {
		if s.Key == "-tags" && s.Value != shippedTags {
			t.Errorf("built with -tags %q, want %q", s.Value, shippedTags)
		}
	}
	for _, d := range info.Deps {
		if strings.Contains(d.Path, "blackfriday") || strings.Contains(d.Path, "md2man") {
			t.Errorf("the binary links %s, which urfave_cli_no_docs leaves out", d.Path)
		}
	}
}

// A binary go install built (no -ldflags: its version read from the build
// information) identifies itself to AWS with the version `injectkit
// version` prints: cloudscan's user agent, which a CloudTrail trail logs,
// said injectkit/dev before.
func TestInstalledVersionIsTheUserAgents(t *testing.T) {
	aws := cloudscantest.NewAgents(t)
	dir := t.TempDir()
	cloudscantest.Isolate(t, dir)
	o := options(&debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}})
	var out, errs bytes.Buffer
	o.Stdout, o.Stderr = &out, &errs
	o.Getenv = func(k string) string {
		if k == "INJECTKIT_CLOUDSCAN_ENDPOINT_URL" {
			return aws.URL
		}
		return ""
	}
	if code := cli.Run(context.Background(), o, []string{"injectkit", "version"}); code != 0 || !strings.HasPrefix(out.String(), "injectkit v1.2.3 ") {
		t.Fatalf("version: exit %d, %q %s", code, out.String(), errs.String())
	}
	cli.Run(context.Background(), o, []string{"injectkit", "run", "cloudscan", "--cloud-provider", "aws", "--cloud-account", "123456789012",
		"--cloud-region", "eu-west-1", "--param", "retry_max_backoff=1ms", "--log-level", "error"})
	aws.Want(t, "injectkit/v1.2.3", errs.String())
}
