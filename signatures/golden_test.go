package signatures_test

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenInput is a case's input.json: the configurations of one inject, the
// pinned environment and the tool's outcome.
type goldenInput struct {
	// Targets are network targets as BuildNetworkConfigs takes them
	// (strings or objects).
	Targets  []any                       `json:"targets"`
	Cloud    []signatures.CloudConfig    `json:"cloud"`
	External []signatures.ExternalConfig `json:"external"`

	SourceIPv4 string `json:"source_ipv4"`
	SourceIPv6 string `json:"source_ipv6"`
	// Start is the clock at CompilePre; Elapsed is how long the tool ran.
	Start   time.Time `json:"start"`
	Elapsed string    `json:"elapsed"`

	Output           signatures.ToolOutput    `json:"output"`
	SignatureTargets []signatures.Attribution `json:"signature_targets"`
	ExpectationTypes []string                 `json:"expectation_types"`
}

// TestGolden walks testdata/<case>/: each case's input.json runs through
// CompilePre, CompilePost and BuildPayload; the result must equal post.json
// and payload.json, or the error must equal error.txt. Run with -update to
// rewrite the expected files.
func TestGolden(t *testing.T) {
	testkit.Cases(t, filepath.Join("testdata", "*", "input.json"), func(t *testing.T, dir string) {
		post, payload, err := runGolden(t, filepath.Join(dir, "input.json"))
		got := map[string][]byte{"post.json": nil, "payload.json": nil}
		if err == nil {
			got["post.json"], got["payload.json"] = indent(t, post), indent(t, payload)
		}
		testkit.GoldenOutcome(t, dir, got, err, *update)
	})
}

func runGolden(t *testing.T, path string) ([]signatures.Signature, signatures.Payload, error) {
	t.Helper()
	var in goldenInput
	testkit.ReadJSON(t, path, &in)
	elapsed, err := time.ParseDuration(in.Elapsed)
	if err != nil {
		t.Fatalf("%s: elapsed: %v", path, err)
	}

	var cfgs []signatures.Config
	if len(in.Targets) > 0 {
		nets, err := signatures.BuildNetworkConfigs(in.Targets...)
		if err != nil {
			return nil, signatures.Payload{}, err
		}
		for _, c := range nets {
			cfgs = append(cfgs, c)
		}
	}
	for _, c := range in.Cloud {
		cfgs = append(cfgs, c)
	}
	for _, c := range in.External {
		cfgs = append(cfgs, c)
	}
	var types []signatures.ExpectationType
	for _, s := range in.ExpectationTypes {
		et, err := signatures.ParseExpectationType(s)
		if err != nil {
			return nil, signatures.Payload{}, err
		}
		types = append(types, et)
	}

	clk := newClock(in.Start)
	m := signatures.NewManager(signatures.WithClock(clk.Now),
		signatures.WithResolver(pinnedResolver(in.SourceIPv4, in.SourceIPv6, nil)))
	pre, err := m.CompilePre(cfgs...)
	if err != nil {
		return nil, signatures.Payload{}, err
	}
	clk.Advance(elapsed)
	post, err := m.CompilePost(pre, in.Output)
	if err != nil {
		return nil, signatures.Payload{}, err
	}
	p, err := signatures.BuildPayload(post, in.SignatureTargets, types, in.Output.ExtraByType, in.Output.TargetExtras...)
	if err != nil {
		return nil, signatures.Payload{}, err
	}
	return post, p, nil
}

func indent(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}
