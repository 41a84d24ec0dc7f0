package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev"
)

// greetParams are the params of greeter, a third-party injector.
type greetParams struct {
	Greeting string        `json:"greeting" doc:"what to say"`
	Limit    int           `json:"limit" doc:"at most this many"`
	Loud     bool          `json:"loud" doc:"shout it"`
	Pause    time.Duration `json:"pause" doc:"between two"`
}

// greeter is a third-party injector: the stand-in knows it only from the
// listing its binary prints.
type greeter struct{}

func (greeter) NewParams() any { return &greetParams{Greeting: "hello", Limit: 2, Loud: true} }
func (g greeter) Manifest() framework.Manifest {
	return framework.Manifest{Name: "greeter", Category: framework.Network, Params: framework.MustParamsSpec(g.NewParams()),
		Expectations:   []framework.ExpectationType{framework.Detection},
		Outputs:        []framework.Output{{Type: "text", Field: "greetings", Labels: []string{"greeter", "hello"}, Multiple: true}},
		AttackPatterns: []string{"T1046"},
		Platforms:      []string{"Linux"}, Domains: []framework.Domain{framework.DomainNetwork, {Name: "Own", Color: "#123456"}},
		SecurityPlatforms: map[framework.ExpectationType][]string{framework.Detection: {framework.SecurityNDR}}}
}
func (greeter) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// listing writes what `greeter-binary injectors ARGS… -o json` prints to a
// file and returns its name: the binary's own command line, run.
func listing(t *testing.T, args ...string) string {
	t.Helper()
	reg := framework.NewRegistry()
	builtin.Register(reg)
	reg.Register("greeter", func() framework.Executor { return greeter{} })
	var stdout, stderr bytes.Buffer
	o := cli.Options{Registry: reg, Name: "greeter-binary", Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil }}
	if code := cli.Run(context.Background(), o, append(append([]string{"greeter-binary", "injectors"}, args...), "-o", "json")); code != 0 {
		t.Fatalf("injectors %v: exit %d: %s", args, code, stderr.String())
	}
	name := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(name, stdout.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// A third-party injector's listing, one injector or all of its binary's,
// given as -manifest, registers its contract: the findings of an inject
// of its contract (-contract-of) are processed, not dropped as outputs no
// registration declared.
func TestManifestRegistersAThirdPartyInjector(t *testing.T) {
	const complete = `{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete",` +
		`"execution_output_structured":"{\"greetings\":[\"hello 127.0.0.1\"]}"}`
	tests := []struct {
		name string
		args []string
	}{
		{"one injector", []string{"greeter"}},
		{"every injector of the binary", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, stop := start(t, "-token", "tok", "-manifest", listing(t, tt.args...), "-contract-of", "greeter", "-inject", "inj-1",
				"-ingest-every", "0")
			post(t, url, "/api/injects/execution/reception/inj-1", "tok", `{"tracking_total_count":1}`)
			if got := post(t, url, "/api/injects/execution/callback/inj-1", "tok", complete); got != 200 {
				t.Fatalf("complete: %d", got)
			}
			if s := stop(); s.Processed != 1 || s.Dropped != 0 || s.Completions != 1 {
				t.Errorf("stats %+v, want the complete processed (first drop: %q)", s, s.FirstDropReason)
			}
		})
	}
}

// The injector listing decodes into the manifest the binary holds, its
// attack patterns and output labels included, but for a domain's colour
// other than the platform's own domains'.
func TestManifestReadsTheListing(t *testing.T) {
	ms, err := readManifests(listing(t, "greeter"))
	if err != nil || len(ms) != 1 {
		t.Fatalf("readManifests = %v, %v", ms, err)
	}
	got, want := ms[0], greeter{}.Manifest()
	want.Domains[1].Color = framework.DomainToClassify.Color
	for i := range want.Params { // the listing's doc adds the accepted forms of a duration
		want.Params[i].Doc = got.Params[i].Doc
	}
	if !manifestsEqual(got, want) {
		t.Errorf("manifest\n%+v\nwant\n%+v", got, want)
	}
}

