package signatures_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

	clk := testkit.NewClock(in.Start)
	m := signatures.NewManager(signatures.WithClock(clk.Now),
		signatures.WithResolver(pinnedResolver(in.SourceIPv4, in.SourceIPv6, nil)))
	pre, err := m.CompilePre(cfgs...)
	if err != nil {
		return nil, signatures.Payload{}, err
	}
	clk.Add(elapsed)
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

// TestWireFormatDoc keeps docs/wire-format.md honest: every JSON block in it
// parses, and the golden payloads it quotes appear in it unchanged.
func TestWireFormatDoc(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "wire-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []any
	parts := strings.Split(string(doc), "```json\n")
	for i, p := range parts[1:] {
		body, _, ok := strings.Cut(p, "```")
		if !ok {
			t.Fatalf("json block %d is not closed", i)
		}
		body = strings.ReplaceAll(body, "[ ... ]", "[]") // the envelope elides its targets
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Errorf("json block %d does not parse: %v\n%s", i, err, body)
			continue
		}
		blocks = append(blocks, v)
	}
	for _, c := range []string{"network_detection_prevention", "cloud_multi_region"} {
		raw, err := os.ReadFile(filepath.Join("testdata", c, "payload.json"))
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, b := range blocks {
			if reflect.DeepEqual(b, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("docs/wire-format.md does not quote testdata/%s/payload.json as it now is", c)
		}
	}
}
