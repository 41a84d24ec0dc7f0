package signatures_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no golden cases under testdata/")
	}
	for _, in := range dirs {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			post, payload, err := runGolden(t, in)
			if err != nil {
				compareGolden(t, filepath.Join(dir, "error.txt"), []byte(err.Error()+"\n"))
				for _, f := range []string{"post.json", "payload.json"} {
					staleGolden(t, filepath.Join(dir, f), "failed with "+err.Error())
				}
				return
			}
			staleGolden(t, filepath.Join(dir, "error.txt"), "succeeded")
			compareGolden(t, filepath.Join(dir, "post.json"), indent(t, post))
			compareGolden(t, filepath.Join(dir, "payload.json"), indent(t, payload))
		})
	}
}

func runGolden(t *testing.T, path string) ([]signatures.Signature, signatures.Payload, error) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var in goldenInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
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

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s missing; run go test ./signatures -run TestGolden -update to create it; got:\n%s", path, got)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, strings.TrimSpace(string(want)))
	}
}

// staleGolden reports an expected file that contradicts the outcome, or
// removes it under -update.
func staleGolden(t *testing.T, path, outcome string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return
	}
	if *update {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s, but %s expects otherwise", outcome, path)
}