func manifestsEqual(a, b framework.Manifest) bool {
	return fmtManifest(a) == fmtManifest(b)
}

func fmtManifest(m framework.Manifest) string {
	var b strings.Builder
	_, _ = io.WriteString(&b, strings.Join([]string{m.Name, string(m.Category), m.Description}, "|"))
	for _, x := range []any{m.Params, m.Expectations, m.Outputs, m.Platforms, m.AttackPatterns, m.Domains, m.SecurityPlatforms} {
		_, _ = io.WriteString(&b, "|"+strings.ReplaceAll(strings.TrimSpace(fmt.Sprintf("%+v", x)), "\n", " "))
	}
	return b.String()
}

// A -contract-of naming an injector the stand-in cannot name, and a
// -manifest file that is no injector listing, exit 2 naming the flag, the
// file and what is wrong, before the stand-in starts.
func TestManifestAndContractOfRefusals(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inject := file("inject.json", `{"inject_id": "inj-42", "injector": "noop", "targets": [{"value": "127.0.0.1"}]}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown -contract-of", []string{"-contract-of", "hello", "-inject", "x"},
			`-contract-of "hello": unknown injector (known: cloudscan, nmap, noop, query; give a third-party injector's manifest with -manifest FILE)`},
		{"-contract-of of another manifest", []string{"-manifest", listing(t, "greeter"), "-contract-of", "hello"},
			`-contract-of "hello": unknown injector`},
		{"an injector given twice", []string{"-register", "noop", "-manifest", listing(t)},
			`/manifest.json: injector "noop" given twice (by -register or another -manifest): give it once`},
		{"missing file", []string{"-manifest", filepath.Join(dir, "none.json")}, "-manifest: open "},
		{"empty file", []string{"-manifest", file("empty.json", " \n")}, "empty file (give what `BINARY injectors NAME -o json` prints)"},
		{"not JSON", []string{"-manifest", file("bad.json", "name: hello")}, "-manifest " + dir + "/bad.json: invalid character"},
		{"an inject file", []string{"-manifest", inject}, `-manifest ` + inject + `: injector 1 (""): no "name": not an injector listing`},
		{"a broken injector", []string{"-manifest", file("broken.json", `[{"name": "ok"}, {"name": "b", "broken": "its factory panicked"}]`)},
			`injector 2 ("b"): broken: its factory panicked`},
		{"an invalid manifest", []string{"-manifest", file("invalid.json", `{"name": "x", "expectations": ["SEEN"]}`)},
			`injector 1 ("x"): invalid x.expectations "SEEN": not an expectation type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a run the flags let start returns at once
			err := run(ctx, tt.args, io.Discard, io.Discard)
			var ue cmdkit.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%q) = %v, want a usage error holding %q", tt.args, err, tt.want)
			}
		})
	}
}

// A built-in injector's listing, given as -manifest, makes the contract
// serve registers for it, on both lines: its attack patterns (nmap's
// T1046) and its outputs' labels (query's "shodan") included.
func TestManifestMakesTheContractServeRegisters(t *testing.T) {
	listed, err := readManifests(listing(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := openaev.NewClient(openaev.Config{URL: "http://127.0.0.1:1", Token: "tok", InjectorID: standinInjectorID,
		InjectorName: "openaev-standin", InjectorType: "injectkit"})
	if err != nil {
		t.Fatal(err)
	}
	reg := builtinRegistry()
	for _, name := range reg.Names() {
		own, err := manifestsOf(reg, []string{name})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(listed, func(m framework.Manifest) bool { return m.Name == name })
		if i < 0 {
			t.Fatalf("the listing has no %s", name)
		}
		for _, v := range []openaev.PlatformVersion{{Current: true}, {Raw: "2.4.0"}} {
			want, err := c.Contracts(own, v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Contracts(listed[i:i+1], v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (current %v): -manifest's contract\n%+v\nwant serve's\n%+v", name, v.Current, got, want)
			}
		}
	}
}
