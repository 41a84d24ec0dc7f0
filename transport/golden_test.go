package transport

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/bodies")

// TestGoldenBodies walks testdata/bodies/<case>/: input.json holds the
// inject id, phase, optional max_payload_size and payload; bodies.jsonl the
// bodies Bodies returns, one per line, or error.txt the error it returns.
func TestGoldenBodies(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "bodies", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, "input.json"))
			if err != nil {
				t.Fatal(err)
			}
			var in struct {
				InjectID       string             `json:"inject_id"`
				Phase          string             `json:"phase"`
				MaxPayloadSize int                `json:"max_payload_size"`
				Payload        signatures.Payload `json:"payload"`
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				t.Fatal(err)
			}
			bodies, err := Bodies(in.InjectID, in.Phase, in.Payload, in.MaxPayloadSize)
			var got []byte
			name := "bodies.jsonl"
			if err != nil {
				name, got = "error.txt", []byte(err.Error()+"\n")
			} else {
				for _, b := range bodies {
					if !json.Valid(b) {
						t.Errorf("invalid JSON body: %s", b)
					}
					if in.MaxPayloadSize > 0 && len(b) > in.MaxPayloadSize {
						t.Errorf("body of %d bytes over %d", len(b), in.MaxPayloadSize)
					}
					got = append(append(got, b...), '\n')
				}
			}
			path := filepath.Join(dir, name)
			if *update {
				for _, old := range []string{"bodies.jsonl", "error.txt"} {
					_ = os.Remove(filepath.Join(dir, old))
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (got %s)", err, got)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs:\n got %s\nwant %s", name, got, want)
			}
		})
	}
}
